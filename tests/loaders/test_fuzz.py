"""Fuzzing the loaders: whatever bytes come in, a load succeeds or is refused cleanly.

The property for every input: ``load_bundle`` either succeeds, or raises BundleError
whose every line is ``file:line: message`` (plus "... and N more" and the summary
line), and the store is then exactly as it was. Never another exception, never a
hang, never a partial store. Runs are derandomized so CI is repeatable; the
examples are few and small so the module stays well under a minute.
"""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
import struct
import tempfile
import warnings
import zipfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from graph.errors import BundleError
from loaders import load_bundle
from loaders import read as read_mod
from loaders.read import _cell_text

from ..conftest import MINI, write_bundle

pytestmark = pytest.mark.timeout(300)  # a hang fails the run instead of stalling it

FUZZ = settings(max_examples=80, deadline=timedelta(seconds=20), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

PROBLEM_LINE = re.compile(r"^.+:\d+: .+$")
MORE_LINE = re.compile(r"^\.\.\. and \d+ more problems?$")
SUMMARY_LINE = re.compile(r"^\d+ problems? found; nothing was loaded and the store is unchanged$")

# Tiny limits, so that a zip bomb "just over" them stays small.
TINY = {"max_file_mb": 0.01, "max_bundle_mb": 0.05, "max_files": 40}


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    from graph.config import Config
    from graph.embedded import EmbeddedStore

    root = tmp_path_factory.mktemp("fuzz")
    store = EmbeddedStore(root / "store", Config.from_dict({"embedded": {"buffer_pool_mb": 128}},
                                                           base_dir=root, env={}))
    load_bundle(store, write_bundle(root / "mini", MINI))
    yield store
    store.close()


@contextlib.contextmanager
def scratch():
    d = Path(tempfile.mkdtemp(prefix="beltgraph-fuzz-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def attempt(store, path, **kwargs) -> BundleError | None:
    """Load and check the property; the BundleError when refused, None when loaded."""
    before, version = store.stats(), store.version()
    try:
        load_bundle(store, path, max_errors=20, **kwargs)
    except BundleError as e:
        lines = str(e).split("\n")
        assert SUMMARY_LINE.match(lines[-1]), lines[-1]
        for line in lines[:-1]:
            assert PROBLEM_LINE.match(line) or MORE_LINE.match(line), repr(line)
        for p in e.problems:
            assert p.file and p.message and isinstance(p.line, int) and p.line >= 0, p
        assert e.total >= len(e.problems) >= 1
        assert store.stats() == before and store.version() == version, "a refused load changed the store"
        _event("refused: " + re.sub(r"'.*|\d+", "", e.problems[0].message)[:40])
        return e
    _event("loaded")
    return None


def _event(text: str) -> None:
    if currently_in_test_context():  # what --hypothesis-show-statistics counts
        event(text)


# ---------------------------------------------------------------- CSV files

#: What the fuzzed files refer to, and no more: a successful load of it is quick.
CONTEXT = {k: MINI[k] for k in ("nodes/TeamLeader.csv", "nodes/Anchor.csv", "nodes/SupplyChain.csv", "nodes/Base.csv")}

FILES = {
    "nodes/TeamLeader.csv": ["id", "name"],
    "nodes/Anchor.csv": ["id", "name", "followers", "category", "province"],
    "nodes/Merchant.csv": ["id", "name", "joined", "sales"],
    "rels/MATCHES.csv": ["from", "to"],
    "facts/livestreams.csv": ["id", "anchor", "supply_chain", "base", "date", "gmv", "orders", "viewers",
                              "new_followers"],
}
CHAOS = list('aA_1,;\t"\' \n\r\\=+-.eE') + ["王", "芳", "é", "\ufeff", "\u2028", "😀", "\x85"]
cells = st.one_of(
    st.text(alphabet=st.sampled_from(CHAOS), max_size=10),
    st.sampled_from(["", "t1", "a1", "sc1", "base1", "1e999", "-1e999", "nan", "inf", "-5", "1,234.5", "0x10",
                     "2020-02-30", "2020-01-05", "是", "=1+1", '=HYPERLINK("http://x","y")', "NULL",
                     "_ID", "_label", "A", "a", "Name", "ID"]),
)


@st.composite
def csv_files(draw):
    """(logical name, bytes): a CSV with quoting chaos, in one encoding or a mix of them."""
    logical = draw(st.sampled_from(sorted(FILES)))
    header = draw(st.one_of(st.just(FILES[logical]), st.lists(cells, min_size=1, max_size=4),
                            st.lists(cells, min_size=1, max_size=3).map(lambda extra: FILES[logical] + extra)))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(header) + 2), max_size=12))
    lines = []
    for row in [header] + rows:
        quote = draw(st.sampled_from(["none", "all", "some"]))
        out = []
        for c in row:
            q = quote == "all" or (quote == "some" and draw(st.booleans()))
            out.append('"' + c.replace('"', '""') + '"' if q else c)
        lines.append(draw(st.sampled_from([",", ",", ";", "\t"])).join(out))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    after_bom = {"utf-16": "utf-16-le", "utf-8-sig": "utf-8"}.get(encoding, encoding)
    data = b""
    for i, line in enumerate(lines):
        enc = (encoding if i == 0 else after_bom) if draw(st.integers(0, 9)) else \
            draw(st.sampled_from(["utf-8", "gb18030", "gbk", "latin-1"]))  # a line from another file
        data += (line + newline).encode(enc, errors="replace")
    if not draw(st.integers(0, 9)):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    return logical, data


@FUZZ
@given(st.sampled_from(sorted(FILES)), st.binary(max_size=3000))
@example("nodes/TeamLeader.csv", b"id,name\n\x00")
@example("nodes/TeamLeader.csv", b"\xff\xfe\x00")
@example("nodes/TeamLeader.csv", b"\xef\xbb\xbf")
@example("nodes/TeamLeader.csv", b'id,name\nt1,"open')
def test_fuzz_random_bytes_as_a_csv_file(fuzz_store, logical, data):
    with scratch() as d:
        attempt(fuzz_store, write_bundle(d / "b", {**CONTEXT, logical: data}))


@FUZZ
@given(csv_files())
def test_fuzz_csv_quoting_encodings_and_values(fuzz_store, file):
    logical, data = file
    with scratch() as d:
        attempt(fuzz_store, write_bundle(d / "b", {**CONTEXT, logical: data}))


COLUMN_NAMES = st.one_of(
    st.text(alphabet=st.sampled_from(list("aAbB_ .:`'$()[]{}-#") + ["王", "É", "é", "\u0301", "\ufeff"]), max_size=6),
    st.sampled_from(["_ID", "_label", "_SRC", "_dst", "_NODES", "_rels", "ID", "Name", "from", "to", "label"]))


@FUZZ
@given(st.lists(COLUMN_NAMES, min_size=1, max_size=4))
def test_fuzz_extra_column_names_reach_the_store_or_are_problems(fuzz_store, extra):
    # Columns the model does not know become stored properties: the store must take them or
    # the loader must refuse them, as file:line problems.
    header = ",".join(['"' + h.replace('"', '""') + '"' for h in ["id", "name", *extra]])
    text = header + "\n" + "t1,王芳" + ",v" * len(extra) + "\n"
    with scratch() as d:
        attempt(fuzz_store, write_bundle(d / "b", {**CONTEXT, "nodes/TeamLeader.csv": text}))


@contextlib.contextmanager
def small_records(limit: int):
    """Arrow's block and the csv module's field limit made small, so "huge" fields stay cheap to make."""
    old = csv.field_size_limit()
    csv.field_size_limit(limit * 4)
    try:
        with mock.patch.object(read_mod, "MAX_RECORD_BYTES", limit):
            yield
    finally:
        csv.field_size_limit(old)


@FUZZ
@given(st.integers(0, 60_000), st.sampled_from(["plain", "quoted", "open quote", "many fields", "header"]),
       st.sampled_from(["x", "王", ",", "\n"]))
@example(20_000, "open quote", "x")
@example(50_000, "header", "x")
def test_fuzz_huge_fields_and_lines(fuzz_store, size, shape, char):
    body = char * size
    line = {"plain": f"t9,{body}", "quoted": f't9,"{body}"', "open quote": f't9,"{body}',
            "many fields": f"t9,{body.replace(chr(10), ',')}", "header": None}[shape]
    text = f"id,name{body}\nt9,x\n" if line is None else f"id,name\nt8,x\n{line}\nt7,y\n"
    with scratch() as d, small_records(4096):
        attempt(fuzz_store, write_bundle(d / "b", {**CONTEXT, "nodes/TeamLeader.csv": text}))


def test_same_text_in_any_encoding_loads_the_same_names(fuzz_store):
    @FUZZ
    @given(st.lists(st.text(alphabet=st.sampled_from(list("王芳李娜店铺abc 123_-·（）")), min_size=1, max_size=8)
                    .map(str.strip).filter(bool), min_size=1, max_size=8),
           st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    def check(names, encoding):
        text = "id,name\n" + "".join(f"t{i},{n}\n" for i, n in enumerate(names))
        with scratch() as d:
            err = attempt(fuzz_store, write_bundle(d / "b", {"nodes/TeamLeader.csv": text}, encoding))
            assert err is None, str(err)
            g = fuzz_store.graph()
            assert [g.node(f"t{i}")["name"] for i in range(len(names))] == names  # never mojibake

    check()


# ---------------------------------------------------------------- zips

NAMES = ["nodes/TeamLeader.csv", "nodes/Anchor.csv", "../nodes/TeamLeader.csv", "/nodes/Belt.csv",
         "C:/nodes/Base.csv", "a/../nodes/Base.csv", "nodes\\Merchant.csv", "nodes/inner.zip", "inner.zip",
         "nodes/Be\nlt.csv", "nodes/.hidden.csv", "产业带/nodes/Belt.csv", "nodes//TeamLeader.csv", "./nodes/x.csv",
         "rels/MATCHES.csv", "facts/livestreams.csv", "nodes/", "x" * 300]
COMPRESSION = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


def _inner_zip() -> bytes:
    with scratch() as d:
        with zipfile.ZipFile(d / "i.zip", "w") as zf:
            zf.writestr("nodes/TeamLeader.csv", "id,name\nevil,x\n")
        return (d / "i.zip").read_bytes()


INNER = _inner_zip()
BOMB = b"0" * (int(TINY["max_file_mb"] * read_mod.MB) + 1)  # just over the tiny file limit


@st.composite
def hostile_zips(draw) -> bytes:
    members: list[tuple[str, bytes]] = []
    if draw(st.booleans()):
        members += [(k, v.encode()) for k, v in MINI.items()]
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.one_of(st.sampled_from(NAMES), st.text(max_size=20)))
        content = draw(st.one_of(st.sampled_from([INNER, BOMB, MINI["nodes/TeamLeader.csv"].encode(), b""]),
                                 st.binary(max_size=200)))
        members.append((name, content))
    with scratch() as d:
        path = d / "z.zip"
        with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names are the point
            for name, content in members:
                info = zipfile.ZipInfo(name or "unnamed")
                info.compress_type = draw(st.sampled_from(COMPRESSION))
                zf.writestr(info, content)
        raw = bytearray(path.read_bytes())
    # Lie in headers: sizes in the central directory (+20 compressed, +24 uncompressed) and local headers
    # (+18, +22), then flip a few bytes anywhere.
    heads = [m.start() for m in re.finditer(b"PK\x01\x02", raw)]
    locals_ = [m.start() for m in re.finditer(b"PK\x03\x04", raw)]
    for _ in range(draw(st.integers(0, 3))):
        spots = [(h, 24) for h in heads] + [(h, 20) for h in heads] + [(h, 22) for h in locals_] + [(h, 18) for h in locals_]
        if not spots:
            break
        at, off = draw(st.sampled_from(spots))
        if at + off + 4 <= len(raw):
            struct.pack_into("<I", raw, at + off, draw(st.sampled_from([0, 1, 7, 100, 10_000, 2**31, 2**32 - 1])))
    for _ in range(draw(st.integers(0, 2))):
        if raw:
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


def _plain_zip(files: dict[str, str]) -> bytes:
    with scratch() as d:
        with zipfile.ZipFile(d / "z.zip", "w") as zf:
            for k, v in files.items():
                zf.writestr(k, v)
        return (d / "z.zip").read_bytes()


@FUZZ
@given(hostile_zips())
@example(_plain_zip({**MINI, "nodes/Team\nLeader.csv": "id,name\nt5,x\n"}))  # a line break in a file name
@example(_plain_zip({**MINI, "nodes/\x1b[31mAnchor.csv": "id,name\n"}))     # a terminal escape in one
def test_fuzz_hostile_zips(fuzz_store, data):
    with scratch() as d:
        path = d / "bundle.zip"
        path.write_bytes(data)
        err = attempt(fuzz_store, path, **TINY)
        if err is None:
            assert "evil" not in fuzz_store.graph(), "a nested zip or a climbing name was read"


def test_zip_bomb_just_over_the_limit_is_refused(fuzz_store):
    with scratch() as d:
        path = d / "bomb.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for k, v in {**MINI, "nodes/Merchant.csv": BOMB}.items():
                zf.writestr(k, v)
        err = attempt(fuzz_store, path, **TINY)
        assert err is not None and "bomb.zip[nodes/Merchant.csv]:0: expands past 0.01 MB" in str(err)


# ---------------------------------------------------------------- xlsx formulas

FORMULAS = ["=1+1", '=HYPERLINK("http://example.com/x","点我")', "=cmd|' /C calc'!A0", "=SUM(A1:A9)", "=A2&\"店\"",
            "=WEBSERVICE(\"http://example.com\")"]
XLSX_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)


@FUZZ
@given(st.lists(st.tuples(st.one_of(XLSX_TEXT, st.sampled_from(FORMULAS), st.integers(-10**6, 10**6),
                                    st.integers(-10**8, 10**8).map(lambda i: i / 100)),  # openpyxl keeps these
                          st.booleans()),  # True: store a text starting with "=" as literal text
                min_size=1, max_size=8))
def test_fuzz_xlsx_formulas_are_never_evaluated(fuzz_store, cells):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TeamLeader"
    ws.append(["id", "name"])
    formulas, expected = 0, {}
    for i, (value, literal) in enumerate(cells):
        ws.cell(row=i + 2, column=1, value=f"t{i}")
        c = ws.cell(row=i + 2, column=2, value=value)
        if c.data_type == "f" and literal:
            c.data_type = "s"  # the same characters, as text
        formulas += c.data_type == "f"
        expected[f"t{i}"] = _cell_text(value)
    with scratch() as d:
        wb.save(d / "book.xlsx")
        err = attempt(fuzz_store, d / "book.xlsx")
    if formulas:
        assert err is not None and "holds the formula" in str(err)
    elif err is None:
        g = fuzz_store.graph()
        assert {i: g.node(i)["name"] for i in expected} == expected  # loaded as the literal text
