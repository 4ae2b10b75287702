"""The coverage page: belts x roles, gaps, anchor tiers, the new-merchant plan; downloads and JSON twins."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from graph.config import Config
from web import create_app

from ..conftest import ROOT, Cli
from .test_rank_page import EVIL, evil_app_client


@pytest.fixture
def evil_client(tmp_path, store, config):
    return evil_app_client(tmp_path, store, config)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from graph.embedded import EmbeddedStore

    cli = Cli(tmp_path_factory.mktemp("gapscli") / "store")
    cli("load", str(ROOT / "data" / "sample"))
    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp_path_factory.mktemp("c"), env={})
    store = EmbeddedStore(cli.data, config)
    yield cli, create_app({"TESTING": True}, store=store, config=config).test_client()
    store.close()


@pytest.mark.parametrize("args,url", [
    (("gaps",), "/api/gaps"),
    (("gaps", "--quarter", "2020Q2"), "/api/gaps?quarter=2020Q2"),
    (("anchors",), "/api/anchors"),
    (("anchors", "--quarter", "2020Q3"), "/api/anchors?quarter=2020Q3"),
    (("merchants", "--plan"), "/api/merchants/plan"),
])
def test_json_twins_are_the_cli(loaded, args, url):
    cli, client = loaded
    r = client.get(url)
    assert r.status_code == 200 and r.json == cli.json(*args)
    assert list(json.loads(r.get_data(as_text=True))) == list(cli.json(*args))


def test_matrix_rows_name_their_belt(sample_client):
    """Each matrix row carries the belt's id (the role "belt" is a count, a column of its own)."""
    data = sample_client.get("/api/gaps").json
    belts = {b["id"] for b in sample_client.get("/api/belts").json["items"]}
    assert len(data["matrix"]) == 60 and {row["id"] for row in data["matrix"]} == belts
    assert all(isinstance(row["belt"], int) for row in data["matrix"])
    assert list(data["matrix"][0]) == ["id", "name", "training", "mcn", "belt", "supply_chain"]


def test_coverage_page_renders_the_matrix_with_gaps_marked(sample_client):
    data = sample_client.get("/api/gaps").json
    html = sample_client.get("/gaps").get_data(as_text=True)
    matrix = html[html.index('id="matrix"'):html.index("</table>", html.index('id="matrix"'))]
    assert matrix.count("<tr data-id=") == 60
    zeros = sum(row[r] == 0 for row in data["matrix"] for r in data["roles"])
    assert zeros > 0 and matrix.count('class="num gap"') == zeros + len(data["belts_without_tier"])
    assert all(f'href="/belts/{b}"' in matrix for b in data["belts_missing_role"])
    aside = html[html.index('id="without-tier"'):html.index('id="categories"')]
    assert aside.count("<li>") == len(data["belts_without_tier"])
    categories = html[html.index('id="categories"'):html.index('id="anchors"')]
    assert all(c in categories for c in data["categories_missing_role"])


def test_coverage_page_shows_anchor_tiers_and_the_plan(sample_client):
    anchors = sample_client.get("/api/anchors").json["items"]
    plan = sample_client.get("/api/merchants/plan").json
    html = sample_client.get("/gaps").get_data(as_text=True)
    heads = sum(a["follower_tier"] == "head" for a in anchors)
    tiers = html[html.index('id="anchors"'):]
    assert f'<td>头部</td><td class="num">{heads}</td>' in tiers
    assert "按 1% 收费中" in html and f"{plan['eligible']:,}" in html
    near = html[html.index('id="near-cap"'):]
    assert near.count("<tr><td><a href=\"/nodes/") == len(plan["near_cap"]) and plan["near_cap"][0]["name"] in near


def test_coverage_of_another_quarter_and_bad_ones(sample_client):
    html = sample_client.get("/gaps?quarter=2020Q2").get_data(as_text=True)
    assert '<option value="2020Q2" selected>' in html
    assert sample_client.get("/gaps?quarter=2020Q0").status_code == 400
    r = sample_client.get("/api/gaps?quarter=soon")
    assert r.status_code == 400 and r.json["error"] == "bad quarter 'SOON': expected YYYYQn, e.g. 2020Q3"
    assert sample_client.get("/api/anchors?quarter=x").status_code == 400
    assert sample_client.get("/gaps/download?format=doc").status_code == 400


def test_coverage_downloads(sample_client):
    data = sample_client.get("/api/gaps").json
    r = sample_client.get("/gaps/download?format=csv")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == ["ID", "产业带", "类目", "培训服务商", "MCN机构", "产业带服务商", "供应链服务商", "金银牌供应链"]
    assert len(rows) == 61 and rows[1][0] == data["matrix"][0]["id"]
    wb = openpyxl.load_workbook(io.BytesIO(sample_client.get("/gaps/download?format=xlsx").data))
    assert wb.sheetnames == ["覆盖矩阵", "无金银牌产业带", "缺角色类目", "主播分层", "新商家计划", "临近上限商家"]
    assert wb["覆盖矩阵"].max_row == 61 and isinstance(wb["覆盖矩阵"]["D2"].value, int)
    assert wb["无金银牌产业带"].max_row - 1 == len(data["belts_without_tier"])
    assert isinstance(wb["临近上限商家"]["E2"].value, float)


def test_belt_names_are_text_not_html(evil_client):
    html = evil_client.get("/gaps").get_data(as_text=True)
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
