"""The path finder page /paths and its JSON twin /api/path."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from graph import usecases
from graph.paths import PathOptions
from web import create_app

from ..conftest import MINI, write_bundle

XSS = "<img src=x onerror=alert(1)>"
#: The label each relationship type starts from (IN_BELT from three).
STARTS = {("Provider", "SERVES"), ("Provider", "INCUBATES"), ("Anchor", "SELLS"), ("Anchor", "STREAMS_AT"),
          ("Provider", "OPERATES"), ("Base", "IN_BELT"), ("SupplyChain", "IN_BELT"), ("Merchant", "IN_BELT"),
          ("Provider", "RUNS"), ("TeamLeader", "MATCHES"), ("TeamLeader", "RECRUITS"), ("Merchant", "SOURCES_FROM")}


def drawn(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="path-data">(.*?)</script>', html, re.S)[1])


def test_empty_page_shows_the_form_and_a_hint(sample_client):
    r = sample_client.get("/paths")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-suggest data-target="from"' in html and '<input type="hidden" name="from" value="">' in html
    assert 'data-target="to"' in html and 'name="to"' in html and "选择起点和终点" in html
    assert 'id="path-data"' not in html


def test_page_lists_and_draws_the_paths(sample_client, sample_store):
    html = sample_client.get("/paths?from=anc-00002&to=hz-sijiqing&k=3").get_data(as_text=True)
    expected = usecases.paths(sample_store, "anc-00002", "hz-sijiqing", PathOptions(k=3)).to_dict()
    assert html.count('<li class="card path"') == len(expected["paths"]) == 3
    assert "胖霞和田玉工坊 → 杭州四季青服装市场：3 条路径" in html
    assert 'href="/belts/hz-sijiqing"' in html and 'href="/nodes/anc-00002"' in html
    data = drawn(html)
    ids = {n["id"] for p in expected["paths"] for n in p["nodes"]}
    assert {n["id"] for n in data["graph"]["nodes"]} == ids
    assert data["highlight"] == ["anc-00002", "hz-sijiqing"]
    ends = {n["id"]: n for n in data["graph"]["nodes"]}
    assert ends["anc-00002"]["x"] == 0 and ends["hz-sijiqing"]["x"] > 0  # drawn left to right
    assert data["rel_names"]["SELLS"] == "带货"


def test_relationships_are_drawn_in_their_own_direction(sample_client):
    data = drawn(sample_client.get("/paths?from=anc-00002&to=hz-sijiqing&k=3&rank=strength").get_data(as_text=True))
    labels = {n["id"]: n["label"] for n in data["graph"]["nodes"]}
    for r in data["graph"]["rels"]:
        assert (labels[r["from"]], r["type"]) in STARTS


def test_the_url_holds_the_whole_query(sample_client):
    url = ("/paths?from=anc-00002&to=prov-0001&k=2&max_hops=5&exclude=Merchant&exclude=SELLS&only_plaqued=1"
           "&via=Belt&rank=strength")
    html = sample_client.get(url).get_data(as_text=True)
    assert '<input type="hidden" name="from" value="anc-00002">' in html and 'value="胖霞和田玉工坊"' in html
    assert 'value="南阳素锦产业园运营有限公司"' in html
    assert 'name="k" min="1" max="50" value="2"' in html and 'name="max_hops" min="1" max="12" value="5"' in html
    assert 'name="exclude" value="Merchant" checked' in html and 'name="exclude" value="SELLS" checked' in html
    assert 'name="exclude" value="Anchor" >' in html
    assert 'name="only_plaqued" value="1" checked' in html and 'name="rank" value="strength" checked' in html
    assert '<option value="Belt" selected>' in html
    items = re.findall(r'<li class="card path"', html)
    assert len(items) == 2 and "SELLS" not in re.sub(r'title="[A-Z_]+"|value="[A-Z_]+"', "", html.split("path-list")[1])


def test_strength_shows_each_hops_reason_in_chinese(sample_client, sample_store):
    html = sample_client.get("/paths?from=anc-00002&to=prov-0001&k=3&rank=strength").get_data(as_text=True)
    best = usecases.introductions(sample_store, "anc-00002", "prov-0001", PathOptions(k=3)).paths[0]
    assert f"强度 <b>{best.strength:.3f}</b>" in html and best.path.ids[2] == "prov-0459"
    level = sample_store.node("prov-0459")["level"]
    assert "胖霞和田玉工坊 在 南阳龙腾直播基地 直播 2 场，最近一次在 2020Q2" in html
    assert "揭阳如意产业园运营有限公司 运营 南阳龙腾直播基地" in html
    assert "揭阳如意产业园运营有限公司 自 2017-10 起服务 南阳镇平玉雕(石佛寺)" in html
    assert f"经过 揭阳如意产业园运营有限公司：{level} 级服务商，有牌匾" in html
    english = sample_client.get("/paths?from=anc-00002&to=prov-0001&k=3&rank=strength&lang=en").get_data(as_text=True)
    assert "胖霞和田玉工坊 streamed 2 sessions at 南阳龙腾直播基地, last in 2020Q2" in english
    assert "Strength" in english and "From" in english


@pytest.mark.parametrize("source,target", [("anc-00002", "prov-0001"), ("anc-01180", "tl-0002"),
                                           ("anc-00002", "hz-sijiqing"), ("m-00001", "anc-00002")])
def test_every_reason_of_the_sample_reads_in_chinese(sample_app, sample_store, source, target):
    """graph/introductions.py writes reasons in English; the page rewrites each known form."""
    from web.paths import hop_reason, provider_note

    intro = usecases.introductions(sample_store, source, target, PathOptions(k=10)).to_dict()
    assert intro["paths"]
    with sample_app.test_request_context("/paths?lang=zh"):
        from flask import g
        g.lang = "zh"
        for p in intro["paths"]:
            names = {n["id"]: n["name"] for n in p["nodes"]}
            for h in p["reasons"]:
                assert not re.search(r"\b(sold|streamed|serves|incubated|runs|operates|matches|recruits|is in|"
                                     r"sources from|since|last in)\b", hop_reason(h, names)), h["reason"]
            for note in p["notes"]:
                assert "level" not in provider_note(note)


def test_money_in_a_reason_is_shown_in_wan(sample_client):
    html = sample_client.get("/paths?from=anc-01180&to=tl-0002&k=1&rank=strength").get_data(as_text=True)
    assert "酷桂红木小院 带货 江门银杏广作红木家具供应链3，累计约 610万元，最近一次在 2020Q4" in html
    assert "甜倩家具优选2 带货 江门银杏广作红木家具供应链3，累计约 26.4万元，最近一次在 2020Q4" in html


def test_api_is_the_use_cases_answer(sample_client, sample_store):
    r = sample_client.get("/api/path?from=anc-00002&to=sc-0010&k=3&exclude=TeamLeader")
    assert r.json == usecases.paths(sample_store, "anc-00002", "sc-0010",
                                    PathOptions(k=3, exclude=("TeamLeader",))).to_dict()
    r = sample_client.get("/api/path?from=anc-00002&to=sc-0010&k=2&rank=strength&only_plaqued=1")
    assert r.json == usecases.introductions(sample_store, "anc-00002", "sc-0010",
                                            PathOptions(k=2, only_plaqued=True)).to_dict()


def test_no_path_within_the_hops_says_so(sample_client):
    html = sample_client.get("/paths?from=anc-00002&to=prov-0001&max_hops=1").get_data(as_text=True)
    assert 'id="path-none"' in html and "1 跳以内没有找到路径" in html


@pytest.mark.parametrize("query,status,message", [
    ("from=anc-00002&to=nope", 404, "图中没有 ID 为“nope”的实体。"),              # unknown id
    ("from=anc-00002&to=hz-sijiqing&k=zero", 400, "k must be a whole number"),    # bad number
    ("from=anc-00002&to=hz-sijiqing&max_hops=40", 400, "max_hops must be between 1 and 12"),
    ("from=anc-00002&to=hz-sijiqing&exclude=Shop", 400, "unknown label or relationship type"),
    ("from=anc-00002&to=hz-sijiqing&via=SELLS", 400, "--via takes a label"),      # a type is not a label
    ("from=anc-00002&to=hz-sijiqing&rank=fast", 400, "rank must be hops or strength"),
])
def test_a_bad_query_is_a_message_on_the_page(sample_client, query, status, message):
    r = sample_client.get(f"/paths?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == status
    assert 'id="path-error"' in html and message in html
    assert 'id="path-form"' in html and 'value="anc-00002"' in html   # the form is there to fix it
    api = sample_client.get(f"/api/path?{query}")
    assert api.status_code == status and api.json["ok"] is False and api.json["status"] == status


def test_one_end_only_is_not_an_error_on_the_page(sample_client):
    r = sample_client.get("/paths?from=anc-00002")
    assert r.status_code == 200 and 'value="胖霞和田玉工坊"' in r.get_data(as_text=True)
    assert sample_client.get("/api/path?from=anc-00002").json == {"ok": False, "error": "to is required", "status": 400}


def test_paths_is_in_the_menu(sample_client):
    html = sample_client.get("/belts").get_data(as_text=True)
    assert '<a href="/paths" >关系路径</a>' in html or '<a href="/paths">关系路径</a>' in html


@pytest.fixture
def xss_client(tmp_path, config):
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Anchor.csv"] = MINI["nodes/Anchor.csv"].replace("小美爱穿搭", f'"{XSS}"')
    store = EmbeddedStore(tmp_path / "xss", config)
    load_bundle(store, write_bundle(tmp_path / "bundle", files))
    yield create_app({"TESTING": True}, store=store, config=config).test_client()
    store.close()


def test_names_from_data_are_text(xss_client):
    for url in ("/paths?from=a1&to=b-hz&k=3", "/paths?from=a1&to=b-hz&rank=strength&k=3", "/paths?from=a1&to=nope"):
        html = xss_client.get(url).get_data(as_text=True)
        assert XSS not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, url


def test_every_message_of_these_pages_exists_in_both_languages(sample_app):
    from web.i18n import MESSAGES

    root = sample_app.root_path + "/templates"
    for folder in ("paths", "connect", "match"):
        for template in pathlib.Path(root, folder).glob("*.html"):
            for key in re.findall(r"""\bt\('([\w.-]+)'\s*[,)]""", template.read_text(encoding="utf-8")):
                assert key in MESSAGES and all(MESSAGES[key]), f"{template.name}: {key}"
    for prefix in ("paths.rel.", "match.part.", "match.kind."):
        assert [k for k in MESSAGES if k.startswith(prefix)]
