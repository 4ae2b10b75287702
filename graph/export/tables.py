"""Tables as files for Excel: CSV in UTF-8 with a BOM (Excel on Chinese Windows opens it with
the Chinese intact) and XLSX with one sheet per table, numbers as numbers.

A :class:`Table` is a title, column names and rows of plain values (text, numbers, None,
booleans, lists, dicts — the last two written as JSON text).

>>> t = Table("排名", ["rank", "name", "gmv"], [[1, "杭州锦绣", 1234.5], [2, "水贝金缘", None]])
>>> to_csv(t)[:3] == b"\\xef\\xbb\\xbf"
True
>>> to_csv(t).decode("utf-8-sig").splitlines()[1]
'1,杭州锦绣,1234.5'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass

BOM = "\ufeff"
#: Characters Excel reads as the start of a formula: a cell from the data that starts with one
#: is written with a leading apostrophe in CSV (OWASP "CSV injection"); XLSX cells are typed text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list]


def _plain(v):
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _csv_cell(v):
    v = _plain(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _is_number(v):
        return "'" + v
    return v


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", text) is not None


def to_csv(table: Table) -> bytes:
    """One table as CSV, UTF-8 with a BOM."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(table.columns)
    for row in table.rows:
        w.writerow([_csv_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("_", title)[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def to_xlsx(tables: list[Table]) -> bytes:
    """Tables as one workbook, a sheet each; numbers stay numbers, text stays text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.title, used))
        ws.append(list(table.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([_plain(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = TYPE_STRING  # shown as text, never evaluated
        for i, name in enumerate(table.columns, start=1):
            width = max([len(str(name))] + [len(str(_plain(r[i - 1]) or "")) for r in table.rows[:200]])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, max(8, width * 1.6))
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
