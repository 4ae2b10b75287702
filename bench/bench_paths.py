"""Path benchmark (issue 4): shortest paths, k = 5, reachability, warm introductions, cold CLI."""

from __future__ import annotations

import random
import statistics
import time

from .common import beltgraph, env_for, peak_rss, store_for, table
from .bench_rank import _ensure_store

HEAD = ["scale", "nodes", "pairs", "shortest p50 ms", "shortest p95 ms", "k=5 p50 ms", "k=5 p95 ms",
        "reach 3 hops p50 ms", "strength k=3 p50 ms", "path cold CLI s"]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def run(scales: list[float]) -> str:
    from graph.introductions import warm_paths
    from graph.paths import PathOptions, reachable, shortest_paths

    rows = []
    for scale in scales:
        store = _ensure_store(scale)
        g = store.graph()
        adj = g.adj
        n = len(adj)
        rnd = random.Random(42)
        pairs = [(adj.id(rnd.randrange(n)), adj.id(rnd.randrange(n))) for _ in range(200)]
        shortest_paths(g, *pairs[0])  # map the files
        one, five, strong = [], [], []
        for a, b in pairs:
            t = time.perf_counter()
            shortest_paths(g, a, b)
            one.append((time.perf_counter() - t) * 1000)
        for a, b in pairs[:50]:
            t = time.perf_counter()
            shortest_paths(g, a, b, PathOptions(k=5))
            five.append((time.perf_counter() - t) * 1000)
        for a, b in pairs[:20]:
            t = time.perf_counter()
            warm_paths(g, a, b, PathOptions(k=3))
            strong.append((time.perf_counter() - t) * 1000)
        anchors = g.nodes["Anchor"].column("id").to_pylist()
        reach = []
        for a in rnd.sample(anchors, 50):
            t = time.perf_counter()
            reachable(g, a, "SupplyChain", 3)
            reach.append((time.perf_counter() - t) * 1000)
        cold, _, _ = peak_rss(beltgraph("path", pairs[1][0], pairs[1][1], "--json"), env_for(store_for(scale)))
        rows.append([f"{scale:g}", f"{n:,}", "200 / 50 / 20", f"{statistics.median(one):.1f}", f"{_pct(one, .95):.1f}",
                     f"{statistics.median(five):.1f}", f"{_pct(five, .95):.1f}", f"{statistics.median(reach):.1f}",
                     f"{statistics.median(strong):.0f}", f"{cold:.2f}"])
        print(table(HEAD, rows[-1:]), flush=True)
        store.close()
    return ("## Paths (issue 4)\n\n"
            "In one process over a loaded store: 200 random (seeded) pairs of nodes drawn uniformly from the "
            "whole graph (so mostly merchants, as BD staff look them up), shortest path; `--k 5` on the first 50 "
            "pairs; `--rank strength` with k 3 on the first 20; reachability of supply chains within 3 hops of "
            "50 random anchors. *path cold CLI* is a whole `beltgraph path A B --json` process "
            "(the goal: about 2 s at scale 1). Goals at scale 1: shortest p50 2 ms and p95 20 ms, k=5 p50 50 ms, "
            "reachability at 3 hops 100 ms.\n\n" + table(HEAD, rows))
