"""Readers: a bundle folder, a .zip of one, or an .xlsx workbook, into raw string tables.

Every reader has the same shape: ``read_X(path, progress, limits) -> RawBundle``. A
RawBundle is a list of RawTable, each the text cells of one bundle file
(``nodes/Belt.csv``) with a way to turn a row number into the line a user sees in
their editor. Nothing here knows the model; ``loaders.validate`` checks and types
the cells.

A bundle comes from a user and is read defensively: a folder's links may not lead
out of it and only regular files are opened; every file is read in chunks and
stops at the size limits (``[load] max_file_mb``, ``max_bundle_mb``, ``max_files``)
whatever a zip's header claims; each file is decoded strictly in the one encoding
detected for it, and a line that does not decode is a problem, not mojibake.
Anything wrong becomes a ``file:line`` problem, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.config import BY_NAME
from graph.errors import BundleError, Problem
from graph.store import ProgressFn

SECTIONS = ("nodes", "rels", "facts")
MB = 1 << 20
#: The longest record (a line, or the lines of one quoted field) a CSV file may hold: Arrow's block size.
MAX_RECORD_BYTES = 16 * MB
#: Problems kept per file while reading; the rest are only counted.
MAX_FILE_PROBLEMS = 1000
_CHUNK = 16 * MB

# The csv module (the exact, slow path) accepts the same fields as Arrow's blocks; the
# limit is process-wide, and this only ever raises it.
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))


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
    more_problems: int = 0         # problems found while reading beyond those kept

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
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """How much a bundle may hold, uncompressed (the ``[load]`` settings).

    >>> Limits(max_file_mb=0.5).file_bytes
    524288
    """

    max_file_mb: float = BY_NAME["load.max_file_mb"].default
    max_bundle_mb: float = BY_NAME["load.max_bundle_mb"].default
    max_files: int = BY_NAME["load.max_files"].default

    @property
    def file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def bundle_bytes(self) -> int:
        return int(self.max_bundle_mb * MB)

    def too_big(self, display: str, verb: str = "expands past") -> Problem:
        return Problem(display, 0, f"{verb} {self.max_file_mb:,g} MB ({BY_NAME['load.max_file_mb'].where()})")

    def bundle_too_big(self, display: str) -> Problem:
        return Problem(display, 0, f"its files together expand past {self.max_bundle_mb:,g} MB "
                                   f"({BY_NAME['load.max_bundle_mb'].where()})")

    def too_many(self, display: str) -> Problem:
        return Problem(display, 0, f"holds more than {self.max_files:,} files ({BY_NAME['load.max_files'].where()})")


def shown(name: str) -> str:
    """A name from a bundle as messages print it: line breaks and control characters escaped.

    >>> shown("nodes/Be\\nlt.csv"), shown("产业带/nodes/Belt.csv")
    ('nodes/Be\\\\nlt.csv', '产业带/nodes/Belt.csv')
    """
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _reason(e: BaseException) -> str:
    """An exception as one line of a problem."""
    return " ".join(str(e).split()) or type(e).__name__


def _raise_if(problems: list[Problem], max_errors: int) -> None:
    if problems:
        raise BundleError(problems[:max_errors], len(problems))


def read_bundle(path: str | Path, progress: ProgressFn | None = None, limits: Limits | None = None,
                max_errors: int = 50) -> RawBundle:
    """Read a bundle from a folder, a .zip or an .xlsx workbook."""
    p = Path(path)
    limits = limits or Limits()
    if not p.exists():
        raise BundleError([Problem(str(p), 0, "no such file or folder")])
    if p.is_dir():
        return read_folder(p, progress, limits, max_errors)
    suffix = p.suffix.lower()
    if suffix not in (".zip", ".xlsx", ".xlsm"):
        raise BundleError([Problem(str(p), 0, "not a bundle: expected a folder, a .zip or an .xlsx workbook")])
    if not stat.S_ISREG(p.stat().st_mode):
        raise BundleError([Problem(shown(p.name), 0, "not a regular file (a device, FIFO or socket): not read")])
    if suffix == ".zip":
        return read_zip(p, progress, limits, max_errors)
    return read_xlsx(p, progress, limits, max_errors)


# ---------------------------------------------------------------- folder, zip

def _bundle_entries(names: list[str]) -> tuple[dict[str, str], list[str], list[Problem]]:
    """Map logical names (nodes/Belt.csv) to entries, finding the bundle's root folder.

    Returns (found, ignored, problems): two entries that are the same bundle file
    (``nodes/Belt.csv`` and ``nodes//Belt.csv``) are a problem.
    """
    roots: dict[str, int] = {}
    for n in names:
        parts = PurePosixPath(n).parts
        for i, part in enumerate(parts[:-1]):
            if part in SECTIONS:
                root = "/".join(parts[:i])
                roots[root] = roots.get(root, 0) + 1
                break
    if not roots:
        return {}, names, []
    root = min(roots, key=lambda r: (r.count("/") if r else -1, -roots[r]))
    prefix = root + "/" if root else ""
    found, ignored, problems = {}, [], []
    for n in names:
        rel = n[len(prefix):] if n.startswith(prefix) else None
        parts = PurePosixPath(rel).parts if rel else ()
        if len(parts) == 2 and parts[0] in SECTIONS and parts[1].lower().endswith(".csv") \
                and not parts[1].startswith("."):
            logical = f"{parts[0]}/{parts[1]}"
            if logical in found:
                problems.append(Problem(shown(n), 0, f"{shown(logical)} is given twice (also {shown(found[logical])})"))
            else:
                found[logical] = n
        elif len(parts) >= 2 and parts[0] in SECTIONS and not parts[-1].startswith("."):
            ignored.append(n)  # something in a bundle folder that is not a CSV file
    return found, ignored, problems


def _is_nested_archive(name: str) -> bool:
    return name.lower().endswith((".zip", ".xlsx", ".xlsm"))


def _nested_warnings(names: list[str], where: str) -> list[str]:
    return [f"ignored {shown(n)}{where}: an archive inside a bundle is never opened" for n in names
            if _is_nested_archive(n) and not PurePosixPath(n).name.startswith(".")]


def _read_capped(read, limit: int, hint: int = 0) -> bytes | None:
    """Read a stream in chunks; None as soon as it holds more than ``limit`` bytes.

    ``hint`` is the size the stream says it has (a file's stat, a zip header): the
    first read asks for that much and one byte more, and nothing trusts it.
    """
    chunks, total = [], 0
    want = min(max(hint + 1, 1 << 16), _CHUNK)
    while True:
        chunk = read(min(want, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
        want = min(max(total, 1 << 16), _CHUNK)  # more than it said: grow, never past a chunk


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def _walk(root: str, limits: Limits) -> tuple[dict[str, tuple[str, str, int]], list[Problem]]:
    """Every non-hidden file under a bundle folder: {relative name: (kind, real path, size)}.

    kind is ``file``, ``special`` (device, FIFO, socket), ``outside`` (a link that
    leads out of the bundle) or ``broken`` (a link to nothing). Links inside the
    bundle are followed, each real folder walked once.
    """
    out: dict[str, tuple[str, str, int]] = {}
    problems: list[Problem] = []
    visited = {root}
    stack = [("", root)]
    while stack:
        rel, real_dir = stack.pop()
        try:
            with os.scandir(real_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            problems.append(Problem(shown(rel.rstrip("/")) or ".", 0, f"cannot list the folder: {_reason(e)}"))
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            name = rel + e.name
            real = e.path
            try:
                if e.is_symlink():
                    real = os.path.realpath(e.path)
                    if not _inside(real, root):
                        out[name] = ("outside", real, 0)
                        continue
                    st = os.stat(real)
                else:
                    st = e.stat(follow_symlinks=False)
            except OSError:
                out[name] = ("broken", real, 0)
                continue
            if stat.S_ISDIR(st.st_mode):
                if real not in visited:
                    visited.add(real)
                    stack.append((name + "/", real))
                continue
            out[name] = ("file" if stat.S_ISREG(st.st_mode) else "special", real, st.st_size)
            if len(out) > limits.max_files:
                return out, [limits.too_many(shown(Path(root).name))]
    return out, problems


def _read_regular(real: str, limit: int) -> bytes | None:
    """A regular file's bytes (None past ``limit``), never following a last-moment link or opening a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(real, flags)
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError("not a regular file")
        return _read_capped(f.read, limit, st.st_size)


_KIND_PROBLEM = {
    "outside": "a link that leads out of the bundle",
    "special": "not a regular file (a device, FIFO or socket): not read",
    "broken": "a link to nothing: not read",
}


def read_folder(root: Path, progress: ProgressFn | None = None, limits: Limits | None = None,
                max_errors: int = 50) -> RawBundle:
    limits = limits or Limits()
    real_root = os.path.realpath(root)
    files, problems = _walk(real_root, limits)
    _raise_if(problems, max_errors)
    found, ignored, problems = _bundle_entries(sorted(files))
    problems += [Problem(shown(name), 0, _KIND_PROBLEM["outside"]) for name, (kind, _, _) in files.items()
                 if kind == "outside"]
    problems += [Problem(shown(entry), 0, _KIND_PROBLEM[files[entry][0]]) for entry in found.values()
                 if files[entry][0] in ("special", "broken")]
    problems += [limits.too_big(shown(entry), "is larger than") for entry in found.values()
                 if files[entry][2] > limits.file_bytes]
    if not problems and sum(files[e][2] for e in found.values()) > limits.bundle_bytes:
        problems.append(limits.bundle_too_big(shown(root.name)))
    _raise_if(problems, max_errors)
    tables, total = [], 0
    for logical, entry in sorted(found.items()):
        room = min(limits.file_bytes, limits.bundle_bytes - total)
        try:
            data = _read_regular(files[entry][1], room)
        except OSError as e:
            raise BundleError([Problem(shown(entry), 0, f"cannot read: {e.strerror or _reason(e)}")]) from None
        if data is None:  # grew since it was listed
            over = limits.file_bytes <= room
            raise BundleError([limits.too_big(shown(entry), "is larger than") if over
                               else limits.bundle_too_big(shown(root.name))])
        total += len(data)
        tables.append(parse_csv(data, logical, shown(logical), progress))
    warnings = _nested_warnings(sorted(files), "")
    ignored = [n for n in ignored if not _is_nested_archive(n)]
    return RawBundle(str(root), tables, ignored, warnings)


def _zip_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _unsafe_name(name: str) -> bool:
    """An absolute name or one that climbs out (``../x``): never a bundle file."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def read_zip(path: Path, progress: ProgressFn | None = None, limits: Limits | None = None,
             max_errors: int = 50) -> RawBundle:
    limits = limits or Limits()
    zname = shown(path.name)
    try:
        zf = zipfile.ZipFile(path)
    except Exception:  # zipfile raises many kinds for a broken file
        raise BundleError([Problem(zname, 0, "not a valid .zip file")]) from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        if len(members) > limits.max_files:
            raise BundleError([limits.too_many(zname)])
        infos: dict[str, zipfile.ZipInfo] = {}
        twice, warnings = set(), []
        for info in members:
            name = _zip_name(info)
            if _unsafe_name(name):
                warnings.append(f"ignored {name!r} in {zname}: a name that leads out of the bundle")
                continue
            if name in infos:
                twice.add(name)
            infos[name] = info
        found, ignored, dups = _bundle_entries(sorted(infos))

        def where(entry: str) -> str:
            return f"{zname}[{shown(entry)}]"

        problems = [Problem(f"{zname}[{p.file}]", p.line, p.message) for p in dups]
        problems += [Problem(where(e), 0, "the zip holds two files of this name") for e in found.values()
                     if e in twice]
        problems += [limits.too_big(where(e)) for e in found.values() if infos[e].file_size > limits.file_bytes]
        if not problems and sum(infos[e].file_size for e in found.values()) > limits.bundle_bytes:
            problems.append(limits.bundle_too_big(zname))
        _raise_if(problems, max_errors)
        tables, total = [], 0
        for logical, entry in sorted(found.items()):
            # The header's sizes were checked above; the data is counted again as it
            # streams, since a header may lie.
            room = min(limits.file_bytes, limits.bundle_bytes - total)
            try:
                with zf.open(infos[entry]) as f:
                    data = _read_capped(f.read, room, infos[entry].file_size)
            except Exception as e:  # a damaged member: bad CRC, truncated, encrypted, unknown method
                raise BundleError([Problem(where(entry), 0, f"cannot read: {_reason(e)}")]) from None
            if data is None:
                over = limits.file_bytes <= room
                raise BundleError([limits.too_big(where(entry)) if over else limits.bundle_too_big(zname)])
            total += len(data)
            tables.append(parse_csv(data, logical, shown(logical), progress))
    warnings += _nested_warnings(sorted(infos), f" in {zname}")
    ignored = [n for n in ignored if not _is_nested_archive(n)]
    return RawBundle(str(path), tables, ignored, warnings)


# ---------------------------------------------------------------- encodings

_record = threading.local()


def _record_error(e: UnicodeDecodeError) -> tuple[str, int]:
    _record.offsets.append(e.start)
    return "\ufffd", e.end


codecs.register_error("beltgraph.record", _record_error)


def decode_strict(data: bytes, encoding: str) -> tuple[str, list[int]]:
    """Decode ``data``; what does not decode becomes U+FFFD and its byte offset is returned.

    >>> decode_strict(b"ok\\n\\xff", "utf-8")
    ('ok\\n\\ufffd', [3])
    """
    _record.offsets = offsets = []
    try:
        return data.decode(encoding, errors="beltgraph.record"), offsets
    finally:
        _record.offsets = None


def _ascii_compatible(encoding: str) -> bool:
    try:
        return "\n,a".encode(encoding) == b"\n,a"
    except (LookupError, UnicodeError):
        return False


def _lines_at(data: bytes, offsets: list[int], encoding: str) -> np.ndarray:
    """The line (1-based) of each byte offset, each line once, in order."""
    if not offsets:
        return np.zeros(0, dtype=np.int64)
    if _ascii_compatible(encoding):
        newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        return np.unique(np.searchsorted(newlines, np.asarray(offsets, dtype=np.int64)) + 1)
    return np.unique([data[:o].decode(encoding, errors="replace").count("\n") + 1
                      for o in offsets[:MAX_FILE_PROBLEMS]])


def _valid_utf8(data: bytes) -> bool:
    """Whether all of ``data`` is UTF-8 (Arrow's validator: a few GB/s)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    arr = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        arr.cast(pa.large_string())
        return True
    except pa.ArrowInvalid:
        return False


def _mostly_utf8(data: bytes, sample: int = 1000) -> bool:
    """Whether most lines holding non-ASCII bytes decode as UTF-8 (checked on a spread sample).

    A UTF-8 file with a row pasted from a GBK one is UTF-8 with a bad line; a GBK
    file's Chinese lines almost never decode as UTF-8.

    >>> _mostly_utf8("名\\n".encode() * 3 + "称\\n".encode("gbk")), _mostly_utf8("名\\n称\\n".encode("gbk"))
    (True, False)
    """
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate([[0], newlines + 1])
    ends = np.concatenate([newlines, [len(data)]])

    def line(i: int) -> bytes:
        return data[int(starts[i]):int(ends[i])]

    # Lines spread over the file; most files hold non-ASCII text on many lines.
    probe = np.unique(np.linspace(0, len(starts) - 1, min(len(starts), 4 * sample)).astype(np.int64))
    lines = [int(i) for i in probe if not line(i).isascii()]
    if len(lines) < sample // 20:
        # Sparse: find every line that holds a non-ASCII byte, chunk by chunk.
        arr = np.frombuffer(data, dtype=np.uint8)
        found = []
        for at in range(0, len(arr), _CHUNK):
            high = np.flatnonzero(arr[at:at + _CHUNK] >= 0x80) + at
            if len(high):
                found.append(np.unique(np.searchsorted(newlines, high)))
        lines = np.unique(np.concatenate(found)).tolist() if found else []
    if not lines:
        return True
    picked = [lines[int(k)] for k in np.unique(np.linspace(0, len(lines) - 1, min(len(lines), sample)).astype(int))]
    ok = 0
    for i in picked:
        try:
            line(i).decode("utf-8")
            ok += 1
        except UnicodeDecodeError:
            pass
    return ok * 2 > len(picked)


def _guess_encoding(data: bytes) -> str:
    """What charset-normalizer finds for non-UTF-8 bytes, GB18030 when it finds that plausible at all."""
    import charset_normalizer

    # Give the detector a sample that holds the non-ASCII text.
    high = np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=min(len(data), 1 << 24)) >= 0x80)
    first = int(high[0]) if len(high) else 0
    sample = data[max(0, first - 1000): first + 200_000]
    names = [m.encoding.lower().replace("-", "_") for m in charset_normalizer.from_bytes(sample)]
    # Our users' files come from Excel on Chinese Windows: when the detector finds
    # GB18030 (or its subsets GB2312/GBK) plausible at all, take it, since short
    # Chinese samples are often scored a little higher as Big5 or CP949.
    gb = [n for n in names if n in ("gb18030", "gbk", "gb2312", "cp936", "hz")]
    guess = "gb18030" if gb or not names else names[0]
    try:
        codecs.lookup(guess)
    except LookupError:
        return "gb18030"
    return guess


def to_utf8(data: bytes) -> tuple[bytes, str, np.ndarray]:
    """A file's bytes as valid UTF-8: (body, the file's encoding, lines that did not decode).

    The encoding is detected once for the whole file (a BOM; UTF-8; else
    charset-normalizer, preferring GB18030) and the file decoded strictly in it: a
    line in another encoding is reported, not turned into mojibake.

    >>> to_utf8("名称".encode("gbk"))[:2] == ("名称".encode(), "gb18030")
    True
    >>> to_utf8("名\\n".encode() * 3 + "称\\n".encode("gbk"))[1:]
    ('utf-8', array([4]))
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raw, encoding, codec = data, "utf-16", "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        raw, encoding, codec = data[3:], "utf-8-sig", "utf-8"
        if _valid_utf8(raw):
            return raw, encoding, np.zeros(0, dtype=np.int64)
    elif _valid_utf8(data):
        return data, "utf-8", np.zeros(0, dtype=np.int64)
    elif _mostly_utf8(data):
        raw, encoding, codec = data, "utf-8", "utf-8"
    else:
        raw = data
        encoding = codec = _guess_encoding(data)
    text, offsets = decode_strict(raw, codec)
    if offsets and codec not in ("utf-8", "utf-16", "gb18030"):
        alt, alt_offsets = decode_strict(raw, "gb18030")
        if len(alt_offsets) < len(offsets):
            text, offsets, encoding, codec = alt, alt_offsets, "gb18030", "gb18030"
    # A codec such as UTF-7 can yield lone surrogates: they are not text either.
    return text.encode("utf-8", errors="replace"), encoding, _lines_at(raw, offsets, codec)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file's bytes: UTF-8 (BOM or not), UTF-16 with BOM, or GB18030/GBK.

    >>> decode_text("名称".encode("gbk"))
    ('名称', 'gb18030')
    >>> decode_text(codecs.BOM_UTF8 + b"id")
    ('id', 'utf-8-sig')
    """
    body, encoding, _ = to_utf8(data)
    return body.decode("utf-8"), encoding


def _encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper().replace("_", "-"))


# ---------------------------------------------------------------- csv

def _sniff_delimiter(header_line: str) -> str:
    if "\t" in header_line and "," not in header_line:
        return "\t"
    if ";" in header_line and "," not in header_line and "\t" not in header_line:
        return ";"
    return ","


def _blank(rec: list[str]) -> bool:
    return not rec or (len(rec) == 1 and rec[0] == "")


def _csv_message(e: csv.Error) -> str:
    if "field limit" in str(e):
        return f"a field longer than {MAX_RECORD_BYTES // MB} MB: is a quote left open?"
    if "new-line character" in str(e):
        return "a line break (CR) inside an unquoted field: quote the field or re-save the file"
    return f"cannot parse the line: {e}"


def _record_lines(text: str, delimiter: str) -> np.ndarray | None:
    """The line on which each non-empty data record starts (slow path, exact); None if the csv module fails."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, prev = [], 0
    try:
        for i, rec in enumerate(reader):
            start = prev + 1
            prev = reader.line_num
            if i == 0 or _blank(rec):
                continue
            starts.append(start)
    except csv.Error:
        return None
    return np.asarray(starts, dtype=np.int64)


def _parse_python(body: bytes, names: list[str], delimiter: str, display: str):
    """The csv module's reading of a file Arrow found malformed: exact lines, a problem per bad record.

    Returns (table, lines, problems, problems not kept).
    """
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=delimiter)
    width = len(names)
    cols: list[list] = [[] for _ in names]
    lines: list[int] = []
    problems: list[Problem] = []
    more, prev, first = 0, 0, True

    def problem(line: int, message: str) -> None:
        nonlocal more
        if len(problems) < MAX_FILE_PROBLEMS:
            problems.append(Problem(display, line, message))
        else:
            more += 1

    while True:
        start = prev + 1
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            prev = reader.line_num
            problem(start, _csv_message(e))
            first = False
            continue
        prev = reader.line_num
        if first:  # the header
            first = False
            continue
        if _blank(rec):
            continue
        if len(rec) != width:
            problem(start, f"expected {width} fields as in the header, found {len(rec)}")
            continue
        for j, v in enumerate(rec):
            cols[j].append(v or None)
        lines.append(start)
    table = pa.Table.from_arrays([pa.array(c, pa.string()) for c in cols], names=names)
    return table, np.asarray(lines, dtype=np.int64), problems, more


def _read(body: bytes, names: list[str], delimiter: str, on_invalid) -> pa.Table:
    return pacsv.read_csv(
        pa.py_buffer(body),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True,
                                       block_size=MAX_RECORD_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, check_utf8=False,  # to_utf8 checked it all
            strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""]),
    )


def parse_csv(data: bytes, logical: str, display: str, progress: ProgressFn | None = None) -> RawTable:
    """Parse one CSV file's bytes into a RawTable of text cells."""
    if progress:
        progress(f"reading {display}", 0, len(data))
    body, encoding, bad_lines = to_utf8(data)
    name = _encoding_name(encoding)
    problems = [Problem(display, int(n), f"line is not valid {name} (the file is {name}): "
                                         "re-save the file in one encoding")
                for n in bad_lines[:MAX_FILE_PROBLEMS]]
    more = max(0, len(bad_lines) - MAX_FILE_PROBLEMS)

    def unusable(line: int, message: str) -> RawTable:
        return RawTable(logical, display, [], pa.table({}), problems=problems + [Problem(display, line, message)],
                        encoding=encoding, more_problems=more)

    nul = body.find(b"\x00")
    if nul >= 0:
        return unusable(body.count(b"\n", 0, nul) + 1,
                        "NUL byte in the file: not a text CSV file (UTF-16 without a BOM? save it as UTF-8)")
    head_end = body.find(b"\n")
    head = body if head_end < 0 else body[:head_end]
    if len(head) > MAX_RECORD_BYTES:
        return unusable(1, f"the header line is longer than {MAX_RECORD_BYTES // MB} MB")
    header_line = head.decode("utf-8").rstrip("\r")
    if not header_line.strip():
        return unusable(1, "empty file: expected a header row")
    delimiter = _sniff_delimiter(header_line)
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as e:
        return unusable(1, _csv_message(e))
    header = [h.strip().lstrip("\ufeff") for h in header]
    names = [f"c{i}" for i in range(len(header))]
    invalid = 0

    def on_invalid(row):
        nonlocal invalid
        invalid += 1
        return "skip"

    lines = None
    try:
        table = _read(body, names, delimiter, on_invalid)
    except pa.ArrowException:  # a record past the block size, quoting the chunker lost track of, ...
        table = None
    if table is not None and not invalid:
        # Fast exact line numbers when every record is one line; else count them.
        n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
        if n_lines != table.num_rows + 1:
            lines = _record_lines(body.decode("utf-8"), delimiter)
            if lines is None or len(lines) != table.num_rows:
                table = None  # the parsers disagree on some odd input: take the exact one
    if table is None or invalid:
        # Malformed somewhere: the csv module reads it again, record by record, with exact lines.
        table, lines, found, more_found = _parse_python(body, names, delimiter, display)
        problems += found[:max(0, MAX_FILE_PROBLEMS - len(problems))]
        more += more_found + max(0, len(found) - MAX_FILE_PROBLEMS)
    # Trim every cell; a cell of spaces is empty.
    cols = []
    for col in table.columns:
        t = pc.utf8_trim_whitespace(col)
        cols.append(pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t))
    table = pa.Table.from_arrays(cols, names=header) if cols else pa.table({})
    if progress:
        progress(f"reading {display}", len(data), len(data))
    return RawTable(logical, display, header, table, lines, problems, encoding, more)


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


def _check_xlsx_members(path: Path, limits: Limits) -> list[Problem]:
    """Size problems of a workbook's parts, from the zip's directory, before openpyxl reads any.

    Declared sizes are enough here: zipfile, which openpyxl reads through, never
    yields more than a member's declared size (past it the member fails its CRC check).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except Exception:
        return []  # not a zip: openpyxl says so below
    name = shown(path.name)
    if len(infos) > limits.max_files:
        return [limits.too_many(name)]
    problems = [limits.too_big(f"{name}[{shown(i.filename)}]") for i in infos if i.file_size > limits.file_bytes]
    if not problems and sum(i.file_size for i in infos) > limits.bundle_bytes:
        problems.append(limits.bundle_too_big(name))
    return problems


def _formula(cell) -> str | None:
    """The text of a cell's formula, or None: a formula is never evaluated (its cell is refused)."""
    if getattr(cell, "data_type", None) != "f":
        return None
    v = cell.value
    return v if isinstance(v, str) else getattr(v, "text", None) or str(v)


def read_xlsx(path: Path, progress: ProgressFn | None = None, limits: Limits | None = None,
              max_errors: int = 50) -> RawBundle:
    import openpyxl
    from openpyxl.utils import get_column_letter

    limits = limits or Limits()
    _raise_if(_check_xlsx_members(path, limits), max_errors)
    try:
        # data_only=False: a formula cell reads as its formula (refused below), not Excel's cached result.
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise BundleError([Problem(shown(path.name), 0, f"cannot open workbook: {_reason(e)}")]) from None
    tables, ignored = [], []
    try:
        for ws in wb.worksheets:
            logical = _sheet_logical(ws.title)
            if logical is None:
                ignored.append(ws.title)
                continue
            display = f"{shown(path.name)}[{shown(ws.title)}]"
            try:
                tables.append(_read_sheet(ws, logical, display, progress, get_column_letter))
            except Exception as e:  # a malformed sheet part
                tables.append(RawTable(logical, display, [], pa.table({}), encoding="xlsx",
                                       problems=[Problem(display, 0, f"cannot read the sheet: {_reason(e)}")]))
    finally:
        wb.close()
    return RawBundle(str(path), tables, ignored)


def _read_sheet(ws, logical: str, display: str, progress: ProgressFn | None, column_letter) -> RawTable:
    if progress:
        progress(f"reading {display}", 0, ws.max_row or 0)
    problems: list[Problem] = []
    more = 0

    def cells_text(row, line: int, width: int) -> list[str | None]:
        nonlocal more
        out = []
        for j, c in enumerate(row[:width]):
            formula = _formula(c)
            if formula is None:
                out.append(_cell_text(c.value))
                continue
            shown = formula if len(formula) <= 60 else formula[:57] + "..."
            if len(problems) < MAX_FILE_PROBLEMS:
                problems.append(Problem(display, line, f"cell {column_letter(j + 1)}{line} holds the formula "
                                                       f"{shown!r}: formulas are not evaluated; paste values"))
            else:
                more += 1
            out.append(formula.strip() or None)  # the literal text, so the row raises no other problem
        return out

    rows = ws.iter_rows()
    header_row = next(rows, None)
    if header_row is None:
        return RawTable(logical, display, [], pa.table({}), encoding="xlsx",
                        problems=[Problem(display, 1, "empty sheet: expected a header row")])
    width = len(header_row)
    while width and header_row[width - 1].value is None:
        width -= 1
    header = [(h or "") for h in cells_text(header_row, 1, width)]
    cols: list[list] = [[] for _ in header]
    lines: list[int] = []
    for i, row in enumerate(rows, start=2):
        cells = cells_text(row, i, width)
        if not any(c is not None for c in cells):
            continue
        cells += [None] * (width - len(cells))
        for j, c in enumerate(cells):
            cols[j].append(c)
        lines.append(i)
    table = pa.Table.from_arrays([pa.array(c, pa.string()) for c in cols], names=header) \
        if header else pa.table({})
    return RawTable(logical, display, header, table, np.asarray(lines, dtype=np.int64), problems, "xlsx", more)
