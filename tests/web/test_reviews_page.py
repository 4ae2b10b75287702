"""The reviews page (a quarter's recorded outcomes), a provider's history, downloads, /api/review."""

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
def reviewed(tmp_path_factory):
    """The sample loaded and reviewed by the CLI: (the CLI, its 2020Q3 JSON, its 2020Q4 JSON, a web client)."""
    from graph.embedded import EmbeddedStore

    cli = Cli(tmp_path_factory.mktemp("reviewcli") / "store")
    cli("load", str(ROOT / "data" / "sample"))
    q3, q4 = cli.json("review", "--quarter", "2020Q3"), cli.json("review", "--quarter", "2020Q4")
    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp_path_factory.mktemp("c"), env={})
    store = EmbeddedStore(cli.data, config)
    yield cli, q3, q4, create_app({"TESTING": True}, store=store, config=config).test_client()
    store.close()


def test_api_review_reads_what_the_cli_recorded(reviewed):
    cli, q3, q4, client = reviewed
    r = client.get("/api/review?quarter=2020Q4")
    assert r.json == q4
    assert list(json.loads(r.get_data(as_text=True))) == ["quarter", "summary", "items"]  # same key order too
    assert client.get("/api/review?quarter=2020Q3").json == q3
    assert client.get("/api/review").json == q4  # default: the latest reviewed
    assert client.get("/api/reviews/prov-0003").json == cli.json("review", "--history", "prov-0003")


def test_get_never_runs_or_records_a_review(sample_store, sample_client):
    version, rows = sample_store.version(), sample_store.graph().reviews.num_rows
    for url in ("/api/review", "/reviews", "/reviews?quarter=2020Q3", "/reviews/prov-0001", "/reviews/download?format=xlsx"):
        assert sample_client.get(url).status_code == 200, url
    assert sample_store.version() == version and sample_store.graph().reviews.num_rows == rows
    assert sample_client.post("/api/review?quarter=2020Q4").status_code == 415  # a run is a JSON POST
    assert sample_store.version() == version


@pytest.mark.parametrize("url,status,message", [
    ("/api/review?quarter=2020Q1", 404, "2020Q1 has not been reviewed: run `beltgraph review --quarter 2020Q1`"),
    ("/api/review?quarter=2020Q7", 400, "bad quarter '2020Q7': expected YYYYQn, e.g. 2020Q3"),
    ("/api/review?outcome=lost", 400, "outcome must be one of kept, regained, revoked, still_revoked, not 'lost'"),
    ("/api/review?role=cook", 400, "role must be one of training, mcn, belt, supply_chain, not 'cook'"),
    ("/api/reviews/no-such-provider", 404, "node 'no-such-provider' is not in the graph"),
    ("/api/reviews/sc-0010", 400, "'sc-0010' is a SupplyChain, not a Provider"),
])
def test_review_api_errors(sample_client, url, status, message):
    r = sample_client.get(url)
    assert r.status_code == status and r.json == {"ok": False, "error": message, "status": status}


def test_review_pages_errors_are_the_error_page(sample_client):
    r = sample_client.get("/reviews?quarter=2020Q1")
    assert r.status_code == 404 and "beltgraph review --quarter 2020Q1" in r.get_data(as_text=True)
    assert sample_client.get("/reviews/no-such-provider").status_code == 404
    assert sample_client.get("/reviews?level=sideways").status_code == 400


@pytest.fixture
def admin_client(loaded_store, config, posting_with_csrf):
    """Open single-user mode on loopback (the user is admin), POSTs carrying the CSRF token."""
    return create_app({"TESTING": True}, store=loaded_store, config=config).test_client()


def test_an_admin_runs_the_first_review_from_the_web(admin_client, loaded_store, cli, mini_bundle):
    page = admin_client.get("/reviews")
    assert page.status_code == 404 and 'href="/reviews/run"' in page.get_data(as_text=True)
    form = admin_client.get("/reviews/run").get_data(as_text=True)
    assert 'name="quarter"' in form and '<option value="2020Q1">' in form
    version = loaded_store.version()
    r = admin_client.post("/reviews/run", data={"quarter": "2020Q1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/reviews?quarter=2020Q1&ran=1")
    assert loaded_store.version() != version
    shown = admin_client.get("/reviews?quarter=2020Q1&ran=1").get_data(as_text=True)
    assert 'id="review-ran"' in shown and 'id="review-run"' in shown
    # the same as the CLI's review of the same data
    cli("load", str(mini_bundle))
    assert admin_client.get("/api/review?quarter=2020Q1").json["items"] == cli.json(
        "review", "--quarter", "2020Q1")["items"]


def test_the_api_runs_a_review_with_json(admin_client, loaded_store):
    r = admin_client.post("/api/review", json={"quarter": "2020Q1"})
    assert r.status_code == 200 and r.json["quarter"] == "2020Q1" and r.json["summary"]
    assert admin_client.get("/api/review?quarter=2020Q1").json == r.json
    assert admin_client.post("/api/review", json={}).json["quarter"] == "2020Q1"  # default: the latest with figures
    for body, status, says in (({"quarter": "2020Q9"}, 400, "bad quarter"), ({"quarter": 3}, 400, "quarter must be"),
                               ([], 400, "body must be JSON")):
        r = admin_client.post("/api/review", json=body)
        assert r.status_code == status and says in r.json["error"], body


def test_never_reviewed_store_says_how_to_review(loaded_store, config):
    client = create_app({"TESTING": True}, store=loaded_store, config=config).test_client()
    r = client.get("/api/review")
    assert r.status_code == 404 and "run `beltgraph review --quarter Q`" in r.json["error"]


def test_reviews_page_shows_outcomes_counts_and_roles(sample_client):
    data = sample_client.get("/api/review").json
    html = sample_client.get("/reviews").get_data(as_text=True)
    assert "<small>2020Q4</small>" in html and '<option value="2020Q3"' in html
    kpis = html[html.index('id="outcomes"'):html.index("</div>", html.index('id="outcomes"'))]
    for outcome, label in (("kept", "保留牌匾"), ("regained", "重获牌匾"), ("revoked", "摘牌"), ("still_revoked", "仍无牌匾")):
        assert f"<b>{data['summary'].get(outcome, 0)}</b><span class=\"badge {outcome}\">{label}</span>" in kpis
    assert html.count("<tr data-id=") == len(data["items"])
    by_role = html[html.index('id="by-role"'):html.index("</table>", html.index('id="by-role"'))]
    assert all(r in by_role for r in ("培训服务商", "MCN机构", "产业带服务商", "供应链服务商"))


def test_reviews_page_filters_by_outcome_role_and_level(sample_client):
    items = sample_client.get("/api/review").json["items"]
    html = sample_client.get("/reviews?outcome=revoked").get_data(as_text=True)
    rows = html[html.index('id="review-items"'):]
    assert rows.count("<tr data-id=") == sum(i["outcome"] == "revoked" for i in items)
    assert 'data-outcome="kept"' not in rows
    html = sample_client.get("/reviews?level=up&role=mcn").get_data(as_text=True)
    rows = html[html.index('id="review-items"'):]
    assert 0 < rows.count("<tr data-id=") < len(items) and "降级</span>" not in rows
    # the API is the whole quarter whatever the page shows
    assert len(sample_client.get("/api/review?outcome=revoked").json["items"]) == len(items)


def test_provider_history_page_reads_reasons_in_chinese(sample_client):
    history = sample_client.get("/api/reviews/prov-0003").json["items"]
    assert [i["quarter"] for i in history] == ["2020Q3", "2020Q4"]
    assert [i["reasons"] for i in history] == ["belt: gmv 403,554.72 < 500,000",
                                               "meets every threshold; top 20% of belt by gmv"]
    html = sample_client.get("/reviews/prov-0003").get_data(as_text=True)
    assert "产业带服务商：GMV 403,554.72，低于要求 500,000" in html and "产业带服务商中按GMV排名前 20%，升一级" in html
    assert html.count("<tr data-quarter=") == 2
    english = sample_client.get("/reviews/prov-0003?lang=en").get_data(as_text=True)
    assert "belt: gmv 403,554.72 &lt; 500,000" in english


@pytest.mark.parametrize("reasons,expected", [
    ("belt: gmv 421,477.37 < 500,000", "产业带服务商：GMV 421,477.37，低于要求 500,000"),
    ("training: complaints 11 > 3", "培训服务商：投诉数 11，超过上限 3"),
    ("meets every threshold; top 20% of belt, mcn by gmv, anchors_incubated",
     "各项指标均达标；产业带服务商、MCN机构中按GMV、孵化主播数排名前 20%，升一级"),
    ("mcn: gmv 0 < 300,000; mcn: anchors_incubated 0 < 3 (no figures for 2020Q4)",
     "MCN机构：GMV 0，低于要求 300,000；MCN机构：孵化主播数 0，低于要求 3（2020Q4 无考核数据）"),
    ("something new", "something new"),   # unknown text stays as written
])
def test_reason_text(sample_app, reasons, expected):
    from web.reviews import reason_text

    with sample_app.test_request_context("/reviews"):
        sample_app.preprocess_request()
        assert reason_text(reasons) == expected


def test_review_downloads(sample_client):
    data = sample_client.get("/api/review?quarter=2020Q3").json
    r = sample_client.get("/reviews/download?format=csv&quarter=2020Q3&outcome=revoked")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["季度", "ID", "服务商", "角色", "结果"]
    assert len(rows) - 1 == data["summary"]["revoked"] and {row[4] for row in rows[1:]} == {"摘牌"}
    r = sample_client.get("/reviews/download?format=xlsx&quarter=2020Q3")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws.max_row - 1 == len(data["items"]) and isinstance(ws["H2"].value, int)


def test_provider_names_are_text_not_html(evil_client):
    for url in ("/reviews", "/reviews/p1"):
        html = evil_client.get(url).get_data(as_text=True)
        assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url
