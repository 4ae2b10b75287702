"""SPEC §5 paths: exact answers on hand-made graphs, and a brute-force check on random ones."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph.errors import NodeNotFound
from graph.graph import graph_from_records
from graph.paths import PathError, PathOptions, reachable, shortest_paths


def _n(label, id_, **props):
    base = {"label": label, "id": id_, "name": props.pop("name", id_.upper())}
    need = {"Belt": {"category": "jade", "province": "新疆"}, "SupplyChain": {"category": "jade"},
            "Provider": {"roles": ["mcn"]}}
    return {**base, **need.get(label, {}), **props}


@pytest.fixture
def g():
    """
        a1 -SELLS- s1 -IN_BELT- b1
        a1 -MATCHES- t1 -RECRUITS- s1          (a second 2-hop route a1..s1? no: t1 is between)
        a1 -INCUBATES- p1 (plaque) -SERVES- b1
        a1 -INCUBATES- p2 (no plaque) -RUNS- s2 -IN_BELT- b1
        a2 -SELLS- s1 (twice: 2020Q1 and 2020Q2, parallel)
        m1 -SOURCES_FROM- s2 ; m1 -IN_BELT- b1
    """
    nodes = [_n("Anchor", "a1"), _n("Anchor", "a2"), _n("SupplyChain", "s1"), _n("SupplyChain", "s2"),
             _n("Belt", "b1"), _n("TeamLeader", "t1"), _n("Provider", "p1"),
             _n("Provider", "p2", plaque=False), _n("Merchant", "m1")]
    rels = [
        {"type": "SELLS", "from": "a1", "to": "s1", "quarter": "2020Q1"},
        {"type": "IN_BELT", "from": "s1", "to": "b1"},
        {"type": "MATCHES", "from": "t1", "to": "a1"},
        {"type": "RECRUITS", "from": "t1", "to": "s1"},
        {"type": "INCUBATES", "from": "p1", "to": "a1"},
        {"type": "SERVES", "from": "p1", "to": "b1"},
        {"type": "INCUBATES", "from": "p2", "to": "a1"},
        {"type": "RUNS", "from": "p2", "to": "s2"},
        {"type": "IN_BELT", "from": "s2", "to": "b1"},
        {"type": "SELLS", "from": "a2", "to": "s1", "quarter": "2020Q1"},
        {"type": "SELLS", "from": "a2", "to": "s1", "quarter": "2020Q2"},
        {"type": "SOURCES_FROM", "from": "m1", "to": "s2"},
        {"type": "IN_BELT", "from": "m1", "to": "b1"},
    ]
    return graph_from_records(nodes, rels)


def ids(result):
    return [list(p.ids) for p in result.paths]


def test_shortest_path_by_hops(g):
    r = shortest_paths(g, "a1", "b1")
    assert ids(r) == [["a1", "p1", "b1"]]   # ties at 2 hops: p1 < s1 by id
    assert r.paths[0].rels == ("INCUBATES", "SERVES")
    assert r.to_dict()["paths"][0] == {"hops": 2, "rels": ["INCUBATES", "SERVES"], "nodes": [
        {"id": "a1", "label": "Anchor", "name": "A1"}, {"id": "p1", "label": "Provider", "name": "P1"},
        {"id": "b1", "label": "Belt", "name": "B1"}]}


def test_k_paths_ordered_by_hops_then_ids(g):
    r = shortest_paths(g, "a1", "b1", PathOptions(k=6))
    # every simple path there is: ties at 2 and 3 hops go by id sequence (p1 < s1, p2 < t1)
    assert ids(r) == [
        ["a1", "p1", "b1"], ["a1", "s1", "b1"],
        ["a1", "p2", "s2", "b1"], ["a1", "t1", "s1", "b1"],
        ["a1", "p2", "s2", "m1", "b1"],
    ]
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(k=3))) == ids(r)[:3]


def test_parallel_relationships_count_once(g):
    r = shortest_paths(g, "a2", "b1", PathOptions(k=5, max_hops=3))
    # a2 =SELLS x2= s1: one connection, so one 2-hop path through s1 and no duplicate
    assert ids(r)[0] == ["a2", "s1", "b1"]
    assert len({tuple(p) for p in ids(r)}) == len(ids(r))
    assert r.paths[0].hops == 2


def test_max_hops(g):
    assert ids(shortest_paths(g, "a1", "m1", PathOptions(max_hops=2))) == []
    assert ids(shortest_paths(g, "a1", "m1", PathOptions(max_hops=3))) == [["a1", "p1", "b1", "m1"]]
    assert ids(shortest_paths(g, "a1", "m1", PathOptions(k=9, max_hops=3))) == [
        ["a1", "p1", "b1", "m1"], ["a1", "p2", "s2", "m1"], ["a1", "s1", "b1", "m1"]]


def test_exclude_label_and_type(g):
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(exclude=("Provider",)))) == [["a1", "s1", "b1"]]
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(exclude=("Provider", "SELLS")))) == [["a1", "t1", "s1", "b1"]]
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(exclude=("sells", "provider")))) == [["a1", "t1", "s1", "b1"]]


def test_only_plaqued_blocks_providers_without_plaque_but_not_the_ends(g):
    r = shortest_paths(g, "a1", "s2", PathOptions())
    assert ids(r) == [["a1", "p2", "s2"]]
    r = shortest_paths(g, "a1", "s2", PathOptions(only_plaqued=True))
    assert ids(r) == [["a1", "p1", "b1", "s2"]]
    # p2 is an end: exempt
    assert ids(shortest_paths(g, "p2", "b1", PathOptions(only_plaqued=True))) == [["p2", "s2", "b1"]]


def test_via_a_label(g):
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(via="TeamLeader"))) == [["a1", "t1", "s1", "b1"]]
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(via="Merchant"))) == [["a1", "p2", "s2", "m1", "b1"]]
    # combined with only_plaqued: the only Merchant route needs p2
    assert ids(shortest_paths(g, "a1", "b1", PathOptions(via="Merchant", only_plaqued=True))) == []
    assert ids(shortest_paths(g, "a1", "m1", PathOptions(via="Provider", only_plaqued=True, k=2))) == [
        ["a1", "p1", "b1", "m1"], ["a1", "p1", "b1", "s2", "m1"]]


def test_unknown_ids_and_names(g):
    with pytest.raises(NodeNotFound, match="node 'zz' is not in the graph"):
        shortest_paths(g, "a1", "zz")
    with pytest.raises(PathError, match="unknown label or relationship type 'Shop'"):
        shortest_paths(g, "a1", "b1", PathOptions(exclude=("Shop",)))
    with pytest.raises(PathError, match="--via takes a label"):
        shortest_paths(g, "a1", "b1", PathOptions(via="SELLS"))


def test_no_path_is_an_empty_list():
    g = graph_from_records([_n("Anchor", "x"), _n("Anchor", "y")])
    assert shortest_paths(g, "x", "y").to_dict() == {"from": "x", "to": "y", "paths": []}


def test_reachability_nearest_first(g):
    got = [(r.node.id, r.hops) for r in reachable(g, "a1", "SupplyChain", 3)]
    assert got == [("s1", 1), ("s2", 2)]
    got = [(r.node.id, r.hops) for r in reachable(g, "a1", "Belt", 1)]
    assert got == []
    assert [(r.node.id, r.hops) for r in reachable(g, "a1", "Merchant", 3)] == [("m1", 3)]


def test_hop_counts(g):
    from graph.connect import connect

    pairs = connect(g, ["a1", "b1", "m1"]).pairs
    assert {(p["from"], p["to"]): p["hops"] for p in pairs} == {("a1", "b1"): 2, ("a1", "m1"): 3, ("b1", "m1"): 1}


# ---------------------------------------------------------------- against brute force

LABELS = ["Anchor", "SupplyChain", "Belt", "Provider", "TeamLeader", "Base", "Merchant"]
PAIRS = {("Anchor", "SupplyChain"): "SELLS", ("SupplyChain", "Belt"): "IN_BELT", ("Base", "Belt"): "IN_BELT",
         ("Merchant", "Belt"): "IN_BELT", ("Provider", "Belt"): "SERVES", ("Provider", "Base"): "OPERATES",
         ("Provider", "SupplyChain"): "RUNS", ("Provider", "Anchor"): "INCUBATES",
         ("Merchant", "SupplyChain"): "SOURCES_FROM", ("TeamLeader", "SupplyChain"): "RECRUITS",
         ("TeamLeader", "Anchor"): "MATCHES", ("Anchor", "Base"): "STREAMS_AT"}


def random_graph(seed: int, n: int = 18, m: int = 34):
    rnd = random.Random(seed)
    nodes = []
    for i in range(n):
        label = LABELS[i % len(LABELS)]
        extra = {"plaque": rnd.random() < 0.6} if label == "Provider" else {}
        nodes.append(_n(label, f"{label[:2].lower()}{i:02d}", **extra))
    by_label = {}
    for node in nodes:
        by_label.setdefault(node["label"], []).append(node["id"])
    rels, G = [], nx.Graph()
    G.add_nodes_from((x["id"], {"label": x["label"], "plaque": x.get("plaque", True)}) for x in nodes)
    pairs = list(PAIRS.items())
    for _ in range(m):
        (a, b), t = rnd.choice(pairs)
        u, v = rnd.choice(by_label[a]), rnd.choice(by_label[b])
        rels.append({"type": t, "from": u, "to": v, **({"quarter": "2020Q1"} if t in ("SELLS", "STREAMS_AT") else {})})
        G.add_edge(u, v, type=t)
    return graph_from_records(nodes, rels), G


def brute(G, s, t, k, max_hops, exclude=(), only_plaqued=False, via=None):
    H = G.copy()
    for u, v, d in list(H.edges(data=True)):
        if d["type"] in exclude:
            H.remove_edge(u, v)
    for x, d in list(H.nodes(data=True)):
        if x in (s, t):
            continue
        if d["label"] in exclude or (only_plaqued and d["label"] == "Provider" and not d["plaque"]):
            H.remove_node(x)
    if s == t or not (H.has_node(s) and H.has_node(t)):
        return []
    paths = [p for p in nx.all_simple_paths(H, s, t, cutoff=max_hops)]
    if via:
        paths = [p for p in paths if any(H.nodes[x]["label"] == via for x in p[1:-1])]
    return sorted(paths, key=lambda p: (len(p), p))[:k]


OPTION_SETS = [
    {},                                          # plain
    {"exclude": ("Merchant",)},                  # a label
    {"exclude": ("SELLS", "IN_BELT")},           # two types
    {"only_plaqued": True},
    {"via": "Provider"},
    {"via": "TeamLeader", "exclude": ("STREAMS_AT",), "only_plaqued": True},
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("opts", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
def test_k_shortest_matches_brute_force(seed, opts):
    g, G = random_graph(seed)
    rnd = random.Random(seed * 7 + 1)
    nodes = sorted(G.nodes)
    for _ in range(4):
        s, t = rnd.sample(nodes, 2)
        for k, max_hops in ((1, 6), (4, 5), (8, 4)):
            want = brute(G, s, t, k, max_hops, opts.get("exclude", ()), opts.get("only_plaqued", False),
                         opts.get("via"))
            got = shortest_paths(g, s, t, PathOptions(k=k, max_hops=max_hops, **opts))
            assert ids(got) == want, (s, t, k, max_hops, opts)


# ---------------------------------------------------------------- warm introductions, groups, matching

from graph.connect import connect  # noqa: E402
from graph.introductions import warm_paths  # noqa: E402
from graph.matching import match_anchor, match_supply_chain  # noqa: E402
from graph.paths import PathError as _PathError  # noqa: E402


@pytest.fixture
def intro():
    """Two ways from anchor x to supply chain s:
    short (2 hops): x -INCUBATES- weak (level 1, no plaque) -RUNS- s
    long  (3 hops): x -SELLS 9M CNY in 2020Q4- s0 -IN_BELT... no: x -SELLS- s2 -RECRUITS- tl -RECRUITS- s
    The long one is stronger: big recent sales, no plaque-less provider on the way."""
    nodes = [_n("Anchor", "x"), _n("Provider", "weak", plaque=False, level=1), _n("SupplyChain", "s"),
             _n("SupplyChain", "s2"), _n("TeamLeader", "tl"), _n("Anchor", "big")]
    rels = [{"type": "INCUBATES", "from": "weak", "to": "x", "since": "2020-11-01"},
            {"type": "RUNS", "from": "weak", "to": "s"},
            {"type": "SELLS", "from": "x", "to": "s2", "quarter": "2020Q4", "gmv": 9_000_000.0},
            {"type": "RECRUITS", "from": "tl", "to": "s2"}, {"type": "RECRUITS", "from": "tl", "to": "s"},
            {"type": "SELLS", "from": "big", "to": "s", "quarter": "2020Q4", "gmv": 10.0}]
    return graph_from_records(nodes, rels)


def test_strength_prefers_a_longer_strong_path(intro):
    shortest = shortest_paths(intro, "x", "s").paths[0]
    assert shortest.ids == ("x", "weak", "s")
    warm, complete = warm_paths(intro, "x", "s", PathOptions(k=2))
    assert complete
    assert warm[0].path.ids == ("x", "s2", "tl", "s")
    assert warm[1].path.ids == ("x", "weak", "s")
    assert warm[0].strength > warm[1].strength
    reasons = [h.reason for h in warm[0].hops]
    assert reasons[0].startswith("X sold 9.0M CNY of S2, last in 2020Q4")
    assert "WEAK: level 1, no plaque" in warm[1].notes
    assert warm[1].hops[0].reason == "WEAK incubated X since 2020-11"


def test_connect_returns_a_tree_over_all_terminals(g):
    group = connect(g, ["a2", "m1", "t1"])
    tree = nx.Graph([(r["from"], r["to"]) for r in group.rels])
    assert nx.is_tree(tree) and {"a2", "m1", "t1"} <= set(tree.nodes)
    assert {n["id"] for n in group.nodes} == set(tree.nodes)
    assert {(p["from"], p["to"]): p["hops"] for p in group.pairs} == {("a2", "m1"): 3, ("a2", "t1"): 2,
                                                                       ("m1", "t1"): 3}
    with pytest.raises(_PathError, match="at least two"):
        connect(g, ["a1"])


def test_connect_reports_parties_that_cannot_be_joined():
    lone = graph_from_records([_n("Anchor", "x"), _n("Anchor", "y"), _n("SupplyChain", "s")],
                              [{"type": "SELLS", "from": "x", "to": "s", "quarter": "2020Q1"}])
    with pytest.raises(_PathError, match="y not connected"):
        connect(lone, ["x", "s", "y"])


def test_matching_excludes_what_is_already_sold(g):
    r = match_anchor(g, "a1")
    assert "s1" not in [m.id for m in r.items]        # a1 sells s1
    assert [m.id for m in r.items] == ["s2"]
    assert any("runs it" in why for why in r.items[0].reasons)   # p2 incubates a1 and runs s2
    r2 = match_supply_chain(g, "s1")
    assert {m.id for m in r2.items} == set()          # both anchors already sell s1
    with pytest.raises(_PathError, match="not an Anchor"):
        match_anchor(g, "s1")


def test_cli_path_json_and_errors(cli, mini_bundle):
    cli("load", str(mini_bundle))
    out = cli.json("path", "a1", "b-hz", "--k", "2")
    assert out["from"] == "a1" and out["to"] == "b-hz"
    assert [p["hops"] for p in out["paths"]] == [2, 2]
    assert [n["id"] for n in out["paths"][0]["nodes"]] == ["a1", "base1", "b-hz"]
    assert out["paths"][0]["rels"] == ["STREAMS_AT", "IN_BELT"]
    bad = cli("path", "a1", "nope", ok=False)
    assert bad.exit_code == 2 and "node 'nope' is not in the graph" in bad.stderr
    none = cli("path", "a1", "b-xy")
    assert none.exit_code == 0 and "No path" in none.stdout
    assert cli.json("path", "a1", "b-xy") == {"from": "a1", "to": "b-xy", "paths": []}
    assert cli.json("path", "a1", "b-hz", "--exclude", "Base", "--exclude", "SELLS")["paths"][0]["rels"] == [
        "MATCHES", "RECRUITS", "IN_BELT"]
    assert cli("path", "a1", "b-hz", "--exclude", "Shop", ok=False).exit_code == 2
    reach = cli.json("reach", "a1", "--label", "SupplyChain", "--max-hops", "2")
    assert [(i["id"], i["hops"]) for i in reach["items"]] == [("sc1", 1)]
