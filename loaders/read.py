"""Readers: a bundle folder, a .zip of one, or an .xlsx workbook, into raw string tables.

Every reader has the same shape: ``read_X(path) -> RawBundle``. A RawBundle is
a list of RawTable, each the text cells of one bundle file (``nodes/Belt.csv``)
with a way to turn a row number into the line a user sees in their editor.
Nothing here knows the model; ``loaders.validate`` checks and types the cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.errors import BundleError, Problem
from graph.store import ProgressFn

SECTIONS = ("nodes", "rels", "facts")


@dataclass
class RawTable:
    """The cells of one bundle file, all text (null where empty)."""

    path: str                      # logical name: nodes/Belt.csv
    display: str                   # how messages name it: nodes/Belt.csv, or book.xlsx[Belt]
    columns: list[str]             # header as written, trimmed
    table: pa.Table                # one string column per header cell, in order
    lines: np.ndarray | None = None  # line of each row; None means row + 2
    problems: list[Problem] = field(default_factory=list)  # malformed rows found while reading
    encoding: str = "utf-8"

    @property
    def section(self) -> str:
        return PurePosixPath(self.path).parts[0]

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).stem

    def line(self, row: int) -> int:
        return int(self.lines[row]) if self.lines is not None else row + 2

    def column(self, i: int) -> pa.ChunkedArray:
        return self.table.column(i)


@dataclass
class RawBundle:
    source: str
    tables: list[RawTable]
    ignored: list[str] = field(default_factory=list)



def read_bundle(path: str | Path, progress: ProgressFn | None = None) -> RawBundle:
    """Read a bundle from a folder, a .zip or an .xlsx workbook."""
    p = Path(path)
    if not p.exists():
        raise BundleError([Problem(str(p), 0, "no such file or folder")])
    if p.is_dir():
        return read_folder(p, progress)
    suffix = p.suffix.lower()
    if suffix == ".zip":
        return read_zip(p, progress)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(p, progress)
    raise BundleError([Problem(str(p), 0, "not a bundle: expected a folder, a .zip or an .xlsx workbook")])


# ---------------------------------------------------------------- folder, zip

def _bundle_entries(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map logical names (nodes/Belt.csv) to entries, finding the bundle's root folder."""
    roots: dict[str, int] = {}
    for n in names:
        parts = PurePosixPath(n).parts
        for i, part in enumerate(parts[:-1]):
            if part in SECTIONS:
                root = "/".join(parts[:i])
                roots[root] = roots.get(root, 0) + 1
                break
    if not roots:
        return {}, names
    root = min(roots, key=lambda r: (r.count("/") if r else -1, -roots[r]))
    prefix = root + "/" if root else ""
    found, ignored = {}, []
    for n in names:
        rel = n[len(prefix):] if n.startswith(prefix) else None
        parts = PurePosixPath(rel).parts if rel else ()
        if len(parts) == 2 and parts[0] in SECTIONS and parts[1].lower().endswith(".csv") \
                and not parts[1].startswith("."):
            found[f"{parts[0]}/{parts[1]}"] = n
        elif len(parts) >= 2 and parts[0] in SECTIONS and not parts[-1].startswith("."):
            ignored.append(n)  # something in a bundle folder that is not a CSV file
    return found, ignored


def read_folder(root: Path, progress: ProgressFn | None = None) -> RawBundle:
    names = [str(p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file()]
    found, ignored = _bundle_entries(names)
    tables = [parse_csv((root / entry).read_bytes(), logical, logical, progress)
              for logical, entry in sorted(found.items())]
    return RawBundle(str(root), tables, ignored)


def _zip_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def read_zip(path: Path, progress: ProgressFn | None = None) -> RawBundle:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BundleError([Problem(path.name, 0, "not a valid .zip file")]) from None
    with zf:
        infos = {_zip_name(i): i for i in zf.infolist() if not i.is_dir()}
        found, ignored = _bundle_entries(sorted(infos))
        tables = [parse_csv(zf.read(infos[entry]), logical, logical, progress)
                  for logical, entry in sorted(found.items())]
    return RawBundle(str(path), tables, ignored)


# ---------------------------------------------------------------- encodings

def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file's bytes: UTF-8 (BOM or not), UTF-16 with BOM, or GB18030/GBK.

    >>> decode_text("名称".encode("gbk"))
    ('名称', 'gb18030')
    >>> decode_text(codecs.BOM_UTF8 + b"id")
    ('id', 'utf-8-sig')
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    # Give the detector a sample that holds the non-ASCII text.
    first = next((i for i, b in enumerate(data) if b >= 0x80), 0)
    sample = data[max(0, first - 1000): first + 200_000]
    matches = charset_normalizer.from_bytes(sample)
    names = [m.encoding.lower().replace("-", "_") for m in matches]
    # Our users' files come from Excel on Chinese Windows: when the detector finds
    # GB18030 (or its subsets GB2312/GBK) plausible at all, take it, since short
    # Chinese samples are often scored a little higher as Big5 or CP949.
    gb = [n for n in names if n in ("gb18030", "gbk", "gb2312", "cp936", "hz")]
    guess = "gb18030" if gb or not names else names[0]
    try:
        return data.decode(guess), guess
    except (UnicodeDecodeError, LookupError):
        return data.decode("gb18030", errors="replace"), "gb18030"


# ---------------------------------------------------------------- csv

def _sniff_delimiter(header_line: str) -> str:
    if "\t" in header_line and "," not in header_line:
        return "\t"
    if ";" in header_line and "," not in header_line and "\t" not in header_line:
        return ";"
    return ","


def _record_lines(text: str, delimiter: str) -> np.ndarray:
    """The line on which each non-empty data record starts (slow path, exact)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, prev = [], 0
    for i, rec in enumerate(reader):
        start = prev + 1
        prev = reader.line_num
        if i == 0 or not rec or (len(rec) == 1 and rec[0] == ""):
            continue
        starts.append(start)
    return np.asarray(starts, dtype=np.int64)


def _utf8_prefix(data: bytes, size: int = 1 << 16) -> bool:
    """Whether the first bytes decode as UTF-8 (a cut character at the end is fine)."""
    try:
        data[:size].decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        return e.start >= min(len(data), size) - 4


def _read(body: bytes, names: list[str], delimiter: str, on_invalid) -> pa.Table:
    return pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
    )


def parse_csv(data: bytes, logical: str, display: str, progress: ProgressFn | None = None) -> RawTable:
    """Parse one CSV file's bytes into a RawTable of text cells."""
    if progress:
        progress(f"reading {display}", 0, len(data))
    text = None
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    encoding = "utf-8-sig" if body is not data else "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or not _utf8_prefix(body):
        text, encoding = decode_text(data)
        body = text.encode("utf-8")

    head_end = body.find(b"\n")
    header_line = (body if head_end < 0 else body[:head_end]).decode("utf-8").rstrip("\r")
    if not header_line.strip():
        return RawTable(logical, display, [], pa.table({}),
                        problems=[Problem(display, 1, "empty file: expected a header row")], encoding=encoding)
    delimiter = _sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter))
    header = [h.strip().lstrip("\ufeff") for h in header]
    names = [f"c{i}" for i in range(len(header))]
    bad_rows: list[Problem] = []

    def on_invalid(row):
        bad_rows.append(Problem(display, row.number or 0,
                                f"expected {row.expected_columns} fields as in the header, found {row.actual_columns}"))
        return "skip"

    table = None
    for attempt in (1, 2):
        try:
            table = _read(body, names, delimiter, on_invalid)
            break
        except pa.ArrowInvalid as e:
            if attempt == 2 or text is not None or "utf8" not in str(e).lower():
                return RawTable(logical, display, header, pa.table({}),
                                problems=[Problem(display, 1, f"cannot parse CSV: {e}")], encoding=encoding)
            # Not UTF-8 after all (only the first bytes were): detect, decode, parse again.
            bad_rows.clear()
            text, encoding = decode_text(data)
            body = text.encode("utf-8")
    if any(p.line == 0 for p in bad_rows):
        # The multi-threaded parser does not know line numbers: find the rows again.
        reader = csv.reader(io.StringIO(text if text is not None else body.decode("utf-8"), newline=""),
                            delimiter=delimiter)
        found, prev = [], 0
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if rec and len(rec) != len(header) and start > 1:
                found.append(Problem(display, start, f"expected {len(header)} fields as in the header, "
                                                     f"found {len(rec)}"))
        bad_rows = found or bad_rows
    # Trim every cell; a cell of spaces is empty.
    cols = []
    for col in table.columns:
        t = pc.utf8_trim_whitespace(col)
        cols.append(pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t))
    table = pa.Table.from_arrays(cols, names=header) if cols else pa.table({})
    # Fast exact line numbers when every record is one line; else count them.
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    lines = None
    if n_lines != table.num_rows + 1 or bad_rows:
        lines = _record_lines(text if text is not None else body.decode("utf-8"), delimiter)
        if bad_rows:
            bad = {p.line for p in bad_rows}
            lines = np.asarray([ln for ln in lines if ln not in bad], dtype=np.int64)
        if len(lines) != table.num_rows:  # parsers disagree on some odd input: fall back
            lines = None
    if progress:
        progress(f"reading {display}", len(data), len(data))
    return RawTable(logical, display, header, table, lines, bad_rows, encoding)


# ---------------------------------------------------------------- xlsx

def _sheet_logical(sheet: str) -> str | None:
    """Map a sheet name (Belt, nodes.Belt, IN_BELT, livestreams) to a logical file name."""
    from graph.model import FACTS, LABELS, REL_TYPES

    name = sheet.strip()
    for sep in ("/", ".", "_", "-", " "):
        head, _, tail = name.partition(sep)
        if head.lower() in SECTIONS and tail:
            return f"{head.lower()}/{tail}.csv"
    if name in LABELS:
        return f"nodes/{name}.csv"
    if name in REL_TYPES:
        return f"rels/{name}.csv"
    if name in FACTS:
        return f"facts/{name}.csv"
    return None


def _cell_text(v) -> str | None:
    import datetime as dt

    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def read_xlsx(path: Path, progress: ProgressFn | None = None) -> RawBundle:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise BundleError([Problem(path.name, 0, f"cannot open workbook: {e}")]) from None
    tables, ignored = [], []
    try:
        for ws in wb.worksheets:
            logical = _sheet_logical(ws.title)
            if logical is None:
                ignored.append(ws.title)
                continue
            display = f"{path.name}[{ws.title}]"
            if progress:
                progress(f"reading {display}", 0, ws.max_row or 0)
            rows = ws.iter_rows(values_only=True)
            header_row = next(rows, None)
            if header_row is None:
                tables.append(RawTable(logical, display, [], pa.table({}),
                                       problems=[Problem(display, 1, "empty sheet: expected a header row")]))
                continue
            width = len(header_row)
            while width and header_row[width - 1] is None:
                width -= 1
            header = [(_cell_text(h) or "") for h in header_row[:width]]
            cols: list[list] = [[] for _ in header]
            lines: list[int] = []
            for i, row in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in row[:width]]
                if not any(c is not None for c in cells):
                    continue
                cells += [None] * (width - len(cells))
                for j, c in enumerate(cells):
                    cols[j].append(c)
                lines.append(i)
            table = pa.Table.from_arrays([pa.array(c, pa.string()) for c in cols], names=header) \
                if header else pa.table({})
            tables.append(RawTable(logical, display, header, table,
                                   np.asarray(lines, dtype=np.int64), encoding="xlsx"))
    finally:
        wb.close()
    return RawBundle(str(path), tables, ignored)
