"""Web benchmark (issues: web front end, parts 1 and 2): `beltgraph serve` asked over HTTP.

    python bench/run.py web [--scales 1]

At each scale, over the store of a generated bundle (loaded, and reviewed for its last two
quarters, once; kept in bench/out/store-S):

* **first answer**: from starting `beltgraph serve` until a search (``/api/search``) answers;
* **one client** (keep-alive, one request at a time) asking each kind of request with
  arguments drawn from the data with a fixed seed, every URL distinct, so each answer is
  computed, not replayed from a cache: search and suggest (the search benchmark's mixed
  queries), belt profile pages, entity profile pages, rank pages (quarters x pools), shortest
  paths and k=5 paths between random entities, explorer expansions;
* **2,000 nodes in Chromium**: the Cypher console drawing a belt and 1,999 of its merchants
  (positions from the server, physics off), from the click on "run" until the first frame;
* **32 clients** for a minute, each with its own keep-alive connection, on a mix of search,
  suggest, belt and entity profiles, rank pages and shortest paths: every client asks its
  next URL as soon as the last one answered (a closed loop, the harshest reading of "32
  concurrent clients"), then with each client pausing 1 s between requests (32 BD users
  clicking); both again against `beltgraph serve --workers 2` (two processes on one socket,
  warmed for 30 s first).

The server runs with ``BELTGRAPH_WEB_RATE_LIMIT`` raised: the 32 clients come from one address,
which the default limit (30 path requests a minute) would refuse, as it should.
"""

from __future__ import annotations

import http.client
import random
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from .common import ROOT, beltgraph, bundle, env_for, store_for, table

CLIENTS = 32
MINUTE = float(__import__("os").environ.get("BELTGRAPH_BENCH_WEB_SECONDS", 60))
#: issue goals (ms), by request kind
GOALS = {"search": 50, "suggest": 50, "belt page": 150, "rank page": 300, "path (shortest)": 50, "path (k=5)": 200,
         "explorer expansion": 100}
SERVER_ENV = {"BELTGRAPH_WEB_RATE_LIMIT": "1000000/minute"}
#: The closed loop again with this many worker processes, after WARM_S seconds unmeasured.
WORKERS, WARM_S = 2, 30.0


# ---------------------------------------------------------------- the server and a client


class Server:
    """``beltgraph serve`` on a free loopback port over ``store``; ``ready_s`` is the time from the
    start until ``probe`` answered 200."""

    def __init__(self, store: Path, probe: str = "/api/stats", env: dict | None = None, args: tuple[str, ...] = ()):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        import tempfile

        self.log = tempfile.TemporaryFile()  # not a pipe: a full pipe would stop the server
        start = time.perf_counter()
        self.proc = subprocess.Popen(beltgraph("serve", "--port", str(self.port), *args),
                                     env={**env_for(store), **SERVER_ENV, **(env or {})}, cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        client = Client(self.port)
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"beltgraph serve exited: {self.log.read().decode()[-500:]}")
            status, _, _ = client.get(probe)
            if status == 200:
                break
            time.sleep(0.02)
        self.ready_s = time.perf_counter() - start

    def rss_gib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
        return float("nan")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    """One keep-alive HTTP connection, as a browser tab holds."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def get(self, path: str) -> tuple[int, float, bytes]:
        """(status, milliseconds, body); status 0 when there was no answer."""
        start = time.perf_counter()
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.request("GET", path, headers={"Accept-Encoding": "identity"})
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, (time.perf_counter() - start) * 1000, body
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt:
                    return 0, (time.perf_counter() - start) * 1000, b""
        raise AssertionError("unreachable")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


# ---------------------------------------------------------------- what is asked


def ensure_store(scale: float) -> Path:
    """The bench store of ``scale``: the bundle loaded and its last two quarters reviewed."""
    store = store_for(scale)
    if not (store / "CURRENT").exists():
        src = bundle(scale)
        for args in (("load", str(src)), ("review", "--quarter", "2020Q3"), ("review", "--quarter", "2020Q4")):
            subprocess.run(beltgraph(*args, "--json"), env=env_for(store), cwd=ROOT, check=True, capture_output=True)
    return store


def requests(store: Path, scale: float, seed: int = 7) -> dict[str, list[str]]:
    """URLs of each kind, drawn from the data (every URL distinct within a kind)."""
    from graph.config import Config
    from graph.embedded import EmbeddedStore
    from graph.model import LABELS

    from .bench_search import queries

    q = urllib.parse.quote
    rnd = random.Random(seed)
    local = EmbeddedStore(store, Config.load())
    g = local.graph()
    adj = g.adj
    nodes = {label: g.nodes[label] for label in LABELS}
    terms = list(dict.fromkeys(text for _, text in queries({k: v for k, v in nodes.items()}, n=300, seed=seed)))
    belts = nodes["Belt"].column("id").to_pylist()
    quarters = [str(x) for x in local.sales_quarters()][-2:]
    divisions = sorted({d for d in nodes["Belt"].column("division").to_pylist() if d})
    categories = sorted({c for c in nodes["SupplyChain"].column("category").to_pylist() if c})
    pools = [""] + [f"&division={q(d)}" for d in divisions] + [f"&category={q(c)}" for c in categories] + \
        [f"&belt={q(b)}" for b in belts]
    pairs = [(adj.id(rnd.randrange(len(adj))), adj.id(rnd.randrange(len(adj)))) for _ in range(400)]
    someone = lambda: adj.id(rnd.randrange(len(adj)))  # noqa: E731
    expansions = [f"/api/explore/expand?id={q(someone())}&limit=20" for _ in range(200)]
    local.close()
    return {
        "search": [f"/api/search?q={q(t)}" for t in terms[:200]],
        "suggest": [f"/api/suggest?q={q(t)}" for t in terms[100:300]],
        "belt page": [f"/belts/{q(b)}" for b in belts],
        "entity page": [f"/nodes/{q(someone())}" for _ in range(100)],
        "rank page": [f"/rank?quarter={qt}{pool}" for qt in quarters for pool in pools][:100],
        "path (shortest)": [f"/api/path?from={q(a)}&to={q(b)}" for a, b in pairs[:200]],
        "path (k=5)": [f"/api/path?from={q(a)}&to={q(b)}&k=5" for a, b in pairs[200:300]],
        "explorer expansion": expansions,
    }


# ---------------------------------------------------------------- measurements


def one_client(server: Server, urls: dict[str, list[str]]) -> list[list]:
    client = Client(server.port)
    rows = []
    for kind, paths in urls.items():
        times, errors = [], 0
        for p in paths:
            status, ms, _ = client.get(p)
            times.append(ms)
            errors += status >= 500 or status == 0
        goal = GOALS.get(kind)
        p95 = pct(times, 0.95)
        rows.append([kind, len(times), f"{statistics.median(times):.1f}", f"{p95:.1f}", f"{max(times):.1f}",
                     f"≤ {goal}" if goal else "–", ("yes" if p95 <= goal else "NO") if goal else "–", errors])
    return rows


def many_clients(server: Server, mix: list[str], seconds: float, pause_s: float = 0.0,
                 clients: int = CLIENTS) -> dict:
    """``clients`` threads with a connection each, asking random URLs of ``mix`` for ``seconds``."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(k: int) -> None:
        rnd = random.Random(k)
        client = Client(server.port)
        if pause_s:
            time.sleep(rnd.uniform(0, pause_s))  # users do not click in step
        while time.perf_counter() < stop:
            status, ms, _ = client.get(rnd.choice(mix))
            with lock:
                times.append(ms)
                errors[0] += status >= 500 or status == 0
            if pause_s:
                time.sleep(pause_s)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    return {"requests": len(times), "errors": errors[0], "per_s": len(times) / elapsed, "p50": pct(times, 0.5),
            "p95": pct(times, 0.95), "p99": pct(times, 0.99), "max": max(times) if times else float("nan")}


def chromium_2000(server: Server, belt: str) -> list[float] | str:
    """Seconds from "run" to the first frame of a 2,000-node console drawing, three times."""
    from pathlib import Path as P

    if not P("/usr/bin/chromium").exists():
        return "no Chromium (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    query = f"MATCH (b:Belt {{id: '{belt}'}})<-[r:IN_BELT]-(m:Merchant) RETURN b, r, m LIMIT 1999"
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for _ in range(3):
            page.goto(server.url + "/cypher")
            page.fill("#cypher-query", query)
            start = time.perf_counter()
            page.click("#cypher-run")
            while True:
                state = page.evaluate("() => { const g = document.getElementById('cypher-graph'); "
                                      "return [g.dataset.drawn || '', g.dataset.nodes || '']; }")
                if state[0] and state[0] == state[1]:
                    break
                if time.perf_counter() - start > 60:
                    browser.close()
                    return "not drawn within 60 s"
                page.wait_for_timeout(10)
            out.append(time.perf_counter() - start)
            if int(state[0]) != 2000:
                browser.close()
                return f"drew {state[0]} nodes, not 2,000"
        browser.close()
    return out


# ---------------------------------------------------------------- report


def run(scales: list[float]) -> str:
    out = []
    for scale in scales:
        store = ensure_store(scale)
        urls = requests(store, scale)
        with Server(store, probe="/api/search?q=" + urllib.parse.quote("杭州")) as server:
            ready = server.ready_s
            rows = one_client(server, urls)
            print(table(["request", "n", "p50 (ms)", "p95 (ms)", "max (ms)", "goal p95 (ms)", "met", "errors"], rows))
            belt = urls["belt page"][0].rsplit("/", 1)[1]
            drawn = chromium_2000(server, urllib.parse.unquote(belt))
            mix = [u for kind in ("search", "suggest", "belt page", "entity page", "rank page", "path (shortest)")
                   for u in urls[kind]]
            hard = many_clients(server, mix, MINUTE)
            paced = many_clients(server, mix, MINUTE, pause_s=1.0)
            rss = server.rss_gib()
        with Server(store, args=("--workers", str(WORKERS))) as server:
            many_clients(server, mix, WARM_S)  # each worker fills its own memo first
            spread = many_clients(server, mix, MINUTE)
            spread_paced = many_clients(server, mix, MINUTE, pause_s=1.0)
        load = [["closed loop (no pause)", hard], [f"closed loop, `--workers {WORKERS}`", spread],
                ["each client pausing 1 s", paced], [f"each client pausing 1 s, `--workers {WORKERS}`", spread_paced]]
        out.append(f"### Scale {scale:g}\n\n"
                   f"First answer (a search) {ready:.2f} s after `beltgraph serve` started (goal ≤ 5 s); "
                   f"server RSS after the run {rss:.2f} GiB.\n\n"
                   "One client, one request at a time, every URL distinct:\n\n"
                   + table(["request", "n", "p50 (ms)", "p95 (ms)", "max (ms)", "goal p95 (ms)", "met", "errors"], rows)
                   + "\n\n2,000 nodes in Chromium (the Cypher console, positions from the server, physics off), "
                   "from the click on run until drawn: "
                   + (", ".join(f"{x:.2f} s" for x in drawn) + f" (median {statistics.median(drawn):.2f} s; goal ≤ 5 s)"
                      if isinstance(drawn, list) else drawn)
                   + f"\n\n{CLIENTS} clients for {MINUTE:g} s on search, suggest, belt and entity profiles, rank pages "
                   "and shortest paths (goal: 0 errors, p95 ≤ 100 ms):\n\n"
                   + table(["clients", "requests", "errors", "per s", "p50 (ms)", "p95 (ms)", "p99 (ms)", "max (ms)"],
                           [[name, r["requests"], r["errors"], f"{r['per_s']:.0f}", f"{r['p50']:.1f}",
                             f"{r['p95']:.1f}", f"{r['p99']:.1f}", f"{r['max']:.0f}"] for name, r in load]))
        print(out[-1])
    return ("## Web (`python bench/run.py web`)\n\n" + __doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + "\n\n".join(out))
