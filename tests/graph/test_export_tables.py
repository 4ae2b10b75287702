"""Tables for Excel: CSV with a BOM and formulas defused, XLSX with numbers as numbers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from graph.export.tables import Table, to_csv, to_xlsx

T = Table("排名 2020Q4", ["rank", "name", "gmv", "roles"],
          [[1, "杭州锦绣女装供应链", 1234.5, ["mcn", "belt"]], [2, "=HYPERLINK(\"http://x\")", None, []],
           [3, "-1", -1.5, None]])


def test_csv_has_a_bom_keeps_chinese_and_defuses_formulas():
    data = to_csv(T)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "rank,name,gmv,roles"
    assert lines[1] == "1,杭州锦绣女装供应链,1234.5,mcn;belt"
    assert lines[2].startswith("2,\"'=HYPERLINK(") and lines[3] == "3,-1,-1.5,"  # a number stays a number


def test_xlsx_has_a_sheet_per_table_numbers_as_numbers_and_no_formula():
    wb = load_workbook(io.BytesIO(to_xlsx([T, Table("排名 2020Q4", ["a"], [[1]])])))
    assert wb.sheetnames == ["排名 2020Q4", "排名 2020Q4 (2)"]
    ws = wb["排名 2020Q4"]
    assert [c.value for c in ws[1]] == ["rank", "name", "gmv", "roles"]
    assert ws["A2"].value == 1 and ws["C2"].value == 1234.5 and ws["B2"].value == "杭州锦绣女装供应链"
    assert ws["B3"].data_type == "s" and ws["B3"].value.startswith("=HYPERLINK")
