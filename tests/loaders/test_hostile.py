"""Hostile and broken bundles: links out, zip bombs, mixed encodings, non-finite numbers, huge lines.

Each is refused with ``file:line: message`` problems (or read safely), never a
traceback, and the store is left as it was.
"""

from __future__ import annotations

import inspect
import io
import os
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from graph.config import Config
from graph.errors import BundleError
from loaders import load_bundle
from loaders.read import MAX_RECORD_BYTES, _read_capped, read_bundle

from ..conftest import MINI, MINI_COUNTS, write_bundle


def _refused(store, path, *expected: str, **kwargs) -> BundleError:
    """Load ``path``, expect BundleError holding each expected text, and an untouched store."""
    before, version = store.stats(), store.version()
    with pytest.raises(BundleError) as info:
        load_bundle(store, path, **kwargs)
    text = str(info.value)
    for e in expected:
        assert e in text, text
    assert store.stats() == before and store.version() == version
    return info.value


def _zip(path: Path, files: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, content in files.items():
            zf.writestr(name, content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# ---------------------------------------------------------------- 1. links and special files

def test_folder_refuses_a_link_that_leads_out_of_the_bundle(loaded_store, tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("id,name\nt9,secret\n")
    bundle = write_bundle(tmp_path / "b", {k: v for k, v in MINI.items() if k != "nodes/TeamLeader.csv"})
    (bundle / "nodes" / "TeamLeader.csv").symlink_to(secret)
    _refused(loaded_store, bundle, "nodes/TeamLeader.csv:0: a link that leads out of the bundle")


def test_folder_refuses_a_linked_folder_that_leads_out(loaded_store, tmp_path):
    elsewhere = write_bundle(tmp_path / "elsewhere", {"nodes/TeamLeader.csv": "id,name\nt9,x\n"}) / "nodes"
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "nodes").symlink_to(elsewhere, target_is_directory=True)
    _refused(loaded_store, bundle, "nodes:0: a link that leads out of the bundle")


def test_folder_follows_links_inside_the_bundle(store, tmp_path):
    # Our choice: a link whose target stays inside the bundle is read like the file itself.
    bundle = write_bundle(tmp_path / "b", {**MINI, "shared/TeamLeader.csv": MINI["nodes/TeamLeader.csv"]})
    (bundle / "nodes" / "TeamLeader.csv").unlink()
    (bundle / "nodes" / "TeamLeader.csv").symlink_to(Path("..") / "shared" / "TeamLeader.csv")
    (bundle / "loop").symlink_to(Path("."), target_is_directory=True)  # walked once, not forever
    load_bundle(store, bundle)
    assert store.stats() == MINI_COUNTS


@pytest.mark.timeout(60)
def test_folder_never_opens_a_fifo(loaded_store, tmp_path):
    bundle = write_bundle(tmp_path / "b", {k: v for k, v in MINI.items() if k != "nodes/TeamLeader.csv"})
    os.mkfifo(bundle / "nodes" / "TeamLeader.csv")  # opening it for reading would block forever
    _refused(loaded_store, bundle, "nodes/TeamLeader.csv:0: not a regular file")


def test_folder_with_too_many_files_is_refused(loaded_store, tmp_path):
    bundle = write_bundle(tmp_path / "b", MINI)
    for i in range(5):
        (bundle / f"note{i}.txt").write_text("x")
    _refused(loaded_store, bundle, "b:0: holds more than 10 files ([load] max_files)", max_files=10)


# ---------------------------------------------------------------- 2. sizes and zips

def test_zip_member_that_expands_past_max_file_mb_is_refused(loaded_store, tmp_path):
    # A zip bomb in small: 2 MB of one repeated row compresses to a few KB.
    rows = "id,name,joined,sales\n" + "".join(f"m{i:07d},店,2020-01-01,1\n" for i in range(80_000))
    path = _zip(tmp_path / "big.zip", {**MINI, "nodes/Merchant.csv": rows})
    assert path.stat().st_size < 1 << 20 < len(rows)
    _refused(loaded_store, path, "big.zip[nodes/Merchant.csv]:0: expands past 1 MB ([load] max_file_mb)",
             max_file_mb=1)


def test_zip_whose_header_lies_about_a_size_is_refused(loaded_store, tmp_path):
    payload = b"id,name\n" + b"t1,x\n" * 400_000  # 2 MB
    raw = bytearray(_zip(tmp_path / "lie.zip", {"nodes/TeamLeader.csv": payload}).read_bytes())
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, 100)   # the directory says 100 bytes
    struct.pack_into("<I", raw, 22, 100)             # and so does the local header
    path = tmp_path / "lie.zip"
    path.write_bytes(bytes(raw))
    _refused(loaded_store, path, "lie.zip[nodes/TeamLeader.csv]:0: cannot read", max_file_mb=1)


def test_read_stops_at_the_limit_whatever_the_stream_holds():
    stream = io.BytesIO(b"x" * 10_000)
    assert _read_capped(stream.read, 1000) is None
    assert stream.tell() <= 1001  # stopped, not read to the end
    assert _read_capped(io.BytesIO(b"abc").read, 3) == b"abc"


def test_zip_bundle_past_max_bundle_mb_is_refused(loaded_store, tmp_path):
    half = "id,name\n" + "".join(f"t{i:07d},x\n" for i in range(80_000))  # ~0.85 MB each
    path = _zip(tmp_path / "two.zip", {"nodes/TeamLeader.csv": half, "nodes/Anchor.csv": half.replace("t", "a")})
    _refused(loaded_store, path, "two.zip:0: its files together expand past 1.5 MB ([load] max_bundle_mb)",
             max_bundle_mb=1.5)


def test_zip_with_too_many_files_is_refused(loaded_store, tmp_path):
    path = _zip(tmp_path / "many.zip", {**MINI, **{f"junk/{i}.txt": "x" for i in range(30)}})
    _refused(loaded_store, path, "many.zip:0: holds more than 20 files ([load] max_files)", max_files=20)


def test_nested_zip_is_ignored_with_a_warning(store, tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"nodes/TeamLeader.csv": "id,name\nt9,x\n"}).read_bytes()
    path = _zip(tmp_path / "outer.zip", {**MINI, "nodes/more.zip": inner, "extra.zip": inner})
    summary = load_bundle(store, path)
    assert store.stats() == MINI_COUNTS
    assert any("nodes/more.zip" in w and "never opened" in w for w in summary.warnings), summary.warnings
    assert any("extra.zip" in w and "never opened" in w for w in summary.warnings), summary.warnings


def test_zip_names_that_climb_out_are_ignored(store, tmp_path):
    path = _zip(tmp_path / "names.zip", {**MINI, "../nodes/Anchor.csv": "id,name\nevil,x\n",
                                         "/etc/nodes/Base.csv": "id,name\nevil2,x\n"})
    summary = load_bundle(store, path)
    assert store.stats() == MINI_COUNTS and "evil" not in store.graph()
    assert sum("leads out of the bundle" in w for w in summary.warnings) == 2, summary.warnings


def test_zip_with_one_name_twice_is_refused(loaded_store, tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in MINI.items():
            zf.writestr(name, text)
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("nodes/TeamLeader.csv", "id,name\nt1,另一个\n")
    _refused(loaded_store, path, "twice.zip[nodes/TeamLeader.csv]:0: the zip holds two files of this name")


def test_folder_file_past_max_file_mb_is_refused(loaded_store, tmp_path):
    rows = "id,name\n" + "".join(f"t{i:07d},x\n" for i in range(120_000))  # ~1.5 MB
    bundle = write_bundle(tmp_path / "b", {"nodes/TeamLeader.csv": rows})
    _refused(loaded_store, bundle, "nodes/TeamLeader.csv:0: is larger than 1 MB ([load] max_file_mb)",
             max_file_mb=1)


def test_xlsx_parts_are_checked_before_openpyxl_reads_them(loaded_store, tmp_path, monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TeamLeader"
    ws.append(["id", "name"])
    for i in range(60_000):
        ws.append([f"t{i:07d}", "王芳" * 4])
    path = tmp_path / "big.xlsx"
    wb.save(path)

    def never(*a, **k):
        raise AssertionError("openpyxl opened a workbook over the limits")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    _refused(loaded_store, path, "big.xlsx[xl/worksheets/sheet1.xml]:0: expands past 1 MB ([load] max_file_mb)",
             max_file_mb=1)


def test_load_settings_are_parameters_of_load_bundle():
    # `beltgraph load` passes every [load] setting to load_bundle; defaults are written once, in SETTINGS.
    load = Config.defaults().section("load")
    params = inspect.signature(load_bundle).parameters
    assert set(load) == {"max_errors", "max_file_mb", "max_bundle_mb", "max_files"}
    for name, value in load.items():
        assert name in params
        if name != "max_errors":
            assert params[name].default == value


@pytest.mark.parametrize("key,value,message", [
    ("max_file_mb", 0, "[load] max_file_mb = 0: must be at least 1"),
    ("max_bundle_mb", "lots", "[load] max_bundle_mb = 'lots': expected a whole number"),
    ("max_files", -1, "[load] max_files = -1: must be at least 1"),
])
def test_load_limit_settings_are_checked(key, value, message):
    from graph.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        Config.from_dict({"load": {key: value}}, env={})
    assert str(info.value) == message


# ---------------------------------------------------------------- 3. encodings

def test_line_in_another_encoding_is_a_problem_with_its_line(loaded_store, tmp_path):
    # One GBK row pasted into a UTF-8 file once turned every name into mojibake.
    text = "id,name,followers\na1,小美爱穿搭,1\na2,阿杰说珠宝,2\n".encode() + "a3,王芳,3\n".encode("gbk") \
        + "a4,李娜,many\n".encode()
    err = _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/Anchor.csv": text}))
    assert [str(p) for p in err.problems] == [
        "nodes/Anchor.csv:4: line is not valid UTF-8 (the file is UTF-8): re-save the file in one encoding",
        # the rest of the file is still checked
        "nodes/Anchor.csv:5: bad number 'many' for followers: expected a whole number",
    ]


def test_gbk_file_with_a_line_that_is_not_gbk(loaded_store, tmp_path):
    text = "id,name\nt1,王芳\nt2,李娜\nt3,张伟\n".encode("gbk") + b"t4,\x81\x20x\n"
    _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}),
             "nodes/TeamLeader.csv:5: line is not valid GB18030 (the file is GB18030)")


def test_utf8_with_bom_and_a_bad_line(loaded_store, tmp_path):
    text = b"\xef\xbb\xbf" + "id,name\nt1,王芳\n".encode() + b"t2,\xff\n"
    _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}),
             "nodes/TeamLeader.csv:3: line is not valid UTF-8 (the file is UTF-8)")


def test_utf16_with_bom_loads(store, tmp_path):
    files = {**MINI, "nodes/TeamLeader.csv": MINI["nodes/TeamLeader.csv"].encode("utf-16")}
    summary = load_bundle(store, write_bundle(tmp_path / "b", files))
    assert store.graph().node("t1")["name"] == "王芳"
    assert summary.files["nodes/TeamLeader.csv"]["encoding"] == "utf-16"


def test_nul_byte_is_a_problem(loaded_store, tmp_path):
    text = "id,name\nt1,王芳\nt2,a\x00b\n"
    _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}),
             "nodes/TeamLeader.csv:3: NUL byte in the file")


# ---------------------------------------------------------------- 4. numbers

NON_FINITE = [
    # overflows to infinity: once loaded, and the ranking JSON then held Infinity
    ("facts/livestreams.csv", "100.5", "1e999", "facts/livestreams.csv:2: bad number '1e999' for gmv: not a finite number"),
    ("facts/livestreams.csv", "100.5", "-1E400", "facts/livestreams.csv:2: bad number '-1E400' for gmv: not a finite"),
    # spelled out
    ("nodes/Merchant.csv", "52000.5", "inf", "nodes/Merchant.csv:2: bad number 'inf' for sales: not a finite number"),
    ("nodes/Merchant.csv", "52000.5", "NaN", "nodes/Merchant.csv:2: bad number 'NaN' for sales: not a finite number"),
    ("nodes/SupplyChain.csv", "4.8", "Infinity", "nodes/SupplyChain.csv:2: bad number 'Infinity' for rating"),
    ("facts/provider_quarters.csv", "500000", "1e309", "facts/provider_quarters.csv:2: bad number '1e309' for gmv"),
    # grouped digits that overflow
    ("nodes/Belt.csv", "30.258", "1" + "0" * 400, "nodes/Belt.csv:2: bad number '1000"),
]


@pytest.mark.parametrize("file,old,new,expected", NON_FINITE, ids=[n[2][:12] for n in NON_FINITE])
def test_non_finite_numbers_are_refused(loaded_store, tmp_path, file, old, new, expected):
    files = dict(MINI)
    files[file] = files[file].replace(old, new, 1)
    _refused(loaded_store, write_bundle(tmp_path / "b", files), expected)


NEGATIVE = [
    # a refund-like negative GMV is not in SPEC: refused
    ("facts/livestreams.csv", "100.5", "-100.5", "facts/livestreams.csv:2: gmv -100.5 is negative"),
    ("facts/provider_quarters.csv", "500000", "-1", "facts/provider_quarters.csv:2: gmv -1 is negative"),
    ("nodes/Merchant.csv", "52000.5", "-52000.5", "nodes/Merchant.csv:2: sales -52000.5 is negative"),
]


@pytest.mark.parametrize("file,old,new,expected", NEGATIVE, ids=[n[3].split(":")[0] for n in NEGATIVE])
def test_negative_amounts_are_refused(loaded_store, tmp_path, file, old, new, expected):
    files = dict(MINI)
    files[file] = files[file].replace(old, new, 1)
    _refused(loaded_store, write_bundle(tmp_path / "b", files), expected)


def test_negative_gmv_given_as_sells_is_refused(loaded_store, tmp_path):
    files = {**MINI, "rels/SELLS.csv": "from,to,quarter,gmv\na1,sc1,2020Q1,-3\n"}
    _refused(loaded_store, write_bundle(tmp_path / "b", files), "rels/SELLS.csv:2: gmv -3 is negative")


def test_xlsx_infinite_float_is_refused(loaded_store, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Merchant"
    ws.append(["id", "name", "sales"])
    ws.append(["m1", "店", 12345.5])
    wb.save(tmp_path / "plain.xlsx")
    # openpyxl writes no infinity; a cell <v>1e999</v> reads back as one
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, zipfile.ZipFile(tmp_path / "inf.xlsx", "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info).replace(b">12345.5<", b">1e999<"))
    _refused(loaded_store, tmp_path / "inf.xlsx", "inf.xlsx[Merchant]:2: bad number 'inf' for sales: not a finite")


def test_xlsx_formulas_are_refused_never_evaluated(loaded_store, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TeamLeader"
    ws.append(["id", "name"])
    ws.append(["t1", "=1+1"])
    ws.append(["t2", '=HYPERLINK("http://example.com","点我")'])
    wb.save(tmp_path / "f.xlsx")
    err = _refused(loaded_store, tmp_path / "f.xlsx")
    assert [str(p) for p in err.problems] == [
        "f.xlsx[TeamLeader]:2: cell B2 holds the formula '=1+1': formulas are not evaluated; paste values",
        "f.xlsx[TeamLeader]:3: cell B3 holds the formula '=HYPERLINK(\"http://example.com\",\"点我\")': "
        "formulas are not evaluated; paste values",
    ]


# ---------------------------------------------------------------- 5. long lines

def test_line_past_the_record_limit_is_a_problem(loaded_store, tmp_path):
    # Once an IndexError traceback from deep in the reader.
    text = "id,name\nt1,王芳\nt2," + "y" * (MAX_RECORD_BYTES + 1000) + "\nt3,x,extra\n"
    err = _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}))
    assert [str(p) for p in err.problems] == [
        "nodes/TeamLeader.csv:3: a field longer than 16 MB: is a quote left open?",
        "nodes/TeamLeader.csv:4: expected 2 fields as in the header, found 3",
    ]


def test_quote_left_open_over_a_long_file_is_a_problem(loaded_store, tmp_path):
    rows = "".join(f"t{i},name {i}\n" for i in range(1_500_000))  # ~20 MB after the open quote
    text = 'id,name\nt0,"open quote\n' + rows
    err = _refused(loaded_store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}))
    # the record starts on line 2, where the quote opens
    assert str(err.problems[0]) == "nodes/TeamLeader.csv:2: a field longer than 16 MB: is a quote left open?"


def test_long_field_with_quoted_newlines_loads(store, tmp_path):
    # The csv module's default field limit (128 KB) once gave a traceback here.
    text = 'id,name\nt1,"two\nlines"\nt2,' + "长" * 200_000 + "\n"
    load_bundle(store, write_bundle(tmp_path / "b", {**MINI, "nodes/TeamLeader.csv": text}))
    assert len(store.graph().node("t2")["name"]) == 200_000


def test_bad_rows_keep_exact_lines_with_quoted_newlines(store, tmp_path):
    text = 'id,name,followers\na1,"两行\n名字",1\na2,x,1,extra\na3,"y\n\nz",bad\n'
    raw = read_bundle(write_bundle(tmp_path / "b", {"nodes/Anchor.csv": text}))
    assert [str(p) for p in raw.tables[0].problems] == ["nodes/Anchor.csv:4: expected 3 fields as in the header, found 4"]
    assert raw.tables[0].lines.tolist() == [2, 5]


# ---------------------------------------------------------------- found by fuzzing

@pytest.mark.parametrize("extra,expected", [
    # columns differing only in case cannot both be properties: once a StoreError from the engine
    ("备注,a,A", "nodes/TeamLeader.csv:1: duplicate column 'A' in the header"),
    ("note,NOTE", "nodes/TeamLeader.csv:1: duplicate column 'NOTE' in the header"),
    # the engine's own names (and results drop every _name)
    ("_ID", "nodes/TeamLeader.csv:1: column '_ID': names starting with _ are reserved; rename it"),
    ("_label", "nodes/TeamLeader.csv:1: column '_label': names starting with _ are reserved"),
    ("_备注", "nodes/TeamLeader.csv:1: column '_备注': names starting with _ are reserved"),
])
def test_extra_columns_the_store_cannot_keep_are_problems(loaded_store, tmp_path, extra, expected):
    cells = ",".join("v" for _ in extra.split(","))
    files = {**MINI, "nodes/TeamLeader.csv": f"id,name,{extra}\nt1,王芳,{cells}\n"}
    _refused(loaded_store, write_bundle(tmp_path / "b", files), expected)


def test_names_with_line_breaks_are_escaped_in_problems(loaded_store, tmp_path):
    path = _zip(tmp_path / "odd.zip", {**MINI, "nodes/Team\nLeader.csv": "id,name\nt5,x\n"})
    err = _refused(loaded_store, path)
    assert [str(p) for p in err.problems] == [
        "nodes/Team\\nLeader.csv:1: unknown label 'Team\\nLeader': expected one of Belt, Base, Provider, "
        "SupplyChain, Anchor, Merchant, TeamLeader"]
