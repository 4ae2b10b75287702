"""Exports of a selection: round trips (GraphML, GEXF, JSON read back with networkx equal the
exported subgraph), golden data for the small fixed graph, the html's safety and the svg's names.

Golden data is extracted and sorted (not raw files); rewrite it with BELTGRAPH_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from graph import usecases
from graph.errors import BadRequest
from graph.export import gephi, jsonfmt, neo4j_csv
from graph.export.drawing import build_drawing
from graph.export.html import to_html
from graph.export.layout import layout
from graph.export.svg import to_svg
from graph.subgraphs import TooManyNodes

from ..conftest import MINI, write_bundle

GOLDEN = Path(__file__).parent / "golden" / "export_mini.json"
XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>window.__xss=1</script>"


@pytest.fixture
def sub(loaded_store, config):
    """The whole small graph, as every format exports it."""
    return usecases.select_for_export(loaded_store, config, "json")


@pytest.fixture
def xss_store(tmp_path, config):
    """The small graph with names that are HTML and script."""
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Anchor.csv"] = files["nodes/Anchor.csv"].replace("小美爱穿搭", XSS)
    files["nodes/TeamLeader.csv"] = f"id,name\nt1,{SCRIPT}\n"
    store = EmbeddedStore(tmp_path / "xss", config)
    load_bundle(store, write_bundle(tmp_path / "xssbundle", files))
    yield store
    store.close()


def _without_defaults(G):
    G.graph.pop("node_default", None)
    G.graph.pop("edge_default", None)
    return G


# ---------------------------------------------------------------- round trips

def test_graphml_reads_back_equal_to_the_exported_subgraph(sub):
    back = nx.read_graphml(io.BytesIO(gephi.to_graphml(sub)), force_multigraph=True)
    expected = gephi.to_networkx(sub)
    assert nx.utils.graphs_equal(_without_defaults(back), expected)
    assert back.nodes["p1"]["roles"] == "mcn;belt"            # a list, joined
    assert back.nodes["base1"]["premium"] is True and back.nodes["b-hz"]["lat"] == 30.258
    assert back.graph["version"] == sub.version and json.loads(back.graph["selection"]) == {"whole": True}


def test_gexf_reads_back_with_attributes_positions_colours_and_sizes(sub):
    drawing = build_drawing(sub)
    back = nx.read_gexf(io.BytesIO(gephi.to_gexf(sub, drawing)))
    expected = gephi.to_networkx(sub)
    assert set(back.nodes) == set(expected.nodes)
    drawn = drawing.by_id()
    for n, data in back.nodes(data=True):
        viz = data.pop("viz")
        assert data.pop("label") == expected.nodes[n]["name"]
        assert data == expected.nodes[n]
        d = drawn[n]
        assert viz["position"]["x"] == pytest.approx(d.x) and viz["position"]["y"] == pytest.approx(-d.y)
        assert viz["size"] == pytest.approx(d.size)
        assert "#%02x%02x%02x" % (viz["color"]["r"], viz["color"]["g"], viz["color"]["b"]) == d.color
    got = sorted((u, v, data["label"], data.get("quarter")) for u, v, data in back.edges(data=True))
    want = sorted((u, v, data["type"], data.get("quarter")) for u, v, data in expected.edges(data=True))
    assert got == want


def test_node_link_json_reads_back_equal_and_keeps_lists(sub):
    data = json.loads(jsonfmt.to_node_link(sub))
    back = nx.node_link_graph(data, edges="links")
    expected = gephi.to_networkx(sub, clean=False)
    expected.graph["selection"] = sub.selection
    assert nx.utils.graphs_equal(back, expected)
    assert back.nodes["p1"]["roles"] == ["mcn", "belt"]


def test_cytoscape_json_has_every_element_with_positions(sub):
    drawing = build_drawing(sub)
    data = json.loads(jsonfmt.to_cytoscape(sub, drawing))
    assert {n["data"]["id"] for n in data["elements"]["nodes"]} == {n["id"] for n in sub.nodes}
    assert len(data["elements"]["edges"]) == len(sub.rels)
    first = data["elements"]["nodes"][0]
    assert set(first["position"]) == {"x", "y"} and first["data"]["name"]
    assert data["data"]["version"] == sub.version


# ---------------------------------------------------------------- sanitising

@pytest.mark.parametrize("items, expected", [
    ([{"a": None}], [{}]),                                            # None dropped
    ([{"a": ["x", 1]}], [{"a": "x;1"}]),                              # lists joined
    ([{"a": 1}, {"a": 2.5}], [{"a": 1.0}, {"a": 2.5}]),               # int and float: float
    ([{"a": 1}, {"a": "x"}], [{"a": "1"}, {"a": "x"}]),               # number and text: text
    ([{"a": True}, {"a": 2}], [{"a": "true"}, {"a": "2"}]),           # bool is not a number here
])
def test_sanitise_gives_one_type_per_key(items, expected):
    assert gephi.sanitise(items) == expected


def test_mixed_type_attribute_still_round_trips_through_graphml():
    from graph.usecases.browse import Subgraph

    sub = Subgraph([{"id": "a", "label": "Anchor", "name": "a", "extra": 3},
                    {"id": "b", "label": "Anchor", "name": "b", "extra": "three", "tags": ["x", None]},
                    {"id": "c", "label": "Anchor", "name": "c", "extra": None}], [], {"whole": True}, None)
    back = nx.read_graphml(io.BytesIO(gephi.to_graphml(sub)), force_multigraph=True)
    assert back.nodes["a"]["extra"] == "3" and back.nodes["b"]["extra"] == "three" and "extra" not in back.nodes["c"]
    assert nx.utils.graphs_equal(_without_defaults(back), gephi.to_networkx(sub))


# ---------------------------------------------------------------- golden data

def _golden(store, config) -> dict:
    out = {}
    for fmt in ("graphml", "gexf", "json", "cytoscape", "svg", "html", "csv"):
        f = usecases.export(store, config, fmt)
        body = f.body
        if fmt == "graphml":
            G = nx.read_graphml(io.BytesIO(body), force_multigraph=True)
            out[fmt] = {"nodes": sorted([n, sorted(d.items())] for n, d in G.nodes(data=True)),
                        "edges": sorted([u, v, k, sorted(d.items())] for u, v, k, d in G.edges(keys=True, data=True))}
        elif fmt == "gexf":
            G = nx.read_gexf(io.BytesIO(body))
            out[fmt] = sorted([n, d["label"], d["labels"], d["viz"]["color"], d["viz"]["size"]]
                              for n, d in G.nodes(data=True))
        elif fmt == "json":
            data = json.loads(body)
            out[fmt] = {"nodes": sorted(json.dumps(n, ensure_ascii=False, sort_keys=True) for n in data["nodes"]),
                        "links": sorted(json.dumps(x, ensure_ascii=False, sort_keys=True) for x in data["links"])}
        elif fmt == "cytoscape":
            data = json.loads(body)
            out[fmt] = sorted(json.dumps(e["data"], ensure_ascii=False, sort_keys=True)
                              for e in data["elements"]["nodes"] + data["elements"]["edges"])
        elif fmt == "svg":
            root = ET.fromstring(body)
            out[fmt] = sorted([g.get("data-id"), g.get("data-label"), _svg_name(g)] for g in _svg_nodes(root))
        elif fmt == "html":
            nodes = _html_json(body.decode(), "bg-nodes")
            out[fmt] = sorted([n["id"], n["label"], n["shape"], n["size"], n["color"]["background"],
                               n["bg_label_name"], sorted(n["bg_props"].items())] for n in nodes)
        else:
            z = zipfile.ZipFile(io.BytesIO(body))
            out[fmt] = {name.split("/", 1)[1]: z.read(name).decode() for name in sorted(z.namelist())
                        if name.endswith(".csv")}
    return json.loads(json.dumps(out, ensure_ascii=False).replace(store.version(), "VERSION"))


def test_exports_of_the_small_graph_match_the_golden_data(loaded_store, config):
    got = _golden(loaded_store, config)
    if os.environ.get("BELTGRAPH_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for fmt in expected:
        assert got[fmt] == expected[fmt], fmt


# ---------------------------------------------------------------- html

def _html_json(page: str, element_id: str):
    m = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_html_loads_nothing_from_the_network(loaded_store, config):
    page = usecases.export(loaded_store, config, "html").body.decode()
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)
    assert "bootstrap.min" not in page and "tom-select" not in page  # the stock template's CDN assets
    assert "vis.Network" in page  # vis-network inlined


def test_html_keeps_names_as_text_and_carries_what_it_shows(xss_store, config):
    f = usecases.export(xss_store, config, "html", around="a1", depth=1, title=f"标题 {XSS}")
    page = f.body.decode()
    assert XSS not in page and SCRIPT not in page
    assert page.count("</script>") == 5  # the template's own: no script closed early by a name
    nodes = {n["id"]: n for n in _html_json(page, "bg-nodes")}
    assert nodes["a1"]["label"] == XSS
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the heading, escaped
    assert f'content="{f.version}"' in page and f'content="{f.date}"' in page
    assert "around a1, depth 1" in page


def test_html_is_refused_above_the_interactive_cap_with_a_filter_suggested(loaded_store, config):
    small = config.with_overrides(export={"max_nodes_interactive": 5})
    with pytest.raises(TooManyNodes, match="narrow it with a label or type filter"):
        usecases.export(loaded_store, small, "html")
    assert usecases.export(loaded_store, small, "graphml").nodes == 12  # other formats: [export] max_nodes
    with pytest.raises(TooManyNodes, match=r"max_nodes\)"):
        usecases.export(loaded_store, config.with_overrides(export={"max_nodes": 3}), "svg")


def test_unknown_format_and_labels_are_refused(loaded_store, config):
    with pytest.raises(BadRequest, match="format must be one of"):
        usecases.export(loaded_store, config, "docx")
    with pytest.raises(BadRequest, match="--label takes labels"):
        usecases.export(loaded_store, config, "json", labels=("SELLS",))


def test_selection_by_ids_labels_and_query(loaded_store, config):
    by_ids = usecases.select_for_export(loaded_store, config, "json", ids=("p1", "b-hz", "sc1"), view="path p1 → sc1")
    assert sorted(n["id"] for n in by_ids.nodes) == ["b-hz", "p1", "sc1"]
    assert {(r["from"], r["type"], r["to"]) for r in by_ids.rels} == \
        {("p1", "SERVES", "b-hz"), ("p1", "RUNS", "sc1"), ("sc1", "IN_BELT", "b-hz")}
    assert by_ids.selection["view"] == "path p1 → sc1"
    around = usecases.select_for_export(loaded_store, config, "json", around="b-hz", depth=1, labels=("SupplyChain",))
    assert sorted(n["id"] for n in around.nodes) == ["b-hz", "sc1"]
    q = usecases.select_for_export(loaded_store, config, "json", query="MATCH (a:Anchor)-[s:SELLS]->(c) RETURN a, c")
    assert sorted(n["id"] for n in q.nodes) == ["a1", "a2", "sc1", "sc2"]
    assert all(r["type"] == "SELLS" for r in q.rels) and q.selection["query"].startswith("MATCH")


# ---------------------------------------------------------------- svg

def _svg_nodes(root):
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]


def _svg_name(g) -> str:
    t = g.find("{http://www.w3.org/2000/svg}text")
    return t.text if t is not None else ""


def test_svg_parses_and_names_every_node_in_a_cjk_font(xss_store, config):
    f = usecases.export(xss_store, config, "svg")
    root = ET.fromstring(f.body)
    names = {g.get("data-id"): _svg_name(g) for g in _svg_nodes(root)}
    sub = usecases.select_for_export(xss_store, config, "svg")
    assert names == {n["id"]: n["name"] for n in sub.nodes}
    assert names["a1"] == XSS and names["b-hz"] == "杭州四季青服装市场"
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert f.version in f.body.decode() and f.date in f.body.decode()


def test_the_same_positions_feed_html_svg_and_gexf(sub):
    drawing = build_drawing(sub)
    svg = to_svg(drawing)
    html = {n["id"]: (n["x"], n["y"]) for n in _html_json(to_html(drawing), "bg-nodes")}
    gexf = nx.read_gexf(io.BytesIO(gephi.to_gexf(sub, drawing)))
    for n in drawing.nodes:
        assert html[n.id] == (n.x, n.y)
        assert f'cx="{n.x:.1f}" cy="{n.y:.1f}"' in svg or n.label == "Belt"
        assert gexf.nodes[n.id]["viz"]["position"]["x"] == pytest.approx(n.x)


def test_layout_is_deterministic_and_separates_nodes():
    ids = [f"n{i}" for i in range(700)]  # above the exact-repulsion size: the grid is used
    edges = [(f"n{i}", f"n{(i * 7) % 700}") for i in range(700)]
    a, b = layout(ids, edges), layout(ids, edges)
    assert a == b
    distinct = {(round(x), round(y)) for x, y in a.values()}
    assert len(distinct) > 0.9 * len(ids)


# ---------------------------------------------------------------- csv for neo4j-admin

def test_neo4j_csv_headers_are_typed_and_every_row_is_there(sub):
    files = neo4j_csv.to_files(sub)
    prov = list(csv.reader(io.StringIO(files["nodes/Provider.csv"].decode())))
    assert prov[0][:2] == ["id:ID(Provider)", ":LABEL"]
    assert "roles:string[]" in prov[0] and "level:long" in prov[0] and "joined:date" in prov[0]
    assert "plaque:boolean" in prov[0]
    sells = list(csv.reader(io.StringIO(files["rels/SELLS__Anchor__SupplyChain.csv"].decode())))
    assert sells[0][:3] == [":START_ID(Anchor)", ":END_ID(SupplyChain)", ":TYPE"] and "gmv:double" in sells[0]
    rows = sum(len(b.decode().splitlines()) - 1 for p, b in files.items() if p.startswith("nodes/"))
    rels = sum(len(b.decode().splitlines()) - 1 for p, b in files.items() if p.startswith("rels/"))
    assert (rows, rels) == (len(sub.nodes), len(sub.rels))
    readme = files["README.md"].decode()
    assert "neo4j-admin database import full" in readme and "--nodes=nodes/Provider.csv" in readme
    assert sub.version in readme and sub.date in readme
