"""Loading bundles: all or nothing, problems as file:line: message, formats and encodings."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from graph.errors import BundleError
from loaders import load_bundle

from ..conftest import MINI, MINI_COUNTS, ROOT, write_bundle


def test_load_mini_bundle_counts(loaded_store):
    assert loaded_store.stats() == MINI_COUNTS


def test_load_types_properties_per_model(loaded_store):
    g = loaded_store.graph()
    p2 = g.node("p2")
    assert p2["roles"] == ["training"]
    assert p2["level"] == 1            # empty level takes the default
    assert p2["plaque"] is False       # 否
    base = g.node("base1")
    assert base["premium"] is True and base["rooms"] == 12
    assert str(base["opened"]) == "2019-05-01"
    assert g.node("b-hz")["lat"] == pytest.approx(30.258)


def test_load_aggregates_livestreams_per_quarter(loaded_store):
    sells = loaded_store.graph().rels["SELLS"].to_pylist()
    assert sells == [
        {"from": "a1", "to": "sc1", "quarter": "2020Q1", "sessions": 2, "gmv": 150.5, "orders": 4, "viewers": 1800},
        {"from": "a2", "to": "sc2", "quarter": "2020Q3", "sessions": 1, "gmv": 10.0, "orders": 1, "viewers": 90},
    ]
    streams = loaded_store.graph().rels["STREAMS_AT"].to_pylist()
    # the fact with an empty base gives no STREAMS_AT
    assert streams == [{"from": "a1", "to": "base1", "quarter": "2020Q1", "sessions": 1},
                       {"from": "a2", "to": "base1", "quarter": "2020Q3", "sessions": 1}]


def test_load_keeps_unknown_columns_and_names_them(store, tmp_path):
    files = dict(MINI)
    lines = MINI["nodes/Belt.csv"].splitlines()
    files["nodes/Belt.csv"] = "\n".join([lines[0] + ",备注", lines[1] + ",重点产业带"] + [x + "," for x in lines[2:]]) + "\n"
    summary = load_bundle(store, write_bundle(tmp_path / "b", files))
    assert summary.extra_columns == {"nodes/Belt.csv": ["备注"]}
    assert store.graph().node("b-hz")["备注"] == "重点产业带"
    assert store.cypher("MATCH (b:Belt {id: 'b-hz'}) RETURN b.`备注`").rows == [["重点产业带"]]


def test_missing_files_are_an_empty_graph_part(store, tmp_path):
    files = {k: v for k, v in MINI.items() if k.startswith("nodes/Belt")}
    load_bundle(store, write_bundle(tmp_path / "b", files))
    stats = store.stats()
    assert stats["nodes"]["Belt"] == 3 and stats["nodes"]["Merchant"] == 0
    assert set(stats["relationships"].values()) == {0}


# ---------------------------------------------------------------- every kind of bad input

def _broken(file: str, old: str, new: str) -> dict:
    files = dict(MINI)
    assert old in files[file], (file, old)
    files[file] = files[file].replace(old, new, 1)
    return files


BAD = [
    # unknown label
    ({**MINI, "nodes/Shop.csv": "id,name\nx1,店\n"}, "nodes/Shop.csv:1: unknown label 'Shop'"),
    # unknown relationship type
    ({**MINI, "rels/KNOWS.csv": "from,to\na1,a2\n"}, "rels/KNOWS.csv:1: unknown relationship type 'KNOWS'"),
    # unknown fact table
    ({**MINI, "facts/orders.csv": "id\n1\n"}, "facts/orders.csv:1: unknown fact table 'orders'"),
    # missing required column
    (_broken("nodes/SupplyChain.csv", "id,name,category,", "id,name,"),
     "nodes/SupplyChain.csv:1: missing required column 'category'"),
    # missing required value
    (_broken("nodes/Anchor.csv", "a2,阿杰说珠宝", "a2,"), "nodes/Anchor.csv:3: missing value for required column 'name'"),
    # bad integer
    (_broken("nodes/Anchor.csv", "120000", "12万"), "nodes/Anchor.csv:2: bad number '12万' for followers"),
    # bad float
    (_broken("nodes/SupplyChain.csv", "0.97", "97%"), "nodes/SupplyChain.csv:2: bad number '97%' for fulfillment_rate"),
    # number out of its range
    (_broken("nodes/SupplyChain.csv", "4.8", "6.5"), "nodes/SupplyChain.csv:2: rating 6.5 is out of range 0..5"),
    # bad date (no 30 February)
    (_broken("nodes/Merchant.csv", "2020-09-15", "2020-02-30"), "nodes/Merchant.csv:2: bad date '2020-02-30' for joined"),
    # bad boolean
    (_broken("nodes/Base.csv", ",是,", ",maybe,"), "nodes/Base.csv:2: bad value 'maybe' for premium"),
    # bad enum
    (_broken("nodes/Belt.csv", "big_apparel", "fashion"), "nodes/Belt.csv:2: bad value 'fashion' for division"),
    # bad role in a ;-list
    (_broken("nodes/Provider.csv", "mcn;belt", "mcn;cooking"), "nodes/Provider.csv:2: bad value 'mcn;cooking' for roles"),
    # bad quarter
    (_broken("facts/provider_quarters.csv", "p1,2020Q1", "p1,2020Q5"),
     "facts/provider_quarters.csv:2: bad value '2020Q5' for quarter"),
    # duplicate id in one file
    (_broken("nodes/TeamLeader.csv", "t1,王芳\n", "t1,王芳\nt1,李娜\n"),
     "nodes/TeamLeader.csv:3: duplicate id 't1' (first at nodes/TeamLeader.csv:2)"),
    # duplicate id across labels
    (_broken("nodes/TeamLeader.csv", "t1,王芳\n", "t1,王芳\na1,李娜\n"), "duplicate id 'a1'"),
    # relationship end that does not exist
    (_broken("rels/SERVES.csv", "p1,b-hz", "p1,b-nowhere"), "rels/SERVES.csv:2: to 'b-nowhere' does not exist"),
    # relationship end with the wrong label
    (_broken("rels/RUNS.csv", "p1,sc1", "p1,a1"), "rels/RUNS.csv:2: to 'a1' is an Anchor, but RUNS needs a SupplyChain"),
    # IN_BELT from a label it does not allow
    (_broken("rels/IN_BELT.csv", "m1,b-hz", "a1,b-hz"), "rels/IN_BELT.csv:5: from 'a1' is an Anchor"),
    # fact whose end does not exist
    (_broken("facts/livestreams.csv", "l3,a2,", "l3,a9,"), "facts/livestreams.csv:4: anchor 'a9' does not exist"),
    # fact whose end has the wrong label
    (_broken("facts/livestreams.csv", "l3,a2,sc2", "l3,a2,m1"), "facts/livestreams.csv:4: supply_chain 'm1' is a Merchant"),
    # duplicate fact id
    (_broken("facts/livestreams.csv", "l3,", "l1,"), "facts/livestreams.csv:4: duplicate id 'l1' (first at line 2)"),
    # a row with more fields than the header
    (_broken("nodes/Anchor.csv", "a2,阿杰说珠宝,8000", "a2,阿杰说珠宝,8000,x"), "nodes/Anchor.csv:3: expected 5 fields"),
]


@pytest.mark.parametrize("files,expected", BAD, ids=[b[1].split(":")[0] + "-" + str(i) for i, b in enumerate(BAD)])
def test_load_rejects_bad_input_and_keeps_graph(loaded_store, tmp_path, files, expected):
    before = loaded_store.stats()
    version = loaded_store.version()
    with pytest.raises(BundleError) as info:
        load_bundle(loaded_store, write_bundle(tmp_path / "bad", files))
    assert any(expected in str(p) for p in info.value.problems), str(info.value)
    assert loaded_store.stats() == before
    assert loaded_store.version() == version


def test_load_reports_every_problem_in_one_pass(store, tmp_path):
    files = _broken("nodes/Anchor.csv", "120000", "many")
    files["rels/SERVES.csv"] = "from,to,since\np1,nowhere,2019-01-01\n"
    files["nodes/Merchant.csv"] = "id,name,joined,sales\nm1,店,someday,1\n"
    with pytest.raises(BundleError) as info:
        load_bundle(store, write_bundle(tmp_path / "bad", files))
    text = str(info.value)
    assert "nodes/Anchor.csv:2:" in text and "rels/SERVES.csv:2:" in text and "nodes/Merchant.csv:2:" in text
    assert info.value.total == 3


def test_load_caps_the_problem_list_and_counts_the_rest(store, tmp_path):
    rows = "".join(f"a{i},name,lots\n" for i in range(120))
    files = {"nodes/Anchor.csv": "id,name,followers\n" + rows}
    with pytest.raises(BundleError) as info:
        load_bundle(store, write_bundle(tmp_path / "bad", files), max_errors=10)
    assert info.value.total == 120 and len(info.value.problems) == 10
    assert "... and 110 more problems" in str(info.value)


def test_line_numbers_count_quoted_newlines(store, tmp_path):
    files = {"nodes/Anchor.csv": 'id,name,followers\na1,"两行\n名字",1\na2,x,bad\n'}
    with pytest.raises(BundleError) as info:
        load_bundle(store, write_bundle(tmp_path / "bad", files))
    assert str(info.value.problems[0]).startswith("nodes/Anchor.csv:4: bad number 'bad'")


# ---------------------------------------------------------------- encodings and formats

def _graph_rows(store) -> dict:
    g = store.graph()
    return {lab: g.nodes[lab].to_pylist() for lab in g.nodes} | {t: g.rels[t].to_pylist() for t in g.rels}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "gbk"])
def test_encodings_load_to_the_same_graph(tmp_path, config, encoding):
    from graph.embedded import EmbeddedStore

    plain = EmbeddedStore(tmp_path / "s-utf8", config)
    other = EmbeddedStore(tmp_path / "s-other", config)
    load_bundle(plain, write_bundle(tmp_path / "utf8", MINI, "utf-8"))
    summary = load_bundle(other, write_bundle(tmp_path / "enc", MINI, encoding))
    assert _graph_rows(plain) == _graph_rows(other)
    assert other.graph().node("b-hz")["name"] == "杭州四季青服装市场"
    if encoding != "utf-8-sig":
        assert summary.files["nodes/Belt.csv"]["encoding"] == "gb18030"


def test_gbk_detected_even_when_chinese_is_sparse(store, tmp_path):
    files = {"nodes/Merchant.csv": "id,name\n" + "".join(f"m{i},shop{i}\n" for i in range(2000)) + "m-last,店\n"}
    load_bundle(store, write_bundle(tmp_path / "b", files, "gbk"))
    assert store.graph().node("m-last")["name"] == "店"


def test_zip_bundle_loads_like_the_folder(tmp_path, config, mini_bundle):
    from graph.embedded import EmbeddedStore

    folder_store = EmbeddedStore(tmp_path / "s1", config)
    zip_store = EmbeddedStore(tmp_path / "s2", config)
    load_bundle(folder_store, mini_bundle)
    zpath = tmp_path / "mini.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for name, text in MINI.items():
            zf.writestr(f"产业带数据/{name}", text.encode("utf-8"))
    load_bundle(zip_store, zpath)
    assert _graph_rows(folder_store) == _graph_rows(zip_store)


def _xlsx(path: Path, files: dict[str, str]) -> Path:
    import csv

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, text in files.items():
        ws = wb.create_sheet(Path(name).stem)
        for row in csv.reader(io.StringIO(text)):
            ws.append([_typed_cell(v) for v in row])
    wb.save(path)
    return path


def _typed_cell(v: str):
    # Excel keeps numbers as numbers and dates as dates; the loader must read them back.
    import datetime as dt

    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(v, "%Y-%m-%d")
    except ValueError:
        return v or None


def test_xlsx_bundle_loads_like_the_folder(tmp_path, config, mini_bundle):
    from graph.embedded import EmbeddedStore

    folder_store = EmbeddedStore(tmp_path / "s1", config)
    xlsx_store = EmbeddedStore(tmp_path / "s2", config)
    load_bundle(folder_store, mini_bundle)
    load_bundle(xlsx_store, _xlsx(tmp_path / "mini.xlsx", MINI))
    assert _graph_rows(folder_store) == _graph_rows(xlsx_store)


def test_xlsx_problems_name_sheet_and_row(store, tmp_path):
    files = _broken("nodes/Anchor.csv", "8000", "lots")
    with pytest.raises(BundleError, match=r"mini.xlsx\[Anchor\]:3: bad number 'lots' for followers"):
        load_bundle(store, _xlsx(tmp_path / "mini.xlsx", files))


# ---------------------------------------------------------------- merge and replace

def test_full_load_replaces_the_graph(loaded_store, tmp_path):
    files = {"nodes/Belt.csv": "id,name,category,province\nb-new,新产业带,tea,云南省\n"}
    load_bundle(loaded_store, write_bundle(tmp_path / "b", files))
    stats = loaded_store.stats()
    assert stats["nodes"]["Belt"] == 1 and stats["nodes"]["Merchant"] == 0
    assert "b-hz" not in loaded_store.graph()


def test_merge_upserts_by_id(loaded_store, tmp_path):
    files = {
        # b-hz changes its name; its other columns (absent here) keep their values
        "nodes/Belt.csv": "id,name,category,province\nb-hz,杭州四季青(新),apparel,浙江省\nb-new,安溪铁观音,tea,福建省\n",
        "nodes/Merchant.csv": "id,name\nm2,新店\n",
        "rels/IN_BELT.csv": "from,to\nm2,b-new\n",
        "facts/livestreams.csv": "id,anchor,supply_chain,base,date,gmv\nl1,a1,sc1,base1,2020-01-05,200.5\nl9,a2,sc1,,2020-04-02,7\n",
    }
    summary = load_bundle(loaded_store, write_bundle(tmp_path / "b", files), merge=True)
    assert summary.mode == "merge"
    g = loaded_store.graph()
    assert g.node("b-hz")["name"] == "杭州四季青(新)"
    assert g.node("b-hz")["lat"] == pytest.approx(30.258)
    assert g.node("b-xy")["name"] == "仙游红木古典家具"
    stats = loaded_store.stats()
    assert stats["nodes"]["Belt"] == 4 and stats["nodes"]["Merchant"] == 2
    assert stats["relationships"]["IN_BELT"] == 5
    sells = {(r["from"], r["to"], r["quarter"]): r["gmv"] for r in g.rels["SELLS"].to_pylist()}
    assert sells == {("a1", "sc1", "2020Q1"): 250.5, ("a2", "sc2", "2020Q3"): 10.0, ("a2", "sc1", "2020Q2"): 7.0}


def test_merge_refuses_an_id_that_changes_label(loaded_store, tmp_path):
    files = {"nodes/Anchor.csv": "id,name\nb-hz,主播\n"}
    with pytest.raises(BundleError, match="id 'b-hz' is already a Belt in the loaded graph"):
        load_bundle(loaded_store, write_bundle(tmp_path / "b", files), merge=True)


def test_merge_may_point_at_nodes_already_loaded(loaded_store, tmp_path):
    files = {"rels/MATCHES.csv": "from,to\nt1,a2\n"}
    load_bundle(loaded_store, write_bundle(tmp_path / "b", files), merge=True)
    assert loaded_store.stats()["relationships"]["MATCHES"] == 2


# ---------------------------------------------------------------- crash safety

def test_killed_load_leaves_the_old_graph(tmp_path, mini_bundle):
    """SIGKILL a load of a bigger bundle while it writes its new version."""
    data = tmp_path / "store"
    env = {**os.environ, "BELTGRAPH_DATA": str(data), "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"}
    beltgraph = [sys.executable, "-m", "beltgraph"]
    subprocess.run(beltgraph + ["load", str(mini_bundle)], env=env, check=True, capture_output=True, cwd=ROOT)
    big = tmp_path / "big"
    subprocess.run(beltgraph + ["generate", "--scale", "0.05", "-o", str(big)], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    for delay in (0.0, 0.3, 0.8):
        proc = subprocess.Popen(beltgraph + ["load", str(big)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and not list((data / "versions").glob("*.tmp")):
            time.sleep(0.01)
        assert list((data / "versions").glob("*.tmp")), "the load never started writing"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        out = subprocess.run(beltgraph + ["stats", "--json"], env=env, capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        import json

        assert json.loads(out.stdout) == MINI_COUNTS
        q = subprocess.run(beltgraph + ["cypher", "MATCH (b:Belt) RETURN count(b) AS n", "--json"],
                           env=env, capture_output=True, text=True, cwd=ROOT)
        assert json.loads(q.stdout)["rows"] == [[3]]
    # the next load sweeps the unfinished version away and succeeds
    subprocess.run(beltgraph + ["load", str(mini_bundle)], env=env, check=True, capture_output=True, cwd=ROOT)
    assert not list((data / "versions").glob("*.tmp"))


def test_bundle_of_arrow_typed_cells_round_trips(loaded_store):
    g = loaded_store.graph()
    assert g.nodes["Provider"].schema.field("roles").type == pa.list_(pa.string())
