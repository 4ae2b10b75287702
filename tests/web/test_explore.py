"""The graph explorer: one expansion, a saved view rebuilt from its URL, and their errors."""

from __future__ import annotations

import json
import re

import pytest

from graph import usecases
from web import create_app

from ..conftest import MINI, write_bundle


@pytest.fixture
def client(loaded_store, config):
    return create_app({"TESTING": True}, store=loaded_store, config=config).test_client()


def ids(nodes):
    return [n["id"] for n in nodes]


# ---------------------------------------------------------------- /api/explore/expand

def test_expand_gives_the_node_a_page_of_neighbours_and_the_relationships_among_them(client):
    r = client.get("/api/explore/expand?id=b-hz&type=IN_BELT")
    assert r.status_code == 200 and list(r.json) == ["nodes", "rels", "count"]
    assert r.json["count"] == 3
    assert ids(r.json["nodes"]) == ["b-hz", "base1", "sc1", "m1"]  # the node first, then a group each
    rels = {(x["from"], x["to"], x["type"]) for x in r.json["rels"]}
    assert rels == {("base1", "b-hz", "IN_BELT"), ("sc1", "b-hz", "IN_BELT"), ("m1", "b-hz", "IN_BELT"),
                    ("m1", "sc1", "SOURCES_FROM")}  # pointed the model's way, the page's own links too


def test_expand_narrows_to_a_label_and_carries_the_metrics(client):
    r = client.get("/api/explore/expand?id=b-hz&type=in_belt&label=merchant")
    assert r.json["count"] == 1 and ids(r.json["nodes"]) == ["b-hz", "m1"]
    m1 = r.json["nodes"][1]
    assert m1 == {"id": "m1", "label": "Merchant", "name": "锦绣女装旗舰店", "gmv": 52000.5, "degree": 2}
    a1 = client.get("/api/explore/expand?id=sc1&type=SELLS").json["nodes"][1]
    # an anchor's gmv is its SELLS over every quarter: 100.5 in January + 50 in February
    assert (a1["id"], a1["followers"], a1["gmv"], a1["category"]) == ("a1", 120000, 150.5, "apparel")


def test_expand_without_a_type_takes_every_group(client):
    r = client.get("/api/explore/expand?id=p1&limit=1")
    assert r.json["count"] == 3 and sorted(ids(r.json["nodes"])[1:]) == ["b-hz", "base1", "sc1"]


def test_expand_pages_biggest_first(sample_client):
    first = sample_client.get("/api/explore/expand?id=hz-sijiqing&type=IN_BELT&label=Merchant&limit=5").json
    second = sample_client.get("/api/explore/expand?id=hz-sijiqing&type=IN_BELT&label=Merchant&limit=5&offset=5").json
    sales = [n["gmv"] for n in first["nodes"][1:]] + [n["gmv"] for n in second["nodes"][1:]]
    assert first["count"] == second["count"] > 10
    assert sales == sorted(sales, reverse=True) and len(set(ids(first["nodes"][1:] + second["nodes"][1:]))) == 10


@pytest.mark.parametrize("query,status", [
    ("id=nope", 404),                        # unknown node
    ("", 400),                               # id is required
    ("id=b-hz&limit=0", 400),                # at least one
    ("id=b-hz&limit=201", 400),              # never more than 200 at once
    ("id=b-hz&offset=-1", 400),
    ("id=b-hz&type=Belt", 400),              # a label where a type belongs
    ("id=b-hz&type=NOPE", 400),
    ("id=b-hz&type=IN_BELT&label=SERVES", 400),
])
def test_expand_errors(client, query, status):
    r = client.get(f"/api/explore/expand?{query}")
    assert r.status_code == status and r.json["ok"] is False and r.json["status"] == status


# ---------------------------------------------------------------- /api/explore: the view in a URL

VIEW = "focus=b-hz&x=b-hz|IN_BELT|*|20&x=sc1|*|*|20&hide=m1&path=a2|b-hz&pin=sc1|120.5|-40&color=category&size=gmv"


def test_view_rebuilds_what_the_url_describes(client):
    v = client.get(f"/api/explore?{VIEW}").json
    assert v["focus"] == "b-hz" and v["hide"] == ["m1"]
    assert v["expand"] == [{"id": "b-hz", "type": "IN_BELT", "label": "*", "limit": 20, "count": 3},
                           {"id": "sc1", "type": "*", "label": "*", "limit": 20, "count": 5}]
    assert v["paths"] == [{"from": "a2", "to": "b-hz", "hops": 2, "ids": ["a2", "base1", "b-hz"]}]
    assert (v["pin"], v["color"], v["size"]) == ({"sc1": [120.5, -40.0]}, "category", "gmv")
    nodes = {n["id"]: n for n in v["nodes"]}
    # the focus; its IN_BELT neighbours but the hidden merchant; sc1's neighbours; the path's anchor
    assert set(nodes) == {"b-hz", "base1", "sc1", "p1", "a1", "t1", "a2"}
    assert nodes["sc1"]["via"] == "b-hz" and nodes["a1"]["via"] == "sc1" and nodes["a2"]["path"] == 0
    assert "via" not in nodes["b-hz"]
    for rel in v["rels"]:  # every relationship among the nodes on the canvas, and only those
        assert rel["from"] in nodes and rel["to"] in nodes
    assert {"from": "p1", "to": "base1", "type": "OPERATES"} in v["rels"]


def test_view_of_the_focus_alone(client):
    v = client.get("/api/explore?focus=a1").json
    assert ids(v["nodes"]) == ["a1"] and v["rels"] == [] and (v["color"], v["size"]) == ("label", "degree")


def test_the_page_holds_the_same_view_as_its_api_twin(client):
    html = client.get(f"/explore?{VIEW}").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="explore-view">(.*?)</script>', html, re.DOTALL)
    embedded = json.loads(found[1])
    assert embedded == client.get(f"/api/explore?{VIEW}").json


def test_without_a_focus_the_page_offers_a_picker_and_the_api_asks_for_one(client):
    html = client.get("/explore").get_data(as_text=True)
    assert 'id="explore-pick"' in html and "杭州四季青服装市场" in html and "x=b-hz" in html.replace("%7C", "|")
    r = client.get("/api/explore")
    assert r.status_code == 400 and "focus is required" in r.json["error"]


@pytest.mark.parametrize("query,status", [
    ("focus=nope", 404),
    ("focus=b-hz&x=nope|*|*|20", 404),          # an expansion of a node not in the graph
    ("focus=b-hz&path=b-hz|nope", 404),
    ("focus=b-hz&x=b-hz", 400),                  # not ID|TYPE|Label|N
    ("focus=b-hz&x=b-hz|IN_BELT|*|many", 400),
    ("focus=b-hz&x=b-hz|IN_BELT|*|0", 400),
    ("focus=b-hz&x=b-hz|IN_BELT|*|1001", 400),   # grown a page at a time, up to 1,000
    ("focus=b-hz&x=b-hz|Belt|*|20", 400),
    ("focus=b-hz&path=b-hz", 400),
    ("focus=b-hz&pin=b-hz|left|0", 400),
    ("focus=b-hz&pin=b-hz|nan|0", 400),
    ("focus=b-hz&color=pink", 400),
    ("focus=b-hz&size=huge", 400),
])
def test_view_errors(client, query, status):
    r = client.get(f"/api/explore?{query}")
    assert r.status_code == status and r.json["ok"] is False
    assert client.get(f"/explore?{query}").status_code == status  # the page shows the error page


def test_a_view_too_big_for_a_browser_is_refused(client, monkeypatch):
    monkeypatch.setattr("graph.usecases.explore.MAX_VIEW", 3)
    r = client.get("/api/explore?focus=b-hz&x=b-hz|*|*|20")
    assert r.status_code == 400 and "more than 3 nodes" in r.json["error"]


def test_unknown_hidden_and_pinned_ids_are_ignored(client):
    v = client.get("/api/explore?focus=b-hz&hide=gone&hide=b-hz&pin=gone|1|2").json
    assert v["hide"] == [] and ids(v["nodes"]) == ["b-hz"]  # the focus is never hidden


def test_names_from_the_data_stay_text(store, config, tmp_path):
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Belt.csv"] = MINI["nodes/Belt.csv"].replace("杭州四季青服装市场", "<img src=x onerror=alert(1)>")
    load_bundle(store, write_bundle(tmp_path / "evil", files))
    c = create_app({"TESTING": True}, store=store, config=config).test_client()
    for url in ("/explore?focus=b-hz&x=b-hz|*|*|5", "/explore"):
        html = c.get(url).get_data(as_text=True)
        assert "<img src=x" not in html
    assert c.get("/api/explore?focus=b-hz").json["nodes"][0]["name"] == "<img src=x onerror=alert(1)>"


def test_use_case_checks_its_expansions(loaded_store):
    with pytest.raises(Exception, match="relationship type"):
        usecases.explore_view(loaded_store, "b-hz", [usecases.Expansion("b-hz", "Belt")])
    e = usecases.explore_expand(loaded_store, "b-hz", "SERVES")
    assert e.count == 1 and e.rels == [{"from": "p1", "to": "b-hz", "type": "SERVES"}]


@pytest.mark.parametrize("lang,title,hint", [
    ("zh", "图谱探索", "点击节点查看其关系"),
    ("en", "Graph explorer", "Click a node to see its relationships"),
])
def test_the_page_speaks_the_readers_language(client, lang, title, hint):
    html = client.get(f"/explore?focus=b-hz&lang={lang}").get_data(as_text=True)
    assert f"<title>{title} · BeltGraph</title>" in html and hint in html
    assert client.get(f"/explore?lang={lang}").status_code == 200


# ---------------------------------------------------------------- /api/layout


@pytest.fixture
def poster(loaded_store, config, posting_with_csrf):
    """A client whose POSTs carry the CSRF token, as graph.js's do."""
    return create_app({"TESTING": True}, store=loaded_store, config=config).test_client()


def test_layout_places_every_node_and_is_the_same_each_time(poster):
    client = poster
    body = {"nodes": ["b-hz", "sc1", "m1", "lonely"], "rels": [["sc1", "b-hz"], ["m1", "sc1"], ["m1", "gone"]]}
    first = client.post("/api/layout", json=body)
    assert first.status_code == 200
    positions = first.get_json()["positions"]
    assert sorted(positions) == sorted(body["nodes"]) and all(len(p) == 2 for p in positions.values())
    assert client.post("/api/layout", json=body).get_json() == first.get_json()
    near = lambda a, b: sum((x - y) ** 2 for x, y in zip(positions[a], positions[b])) ** 0.5  # noqa: E731
    assert near("sc1", "b-hz") < near("lonely", "b-hz")  # joined nodes are drawn closer together


@pytest.mark.parametrize("body, says", [
    ("not json", "body must be JSON"),
    ({"rels": []}, "nodes must be a list"),
    ({"nodes": ["a", 3]}, "nodes must be a list"),
    ({"nodes": ["a", "a"]}, "must not repeat"),
    ({"nodes": ["a"], "rels": [["a"]]}, "rels must be a list"),
    ({"nodes": [f"n{i}" for i in range(2001)]}, "at most 2000 nodes"),
])
def test_layout_errors(poster, body, says):
    client = poster
    r = client.post("/api/layout", json=body) if isinstance(body, dict) else client.post(
        "/api/layout", data=body, content_type="application/json")
    assert r.status_code == 400 and says in r.get_json()["error"]
