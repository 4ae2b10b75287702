"""The belt profile (/belts/<id>) and any entity's profile (/nodes/<id>), pages and JSON twins."""

from __future__ import annotations

import io

import pyarrow.compute as pc
import pytest

from graph import usecases
from graph.anchors import TierSettings, classify
from graph.coverage import coverage_gaps
from graph.model import ROLES
from graph.rank import Pool, RankSettings
from web import create_app

from ..conftest import MINI, write_bundle

BELT = "hz-sijiqing"
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def belt(sample_app):
    return sample_app.test_client().get(f"/api/belts/{BELT}").json


# ---------------------------------------------------------------- the belt profile

def test_belt_profile_has_every_section(belt, sample_client):
    assert belt["id"] == BELT and belt["name"] == "杭州四季青服装市场"
    assert belt["properties"]["province"] == "浙江省" and belt["properties"]["city"] == "杭州市"
    assert set(belt) >= {"quarter", "counts", "quarters", "bases", "providers", "supply_chains", "anchors", "gaps", "graph"}
    listed = next(b for b in sample_client.get("/api/belts").json["items"] if b["id"] == BELT)
    assert belt["counts"] == {k: listed[k] for k in ("bases", "supply_chains", "merchants", "providers")}
    assert list(belt["providers"]) == list(ROLES)
    assert [q["quarter"] for q in belt["quarters"]] == sorted(q["quarter"] for q in belt["quarters"])
    assert belt["quarter"] == belt["quarters"][-1]["quarter"] == "2020Q4"


def test_belt_quarter_figures_are_the_sales_of_its_supply_chains(belt, sample_store):
    g = sample_store.graph()
    in_belt = g.rels["IN_BELT"]
    chains = in_belt.filter(pc.equal(in_belt.column("to"), BELT)).column("from")
    sells = g.rels["SELLS"]
    q4 = sells.filter(pc.and_(pc.equal(sells.column("quarter"), "2020Q4"), pc.is_in(sells.column("to"), value_set=chains)))
    last = belt["quarters"][-1]
    assert last["gmv"] == pytest.approx(pc.sum(q4.column("gmv")).as_py())
    assert last["sessions"] == pc.sum(q4.column("sessions")).as_py()
    assert last["anchors"] == len(set(q4.column("from").to_pylist()))
    assert last["merchants"] <= belt["counts"]["merchants"]  # merchants that had joined by the quarter's end
    assert [q["merchants"] for q in belt["quarters"]] == sorted(q["merchants"] for q in belt["quarters"])


def test_belt_supply_chains_are_its_pool_ranking_with_platform_tiers(belt, sample_store, sample_config):
    pool = usecases.rank(sample_store, sample_config, None, Pool(belt=BELT))
    assert [(c["rank"], c["id"], c["score"]) for c in belt["supply_chains"]] == \
        [(i.rank, i.id, i.score) for i in pool.items]
    platform = usecases.rank(sample_store, sample_config).by_id()
    for c in belt["supply_chains"]:
        p = platform.get(c["id"])
        assert (c["platform_rank"], c["platform_tier"]) == ((p.rank, p.tier) if p else (None, None))
    assert belt["unranked_supply_chains"] == belt["counts"]["supply_chains"] - len(belt["supply_chains"])


def test_top_anchors_are_by_gmv_with_follower_tier(belt, sample_config):
    anchors = belt["anchors"]
    assert 0 < len(anchors) <= 10
    assert [a["gmv"] for a in anchors] == sorted((a["gmv"] for a in anchors), reverse=True)
    tiers = TierSettings.from_config(sample_config)
    assert all(a["follower_tier"] == classify(a["followers"], tiers.head_followers, tiers.mid_followers) for a in anchors)


def test_belt_gaps_agree_with_the_coverage_page(belt, sample_store, sample_config):
    coverage = coverage_gaps(sample_store.graph(), settings=RankSettings.from_config(sample_config))
    assert belt["gaps"]["missing_roles"] == coverage.belts_missing_role.get(BELT, [])
    assert belt["gaps"]["has_gold_or_silver"] == (BELT not in coverage.belts_without_tier)


def test_providers_by_role_and_bases_marked_premium(belt, sample_store):
    g = sample_store.graph()
    for role, providers in belt["providers"].items():
        for p in providers:
            assert role in p["roles"] and g.node(p["id"])["level"] == p["level"]
    assert all(isinstance(b["premium"], bool) for b in belt["bases"])
    assert [b["premium"] for b in belt["bases"]] == sorted((b["premium"] for b in belt["bases"]), reverse=True)


def test_neighbourhood_graph_is_small_and_connected(belt):
    nodes, rels = belt["graph"]["nodes"], belt["graph"]["rels"]
    assert nodes[0]["id"] == BELT and 10 < len(nodes) <= 80
    ids = {n["id"] for n in nodes}
    assert all(r["from"] in ids and r["to"] in ids for r in rels)
    assert ids == {BELT} | {r["from"] for r in rels} | {r["to"] for r in rels}  # nothing floats alone
    assert not any(n["label"] == "Merchant" for n in nodes)


def test_belt_page_shows_its_sections_in_chinese_and_english(sample_client):
    html = sample_client.get(f"/belts/{BELT}").get_data(as_text=True)
    for section in ('id="quarters"', 'id="providers"', 'id="chains"', 'id="anchors"', 'id="bases"', 'id="gaps"',
                    'id="neighbourhood"', 'id="locator"', 'svg class="bars"'):
        assert section in html
    assert "季度指标" in html and "覆盖缺口" in html and "培训服务商" in html and f"/rank?belt={BELT}" in html
    en = sample_client.get(f"/belts/{BELT}?lang=en").get_data(as_text=True)
    assert "Figures per quarter" in en and "Coverage gaps" in en and "季度指标" not in en


def test_other_ids_on_the_belt_route(sample_client):
    r = sample_client.get("/belts/prov-0001")
    assert r.status_code == 302 and r.headers["Location"].endswith("/nodes/prov-0001")
    r = sample_client.get("/api/belts/prov-0001")
    assert r.status_code == 400 and r.json == {"ok": False, "error": "'prov-0001' is a Provider, not a Belt", "status": 400}
    r = sample_client.get("/api/belts/no-such-belt")
    assert r.status_code == 404 and r.json["ok"] is False and r.json["status"] == 404
    assert "没有这个实体" in sample_client.get("/belts/no-such-belt").get_data(as_text=True)


def test_belt_downloads(sample_client):
    r = sample_client.get(f"/download/belts/{BELT}?format=csv&table=supply_chains")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    assert r.data.decode("utf-8-sig").splitlines()[0].startswith("rank,id,name,score")
    r = sample_client.get(f"/download/belts/{BELT}?format=xlsx")
    import openpyxl

    sheets = openpyxl.load_workbook(io.BytesIO(r.data)).sheetnames
    assert len(sheets) == 5
    assert sample_client.get(f"/download/belts/{BELT}?table=nope").status_code == 400
    assert sample_client.get(f"/download/belts/{BELT}?format=pdf").status_code == 400


# ---------------------------------------------------------------- any entity

def test_node_profile_groups_biggest_first_with_counts(sample_client):
    d = sample_client.get(f"/api/nodes/{BELT}").json
    assert d["label"] == "Belt" and d["per_type"] == 10
    merchants = next(g for g in d["relationships"] if (g["type"], g["label"]) == ("IN_BELT", "Merchant"))
    assert merchants["count"] > 10 and len(merchants["items"]) == 10 and merchants["direction"] == "in"
    sales = [m["sales"] for m in merchants["items"]]
    assert sales == sorted(sales, reverse=True)
    assert [g["count"] for g in d["relationships"]] == sorted((g["count"] for g in d["relationships"]), reverse=True)


def test_node_profile_pages_one_group(sample_client):
    whole = sample_client.get(f"/api/nodes/{BELT}?per_type=30").json
    paged = sample_client.get(f"/api/nodes/{BELT}?type=IN_BELT&label=Merchant&offset=20").json
    groups = {(g["type"], g["label"]): g for g in paged["relationships"]}
    first = {(g["type"], g["label"]): g for g in whole["relationships"]}
    assert groups[("IN_BELT", "Merchant")]["offset"] == 20
    assert groups[("IN_BELT", "Merchant")]["items"] == first[("IN_BELT", "Merchant")]["items"][20:30]
    assert groups[("SERVES", "Provider")]["offset"] == 0  # the other groups stay on their first page
    html = sample_client.get(f"/nodes/{BELT}?type=IN_BELT&label=Merchant&offset=20").get_data(as_text=True)
    assert "type=IN_BELT&amp;label=Merchant&amp;offset=30" in html and "offset=10" in html
    assert "第 21–30 个" in html


@pytest.mark.parametrize("query", [
    "offset=x",                 # not a number
    "per_type=0",               # below one
    "type=Belt",                # a label, not a relationship type
    "type=NOPE",                # unknown type
    "type=IN_BELT&label=Nope",  # unknown label
])
def test_node_profile_bad_parameters_are_400(sample_client, query):
    r = sample_client.get(f"/api/nodes/{BELT}?{query}")
    assert r.status_code == 400 and r.json["ok"] is False
    assert sample_client.get(f"/nodes/{BELT}?{query}").status_code == 400


def test_unknown_entity_is_a_404_page_that_says_so(sample_client):
    r = sample_client.get("/nodes/no-such-id")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "没有这个实体：no-such-id" in html
    assert "No entity with id no-such-id" in sample_client.get("/nodes/no-such-id?lang=en").get_data(as_text=True)
    r = sample_client.get("/api/nodes/no-such-id")
    assert r.status_code == 404 and r.json == {"ok": False, "error": "node 'no-such-id' is not in the graph", "status": 404}


def test_anchor_figures_per_quarter_are_its_sells(sample_client, sample_store):
    d = sample_client.get("/api/nodes/anc-01180").json["metrics"]
    sells = sample_store.graph().rels["SELLS"]
    mine = sells.filter(pc.equal(sells.column("from"), "anc-01180"))
    assert sum(r["gmv"] for r in d["rows"]) == pytest.approx(pc.sum(mine.column("gmv")).as_py())
    assert sum(r["sessions"] for r in d["rows"]) == pc.sum(mine.column("sessions")).as_py()
    assert {r["quarter"] for r in d["rows"]} == set(mine.column("quarter").to_pylist())


def test_supply_chain_rank_and_tier_per_quarter(sample_client, sample_store, sample_config):
    top = usecases.rank(sample_store, sample_config, "2020Q4").items[0]
    rows = {r["quarter"]: r for r in sample_client.get(f"/api/nodes/{top.id}").json["metrics"]["rows"]}
    assert (rows["2020Q4"]["rank"], rows["2020Q4"]["tier"]) == (1, "gold")
    for q, r in rows.items():
        item = usecases.rank(sample_store, sample_config, q).by_id().get(top.id)
        assert (r["rank"], r["tier"]) == ((item.rank, item.tier) if item else (None, None))
    html = sample_client.get(f"/nodes/{top.id}").get_data(as_text=True)
    assert 'class="badge gold"' in html


def test_provider_figures_and_review_history(sample_client):
    d = sample_client.get("/api/nodes/prov-0001").json["metrics"]
    assert d["columns"][:2] == ["gmv", "anchors_incubated"] and d["rows"]
    assert [h["quarter"] for h in d["history"]] == ["2020Q3", "2020Q4"] and all(h["reasons"] for h in d["history"])
    html = sample_client.get("/nodes/prov-0001").get_data(as_text=True)
    assert 'id="history"' in html and "季度考核记录" in html


def test_belts_node_page_links_to_the_belt_profile(sample_client):
    assert f'href="/belts/{BELT}"' in sample_client.get(f"/nodes/{BELT}").get_data(as_text=True)


def test_node_download(sample_client):
    r = sample_client.get("/download/nodes/anc-01180?format=csv")
    assert r.status_code == 200 and r.data.decode("utf-8-sig").splitlines()[0] == "quarter,gmv,sessions,orders,viewers,supply_chains"


# ---------------------------------------------------------------- names are text

@pytest.fixture
def evil_client(tmp_path, store, config):
    from loaders import load_bundle

    files = dict(MINI)
    files["nodes/Belt.csv"] = files["nodes/Belt.csv"].replace("杭州四季青服装市场", EVIL)
    files["nodes/Provider.csv"] = files["nodes/Provider.csv"].replace("杭州星辰文化传媒有限公司", EVIL)
    files["nodes/Anchor.csv"] = files["nodes/Anchor.csv"].replace("小美爱穿搭", EVIL)
    load_bundle(store, write_bundle(tmp_path / "evil", files))
    return create_app({"TESTING": True}, store=store, config=config).test_client()


@pytest.mark.parametrize("url", ["/belts/b-hz", "/nodes/b-hz", "/nodes/p1", "/nodes/a1", "/nodes/sc1", "/map"])
def test_names_from_data_render_as_text(evil_client, url):
    r = evil_client.get(url)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert EVIL not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u003cimg src=x onerror=alert(1)\\u003e" in html


def test_small_store_belt_profile(evil_client):
    d = evil_client.get("/api/belts/b-hz").json
    assert d["counts"] == {"bases": 1, "supply_chains": 1, "merchants": 1, "providers": 1}
    assert d["gaps"]["missing_roles"] == ["training", "supply_chain"]
    assert d["providers"]["mcn"][0]["id"] == "p1" and d["bases"][0]["premium"] is True


def test_every_message_of_these_pages_exists_in_both_languages(sample_app):
    import pathlib
    import re

    from web.i18n import MESSAGES

    root = pathlib.Path(sample_app.root_path, "templates")
    for folder in ("profiles", "map"):
        for template in (root / folder).glob("*.html"):
            for key in re.findall(r"""\bt\('([\w.-]+)'\s*[,)]""", template.read_text(encoding="utf-8")):
                assert key in MESSAGES and all(MESSAGES[key]), f"{template.name}: {key}"
    for prefix in ("profiles.rel.", "profiles.field.", "profiles.outcome.", "profiles.kind."):
        assert [k for k in MESSAGES if k.startswith(prefix)]
    for m in ("gmv", "sessions", "merchants", "anchors", "quarter"):  # the chart tabs' t('profiles.col.' ~ m)
        assert f"profiles.col.{m}" in MESSAGES
