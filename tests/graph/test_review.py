"""SPEC §4 provider reviews, anchor tiers, coverage gaps and the new-merchant plan."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.anchors import TierSettings, anchor_tiers, incubated_mid_tier
from graph.coverage import coverage_gaps
from graph.errors import ConfigError
from graph.graph import graph_from_records
from graph.merchant_plan import PlanSettings, merchant_plan
from graph.rank import RankSettings
from graph.review import (
    ReviewSettings,
    review_quarter,
    run_review,
    standings_as_of,
    state_before,
)

SETTINGS = ReviewSettings.from_dict({
    "top_share": 0.2,
    "mcn": {"main": "anchors_incubated", "min": {"anchors_incubated": 3}, "max": {"complaints": 2}},
    "training": {"main": "trainees", "min": {"trainees": 10}, "max": {"complaints": 2}},
    "belt": {"main": "gmv", "min": {"gmv": 100}, "max": {}},
    "supply_chain": {"main": "gmv", "min": {"gmv": 100}, "max": {}},
})


def providers_graph(rows, figures):
    nodes = [{"label": "Provider", "id": pid, "name": pid, "roles": roles, "level": level, "plaque": plaque}
             for pid, roles, level, plaque in rows]
    return graph_from_records(nodes, facts={"provider_quarters": figures})


def fig(pid, q, **kw):
    return {"provider": pid, "quarter": q, **kw}


def by_id(records):
    return {r.provider: r for r in records}


def test_thresholds_keep_revoke_and_regain():
    g = providers_graph(
        [("keep", ["mcn"], 2, True), ("lose", ["mcn"], 2, True), ("back", ["mcn"], 2, False),
         ("still", ["mcn"], 1, False)],
        [fig("keep", "2020Q1", anchors_incubated=3, complaints=2),          # at both thresholds: passes
         fig("lose", "2020Q1", anchors_incubated=5, complaints=3),          # one complaint too many
         fig("back", "2020Q1", anchors_incubated=4, complaints=0),
         fig("still", "2020Q1", anchors_incubated=1)])
    r = by_id(review_quarter(g, "2020Q1", SETTINGS))
    assert (r["keep"].outcome, r["keep"].plaque_after) == ("kept", True)
    assert (r["lose"].outcome, r["lose"].plaque_after, r["lose"].level_after) == ("revoked", False, 1)
    assert "complaints 3 > 2" in r["lose"].reasons
    assert (r["back"].outcome, r["back"].plaque_after) == ("regained", True)
    assert (r["still"].outcome, r["still"].level_after) == ("still_revoked", 1)   # level bound 1


def test_every_role_of_a_provider_is_checked():
    g = providers_graph([("p", ["mcn", "training"], 3, True)],
                        [fig("p", "2020Q1", anchors_incubated=9, trainees=2)])
    r = review_quarter(g, "2020Q1", SETTINGS)[0]
    assert r.outcome == "revoked" and "training: trainees 2 < 10" in r.reasons


def test_no_figures_for_the_quarter_fails_a_minimum():
    g = providers_graph([("p", ["belt"], 3, True)], [fig("p", "2020Q2", gmv=1000.0)])
    r = review_quarter(g, "2020Q1", SETTINGS)[0]
    assert r.outcome == "revoked" and "no figures for 2020Q1" in r.reasons


def test_top_20_percent_of_a_role_moves_up_and_level_5_is_the_cap():
    rows = [(f"p{i}", ["belt"], 5 if i == 9 else 2, True) for i in range(10)]
    g = providers_graph(rows, [fig(f"p{i}", "2020Q1", gmv=1000.0 + i) for i in range(10)])
    r = by_id(review_quarter(g, "2020Q1", SETTINGS))
    # top 20% of 10 = 2 providers: p9 (already 5) and p8
    assert r["p8"].level_after == 3 and r["p9"].level_after == 5
    assert all(r[f"p{i}"].level_after == 2 for i in range(8))
    assert "top 20% of belt by gmv" in r["p8"].reasons


def test_rerunning_a_quarter_gives_the_same_result():
    g = providers_graph([("p", ["belt"], 2, True), ("q", ["belt"], 2, True)],
                        [fig("p", "2020Q1", gmv=500.0), fig("q", "2020Q1", gmv=50.0)])
    first, history, state = run_review(g, "2020Q1", SETTINGS)
    # record it as the store would: providers now carry the result, the history holds it
    g2 = _apply(g, history, state)
    again, history2, state2 = run_review(g2, "2020Q1", SETTINGS)
    assert [r.to_dict() for r in again] == [r.to_dict() for r in first]
    assert state2 == state and history2.to_pylist() == history.to_pylist()


def _apply(g, history, state):
    providers = [{"label": "Provider", "id": p["id"], "name": p["name"], "roles": p["roles"],
                  "plaque": state[p["id"]][0], "level": state[p["id"]][1]} for p in g.nodes["Provider"].to_pylist()]
    figures = g.facts["provider_quarters"].to_pylist()
    out = graph_from_records(providers, facts={"provider_quarters": figures})
    out._reviews = history
    return out


def test_reviewing_an_earlier_quarter_reruns_the_later_ones():
    g = providers_graph([("p", ["belt"], 2, True)],
                        [fig("p", "2020Q1", gmv=50.0), fig("p", "2020Q2", gmv=500.0)])
    _, h1, s1 = run_review(g, "2020Q1", SETTINGS)
    g1 = _apply(g, h1, s1)
    _, h2, s2 = run_review(g1, "2020Q2", SETTINGS)
    g2 = _apply(g1, h2, s2)
    assert s2["p"] == (True, 2)          # Q1: revoked, 2 -> 1; Q2: regained, top of its pool 1 -> 2
    _, h3, s3 = run_review(g2, "2020Q1", SETTINGS)
    assert s3 == s2 and h3.to_pylist() == h2.to_pylist()
    assert state_before([], "2020Q1", {"p": (True, 4)}) == {"p": (True, 4)}
    as_of = {s.provider: (s.plaque, s.level) for s in standings_as_of(_apply(g2, h2, s2), "2020Q1")}
    assert as_of == {"p": (False, 1)}


def test_review_config_errors():
    with pytest.raises(ConfigError, match="unknown column"):
        ReviewSettings.from_dict({"mcn": {"min": {"likes": 3}}})
    with pytest.raises(ConfigError, match="unknown role"):
        ReviewSettings.from_dict({"cooking": {"min": {}}})
    with pytest.raises(ConfigError, match="top_share"):
        ReviewSettings.from_dict({"top_share": 2})


def test_cli_review_records_history_and_is_idempotent(cli, mini_bundle):
    cli("load", str(mini_bundle))
    first = cli.json("review", "--quarter", "2020Q1")
    assert first["quarter"] == "2020Q1" and {i["provider"] for i in first["items"]} == {"p1", "p2"}
    # p2 has 2 complaints and 30 trainees, p1 500k GMV, 4 anchors incubated, 60 sessions
    items = {i["provider"]: i for i in first["items"]}
    assert items["p2"]["plaque_before"] is False
    again = cli.json("review", "--quarter", "2020Q1")
    assert again == first
    rows = cli.json("cypher", "MATCH (p:Provider) RETURN p.id, p.plaque, p.level ORDER BY p.id")["rows"]
    assert rows == [["p1", items["p1"]["plaque_after"], items["p1"]["level_after"]],
                    ["p2", items["p2"]["plaque_after"], items["p2"]["level_after"]]]
    history = cli.json("review", "--history", "p1")
    assert [h["quarter"] for h in history["items"]] == ["2020Q1"]
    as_of = cli.json("review", "--as-of", "2020Q1")
    assert {i["id"]: i["level"] for i in as_of["items"]} == {"p1": items["p1"]["level_after"],
                                                              "p2": items["p2"]["level_after"]}


# ---------------------------------------------------------------- anchor tiers

def test_anchor_tiers_by_followers_and_gmv():
    g = graph_from_records(
        [{"label": "Anchor", "id": "big", "name": "大", "followers": 2_000_000},
         {"label": "Anchor", "id": "mid", "name": "中", "followers": 150_000},
         {"label": "Anchor", "id": "small", "name": "小", "followers": 10},
         {"label": "SupplyChain", "id": "s", "name": "s", "category": "jade"},
         {"label": "Provider", "id": "p", "name": "p", "roles": ["mcn"]}],
        [{"type": "SELLS", "from": "small", "to": "s", "quarter": "2020Q4", "gmv": 600_000.0},
         {"type": "INCUBATES", "from": "p", "to": "mid"}, {"type": "INCUBATES", "from": "p", "to": "small"}])
    q, tiers = anchor_tiers(g, settings=TierSettings.default())
    t = {a.id: (a.follower_tier, a.gmv_tier) for a in tiers}
    assert q == "2020Q4"
    assert t == {"big": ("head", "tail"), "mid": ("mid", "tail"), "small": ("tail", "mid")}
    _, inc = incubated_mid_tier(g, settings=TierSettings.default())
    assert (inc[0].provider, inc[0].mid_by_followers, inc[0].mid_by_gmv) == ("p", ["mid"], ["small"])


# ---------------------------------------------------------------- coverage gaps

def test_coverage_gaps():
    nodes = [{"label": "Belt", "id": "b1", "name": "一", "category": "jade", "province": "x"},
             {"label": "Belt", "id": "b2", "name": "二", "category": "jade", "province": "x"},
             {"label": "Provider", "id": "p1", "name": "p1", "roles": ["mcn", "belt"]},
             {"label": "Provider", "id": "p2", "name": "p2", "roles": ["training"]},
             {"label": "SupplyChain", "id": "s1", "name": "s1", "category": "jade"},
             *[{"label": "Anchor", "id": f"a{i}", "name": f"a{i}"} for i in range(3)]]
    rels = [{"type": "SERVES", "from": "p1", "to": "b1"}, {"type": "SERVES", "from": "p2", "to": "b1"},
            {"type": "IN_BELT", "from": "s1", "to": "b1"},
            *[{"type": "SELLS", "from": f"a{i}", "to": "s1", "quarter": "2020Q4", "gmv": 1.0} for i in range(3)]]
    cov = coverage_gaps(graph_from_records(nodes, rels), settings=RankSettings.checked({"gmv": 1.0}))
    assert cov.matrix["b1"] == {"training": 1, "mcn": 1, "belt": 1, "supply_chain": 0}
    assert cov.belts_missing_role == {"b1": ["supply_chain"], "b2": ["training", "mcn", "belt", "supply_chain"]}
    assert cov.belts_without_tier == ["b2"]
    assert cov.categories_missing_role == {"jade": ["supply_chain"]}


# ---------------------------------------------------------------- new-merchant plan

def test_new_merchant_plan():
    nodes = [{"label": "Belt", "id": "b", "name": "带", "category": "apparel", "province": "x"},
             {"label": "Merchant", "id": "in", "name": "新店", "joined": "2020-09-01", "sales": 50_000.0},
             {"label": "Merchant", "id": "near", "name": "快满", "joined": "2020-10-31", "sales": 95_000.0},
             {"label": "Merchant", "id": "over", "name": "已满", "joined": "2020-10-01", "sales": 120_000.0},
             {"label": "Merchant", "id": "early", "name": "老店", "joined": "2020-08-31", "sales": 95_000.0}]
    rels = [{"type": "IN_BELT", "from": m, "to": "b"} for m in ("in", "near", "over", "early")]
    plan = merchant_plan(graph_from_records(nodes, rels), PlanSettings.default())
    assert [(b.belt, b.eligible, b.near_cap, b.over_cap) for b in plan.belts] == [("b", 3, 1, 1)]
    near = plan.near_cap[0]
    assert (near.id, near.remaining, near.fee_so_far) == ("near", 5000.0, 950.0)
    assert plan.to_dict()["eligible"] == 3


def test_plan_settings_checked(config):
    with pytest.raises(ConfigError, match="before"):
        config.with_overrides(merchant_plan={"joined_from": "2020-11-01", "joined_to": "2020-09-01"})
    assert PlanSettings.from_config(config).joined_from == dt.date(2020, 9, 1)


def test_tier_settings_checked(config):
    with pytest.raises(ConfigError, match="unknown key"):
        TierSettings.from_config(config.with_overrides(anchors={"huge_followers": 5}))
    with pytest.raises(ConfigError, match="must not be below"):
        TierSettings.from_config(config.with_overrides(anchors={"head_followers": 10, "mid_followers": 100}))


def test_shipped_config_is_valid():
    from graph.config import ROOT, Config

    cfg = Config.load(ROOT / "config.toml", env={})
    assert RankSettings.from_config(cfg).gold_count == 10
    assert ReviewSettings.from_config(cfg).roles["mcn"].main == "anchors_incubated"
    assert TierSettings.from_config(cfg).mid_followers == 100_000
    assert PlanSettings.from_config(cfg).cap == 100_000
