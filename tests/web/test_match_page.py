"""Matching: /match and its JSON twin /api/match (= beltgraph match KIND ID --json), the
suggestions macro the profiles use, and the download."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import render_template_string

from graph import usecases
from web import create_app

from ..conftest import MINI, write_bundle

XSS = "<img src=x onerror=alert(1)>"


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)">', html)


def test_anchor_gets_supply_chains_with_score_parts_and_reasons(sample_client, sample_store, sample_config):
    html = sample_client.get("/match?kind=anchor&id=anc-00002&limit=5").get_data(as_text=True)
    result = usecases.match(sample_store, sample_config, "anchor", "anc-00002", 5).to_dict()
    assert rows(html) == [m["id"] for m in result["items"]] and len(rows(html)) == 5
    assert "为 胖霞和田玉工坊 推荐的供应链" in html
    top = result["items"][0]
    assert f"<b>{top['score']:.1f}</b>" in html
    # the bar: each part's width is its weight times its value, so the parts add up to the score
    bar = html.split(f'<tr data-id="{top["id"]}">')[1].split('class="bar parts">')[1].split("</td>")[0]
    widths = [float(w) for w in re.findall(r"width: ([\d.]+)%", bar)]
    assert len(widths) == 4 and sum(widths) == pytest.approx(top["score"], abs=0.05)
    assert "类目契合 40%" in html and "同类目（玉石）" in html and "金牌第 1 名" in html
    assert f'/paths?from=anc-00002&amp;to={top["id"]}&amp;rank=strength&amp;k=3' in html


def test_supply_chain_gets_anchors_and_the_kind_may_come_from_the_label(sample_client):
    given = sample_client.get("/match?kind=supply-chain&id=sc-0010&limit=5").get_data(as_text=True)
    inferred = sample_client.get("/match?id=sc-0010&limit=5").get_data(as_text=True)
    assert rows(given) == rows(inferred) and len(rows(given)) == 5
    assert "为 绍兴星辰袜子供应链 推荐的主播" in given and "<th>主播</th>" in given
    assert "带货服装" in given and "头部主播，粉丝" in given and "主播的孵化服务商" in given


@pytest.mark.parametrize("kind,node", [("anchor", "anc-00002"), ("anchor", "anc-01180"), ("supply-chain", "sc-0010"),
                                       ("supply-chain", "sc-2723")])
def test_every_reason_of_the_sample_reads_in_chinese(sample_app, sample_store, sample_config, kind, node):
    from flask import g

    from web.match import match_reason

    result = usecases.match(sample_store, sample_config, kind, node, 60).to_dict()
    with sample_app.test_request_context("/"):
        g.lang = "zh"
        for m in result["items"]:
            for r in m["reasons"]:
                assert not re.search(r"[a-z]{4,}", re.sub(r"\(?[a-z]+-\d+\)?|（[a-z]+-\d+）", "", match_reason(r))), r


@pytest.mark.parametrize("args", [("anchor", "anc-00002", "--limit", "7"), ("supply-chain", "sc-0010"),
                                  ("anchor", "anc-01180", "--limit", "3")])
def test_api_is_the_same_as_the_cli(cli, sample_copy, config, args):
    from graph.embedded import EmbeddedStore

    cli("load", str(sample_copy))
    expected = cli.json("match", *args)
    store = EmbeddedStore(cli.data, config)
    try:
        client = create_app({"TESTING": True}, store=store, config=config).test_client()
        query = f"kind={args[0]}&id={args[1]}" + (f"&limit={args[3]}" if len(args) > 2 else "")
        r = client.get(f"/api/match?{query}")
        assert r.status_code == 200 and r.json == expected
        assert list(json.loads(r.get_data(as_text=True))) == ["for", "id", "name", "items"]
    finally:
        store.close()


def test_empty_page_shows_the_picker_and_a_hint(sample_client):
    r = sample_client.get("/match")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="match-hint"' in html and 'data-suggest data-target="id"' in html
    assert sample_client.get("/api/match").json == {"ok": False, "error": "id is required", "status": 400}


@pytest.mark.parametrize("query,status,message", [
    ("id=nope", 404, "图中没有 ID 为“nope”的实体。"),                                # unknown id
    ("id=hz-sijiqing", 400, "只能为主播或供应链做匹配，“hz-sijiqing”是产业带。"),          # a belt cannot be matched
    ("kind=anchor&id=sc-0010", 400, "is a SupplyChain, not an Anchor"),              # kind and label disagree
    ("kind=seller&id=anc-00002", 400, "unknown match kind"),
    ("id=anc-00002&limit=0", 400, "limit must be between 1 and 200"),
])
def test_a_bad_query_is_a_message_on_the_page(sample_client, query, status, message):
    r = sample_client.get(f"/match?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == status and 'id="match-error"' in html and message in html
    api = sample_client.get(f"/api/match?{query}")
    assert api.status_code == status and api.json["ok"] is False and api.json["status"] == status


def test_download_csv_and_xlsx(sample_client):
    r = sample_client.get("/match/download?kind=anchor&id=anc-00002&limit=4&format=csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "rank,id,name,score,category,standing,strength,closeness,reasons" and len(lines) == 5
    r = sample_client.get("/match/download?id=sc-0010&limit=4&format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet.max_row == 5 and isinstance(sheet["D2"].value, float)
    assert sample_client.get("/match/download?id=nope&format=csv").status_code == 404


def test_the_macro_renders_a_result_anywhere(sample_app, sample_store, sample_config):
    """How an anchor's or a supply chain's profile shows its suggestions."""
    result = usecases.match(sample_store, sample_config, "anchor", "anc-01180", 3).to_dict()
    with sample_app.test_request_context("/nodes/anc-01180"):
        from flask import g
        g.lang = "zh"
        html = render_template_string('{% from "match/_suggestions.html" import suggestions %}'
                                      "{{ suggestions(result, introductions=false) }}", result=result)
    assert rows(html) == [m["id"] for m in result["items"]] and "引荐路径" not in html
    empty = {**result, "items": []}
    with sample_app.test_request_context("/"):
        assert "没有可推荐的对象" in render_template_string(
            '{% from "match/_suggestions.html" import suggestions %}{{ suggestions(r) }}', r=empty)


def test_english_keeps_the_reasons_as_written(sample_client):
    html = sample_client.get("/match?kind=anchor&id=anc-00002&limit=2&lang=en").get_data(as_text=True)
    assert "Supply chains for 胖霞和田玉工坊" in html and "same category (jade)" in html and "Category fit 40%" in html


def test_names_from_data_are_text(tmp_path, config):
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Anchor.csv"] = MINI["nodes/Anchor.csv"].replace("小美爱穿搭", f'"{XSS}"')
    files["nodes/SupplyChain.csv"] = MINI["nodes/SupplyChain.csv"].replace("水贝金缘黄金供应链", f'"{XSS}"')
    store = EmbeddedStore(tmp_path / "xss", config)
    load_bundle(store, write_bundle(tmp_path / "bundle", files))
    try:
        client = create_app({"TESTING": True}, store=store, config=config).test_client()
        for url in ("/match?kind=anchor&id=a1", "/match?id=sc2", "/match?id=a1&kind=supply-chain"):
            html = client.get(url).get_data(as_text=True)
            assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url
    finally:
        store.close()
