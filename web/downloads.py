"""Downloads of tables: ``?format=csv`` (UTF-8 with BOM) or ``xlsx`` on a page's download route."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from flask import Response

from graph.errors import BadRequest
from graph.export.tables import Table, to_csv, to_xlsx

TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def send_tables(name: str, tables: list[Table], fmt: str) -> Response:
    """A download of ``tables`` as ``name-YYYY-MM-DD.csv`` (the first table) or ``.xlsx`` (all of them)."""
    if fmt not in TYPES:
        raise BadRequest(f"format must be csv or xlsx, not {fmt!r}")
    body = to_csv(tables[0]) if fmt == "csv" else to_xlsx(tables)
    filename = f"{name}-{dt.date.today().isoformat()}.{fmt}"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, mimetype=TYPES[fmt].split(";")[0], headers={"Content-Disposition": disposition,
                                                                       "Content-Type": TYPES[fmt]})
