"""SPEC §3 rankings, with exact values on small hand-made graphs."""

from __future__ import annotations

import pytest

from graph.errors import ConfigError, NodeNotFound
from graph.graph import graph_from_records
from graph.rank import (
    BadRequest,
    Pool,
    RankSettings,
    explain,
    movers,
    percentiles,
    rank_supply_chains,
)

W = RankSettings.default().weights


def build(chains: list[dict], belts=(("b1", "apparel", "big_apparel"),), quarter="2020Q4", extra_sells=()):
    """chains: dicts with id, gmv, anchors (count), optional category, belt, quarter and properties."""
    nodes = [{"label": "Belt", "id": b, "name": b, "category": c, "division": d, "province": "浙江省"}
             for b, c, d in belts]
    rels = []
    max_anchors = max([c.get("anchors", 3) for c in chains] + [1])
    nodes += [{"label": "Anchor", "id": f"a{i:03d}", "name": f"主播{i}"} for i in range(max_anchors)]
    for c in chains:
        props = {k: c[k] for k in ("fulfillment_rate", "return_rate", "rating") if k in c}
        nodes.append({"label": "SupplyChain", "id": c["id"], "name": c.get("name", c["id"]),
                      "category": c.get("category", "apparel"), **props})
        rels.append({"type": "IN_BELT", "from": c["id"], "to": c.get("belt", belts[0][0])})
        n = c.get("anchors", 3)
        for i in range(n):
            rels.append({"type": "SELLS", "from": f"a{i:03d}", "to": c["id"], "quarter": c.get("quarter", quarter),
                         "gmv": c.get("gmv", 100.0) / n})
    rels += list(extra_sells)
    return graph_from_records(nodes, rels)


def test_percentile_ties_share_the_mean_rank():
    # values 100, 100, 50: ascending ranks 2.5, 2.5, 1 -> (r-1)/(n-1) = .75, .75, 0
    assert percentiles([100.0, 100.0, 50.0]) == [0.75, 0.75, 0.0]


def test_percentile_missing_value_gets_zero_and_is_not_counted():
    # n counts present values only: 1 and 3 are ranks 1 and 2 of n = 2
    assert percentiles([1.0, None, 3.0]) == [0.0, 0.0, 1.0]


def test_percentile_lower_is_better():
    assert percentiles([0.1, 0.2, 0.3], lower_is_better=True) == [1.0, 0.5, 0.0]


def test_exact_scores_with_ties_and_missing_values():
    g = build([
        {"id": "s1", "gmv": 300.0, "anchors": 3, "fulfillment_rate": 0.9, "return_rate": 0.1, "rating": 4.0},
        {"id": "s2", "gmv": 300.0, "anchors": 4, "fulfillment_rate": 0.8, "return_rate": 0.2},
        {"id": "s3", "gmv": 100.0, "anchors": 5, "fulfillment_rate": 0.9, "return_rate": 0.3, "rating": 5.0},
    ])
    r = rank_supply_chains(g)
    got = {i.id: i for i in r.items}
    # gmv: 300, 300, 100 -> .75 .75 0; reach 3,4,5 -> 0 .5 1; fulfil .9 .8 .9 -> .75 0 .75;
    # return .1 .2 .3 (lower better) -> 1 .5 0; rating 4, missing, 5 -> 0, 0, 1
    expect = {
        "s1": 100 * (W["gmv"] * .75 + W["anchor_reach"] * 0 + W["fulfillment_rate"] * .75 + W["return_rate"] * 1 + W["rating"] * 0),
        "s2": 100 * (W["gmv"] * .75 + W["anchor_reach"] * .5 + W["fulfillment_rate"] * 0 + W["return_rate"] * .5 + W["rating"] * 0),
        "s3": 100 * (W["gmv"] * 0 + W["anchor_reach"] * 1 + W["fulfillment_rate"] * .75 + W["return_rate"] * 0 + W["rating"] * 1),
    }
    for sc, score in expect.items():
        assert got[sc].score == pytest.approx(score, abs=1e-9)
        assert sum(got[sc].points.values()) == pytest.approx(score, abs=1e-9)
    assert got["s2"].points["rating"] == 0.0 and got["s2"].metrics["rating"] is None
    assert got["s1"].points["gmv"] == pytest.approx(100 * W["gmv"] * .75)
    assert got["s3"].metrics == {"gmv": 100.0, "anchor_reach": 5, "fulfillment_rate": 0.9, "return_rate": 0.3,
                                 "rating": 5.0}
    # s1 52.5, s3 52.5: equal scores -> gmv desc puts s1 first; s2 40
    assert [i.id for i in r.items] == ["s1", "s3", "s2"]
    assert [i.rank for i in r.items] == [1, 2, 3]


def test_pool_of_one_gets_one_for_every_present_metric():
    # n = 1 gives p = 1; return_rate is lower-is-better, so 1 - 1 = 0
    g = build([{"id": "s1", "gmv": 50.0, "fulfillment_rate": 0.9, "return_rate": 0.1, "rating": 4.0}])
    item = rank_supply_chains(g).items[0]
    assert item.score == pytest.approx(100 * (1 - W["return_rate"]))
    assert item.points["return_rate"] == 0.0 and item.tier == "gold"


def test_ineligible_supply_chains_are_left_out():
    g = build([{"id": "s1", "anchors": 3}, {"id": "s2", "anchors": 2}, {"id": "s3", "anchors": 5}])
    r = rank_supply_chains(g)
    assert [i.id for i in r.items] == ["s3", "s1"]
    assert r.ineligible == 1
    # with min_anchors 2, s2 competes and the percentiles change
    r2 = rank_supply_chains(g, settings=RankSettings.checked(W, min_anchors=2))
    assert len(r2.items) == 3


def test_quota_boundaries_at_10_11_60_61():
    chains = [{"id": f"s{i:02d}", "gmv": 1000.0 - i, "anchors": 3} for i in range(62)]
    r = rank_supply_chains(build(chains))
    tiers = {i.rank: i.tier for i in r.items}
    assert (tiers[10], tiers[11], tiers[60], tiers[61], tiers[62]) == ("gold", "silver", "silver", None, None)
    assert [i.id for i in r.items[:3]] == ["s00", "s01", "s02"]


def test_quotas_come_from_settings():
    chains = [{"id": f"s{i}", "gmv": 100.0 - i} for i in range(5)]
    r = rank_supply_chains(build(chains), settings=RankSettings.checked(W, gold_count=1, silver_count=2))
    assert [i.tier for i in r.items] == ["gold", "silver", "silver", None, None]


def test_tie_break_by_gmv_then_id():
    settings = RankSettings.checked({"anchor_reach": 0.5, "rating": 0.5})
    g = build([{"id": "s-b", "gmv": 10.0, "rating": 4.0}, {"id": "s-a", "gmv": 10.0, "rating": 4.0},
               {"id": "s-c", "gmv": 99.0, "rating": 4.0}])
    assert [i.id for i in rank_supply_chains(g, settings=settings).items] == ["s-c", "s-a", "s-b"]


def test_lower_return_rate_ranks_higher():
    settings = RankSettings.checked({"return_rate": 1.0})
    g = build([{"id": "s1", "return_rate": 0.3}, {"id": "s2", "return_rate": 0.05}, {"id": "s3", "return_rate": 0.1}])
    items = rank_supply_chains(g, settings=settings).items
    assert [(i.id, i.score) for i in items] == [("s2", 100.0), ("s3", 50.0), ("s1", 0.0)]


BELTS = (("b1", "apparel", "big_apparel"), ("b2", "jade", "premium_consumer"))


def test_pool_by_category_belt_and_division_recomputes_percentiles():
    g = build([{"id": "s1", "gmv": 10.0, "category": "apparel", "belt": "b1"},
               {"id": "s2", "gmv": 20.0, "category": "apparel", "belt": "b1"},
               {"id": "s3", "gmv": 30.0, "category": "jade", "belt": "b2"}], belts=BELTS)
    assert [i.id for i in rank_supply_chains(g, pool=Pool(category="jade")).items] == ["s3"]
    by_belt = rank_supply_chains(g, pool=Pool(belt="b1")).items
    assert [i.id for i in by_belt] == ["s2", "s1"]
    assert by_belt[0].points["gmv"] == pytest.approx(100 * W["gmv"])  # top of a pool of two
    assert [i.id for i in rank_supply_chains(g, pool=Pool(division="premium_consumer")).items] == ["s3"]
    assert rank_supply_chains(g, pool=Pool(category="tea")).items == []


def test_pool_arguments_are_checked():
    g = build([{"id": "s1"}], belts=BELTS)
    with pytest.raises(NodeNotFound):
        rank_supply_chains(g, pool=Pool(belt="nowhere"))
    with pytest.raises(BadRequest, match="not a Belt"):
        rank_supply_chains(g, pool=Pool(belt="s1"))
    with pytest.raises(BadRequest, match="unknown division"):
        rank_supply_chains(g, pool=Pool(division="fashion"))
    with pytest.raises(BadRequest, match="bad quarter"):
        rank_supply_chains(g, quarter="Q3")


def test_default_quarter_is_the_latest_and_others_can_be_asked():
    g = build([{"id": "s1", "quarter": "2020Q3"}, {"id": "s2", "quarter": "2020Q4"}])
    assert rank_supply_chains(g).quarter == "2020Q4"
    assert [i.id for i in rank_supply_chains(g, "2020Q3").items] == ["s1"]
    assert rank_supply_chains(g, "2019Q1").items == []


def test_json_shape_is_the_spec():
    out = rank_supply_chains(build([{"id": "s1", "rating": 4.0}])).to_dict()
    assert set(out) == {"quarter", "items"}
    assert set(out["items"][0]) == {"rank", "id", "name", "tier", "score", "metrics", "points"}
    assert set(out["items"][0]["metrics"]) == set(out["items"][0]["points"]) == set(W)


# ---------------------------------------------------------------- movers

def test_movers_across_two_quarters():
    settings = RankSettings.checked(W, gold_count=1, silver_count=1)
    chains_q3 = [{"id": "s1", "gmv": 300.0, "quarter": "2020Q3"}, {"id": "s2", "gmv": 200.0, "quarter": "2020Q3"},
                 {"id": "s3", "gmv": 100.0, "quarter": "2020Q3"}]
    g3 = build(chains_q3)
    extra = []
    for sc, gmv in (("s3", 900.0), ("s1", 500.0), ("s2", 100.0)):
        extra += [{"type": "SELLS", "from": f"a{i:03d}", "to": sc, "quarter": "2020Q4", "gmv": gmv / 3} for i in range(3)]
    g = build(chains_q3, extra_sells=extra)
    assert rank_supply_chains(g3).quarter == "2020Q3"
    m = movers(g, "2020Q4", settings=settings)
    assert m.previous == "2020Q3"
    assert [x.id for x in m.new_gold] == ["s3"]
    assert [x.id for x in m.new_silver] == ["s1"]
    assert [x.id for x in m.dropped] == ["s2"]
    changes = {x.id: x.change for x in m.moves}
    assert changes == {"s3": 2, "s1": -1, "s2": -1}


# ---------------------------------------------------------------- what-if

def _rank_with(g_chains, sc, metric, value, settings, **kw):
    chains = [dict(c) for c in g_chains]
    for c in chains:
        if c["id"] == sc:
            c[metric] = value
    return {i.id: i.rank for i in rank_supply_chains(build(chains, **kw), settings=settings).items}[sc]


def test_explain_suggests_values_that_reach_the_target_when_re_ranked():
    settings = RankSettings.checked(W, gold_count=2, silver_count=2)
    fulfil = [0.99, 0.98, 0.97, 0.96, 0.95, 0.5]
    chains = [{"id": f"s{i}", "gmv": 100.0, "fulfillment_rate": f, "return_rate": 0.1, "rating": 4.5}
              for i, f in enumerate(fulfil)]
    g = build(chains)
    e = explain(g, "s5", settings=settings)
    assert e.rank == 6 and e.eligible
    gold, silver = e.targets
    assert (gold.rank, silver.rank) == (2, 4)
    items = {i.id: i for i in rank_supply_chains(g, settings=settings).items}
    holder = next(i for i in items.values() if i.rank == 2)
    assert gold.gap == pytest.approx(holder.score - items["s5"].score)
    # one step past s1's .98 (a tie would lose to s1 on id); past s3's .96 for silver
    assert gold.values["fulfillment_rate"] == 0.981
    assert silver.values["fulfillment_rate"] == 0.961
    for target in (gold, silver):
        for metric, v in target.values.items():
            if v is not None and metric in ("fulfillment_rate", "return_rate", "rating"):
                assert _rank_with(chains, "s5", metric, v, settings) <= target.rank
    assert _rank_with(chains, "s5", "fulfillment_rate", 0.98, settings) == 3


def test_explain_says_when_a_metric_cannot_close_the_gap():
    settings = RankSettings.checked({"gmv": 0.1, "rating": 0.9}, gold_count=1, silver_count=0)
    g = build([{"id": "s1", "gmv": 10.0, "rating": 5.0}, {"id": "s2", "gmv": 5.0, "rating": 3.0}])
    e = explain(g, "s2", settings=settings)
    assert e.targets[0].gap == pytest.approx(100.0)
    assert e.targets[0].values["gmv"] is None      # 10 points of gmv cannot beat 90 of rating
    assert e.targets[0].values["rating"] is None   # 5.0 is the top of the scale: a tie still loses on gmv


def test_explain_gives_one_step_past_the_holder():
    settings = RankSettings.checked({"gmv": 0.1, "rating": 0.9}, gold_count=1, silver_count=0)
    chains = [{"id": "s1", "gmv": 10.0, "rating": 4.0}, {"id": "s2", "gmv": 5.0, "rating": 3.0}]
    e = explain(build(chains), "s2", settings=settings)
    assert e.targets[0].values["rating"] == 4.01
    assert _rank_with(chains, "s2", "rating", 4.01, settings) == 1
    assert _rank_with(chains, "s2", "rating", 4.0, settings) == 2


def test_explain_checks_its_argument():
    g = build([{"id": "s1"}])
    with pytest.raises(NodeNotFound):
        explain(g, "nope")
    with pytest.raises(BadRequest, match="not a SupplyChain"):
        explain(g, "a000")


# ---------------------------------------------------------------- config

@pytest.mark.parametrize("weights,message", [
    ({"gmv": 0.5, "rating": 0.4}, "must sum to 1"),                    # 0.9
    ({"gmv": 0.5, "likes": 0.5}, "unknown metric 'likes'"),            # not a metric
    ({"gmv": 1.5, "rating": -0.5}, "must not be negative"),
])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ConfigError, match=message):
        RankSettings.checked(weights)


def test_cli_refuses_a_bad_config(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    bad = tmp_path / "bad.toml"
    bad.write_text("[rank.weights]\ngmv = 0.5\nrating = 0.2\n")
    result = cli("--config", str(bad), "rank", ok=False)
    assert "[rank.weights] must sum to 1" in result.stderr


def test_cli_rank_json(cli, mini_bundle):
    cli("load", str(mini_bundle))
    # the mini bundle's supply chains have one anchor each: none is eligible
    assert cli.json("rank") == {"quarter": "2020Q3", "items": []}
    assert cli.json("rank", "--quarter", "2020Q1") == {"quarter": "2020Q1", "items": []}
    result = cli("rank", "--belt", "nowhere", ok=False)
    assert result.exit_code == 2 and "node 'nowhere' is not in the graph" in result.stderr


def test_what_if_re_scoring_gives_the_rank_of_a_full_re_rank():
    # The what-if search re-scores one changed metric from sorted values instead of re-ranking;
    # on random rows with ties, missing values and a single present value it must agree exactly.
    import random

    from graph.rank import METRICS, RankSettings, WhatIf, _rank_of

    settings = RankSettings.default()
    rnd = random.Random(1)
    for _ in range(2000):
        n = rnd.randint(1, 9)
        rows = [{"id": f"s{i}", "gmv": rnd.choice([None, 1.0, 2.0, 3.0]), "anchor_reach": rnd.randint(3, 6),
                 "fulfillment_rate": rnd.choice([None, 0.5, 0.6]), "return_rate": rnd.choice([None, 0.1, 0.2]),
                 "rating": rnd.choice([None, 4.0, 4.5])} for i in range(n)]
        idx, metric = rnd.randrange(n), rnd.choice(METRICS)
        value = rnd.choice([0.1, 0.5, 1.0, 2.0, 2.5, 3, 4.0, 5.0])
        trial = [dict(r) for r in rows]
        trial[idx][metric] = value
        assert WhatIf(rows, idx, settings).rank_with(metric, value) == _rank_of(trial, idx, settings), (rows, idx, metric, value)


def test_vectorised_rounding_is_pythons_round():
    # scores and points are rounded to 10 decimals in one vector operation; it must give
    # Python's round everywhere, halves included (where it falls back to round itself)
    import random

    from graph.rank import round_exactly

    rnd = random.Random(3)
    values = [rnd.uniform(0, 100) for _ in range(50_000)] + [k / 2e10 for k in range(1, 100_000, 7)]
    values += [100.0 * 0.15 * (i / 2999) for i in range(3000)] + [0.0, 99.99999999995, 5e-11, 2.5e-10]
    assert round_exactly(values, 10) == [round(v, 10) for v in values]
