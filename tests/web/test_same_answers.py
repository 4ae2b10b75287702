"""The CLI and the web answer through the same use case: the same JSON for a ranking and a path."""

from __future__ import annotations

import json

import pytest

from web import create_app


@pytest.fixture
def loaded(cli, sample_copy):
    cli("load", str(sample_copy))
    return cli


@pytest.fixture
def client(loaded, config):
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(loaded.data, config)
    yield create_app({"TESTING": True}, store=store, config=config).test_client()
    store.close()


@pytest.mark.parametrize("args,query", [
    ((), ""),
    (("--quarter", "2020Q3"), "quarter=2020Q3"),
    (("--division", "big_apparel"), "division=big_apparel"),
    (("--category", "jade"), "category=jade"),
])
def test_rank_json_is_the_same_on_both_surfaces(loaded, client, args, query):
    cli_json = loaded.json("rank", *args)
    web = client.get(f"/api/rank?{query}")
    assert web.status_code == 200
    assert web.json == cli_json and len(cli_json["items"]) > 60
    assert list(json.loads(web.get_data(as_text=True))) == ["quarter", "items"]  # same key order too


@pytest.mark.parametrize("args,query", [
    (("anc-00002", "hz-sijiqing"), "from=anc-00002&to=hz-sijiqing"),
    (("anc-00002", "sc-0010", "--k", "3", "--exclude", "TeamLeader"), "from=anc-00002&to=sc-0010&k=3&exclude=TeamLeader"),
    (("anc-00002", "sc-0010", "--k", "2", "--rank", "strength"), "from=anc-00002&to=sc-0010&k=2&rank=strength"),
])
def test_path_json_is_the_same_on_both_surfaces(loaded, client, args, query):
    cli_json = loaded.json("path", *args)
    assert cli_json["paths"]
    assert client.get(f"/api/path?{query}").json == cli_json


def test_api_errors_have_the_one_shape(client):
    r = client.get("/api/rank?quarter=2020Q9")
    assert r.status_code == 400 and r.json == {"ok": False, "status": 400,
                                                "error": "bad quarter '2020Q9': expected YYYYQn, e.g. 2020Q3"}
    r = client.get("/api/path?from=anc-00002&to=nope")
    assert r.status_code == 404 and r.json["error"] == "node 'nope' is not in the graph"
    assert client.get("/api/path?from=anc-00002").status_code == 400
    assert client.get("/api/path?from=a&to=b&k=zero").json["error"] == "k must be a whole number, not 'zero'"
