"""The Cypher console: POST /api/cypher answers as `beltgraph cypher --json`, refuses writes
with 400, reports truncation in a header; the page, its examples and the downloads."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest


@pytest.fixture(autouse=True)
def _csrf(posting_with_csrf):
    """POSTs here carry the CSRF token, as the pages' forms and scripts do."""


from graph.config import Config
from web import create_app

from ..conftest import MINI_COUNTS


@pytest.fixture
def client(loaded_store, config):
    return create_app({"TESTING": True}, store=loaded_store, config=config).test_client()


def post(client, query, params=None, **kw):
    body = {"query": query} if params is None else {"query": query, "params": params}
    return client.post("/api/cypher", json=body, **kw)


@pytest.mark.parametrize("query,params", [
    ("MATCH (b:Belt) RETURN b.id, b.name ORDER BY b.id", []),
    ("MATCH (a:Anchor) WHERE a.followers > $min RETURN a ORDER BY a.id", ["min=10000"]),
    ("MATCH p = (m:Merchant {id: $m})-[:SOURCES_FROM]->(:SupplyChain) RETURN p, m.sales AS sales", ["m=m1"]),
    ("MATCH (p:Provider)-[s:SERVES]->(b:Belt) RETURN p, s, b", []),
])
def test_the_answer_is_exactly_the_clis(cli, mini_bundle, config, query, params):
    from graph.embedded import EmbeddedStore

    cli("load", str(mini_bundle))
    expected = cli.json("cypher", query, *[x for p in params for x in ("--param", p)])
    store = EmbeddedStore(cli.data, config)
    try:
        c = create_app({"TESTING": True}, store=store, config=config).test_client()
        given = {k: json.loads(v) if v.isdigit() else v for k, v in (p.split("=", 1) for p in params)}
        r = post(c, query, given)
        assert r.status_code == 200 and r.json == expected and list(r.json) == ["columns", "rows"]
        assert "X-BeltGraph-Truncated" not in r.headers
    finally:
        store.close()


@pytest.mark.parametrize("query", [
    "CREATE (:Belt {id: 'x', name: 'x', category: 'jade', province: 'p'})",
    "MATCH (b:Belt {id: 'b-hz'}) SET b.name = 'renamed'",
    "MATCH (n) DETACH DELETE n",
    "MATCH (b:Belt) RETURN b; MATCH (n) DELETE n",
])
def test_a_write_is_refused_with_400_saying_why_and_nothing_changes(client, loaded_store, query):
    before = loaded_store.version()
    r = post(client, query)
    assert r.status_code == 400 and r.json["ok"] is False and r.json["status"] == 400
    assert "read-only" in r.json["error"] or "one statement" in r.json["error"] or "refused" in r.json["error"]
    assert loaded_store.version() == before and loaded_store.stats() == MINI_COUNTS
    assert post(client, "MATCH (b:Belt {id: 'b-hz'}) RETURN b.name").json["rows"] == [["杭州四季青服装市场"]]


def test_a_body_that_is_not_json_is_415(client):
    r = client.post("/api/cypher", data="MATCH (n) RETURN n", content_type="text/plain")
    assert r.status_code == 415 and r.json["ok"] is False


@pytest.mark.parametrize("kwargs,message", [
    ({"data": "{not json", "content_type": "application/json"}, "must be JSON"),
    ({"json": ["MATCH (n) RETURN n"]}, "must be JSON"),                               # JSON, not an object
    ({"json": {"params": {}}}, "query is required"),
    ({"json": {"query": "  "}}, "query is required"),
    ({"json": {"query": "MATCH (n) RETURN n", "params": [1]}}, "params must be a JSON object"),
])
def test_a_body_that_is_not_a_query_is_400(client, kwargs, message):
    r = client.post("/api/cypher", **kwargs)
    assert r.status_code == 400 and message in r.json["error"]


def test_an_engine_error_is_400_with_its_message(client):
    r = post(client, "MATCH (n:Nope) RETURN n")
    assert r.status_code == 400 and r.json["error"]


def test_a_get_is_not_allowed(client):
    assert client.get("/api/cypher").status_code == 405


def test_truncation_is_in_a_header_not_in_the_body(loaded_store, tmp_path):
    from graph.embedded import EmbeddedStore

    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}, "cypher": {"max_rows": 2}},
                              base_dir=tmp_path, env={})
    store = EmbeddedStore(loaded_store.root, config)  # the cap is the store's setting, as in `beltgraph serve`
    try:
        c = create_app({"TESTING": True}, store=store, config=config).test_client()
        r = post(c, "MATCH (b:Belt) RETURN b.id ORDER BY b.id")
        assert r.headers["X-BeltGraph-Truncated"] == "1"
        assert r.json == {"columns": ["b.id"], "rows": [["b-hz"], ["b-sb"]]}
        html = c.get("/cypher").get_data(as_text=True)
        assert "最多返回 2 行" in html  # the page states the cap from the settings
        r = c.post("/cypher/download", data=_form("MATCH (b:Belt) RETURN b.id"))
        assert r.headers["X-BeltGraph-Truncated"] == "1" and len(r.data.decode("utf-8-sig").splitlines()) == 3
    finally:
        store.close()


def test_the_page_has_the_editor_examples_and_history(client):
    html = client.get("/cypher").get_data(as_text=True)
    for text in ('id="cypher-query"', 'id="cypher-history"', "产业带的供应链", "服务商孵化的主播",
                 "事业部 GMV 最高的供应链", "谁在服务这个产业带", "商家的供应链", "30 秒超时"):
        assert text in html
    en = client.get("/cypher?lang=en").get_data(as_text=True)
    assert "Anchors a provider incubated" in en and "Ctrl+Enter runs" in en


def test_an_example_or_a_query_fills_the_editor(client):
    html = client.get("/cypher?example=belt_providers").get_data(as_text=True)
    assert "MATCH (p:Provider)-[s:SERVES]-&gt;(b:Belt {id: $belt})" in html
    html = client.get('/cypher?query=MATCH+(n)+RETURN+count(n)&params={"a":1}').get_data(as_text=True)
    assert "RETURN count(n)</textarea>" in html and '"params": {"a": 1}' in html
    assert client.get("/cypher?example=nope").status_code == 400
    assert client.get("/cypher?params=[1]").status_code == 400


def test_examples_api_lists_each_with_its_parameters(client):
    examples = client.get("/api/cypher/examples").json["examples"]
    keys = [e["key"] for e in examples]
    assert {"belt_chains", "provider_anchors", "division_top", "belt_providers", "merchant_chains"} <= set(keys)
    top = next(e for e in examples if e["key"] == "division_top")
    assert set(top["params"]) == {"division", "quarter"} and "$division" in top["query"]
    assert top["params"]["quarter"] == "2020Q3"  # the latest quarter with sales in this store


def test_every_example_answers_on_the_sample(sample_client):
    for e in sample_client.get("/api/cypher/examples").json["examples"]:
        r = post(sample_client, e["query"], e["params"])
        assert r.status_code == 200, (e["key"], r.json)
        assert r.json["rows"], f"example {e['key']} found nothing in the sample"
    top = next(e for e in sample_client.get("/api/cypher/examples").json["examples"] if e["key"] == "division_top")
    gmv = [row[3] for row in post(sample_client, top["query"], top["params"]).json["rows"]]
    assert gmv == sorted(gmv, reverse=True)


def _form(query, params=None, fmt="csv"):
    return {"query": query, "params": json.dumps(params or {}), "format": fmt}


def test_downloads_csv_excel_and_json(client):
    q = "MATCH (b:Belt) WHERE b.category = $c RETURN b.id AS id, b.name AS name, b.lat AS lat, b"
    r = client.post("/cypher/download", data=_form(q, {"c": "jewelry"}))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    text = r.data.decode("utf-8-sig").splitlines()
    assert text[0] == "id,name,lat,b" and text[1].startswith("b-sb,深圳水贝黄金珠宝,22.572,")
    assert '""_label"": ""Belt""' in text[1]  # a node as JSON text
    r = client.post("/cypher/download", data=_form(q, {"c": "jewelry"}, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in sheet[1]] == ["id", "name", "lat", "b"] and sheet["C2"].value == 22.572
    r = client.post("/cypher/download", data=_form(q, {"c": "jewelry"}, "json"))
    assert "attachment" in r.headers["Content-Disposition"]
    assert json.loads(r.data)["rows"][0][:2] == ["b-sb", "深圳水贝黄金珠宝"]


def test_download_errors(client, loaded_store):
    assert client.post("/cypher/download", data=_form("MATCH (n) RETURN n", fmt="pdf")).status_code == 400
    assert client.post("/cypher/download", data={**_form("MATCH (n) RETURN n"), "params": "[1"}).status_code == 400
    r = client.post("/cypher/download", data=_form("MATCH (n) DELETE n"))
    assert r.status_code == 400 and "read-only" in r.get_data(as_text=True)
    assert loaded_store.stats() == MINI_COUNTS
