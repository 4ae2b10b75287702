"""The rankings page, the what-if page, downloads and their JSON twins."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from graph import usecases
from graph.config import Config
from web import create_app

from ..conftest import MINI, ROOT, Cli, write_bundle

EVIL = "<img src=x onerror=alert(1)>"


def evil_files() -> dict[str, str]:
    """MINI with a belt, a provider and a supply chain named as an attack; sc1 sold by three anchors in
    2020Q1 so that it is ranked."""
    files = dict(MINI)
    files["nodes/Belt.csv"] = files["nodes/Belt.csv"].replace("杭州四季青服装市场", f'"{EVIL}"')
    files["nodes/Provider.csv"] = files["nodes/Provider.csv"].replace("杭州星辰文化传媒有限公司", f'"{EVIL}"')
    files["nodes/SupplyChain.csv"] = files["nodes/SupplyChain.csv"].replace("杭州锦绣女装供应链", f'"{EVIL}"')
    files["nodes/Anchor.csv"] += "a3,小林,50000,apparel,浙江省\n"
    files["facts/livestreams.csv"] += ("l4,a2,sc1,,2020-01-07,20,1,100,0\n"
                                       "l5,a3,sc1,,2020-01-09,30,1,100,0\n")
    return files


def evil_app_client(tmp_path, store, config):
    """A client over ``store`` loaded with :func:`evil_files`, 2020Q1 reviewed."""
    from loaders import load_bundle

    load_bundle(store, write_bundle(tmp_path / "evil", evil_files()))
    usecases.review(store, config, "2020Q1")
    return create_app({"TESTING": True}, store=store, config=config).test_client()


@pytest.fixture
def evil_client(tmp_path, store, config):
    return evil_app_client(tmp_path, store, config)


@pytest.fixture(scope="module")
def loaded_cli(tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("rankcli") / "store")
    cli("load", str(ROOT / "data" / "sample"))
    return cli


@pytest.fixture(scope="module")
def cli_client(loaded_cli, tmp_path_factory):
    from graph.embedded import EmbeddedStore

    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp_path_factory.mktemp("c"), env={})
    store = EmbeddedStore(loaded_cli.data, config)
    yield create_app({"TESTING": True}, store=store, config=config).test_client()
    store.close()


def ranking_table(html: str) -> str:
    return html[html.index('id="ranking"'):html.index("</table>", html.index('id="ranking"'))]


def test_rank_page_shows_ten_gold_and_fifty_silver_of_the_latest_quarter(sample_client):
    r = sample_client.get("/rank")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    table = ranking_table(html)
    assert table.count('class="badge gold"') == 10 and table.count('class="badge silver"') == 50
    assert "<small>2020Q4</small>" in html
    top = sample_client.get("/api/rank").json["items"][0]
    assert top["name"] in table and f'href="/nodes/{top["id"]}"' in table


def test_quarter_selector_lists_quarters_with_sales_newest_first(sample_client):
    html = sample_client.get("/rank").get_data(as_text=True)
    select = html[html.index('<select name="quarter">'):html.index("</select>", html.index('<select name="quarter">'))]
    assert re.findall(r'<option value="(\d{4}Q\d)"', select) == ["2020Q4", "2020Q3", "2020Q2", "2020Q1"]
    assert '<option value="2020Q4" selected>' in select


def test_rank_page_of_an_older_quarter_and_each_kind_of_pool(sample_client):
    html = sample_client.get("/rank?quarter=2020Q3").get_data(as_text=True)
    assert '<option value="2020Q3" selected>' in html and "与上季度 2020Q2 相比" in html
    for query, label in (("division=big_apparel", "事业部：大服饰"), ("category=jade", "类目：玉石"),
                         ("belt=hz-sijiqing", "产业带：杭州四季青服装市场")):
        r = sample_client.get(f"/rank?{query}")
        assert r.status_code == 200 and label in r.get_data(as_text=True), query
        ids = [i["id"] for i in sample_client.get(f"/api/rank?{query}").json["items"]]
        assert all(f'data-id="{i}"' in r.get_data(as_text=True) for i in ids[:60])


def test_rank_page_shows_the_rows_without_a_tier_on_request(sample_client):
    n = len(sample_client.get("/api/rank").json["items"])
    assert n > 60
    assert ranking_table(sample_client.get("/rank").get_data(as_text=True)).count("<tr data-id=") == 60
    assert ranking_table(sample_client.get("/rank?all=1").get_data(as_text=True)).count("<tr data-id=") == n


def test_points_bars_add_up_to_the_score(sample_client):
    """Each row's stacked bar is its points per metric; the widths add up to the score."""
    item = sample_client.get("/api/rank").json["items"][0]
    table = ranking_table(sample_client.get("/rank").get_data(as_text=True))
    row = table[table.index(f'data-id="{item["id"]}"'):]
    row = row[:row.index("</tr>")]
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)"', row)]
    assert len(widths) == sum(1 for p in item["points"].values() if p > 0)
    assert sum(widths) == pytest.approx(item["score"], abs=0.01)


def test_movers_show_new_gold_new_silver_and_dropped(sample_client):
    movers = sample_client.get("/api/rank/movers").json
    assert movers["quarter"] == "2020Q4" and movers["previous"] == "2020Q3"
    html = sample_client.get("/rank").get_data(as_text=True)
    section = html[html.index('id="movers"'):]
    assert "新晋金牌" in section and "新晋银牌" in section and "跌出金银牌" in section
    names = {i["id"]: i["name"] for i in movers["items"]}
    assert all(names[i] in section for i in movers["new_gold"])
    assert movers["dropped"][0]["name"] in section


def test_movers_and_explain_are_the_same_as_the_cli(loaded_cli, cli_client):
    for args, url in [(("--movers",), "/api/rank/movers"),
                      (("--movers", "--quarter", "2020Q3", "--category", "jade"), "/api/rank/movers?quarter=2020Q3&category=jade"),
                      (("--explain", "sc-2618"), "/api/rank/explain/sc-2618"),
                      (("--explain", "sc-0010", "--division", "big_apparel"), "/api/rank/explain/sc-0010?division=big_apparel")]:
        assert cli_client.get(url).json == loaded_cli.json("rank", *args), url


def test_explain_page_says_the_gap_in_words(sample_client):
    ranking = sample_client.get("/api/rank").json["items"]
    silver = next(i for i in ranking if i["tier"] == "silver" and i["rank"] > 20)
    e = sample_client.get(f"/api/rank/explain/{silver['id']}").json
    html = sample_client.get(f"/rank/explain/{silver['id']}").get_data(as_text=True)
    gold = e["targets"][0]
    assert gold["tier"] == "gold" and gold["gap"] > 0
    assert f"距金牌（第 10 名）还差 {gold['gap']:.2f} 分" in html
    assert "已在银牌区间（前 60 名）" in html
    for metric, value in gold["values"].items():
        label = {"gmv": "GMV", "anchor_reach": "带货主播", "fulfillment_rate": "履约率", "return_rate": "退货率",
                 "rating": "评分"}[metric]
        assert (f"{label} 单靠这一项做不到" in html) == (value is None)
    english = sample_client.get(f"/rank/explain/{silver['id']}?lang=en").get_data(as_text=True)
    assert f"{gold['gap']:.2f} points short of Gold (rank 10)" in english


def test_explain_page_of_a_supply_chain_that_is_not_ranked(sample_client):
    ranked = {i["id"] for i in sample_client.get("/api/rank").json["items"]}
    sc = next(f"sc-{n:04d}" for n in range(1, 3000) if f"sc-{n:04d}" not in ranked)
    e = sample_client.get(f"/api/rank/explain/{sc}").json
    assert e["eligible"] is False and e["rank"] is None
    html = sample_client.get(f"/rank/explain/{sc}").get_data(as_text=True)
    assert f"还差 {e['anchors_needed']} 位" in html


@pytest.mark.parametrize("url,status", [
    ("/rank?quarter=2020Q9", 400),                    # not a quarter
    ("/api/rank?quarter=nope", 400),
    ("/rank?belt=no-such-belt", 404),                 # unknown belt
    ("/api/rank?belt=no-such-belt", 404),
    ("/rank?belt=sc-0010", 400),                      # a supply chain, not a belt
    ("/api/rank/movers?belt=sc-0010", 400),
    ("/rank?division=big_apparel&category=jade", 400),  # one pool at a time
    ("/rank?division=nope", 400),                     # unknown division
    ("/rank/explain/no-such-id", 404),
    ("/api/rank/explain/no-such-id", 404),
    ("/api/rank/explain/hz-sijiqing", 400),           # a belt, not a supply chain
    ("/api/rank/explain/sc-0001?quarter=2020Q5", 400),
    ("/rank/download?format=pdf", 400),
    ("/rank/download?format=csv&belt=nope", 404),
])
def test_rank_errors(sample_client, url, status):
    r = sample_client.get(url)
    assert r.status_code == status
    if url.startswith("/api/"):
        assert r.json["ok"] is False and r.json["status"] == status


def test_explain_of_a_supply_chain_outside_the_pool_is_a_400(sample_client):
    jade = {i["id"] for i in sample_client.get("/api/rank?category=jade").json["items"]}
    other = next(i["id"] for i in sample_client.get("/api/rank").json["items"] if i["id"] not in jade)
    r = sample_client.get(f"/api/rank/explain/{other}?category=jade")
    assert r.status_code == 400 and "is not in the pool" in r.json["error"]


def test_csv_download_is_the_ranking_in_utf8_with_bom(sample_client):
    data = sample_client.get("/api/rank?category=jade").json
    r = sample_client.get("/rank/download?format=csv&category=jade")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"] and "rank-2020Q4-category-jade" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["排名", "等级", "ID", "供应链", "得分"]
    assert len(rows) - 1 == len(data["items"])
    first = data["items"][0]
    assert rows[1][:4] == ["1", "金牌", first["id"], first["name"]]
    assert float(rows[1][5]) == pytest.approx(first["metrics"]["gmv"])


def test_xlsx_download_keeps_numbers_as_numbers(sample_client):
    data = sample_client.get("/api/rank").json
    r = sample_client.get("/rank/download?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws.title == "排名 2020Q4" and ws.max_row - 1 == len(data["items"])
    assert ws["A2"].value == 1 and isinstance(ws["E2"].value, float) and ws["D2"].value == data["items"][0]["name"]


def test_downloads_follow_the_language(sample_client):
    r = sample_client.get("/rank/download?format=csv&lang=en")
    assert r.data.decode("utf-8-sig").splitlines()[0].startswith("Rank,Tier,ID,Supply chain,Score")


def test_names_from_data_are_text_not_html(evil_client):
    for url in ("/rank?quarter=2020Q1", "/rank/explain/sc1?quarter=2020Q1", "/rank?quarter=2020Q1&belt=b-hz"):
        html = evil_client.get(url).get_data(as_text=True)
        assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url
    r = evil_client.get("/rank/download?format=csv&quarter=2020Q1")
    assert EVIL in r.data.decode("utf-8-sig")  # a CSV cell is text already


def test_empty_store_says_there_are_no_sales(store, config):
    client = create_app({"TESTING": True}, store=store, config=config).test_client()
    r = client.get("/rank")
    assert r.status_code == 200 and "还没有直播销售数据" in r.get_data(as_text=True)
    assert client.get("/api/rank").json == {"quarter": None, "items": []}
