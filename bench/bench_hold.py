"""Held under load (issue: reliability and security): 32 connections for 5 minutes on a mix of
endpoints while the data changes under them.

    python bench/run.py hold [--scales 1]

At each scale, over a fresh store of the generated bundle (loaded, 2020Q3 reviewed):
`beltgraph serve`, then 32 clients (one keep-alive connection each, no pause) asking search,
suggest, belt and entity profiles, rank pages, paths, explorer expansions and the API twins
of stats, search, rank and review for ``BELTGRAPH_BENCH_HOLD_SECONDS`` (300). A quarter of the
way in, `beltgraph load --merge` adds a belt and a supply chain in it; half way, `beltgraph
review --quarter 2020Q4` records a review. Both are separate processes, as a team's scripts
would run them while the server answers.

Checked: no error (5xx or no answer), both writes exit 0, and every answer of the four
*witness* URLs is byte for byte the answer of one data version (before the merge, after it,
after the review), taken from the server when nothing was writing: an answer from a
half-written version would differ from all three. The server runs with
``BELTGRAPH_WEB_RATE_LIMIT`` raised (the clients share one address).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from .bench_web import Client, Server, pct, requests
from .common import OUT, ROOT, beltgraph, bundle, env_for, table

CLIENTS = 32
SECONDS = float(os.environ.get("BELTGRAPH_BENCH_HOLD_SECONDS", 300))
NEW_BELT = "bench-new-belt"


def merge_bundle(folder: Path) -> Path:
    """A small bundle for ``load --merge``: one new belt and one supply chain in it."""
    files = {
        "nodes/Belt.csv": "id,name,name_en,category,division,province,city,lat,lon,products\n"
                          f"{NEW_BELT},压测新增产业带,Bench New Belt,apparel,big_apparel,浙江省,湖州市,30.87,120.09,童装\n",
        "nodes/SupplyChain.csv": "id,name,category,fulfillment_rate,return_rate,rating,sku_count\n"
                                 "bench-new-sc,压测新增供应链,apparel,0.95,0.1,4.7,80\n",
        "rels/IN_BELT.csv": f"from,to\nbench-new-sc,{NEW_BELT}\n",
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def fresh_store(scale: float) -> Path:
    store = OUT / f"hold-{scale:g}"
    shutil.rmtree(store, ignore_errors=True)
    for args in (("load", str(bundle(scale))), ("review", "--quarter", "2020Q3")):
        subprocess.run(beltgraph(*args, "--json"), env=env_for(store), cwd=ROOT, check=True, capture_output=True)
    return store


def witnesses() -> list[str]:
    q = urllib.parse.quote
    return ["/api/stats", f"/api/search?q={q('压测新增')}", "/api/rank?quarter=2020Q4&division=big_apparel",
            "/api/review?quarter=2020Q4"]


def run_one(scale: float) -> str:
    store = fresh_store(scale)
    urls = requests(store, scale)
    mix = [u for kind in ("search", "suggest", "belt page", "entity page", "rank page", "path (shortest)",
                          "path (k=5)", "explorer expansion") for u in urls[kind]]
    watch = witnesses()
    extra = merge_bundle(OUT / f"hold-merge-{scale:g}")
    times: list[float] = []
    errors: list[str] = []
    seen: dict[str, set[bytes]] = {u: set() for u in watch}
    lock = threading.Lock()
    writes: list[list] = []
    with Server(store) as server:
        probe = Client(server.port)
        versions = [{u: probe.get(u)[2] for u in watch}]
        stop = time.perf_counter() + SECONDS

        def client(k: int) -> None:
            rnd = random.Random(k)
            c = Client(server.port)
            while time.perf_counter() < stop:
                url = rnd.choice(watch) if rnd.random() < 0.15 else rnd.choice(mix)
                status, ms, body = c.get(url)
                with lock:
                    times.append(ms)
                    if status >= 500 or status == 0:
                        errors.append(f"{status} {url}")
                    elif url in seen:
                        seen[url].add(body)

        def write(after_s: float, name: str, args: tuple[str, ...]) -> None:
            time.sleep(after_s)
            t = time.perf_counter()
            out = subprocess.run(beltgraph(*args, "--json"), env=env_for(store), cwd=ROOT, capture_output=True,
                                 text=True)
            with lock:
                writes.append([name, out.returncode, f"{time.perf_counter() - t:.1f}",
                               (out.stderr.strip().splitlines() or [""])[-1][:120]])
                versions.append({u: probe.get(u)[2] for u in watch})

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        threads += [threading.Thread(target=write, args=(SECONDS / 4, "load --merge", ("load", str(extra), "--merge"))),
                    threading.Thread(target=write, args=(SECONDS / 2, "review 2020Q4", ("review", "--quarter", "2020Q4")))]
        start = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - start
    known = {u: {v[u] for v in versions} for u in watch}
    stray = {u: len(seen[u] - known[u]) for u in watch}
    changed = {u: len(known[u]) for u in watch}
    ok = not errors and all(w[1] == 0 for w in writes) and not any(stray.values())
    return (f"### Scale {scale:g}: {'held' if ok else 'FAILED'}\n\n"
            + table(["clients", "seconds", "requests", "per s", "errors", "p50 (ms)", "p95 (ms)", "p99 (ms)", "max (ms)"],
                    [[CLIENTS, f"{elapsed:.0f}", len(times), f"{len(times) / elapsed:.0f}", len(errors),
                      f"{pct(times, .5):.1f}", f"{pct(times, .95):.1f}", f"{pct(times, .99):.1f}",
                      f"{max(times):.0f}"]])
            + "\n\nWrites during the run (separate processes):\n\n"
            + table(["write", "exit", "seconds", "last line of stderr"], writes)
            + "\n\nWitness URLs: distinct answers the server gave in the run, how many data versions "
              "they changed across, and answers matching none of the versions:\n\n"
            + table(["url", "answers seen", "versions", "matching none"],
                    [[u, len(seen[u]), changed[u], stray[u]] for u in watch])
            + (f"\n\nErrors: {'; '.join(errors[:5])}" if errors else ""))


def run(scales: list[float]) -> str:
    parts = []
    for scale in scales:
        parts.append(run_one(scale))
        print(parts[-1])
    return "## Held under load (`python bench/run.py hold`)\n\n" + __doc__.split("\n\n", 2)[2].strip() + \
        "\n\n" + "\n\n".join(parts)
