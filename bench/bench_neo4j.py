"""Neo4j benchmark (issue 5): push rate, and the same Cypher suite and path queries on both backends."""

from __future__ import annotations

import random
import subprocess
import time

from .common import ROOT, median_ms, table
from .bench_rank import _ensure_store

SUITE = [
    ("count per label", "MATCH (n) RETURN label(n) AS l, count(*) AS c ORDER BY l", "MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c ORDER BY l"),
    ("gmv per quarter", "MATCH ()-[r:SELLS]->() RETURN r.quarter AS q, sum(r.gmv) AS gmv ORDER BY q", None),
    ("top 10 supply chains in 2020Q4",
     "MATCH (a:Anchor)-[r:SELLS]->(s:SupplyChain) WHERE r.quarter = '2020Q4' "
     "WITH s, sum(r.gmv) AS g, count(DISTINCT a) AS n RETURN s.id, g, n ORDER BY g DESC LIMIT 10", None),
    ("jade belts' merchants (WITH)",
     "MATCH (b:Belt) WHERE b.category = 'jade' WITH b MATCH (b)<-[:IN_BELT]-(m:Merchant) "
     "RETURN b.id, count(m) AS n ORDER BY n DESC", None),
    ("2-hop neighbourhood of a belt", "MATCH (b:Belt {id: $id})-[*1..2]-(x:SupplyChain) RETURN count(DISTINCT x)", None),
    ("merchant by id ($param)", "MATCH (m:Merchant {id: $mid}) RETURN m.name, m.sales", None),
]
HEAD_PUSH = ["scale", "rows pushed", "first push s", "rows/s", "second push s (no change)"]
HEAD_Q = ["query", "embedded ms", "neo4j ms", "neo4j / embedded"]


def _server():
    script = ROOT / "scripts" / "neo4j-local"
    out = subprocess.run([str(script), "start"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1], (ROOT / ".cache" / "neo4j" / "password").read_text().strip()



def run(scales: list[float]) -> str:
    from graph.config import Config
    from graph.neo4j_store import Neo4jStore, push
    from graph.paths import PathOptions

    uri, password = _server()
    config = Config.load().with_overrides(neo4j={"uri": uri, "password": password, "timeout_s": 600})
    server = Neo4jStore(config)
    push_rows, suite_rows, path_rows = [], [], []
    for scale in scales:
        local = _ensure_store(scale)
        data = local.read_data()
        _clear(server)
        t = time.perf_counter()
        counts = push(server, data)
        first = time.perf_counter() - t
        rows = sum(counts["nodes"].values()) + sum(counts["relationships"].values())
        t = time.perf_counter()
        push(server, data)
        second = time.perf_counter() - t
        push_rows.append([f"{scale:g}", f"{rows:,}", f"{first:.1f}", f"{rows / first:,.0f}", f"{second:.1f}"])
        print(table(HEAD_PUSH, push_rows[-1:]), flush=True)
        if scale != scales[0]:
            local.close()
            continue
        g = local.graph()
        params = {"id": g.nodes["Belt"].column("id")[0].as_py(), "mid": g.nodes["Merchant"].column("id")[7].as_py()}
        for name, q_emb, q_neo in SUITE:
            e = median_ms(lambda: local.cypher(q_emb, params))
            n = median_ms(lambda: server.cypher(q_neo or q_emb, params))
            suite_rows.append([name, f"{e:.1f}", f"{n:.1f}", f"{n / e:.1f}x"])
        adj = g.adj
        rnd = random.Random(42)
        pairs = [(adj.id(rnd.randrange(len(adj))), adj.id(rnd.randrange(len(adj)))) for _ in range(200)]
        t = time.perf_counter()
        mine = [local.paths(a, b, PathOptions()) for a, b in pairs]
        e_s = time.perf_counter() - t
        t = time.perf_counter()
        theirs = [server.paths(a, b, PathOptions()) for a, b in pairs]
        n_s = time.perf_counter() - t
        same = sum(x.to_dict() == y.to_dict() for x, y in zip(mine, theirs))
        path_rows.append([f"{scale:g}", "200", f"{e_s * 1000 / 200:.1f}", f"{n_s * 1000 / 200:.1f}",
                          f"{n_s / e_s:.1f}x", f"{same}/200"])
        local.close()
    server.close()
    subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "stop"], capture_output=True)
    return ("## Neo4j (issue 5)\n\n"
            "A local Neo4j 5.26.30 Community (scripts/neo4j-local, 1 GiB heap) on the same 2-core machine. "
            "*first push* into an empty database (constraints, indexes, batched `UNWIND ... MERGE`, "
            "counts verified); *second push* of the same graph changes nothing.\n\n"
            + table(HEAD_PUSH, push_rows)
            + f"\n\nThe same Cypher suite on both backends, scale {scales[0]:g} (median of 3 runs each, over Bolt "
            "for Neo4j):\n\n" + table(HEAD_Q, suite_rows)
            + "\n\n200 shortest-path queries between random nodes, on both backends (Neo4j: `allShortestPaths` "
            "in the server); *same* counts identical JSON answers:\n\n"
            + table(["scale", "queries", "embedded ms/query", "neo4j ms/query", "ratio", "same"], path_rows))


def _clear(server) -> None:
    while server._run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c")[1][0][0]:
        pass

