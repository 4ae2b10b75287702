"""Group relations: /connect and its JSON twin /api/connect (= beltgraph connect --json)."""

from __future__ import annotations

import json
import re

import pytest

from graph import usecases
from web import create_app

from ..conftest import MINI, write_bundle

XSS = "<img src=x onerror=alert(1)>"
THREE = "id=anc-00002&id=hz-sijiqing&id=tl-0002"


def drawn(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="connect-data">(.*?)</script>', html, re.S)[1])


def test_three_parties_draw_their_tree_and_the_pairwise_hops(sample_client, sample_store):
    html = sample_client.get(f"/connect?{THREE}").get_data(as_text=True)
    group = usecases.connect(sample_store, ["anc-00002", "hz-sijiqing", "tl-0002"]).to_dict()
    data = drawn(html)
    assert data["highlight"] == group["terminals"] == ["anc-00002", "hz-sijiqing", "tl-0002"]
    assert [n["id"] for n in data["graph"]["nodes"]] == [n["id"] for n in group["nodes"]]
    assert len(data["graph"]["rels"]) == len(group["rels"]) == len(group["nodes"]) - 1   # a tree
    assert f"连接树：{len(group['nodes'])} 个实体、{len(group['rels'])} 条关系" in html
    table = html.split('id="connect-pairs"')[1].split("</table>")[0]
    assert table.count("<tr>") == 4 and table.count('class="self"') == 3
    for p in group["pairs"]:
        assert f'/paths?from={p["from"]}&amp;to={p["to"]}&amp;rank=strength&amp;k=3">{p["hops"]}</a>' in table
    # the chosen parties are chips with their names, ready to add to or remove from
    assert html.count('<input type="hidden" name="id"') == 3 + 1   # three chips and the chip template
    assert "胖霞和田玉工坊" in html.split('id="chips"')[1].split("</div>")[0]


def test_the_tree_is_drawn_in_the_relationships_own_direction(sample_client):
    data = drawn(sample_client.get(f"/connect?{THREE}").get_data(as_text=True))
    labels = {n["id"]: n["label"] for n in data["graph"]["nodes"]}
    serves = [r for r in data["graph"]["rels"] if r["type"] == "SERVES"]
    assert serves and all(labels[r["from"]] == "Provider" and labels[r["to"]] == "Belt" for r in serves)


def test_ids_may_be_comma_separated(sample_client):
    a = sample_client.get("/api/connect?id=anc-00002,hz-sijiqing,tl-0002").json
    assert a == sample_client.get(f"/api/connect?{THREE}").json


def test_api_is_the_same_as_the_cli(cli, sample_copy, config):
    from graph.embedded import EmbeddedStore

    cli("load", str(sample_copy))
    expected = cli.json("connect", "anc-00002", "hz-sijiqing", "tl-0002", "prov-0001", "--max-hops", "5")
    store = EmbeddedStore(cli.data, config)
    try:
        client = create_app({"TESTING": True}, store=store, config=config).test_client()
        r = client.get("/api/connect?id=anc-00002&id=hz-sijiqing&id=tl-0002&id=prov-0001&max_hops=5")
        assert r.status_code == 200 and r.json == expected
        assert list(json.loads(r.get_data(as_text=True))) == ["terminals", "nodes", "rels", "pairs"]
    finally:
        store.close()


@pytest.mark.parametrize("query", ["", "id=anc-00002", "id=anc-00002&id=anc-00002"])
def test_fewer_than_two_parties_show_the_picker_and_a_hint(sample_client, query):
    r = sample_client.get(f"/connect?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="connect-hint"' in html and "至少选择两个实体" in html
    assert 'data-suggest data-target="pick"' in html
    api = sample_client.get(f"/api/connect?{query}")
    assert api.status_code == 400
    assert api.json == {"ok": False, "error": "connect needs at least two ids", "status": 400}


@pytest.mark.parametrize("query,status,message", [
    ("id=anc-00002&id=nope", 404, "图中没有 ID 为“nope”的实体。"),                 # unknown id
    ("id=anc-00002&id=hz-sijiqing&max_hops=1", 400, "not connected to anc-00002 within 1 hops"),
    ("id=anc-00002&id=hz-sijiqing&max_hops=x", 400, "max_hops must be a whole number"),
])
def test_a_query_that_cannot_be_answered_is_a_message_on_the_page(sample_client, query, status, message):
    r = sample_client.get(f"/connect?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == status and 'id="connect-error"' in html and message in html
    assert html.count('<input type="hidden" name="id"') == 2 + 1     # the chips stay, to correct
    api = sample_client.get(f"/api/connect?{query}")
    assert api.status_code == status and api.json["ok"] is False


def test_connect_is_in_the_menu_after_paths(sample_client):
    html = sample_client.get("/connect").get_data(as_text=True)
    nav = html.split("<nav>")[1].split("</nav>")[0]
    assert nav.index("/paths") < nav.index("/connect") and "群体关系" in nav


def test_names_from_data_are_text(tmp_path, config):
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Anchor.csv"] = MINI["nodes/Anchor.csv"].replace("小美爱穿搭", f'"{XSS}"')
    store = EmbeddedStore(tmp_path / "xss", config)
    load_bundle(store, write_bundle(tmp_path / "bundle", files))
    try:
        client = create_app({"TESTING": True}, store=store, config=config).test_client()
        for url in ("/connect?id=a1&id=b-hz&id=a2", "/connect?id=a1", "/connect?id=a1&id=nope"):
            html = client.get(url).get_data(as_text=True)
            assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url
    finally:
        store.close()
