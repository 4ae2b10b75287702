"""The search page, its JSON twin and the autocomplete endpoint."""

from __future__ import annotations

import pytest

from web import create_app

from ..conftest import MINI, write_bundle


@pytest.mark.parametrize("q", ["hzsjq", "hangzhou", "杭州四季青", "hangzou"])  # initials, pinyin, Chinese, a typo
def test_search_finds_a_belt_every_way(sample_client, q):
    data = sample_client.get(f"/api/search?q={q}").json
    assert "hz-sijiqing" in [h["id"] for h in data["hits"]][:5], data["hits"][:5]
    for page in (f"/?q={q}", f"/search?q={q}"):  # SPEC §6 names both
        html = sample_client.get(page).get_data(as_text=True)
        assert "杭州四季青服装市场" in html and 'href="/belts/hz-sijiqing"' in html, page


def test_results_are_grouped_with_facets_and_filters(sample_client):
    data = sample_client.get("/api/search?q=杭州").json
    labels = [g["label"] for g in data["groups"]]
    assert labels[0] == "Belt" and len(labels) > 2
    assert data["facets"]["label"]["Belt"] >= 1 and sum(data["facets"]["label"].values()) == data["total"]
    only = sample_client.get("/api/search?q=杭州&label=SupplyChain").json
    assert {h["label"] for h in only["hits"]} == {"SupplyChain"} and only["total"] == data["facets"]["label"]["SupplyChain"]
    page2 = sample_client.get("/api/search?q=杭州&label=SupplyChain&offset=20").json
    assert page2["offset"] == 20 and not {h["id"] for h in page2["hits"]} & {h["id"] for h in only["hits"]}


def test_suggest_puts_belts_before_merchants_and_names_the_label(sample_client):
    items = sample_client.get("/api/suggest?q=杭州").json["items"]
    assert items and items[0]["label"] == "Belt" and items[0]["label_name"] == "产业带"
    assert len(sample_client.get("/api/suggest?q=杭州&limit=3").json["items"]) == 3
    assert sample_client.get("/api/suggest?q=穿搭&label=Anchor").json["items"][0]["label"] == "Anchor"


def test_bad_parameters_are_400(sample_client):
    assert sample_client.get("/api/search?q=x&limit=0").status_code == 400
    r = sample_client.get("/api/search?q=x&label=Planet")
    assert r.status_code == 400 and r.json["ok"] is False


def test_landing_page_and_nothing_found(sample_client):
    html = sample_client.get("/").get_data(as_text=True)
    assert "hzsjq" in html and "12,000" in html
    assert "没有找到" in sample_client.get("/?q=zzzzqqqxxx").get_data(as_text=True)
    assert "Nothing found" in sample_client.get("/?q=zzzzqqqxxx&lang=en").get_data(as_text=True)


def test_a_hostile_name_is_text(tmp_path, config):
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Anchor.csv"] = "id,name,followers\na1,<img src=x onerror=alert(1)>,5\na2,阿杰,9\n"
    store = EmbeddedStore(tmp_path / "s", config)
    load_bundle(store, write_bundle(tmp_path / "b", files))
    client = create_app({"TESTING": True}, store=store, config=config).test_client()
    html = client.get("/?q=img").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert client.get("/api/suggest?q=img").json["items"][0]["name"] == "<img src=x onerror=alert(1)>"
    store.close()
