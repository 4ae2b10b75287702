"""The belts page and its JSON twin."""

from __future__ import annotations

import pytest

from web import create_app


@pytest.fixture
def client(loaded_store, config):
    app = create_app({"TESTING": True}, store=loaded_store, config=config)
    return app.test_client()


def test_belts_page_lists_belts_with_counts(client):
    html = client.get("/belts").get_data(as_text=True)
    assert "杭州四季青服装市场" in html and "浙江省" in html and "apparel" in html


def test_belts_api_is_the_same_data(client):
    items = client.get("/api/belts").json["items"]
    hz = next(b for b in items if b["id"] == "b-hz")
    assert (hz["bases"], hz["supply_chains"], hz["merchants"], hz["providers"]) == (1, 1, 1, 1)
    assert [b["id"] for b in client.get("/api/belts?category=jewelry").json["items"]] == ["b-sb"]


def test_unknown_api_route_has_the_json_error_shape(client):
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json == {"ok": False, "error": "no such page", "status": 404}


def test_empty_store_page_says_how_to_load(store, config):
    app = create_app({"TESTING": True}, store=store, config=config)
    html = app.test_client().get("/belts").get_data(as_text=True)
    assert "beltgraph load data/sample" in html


@pytest.mark.parametrize("q,expected", [
    ("shuibei", ["b-sb"]),      # full pinyin
    ("hz", ["b-hz"]),           # initials
    ("水贝", ["b-sb"]),          # Chinese
    ("Rosewood", ["b-xy"]),     # English name, any case
    ("福建", ["b-xy"]),          # province
])
def test_search_by_name_pinyin_or_place(client, q, expected):
    assert [b["id"] for b in client.get(f"/api/belts?q={q}").json["items"]] == expected
