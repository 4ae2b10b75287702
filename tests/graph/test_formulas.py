"""The formulas written in docstrings, each pinned by one case computed by hand here."""

from __future__ import annotations

import pytest

from graph.graph import graph_from_records
from graph.introductions import warm_paths
from graph.matching import WEIGHTS, match_anchor
from graph.paths import PathOptions


def test_matching_weights_are_the_documented_ones():
    # graph/matching.py: 0.40 category fit, 0.25 standing, 0.15 strength, 0.20 closeness
    assert WEIGHTS == {"category": 0.40, "standing": 0.25, "strength": 0.15, "closeness": 0.20}


def matching_graph():
    sellers = [{"label": "Anchor", "id": f"b{i}", "name": f"卖家{i}"} for i in range(3)]
    return graph_from_records(
        nodes=[
            {"label": "Anchor", "id": "a", "name": "主播", "category": "apparel", "followers": 5000},
            *sellers,
            # s1: the only eligible supply chain, so every present metric is percentile 1
            # (n = 1) and return_rate, lower being better, 1 - 1 = 0:
            # score = 100 * (0.30 + 0.20 + 0.20 * 1 + 0.15 * 0 + 0.15 * 1) = 85, gold #1
            {"label": "SupplyChain", "id": "s1", "name": "女装", "category": "apparel",
             "fulfillment_rate": 0.9, "return_rate": 0.1, "rating": 4.5},
            {"label": "SupplyChain", "id": "s2", "name": "黄金", "category": "jewelry"},
            {"label": "SupplyChain", "id": "s3", "name": "童装", "category": "apparel"},
            {"label": "Belt", "id": "belt", "name": "带", "category": "apparel", "province": "浙江省"},
            {"label": "Provider", "id": "p", "name": "机构", "roles": ["mcn"]},
            {"label": "TeamLeader", "id": "t", "name": "团长"},
        ],
        rels=[
            *[{"type": "SELLS", "from": f"b{i}", "to": "s1", "quarter": "2020Q4", "gmv": 100.0} for i in range(3)],
            {"type": "MATCHES", "from": "t", "to": "a"}, {"type": "RECRUITS", "from": "t", "to": "s1"},
            {"type": "INCUBATES", "from": "p", "to": "a"}, {"type": "RUNS", "from": "p", "to": "s2"},
            {"type": "SERVES", "from": "p", "to": "belt"}, {"type": "IN_BELT", "from": "s3", "to": "belt"},
        ])


def test_matching_score_and_closeness_by_hand():
    got = {m.id: m for m in match_anchor(matching_graph(), "a").items}
    # s1: same category 1, gold 1, strength 85/100, a team leader matches the anchor and recruits it 1
    assert got["s1"].score == pytest.approx(100 * (0.40 * 1 + 0.25 * 1 + 0.15 * 0.85 + 0.20 * 1))  # 97.75
    # s2: jewelry for an apparel anchor 0, unranked 0, strength 0, the anchor's incubator runs it 0.8
    assert got["s2"].score == pytest.approx(100 * 0.20 * 0.8)  # 16
    # s3: same category 1, unranked 0, the incubator serves its belt 0.5
    assert got["s3"].score == pytest.approx(100 * (0.40 * 1 + 0.20 * 0.5))  # 50
    assert [m.id for m in match_anchor(matching_graph(), "a").items] == ["s1", "s3", "s2"]


def test_warm_introduction_strength_and_recency_by_hand():
    g = graph_from_records(
        nodes=[{"label": "Anchor", "id": "a1", "name": "甲"}, {"label": "Anchor", "id": "a2", "name": "乙"},
               {"label": "SupplyChain", "id": "s", "name": "链", "category": "jade"},
               {"label": "SupplyChain", "id": "s9", "name": "另", "category": "jade"},
               {"label": "Provider", "id": "p", "name": "服务商", "roles": ["mcn", "supply_chain"],
                "level": 2, "plaque": False}],
        rels=[{"type": "SELLS", "from": "a1", "to": "s", "quarter": "2020Q2", "gmv": 999_999.0},
              {"type": "SELLS", "from": "a2", "to": "s9", "quarter": "2020Q4", "gmv": 1.0},  # the latest quarter
              {"type": "INCUBATES", "from": "p", "to": "a1", "since": "2017-06-30"},
              {"type": "RUNS", "from": "p", "to": "s"}])
    found, _ = warm_paths(g, "a1", "s", PathOptions(k=2))
    direct, via = found
    # SELLS: 0.3 + 0.7 * volume * recency; volume = log10(1 + 999,999) / 7 = 6/7; its last quarter
    # 2020Q2 is two before the latest 2020Q4: recency 0.8 ** 2 = 0.64
    assert direct.path.ids == ("a1", "s")
    assert direct.strength == pytest.approx(0.3 + 0.7 * (6 / 7) * 0.64)  # 0.684
    # INCUBATES since 2017-06-30, more than 3 years before 2020-12-31: 1.0; RUNS 0.6; the provider
    # on the way: level 2 -> min(1, 0.8 + 0.05 * 2) = 0.9, no plaque -> * 0.5
    assert via.path.ids == ("a1", "p", "s")
    assert via.strength == pytest.approx(1.0 * 0.6 * 0.9 * 0.5)  # 0.27
    assert [h.strength for h in via.hops] == pytest.approx([1.0, 0.6])
