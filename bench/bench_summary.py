"""One summary of what a user waits for, measured in one run (issue: performance round 2).

    python bench/run.py summary --scale S [--scale S2 ...] [--json] [--skip neo4j,web,networkx,cold]

At each scale: a fresh `beltgraph load` of the generated bundle (a whole process), cold
whole-process CLI commands (median of 3), shortest paths in process (200 seeded random pairs),
the same pairs in networkx and in Neo4j, the ranking and the what-if view, a Neo4j push
(first and unchanged), the Cypher read suite on both backends, `beltgraph serve` (ready time,
every page opened once, then 32 concurrent clients on mixed endpoints) and, when the exports
are built, a 2,000-node HTML export. Prints a table and, last, one JSON object; a part that
cannot be measured is null with its reason in the table (and in ``reasons``).
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .common import OUT, ROOT, beltgraph, bundle, env_for, peak_rss, store_for, table

#: The keys of the JSON object, in the order of the table; None where a part is not built.
KEYS = ("load_s", "load_rows_per_s", "cold_path_s", "cold_rank_s", "cold_match_s", "serve_ready_s",
        "path_p50_ms", "path_p95_ms", "path_vs_neo4j", "path_vs_networkx", "cypher_vs_neo4j", "rank_s",
        "whatif_s", "push_rows_per_s", "push_nochange_ratio", "web_p95_ms", "serve_rss_gib", "html_2000_s")
#: Further figures for the growth table: sizes, peaks, absolute Neo4j times.
EXTRA = ("rows", "nodes", "bundle_mib", "store_mib", "load_peak_gib", "cold_max_s", "cold_max_command",
         "path_neo4j_p50_ms", "networkx_build_s", "networkx_peak_gib", "push_first_s", "push_nochange_s",
         "neo4j_store_mib", "web_requests", "web_errors", "web_pages", "cypher_embedded_ms", "cypher_neo4j_ms")
UNITS = {"load_s": "s", "cold_path_s": "s", "cold_rank_s": "s", "cold_match_s": "s", "serve_ready_s": "s",
         "rank_s": "s", "whatif_s": "s", "html_2000_s": "s", "path_p50_ms": "ms", "path_p95_ms": "ms",
         "web_p95_ms": "ms", "serve_rss_gib": "GiB"}
SKIPPABLE = ("neo4j", "web", "networkx", "cold")
PAIRS = 200
CLIENTS = 32


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _mib(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def _round(v, digits=4):
    """Numbers to ``digits`` significant digits (whole numbers stay whole)."""
    if v is None or isinstance(v, (str, int)):
        return v
    if v == 0 or v != v:
        return float(v)
    import math

    return round(float(v), max(0, digits - 1 - int(math.floor(math.log10(abs(v))))))


class Summary:
    """The figures of one scale, and why any of them is missing."""

    def __init__(self, scale: float):
        self.scale = scale
        self.values: dict = {k: None for k in KEYS + EXTRA}
        self.reasons: dict[str, str] = {}

    def missing(self, keys, reason: str) -> None:
        for k in keys:
            if self.values.get(k) is None:
                self.reasons[k] = reason

    def to_dict(self) -> dict:
        out = {k: _round(self.values[k]) for k in KEYS}
        out["reasons"] = {k: r for k, r in self.reasons.items() if k in KEYS and out.get(k) is None}
        out["scale"] = self.scale
        out["extra"] = {k: _round(self.values[k]) for k in EXTRA}
        return out


# ---------------------------------------------------------------- the parts

def measure(s: Summary, skip: set[str]) -> Summary:
    scale = s.scale
    src = bundle(scale)
    s.values["bundle_mib"] = _mib(src)
    files = sorted(src.rglob("*.csv"))
    s.values["rows"] = sum(sum(1 for _ in open(f, "rb")) - 1 for f in files)
    store = store_for(scale)
    shutil.rmtree(store, ignore_errors=True)
    load_s, load_rss, _ = peak_rss(beltgraph("load", str(src), "--json"), env_for(store))
    s.values.update(load_s=load_s, load_rows_per_s=s.values["rows"] / load_s, load_peak_gib=load_rss / 1024,
                    store_mib=_mib(store))
    _progress(s, "load")

    from graph.config import Config
    from graph.embedded import EmbeddedStore

    local = EmbeddedStore(store, Config.load())
    g = local.graph()
    adj = g.adj
    s.values["nodes"] = len(adj)
    rnd = random.Random(42)
    pairs = [(adj.id(rnd.randrange(len(adj))), adj.id(rnd.randrange(len(adj)))) for _ in range(PAIRS)]
    ids = _ids(g)
    if "cold" in skip:
        s.missing(("cold_path_s", "cold_rank_s", "cold_match_s"), "skipped (--skip cold)")
    else:
        _cold(s, store, pairs, ids)
        _progress(s, "cold")
    embedded_ms = _paths(s, local, pairs)
    _rank(s, g)
    _progress(s, "in process")
    if "networkx" in skip:
        s.missing(("path_vs_networkx",), "skipped (--skip networkx)")
    else:
        _networkx(s, store, pairs, embedded_ms)
        _progress(s, "networkx")
    if "neo4j" in skip:
        s.missing(("path_vs_neo4j", "cypher_vs_neo4j", "push_rows_per_s", "push_nochange_ratio"),
                  "skipped (--skip neo4j)")
    else:
        _neo4j(s, local, pairs, embedded_ms, ids)
        _progress(s, "neo4j")
    local.close()
    if "web" in skip:
        s.missing(("serve_ready_s", "web_p95_ms", "serve_rss_gib"), "skipped (--skip web)")
    else:
        _web(s, store, ids)
        _progress(s, "web")
    _html(s, store, ids)
    return s


def _progress(s: Summary, what: str) -> None:
    print(f"  scale {s.scale:g}: {what} done", file=sys.stderr, flush=True)


def _ids(g) -> dict:
    """Ids the commands and pages are asked about (a mid-table supply chain, a connected anchor...)."""
    from graph.rank import rank_supply_chains

    r = rank_supply_chains(g)
    sc = r.items[len(r.items) // 2].id if r.items else g.nodes["SupplyChain"].column("id")[0].as_py()
    sells = g.rels["SELLS"]
    anchor = sells.column("from")[0].as_py() if sells.num_rows else g.nodes["Anchor"].column("id")[0].as_py()
    return {"sc": sc, "anchor": anchor, "belt": g.nodes["Belt"].column("id")[0].as_py(),
            "provider": g.nodes["Provider"].column("id")[0].as_py(),
            "merchant": g.nodes["Merchant"].column("id")[0].as_py() if g.nodes["Merchant"].num_rows else sc}


def _cold(s: Summary, store: Path, pairs, ids) -> None:
    """Whole processes, median of 3, and the slowest of every other command once."""
    env = env_for(store)

    def cold(*args) -> float:
        return statistics.median(peak_rss(beltgraph(*args, "--json"), env)[0] for _ in range(3))

    s.values["cold_path_s"] = cold("path", *pairs[1])
    s.values["cold_rank_s"] = cold("rank")
    s.values["cold_match_s"] = cold("match", "anchor", ids["anchor"])
    others = [("stats",), ("rank", "--explain", ids["sc"]), ("rank", "--movers"),
              ("path", *pairs[2], "--rank", "strength", "--k", "3"), ("path", *pairs[3], "--k", "5"),
              ("match", "supply-chain", ids["sc"]), ("connect", ids["anchor"], ids["sc"], ids["belt"]),
              ("reach", ids["anchor"], "--label", "SupplyChain"), ("anchors",), ("anchors", "--incubated"),
              ("gaps",), ("merchants", "--plan"), ("review", "--history", ids["provider"])]
    worst = max(((peak_rss(beltgraph(*a, "--json"), env)[0], " ".join(a[:2])) for a in others))
    s.values["cold_max_s"], s.values["cold_max_command"] = worst


def _paths(s: Summary, local, pairs) -> list[float]:
    from graph.paths import PathOptions

    local.paths(*pairs[0], PathOptions())  # the files mapped
    times = []
    for a, b in pairs:
        t = time.perf_counter()
        local.paths(a, b, PathOptions())
        times.append((time.perf_counter() - t) * 1000)
    s.values["path_p50_ms"] = statistics.median(times)
    s.values["path_p95_ms"] = _pct(times, 0.95)
    return times


def _rank(s: Summary, g) -> None:
    from graph.rank import explain, rank_supply_chains

    def median_s(fn, n=3) -> float:
        """Median of n computations (the graph's memory of earlier answers dropped each time)."""
        out = []
        for _ in range(n):
            g.forget()
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
        return statistics.median(out)

    r = rank_supply_chains(g)
    s.values["rank_s"] = median_s(lambda: rank_supply_chains(g))
    if r.items:
        target = r.items[len(r.items) // 2].id
        s.values["whatif_s"] = median_s(lambda: explain(g, target))
    else:
        s.missing(("whatif_s",), "no ranked supply chain")


NX_SCRIPT = r"""
import json, statistics, sys, time
import networkx as nx
from graph.config import Config
from graph.embedded import EmbeddedStore
from graph.paths import PathOptions
store, pairs = sys.argv[1], json.loads(sys.stdin.read())
local = EmbeddedStore(store, Config.load())
adj = local.graph().adj
t = time.perf_counter()
G = nx.Graph()
G.add_nodes_from(range(len(adj)))
src = __import__("numpy").repeat(__import__("numpy").arange(len(adj)), __import__("numpy").diff(adj.indptr))
keep = src < adj.nbr
G.add_edges_from(zip(src[keep].tolist(), adj.nbr[keep].tolist()))
build = time.perf_counter() - t
times, same = [], 0
for a, b in pairs:
    i, j = adj.index(a), adj.index(b)
    t = time.perf_counter()
    try:
        p = nx.bidirectional_shortest_path(G, i, j)
    except nx.NetworkXNoPath:
        p = None
    times.append((time.perf_counter() - t) * 1000)
    mine = local.paths(a, b, PathOptions(max_hops=10**6)).paths
    same += (p is None and not mine) or (p is not None and bool(mine) and len(p) - 1 == mine[0].hops)
print(json.dumps({"build_s": build, "p50_ms": statistics.median(times), "same": same}))
"""


def _networkx(s: Summary, store: Path, pairs, embedded_ms: list[float]) -> None:
    """networkx's bidirectional_shortest_path on the same graph (undirected, in memory, built
    in a process of its own whose peak is reported), same pairs; hop counts compared."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as inp:
        inp.write(json.dumps(pairs).encode())
        inp.seek(0)
        proc = subprocess.Popen([sys.executable, "-c", NX_SCRIPT, str(store)], stdin=inp, stdout=out,
                                stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            s.missing(("path_vs_networkx",), f"networkx run failed: {proc.stderr.read().decode()[-300:]}")
            return
        got = json.loads(out.read().decode())
    s.values["networkx_build_s"] = got["build_s"]
    s.values["networkx_peak_gib"] = usage.ru_maxrss / 2**20
    if got["same"] != len(pairs):
        s.missing(("path_vs_networkx",), f"hop counts differ on {len(pairs) - got['same']} pairs")
        return
    s.values["path_vs_networkx"] = got["p50_ms"] / statistics.median(embedded_ms)


# ---------------------------------------------------------------- Neo4j

def _neo4j_server(scale: float):
    """(uri, password, state folder) of a fresh private server, or a reason why there is none."""
    if shutil.which("java") is None:
        return None, "Neo4j needs Java 17 (apt-get install openjdk-17-jre-headless)"
    state = OUT / "neo4j"
    script = ROOT / "scripts" / "neo4j-local"
    subprocess.run([str(script), "stop", "--state", str(state)], capture_output=True)
    out = subprocess.run([str(script), "start", "--state", str(state), "--fresh"], capture_output=True, text=True)
    if out.returncode != 0:
        return None, f"scripts/neo4j-local start failed: {out.stderr.strip().splitlines()[-1:]}"
    return (out.stdout.strip().splitlines()[-1], (state / "password").read_text().strip(), state), None


def _neo4j(s: Summary, local, pairs, embedded_ms, ids) -> None:
    from graph.neo4j_store import Neo4jStore, push
    from graph.paths import PathOptions

    from .bench_neo4j import SUITE

    keys = ("path_vs_neo4j", "cypher_vs_neo4j", "push_rows_per_s", "push_nochange_ratio")
    server_info, why = _neo4j_server(s.scale)
    if server_info is None:
        s.missing(keys, why)
        return
    uri, password, state = server_info
    config = local.config.with_overrides(neo4j={"uri": uri, "password": password, "timeout_s": 900})
    server = Neo4jStore(config)
    try:
        data = local.read_data()
        t = time.perf_counter()
        counts = push(server, data)
        first = time.perf_counter() - t
        rows = sum(counts["nodes"].values()) + sum(counts["relationships"].values())
        t = time.perf_counter()
        push(server, data)
        again = time.perf_counter() - t
        s.values.update(push_rows_per_s=rows / first, push_nochange_ratio=again / first, push_first_s=first,
                        push_nochange_s=again, neo4j_store_mib=_mib(state / "home"))
        g = local.graph()
        params = {"id": ids["belt"], "mid": ids["merchant"]}
        emb = neo = 0.0
        for _, q_emb, q_neo in SUITE:
            local.cypher(q_emb, params)  # a worker started, the plan cached: as a user's second query
            server.cypher(q_neo or q_emb, params)
            emb += statistics.median(_timed(lambda: local.cypher(q_emb, params)) for _ in range(3))
            neo += statistics.median(_timed(lambda: server.cypher(q_neo or q_emb, params)) for _ in range(3))
        s.values.update(cypher_vs_neo4j=neo / emb, cypher_embedded_ms=emb * 1000, cypher_neo4j_ms=neo * 1000)
        times, same = [], 0
        for (a, b), mine in zip(pairs, (local.paths(a, b, PathOptions()) for a, b in pairs)):
            t = time.perf_counter()
            theirs = server.paths(a, b, PathOptions())
            times.append((time.perf_counter() - t) * 1000)
            same += theirs.to_dict() == mine.to_dict()
        s.values["path_neo4j_p50_ms"] = statistics.median(times)
        if same != len(pairs):
            s.missing(("path_vs_neo4j",), f"answers differ on {len(pairs) - same} of {len(pairs)} pairs")
        else:
            s.values["path_vs_neo4j"] = statistics.median(times) / statistics.median(embedded_ms)
        del g
    except Exception as e:  # a server that fails mid-way: the reason, not a traceback
        s.missing(keys, f"Neo4j: {str(e).splitlines()[0][:200]}")
    finally:
        server.close()
        subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "stop", "--state", str(state)], capture_output=True)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# ---------------------------------------------------------------- the web server

def page_urls(ids: dict) -> list[str]:
    """One URL of every GET route the app has now (pages, their /api twins, downloads), with
    ids and queries a user would give; routes added later are opened with their plain URL."""
    from graph.config import Config
    from graph.embedded import EmbeddedStore
    from web import create_app

    config = Config.load()
    app = create_app({"TESTING": True}, store=EmbeddedStore(OUT / "no-store", config), config=config)
    args = {"sc_id": ids["sc"], "provider_id": ids["provider"], "belt_id": ids["belt"], "id": ids["anchor"],
            "node_id": ids["anchor"], "fmt": "html"}
    enc = urllib.parse.urlencode
    a, sc, belt = ids["anchor"], ids["sc"], ids["belt"]
    queries = {
        "/": enc({"q": "杭州"}), "/search": enc({"q": "杭州"}), "/api/search": enc({"q": "杭州"}),
        "/api/suggest": enc({"q": "hz"}),
        "/paths": enc({"from": a, "to": sc}), "/api/path": enc({"from": a, "to": sc, "k": 3}),
        "/match": enc({"kind": "anchor", "id": a}), "/api/match": enc({"kind": "anchor", "id": a}),
        "/match/download": enc({"kind": "anchor", "id": a}),
        "/connect": enc([("id", a), ("id", sc), ("id", belt)]), "/api/connect": enc([("id", a), ("id", sc), ("id", belt)]),
        "/explore": enc({"focus": belt}),
    }
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in ("static", "vendor", "openapi.swagger_file"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", urllib.parse.quote(args.get(name, ids["anchor"]), safe=""))
            for conv in ("string", "int", "path"):
                path = path.replace(f"<{conv}:{name}>", urllib.parse.quote(args.get(name, ids["anchor"]), safe=""))
        q = queries.get(rule.rule)
        urls.append(path + (f"?{q}" if q else ""))
    return urls


def _web(s: Summary, store: Path, ids: dict) -> None:
    from .bench_web import Server

    try:
        server = Server(store)
    except RuntimeError as e:
        s.missing(("serve_ready_s", "web_p95_ms", "serve_rss_gib"), str(e)[-300:])
        return
    base = server.url
    with server:
        s.values["serve_ready_s"] = server.ready_s
        urls = page_urls(ids)  # the routes of the app as it is now
        bad = []
        for u in urls:
            status, _ = _get(base + u)
            if status >= 500 or status == 0:
                bad.append(f"{u} {status}")
        s.values["web_pages"] = len(urls)
        s.values["serve_rss_gib"] = server.rss_gib()
        if bad:
            s.missing(("serve_rss_gib",), f"pages failed: {', '.join(bad[:3])}")
            s.values["serve_rss_gib"] = None
        mixed = [u for u in urls if "/download" not in u] or urls
        times, errors = _clients(base, mixed, CLIENTS, per_client=max(8, 2 * len(mixed) // CLIENTS))
        s.values.update(web_requests=len(times), web_errors=int(errors))
        if errors:
            s.missing(("web_p95_ms",), f"{errors} of {len(times)} requests failed")
        else:
            s.values["web_p95_ms"] = _pct(times, 0.95)


def _get(url: str) -> tuple[int, float]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        status = 0
    return status, (time.perf_counter() - t) * 1000


def _clients(base: str, urls: list[str], clients: int, per_client: int) -> tuple[list[float], int]:
    """``clients`` threads, each asking ``per_client`` URLs of the mix (a fixed shuffle each):
    latencies in ms, and how many answers were errors (5xx or no answer)."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(k: int) -> None:
        rnd = random.Random(k)
        for _ in range(per_client):
            status, ms = _get(base + rnd.choice(urls))
            with lock:
                times.append(ms)
                errors[0] += status >= 500 or status == 0
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return times, errors[0]


# ---------------------------------------------------------------- exports

def _html(s: Summary, store: Path, ids: dict) -> None:
    """A 2,000-node drawing exported as HTML, when `beltgraph export` exists."""
    probe = subprocess.run(beltgraph("export", "--help"), capture_output=True, text=True, cwd=ROOT)
    if probe.returncode != 0 or "--format" not in probe.stdout:
        s.missing(("html_2000_s",), "exports not built yet (no `beltgraph export` on this branch)")
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        query = ("MATCH (b:Belt {id: $belt})<-[r:IN_BELT]-(m) WITH b, r, m LIMIT 1999 RETURN b, r, m")
        args = ["export", "--format", "html", "--query", query, "--param", f"belt={ids['belt']}",
                "-o", str(Path(tmp) / "g.html")]
        try:
            seconds, _, _ = peak_rss(beltgraph(*args), env_for(store))
            s.values["html_2000_s"] = seconds
        except RuntimeError as e:
            s.missing(("html_2000_s",), f"export failed: {str(e)[-200:]}")


# ---------------------------------------------------------------- report

def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal")) / 2**20
    except (OSError, StopIteration):
        mem = float("nan")
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB memory"


def _cell(s: Summary, key: str) -> str:
    v = s.values[key]
    if v is None:
        return f"– ({s.reasons.get(key, 'not measured')})" if key in s.reasons else "–"
    if isinstance(v, str):
        return v
    if key.endswith("_ratio") or key.startswith(("path_vs", "cypher_vs")):
        return f"{v:.2f}x" if key.startswith(("path_vs", "cypher_vs")) else f"{v:.3f}"
    if isinstance(v, int) or abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def report(summaries: list[Summary]) -> str:
    head = ["figure"] + [f"scale {s.scale:g}" for s in summaries]
    rows = [[k + (f" ({UNITS[k]})" if k in UNITS else "")] + [_cell(s, k) for s in summaries]
            for k in KEYS + EXTRA]
    return table(head, rows)


def measured(scale: float, skip: set[str]) -> Summary:
    """The summary of a scale; where one machine cannot go on (memory, disk), the figures
    measured so far and the reason for the rest."""
    s = Summary(scale)
    try:
        return measure(s, skip)
    except (Exception, MemoryError) as e:  # noqa: BLE001 - the reason is the result
        s.missing(KEYS, f"stopped: {type(e).__name__}: {str(e).strip().splitlines()[-1][:200] if str(e).strip() else ''}")
        return s


def run(scales: list[float], skip: set[str] = frozenset(), as_json: bool = False) -> tuple[str, dict]:
    summaries = []
    for scale in scales:
        summaries.append(measured(scale, set(skip)))
        print(report(summaries[-1:]), file=sys.stderr, flush=True)
    body = ("## Summary (performance round 2)\n\n"
            f"Measured on {machine()}, in one run per scale (`python bench/run.py summary --scale S`). "
            "*cold* figures are whole `beltgraph` processes (median of 3); *path* is 200 seeded random pairs "
            "in process; *path_vs_neo4j* is Neo4j's p50 over the embedded p50 on the same pairs with identical "
            "answers; *path_vs_networkx* is networkx `bidirectional_shortest_path` p50 on the same graph in "
            "memory over the embedded p50; *cypher_vs_neo4j* is the read suite's Neo4j time over the embedded "
            "time; *push* is a first push into an empty local Neo4j 5.26 (2 GiB heap) and the ratio of an "
            "unchanged second push to it; *web* is `beltgraph serve` with every page opened once "
            f"(*serve_rss_gib* then), and {CLIENTS} concurrent clients on mixed pages and API calls. The "
            "machine is shared and noisy: ratios measured in the same run are the numbers to compare.\n\n"
            + report(summaries))
    if len(summaries) == 1:
        out = summaries[0].to_dict()
    else:
        out = {"scales": {f"{s.scale:g}": s.to_dict() for s in summaries}}
    return body, out
