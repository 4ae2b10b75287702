"""Load benchmark (issue 2): generate, parse, load, cold stats, networkx build."""

from __future__ import annotations

import shutil
import sys
import time

from .common import beltgraph, bundle, env_for, peak_rss, store_for, table

# ---------------------------------------------------------------- load

def run(scales: list[float]) -> str:
    import pyarrow.csv as pacsv

    rows = []
    for scale in scales:
        src = bundle(scale)
        files = sorted(src.rglob("*.csv"))
        total_rows = sum(sum(1 for _ in open(f, "rb")) - 1 for f in files)
        size_mb = sum(f.stat().st_size for f in files) / 2**20
        t = time.perf_counter()
        for f in files:
            pacsv.read_csv(f)
        parse = time.perf_counter() - t
        store = store_for(scale)
        shutil.rmtree(store, ignore_errors=True)
        load_s, load_rss, out = peak_rss(beltgraph("load", str(src), "--json"), env_for(store))
        stats_s, _, _ = peak_rss(beltgraph("stats", "--json"), env_for(store))
        nx_s, nx_rss, nx_out = peak_rss([sys.executable, "-c", (
            "import time,sys; from graph.config import Config; from graph.embedded import EmbeddedStore;"
            f"s=EmbeddedStore({str(store)!r}, Config.load()); g=s.graph(); t=time.perf_counter(); g.adj;"
            "a=time.perf_counter()-t; t=time.perf_counter(); G=g.nx; "
            "print(a, time.perf_counter()-t, G.number_of_nodes(), G.number_of_edges())")], env_for(store))
        adj_s, nx_build, n_nodes, n_edges = nx_out.split()
        check_s, copy_s = _parts(src)
        rows.append([f"{scale:g}", f"{total_rows:,}", f"{size_mb:.0f}", f"{parse:.2f}", f"{load_s:.1f}",
                     f"{total_rows / load_s:,.0f}", f"{load_s / parse:.1f}x", f"{load_rss:,.0f}",
                     f"{check_s:.1f}", f"{copy_s:.1f} ({copy_s / parse:.0f}x)",
                     f"{stats_s:.2f}", f"{float(adj_s) * 1000:.0f}", f"{float(nx_build):.1f}", f"{nx_rss:,.0f}"])
        print(table(HEAD_LOAD, rows[-1:]), flush=True)
    body = ("## Load (issue 2)\n\n"
            "`beltgraph load` of `beltgraph generate --scale S --seed 7` bundles into a fresh embedded store, "
            "each in a fresh process. *parse* is pyarrow's multi-threaded CSV reader on the same files in the "
            "same run (no typing, no checks); *load* includes reading, checking every row, aggregating live "
            "streams, writing the snapshot and bulk-copying into Ladybug (in a thread beside the snapshot). "
            "*read+check* and *Ladybug COPY alone* are those two parts timed on their own in this process: the "
            "COPY by itself is the floor under the load/parse ratio. *stats cold* is a whole "
            "`beltgraph stats` process. *nx* is building the networkx MultiDiGraph from the snapshot in a "
            "fresh process; its RSS is that process's peak.\n\n" + table(HEAD_LOAD, rows))
    return body


HEAD_LOAD = ["scale", "rows", "MiB", "parse s", "load s", "rows/s", "load/parse", "load peak MiB",
             "read+check s", "Ladybug COPY alone s (/parse)", "stats cold s", "adjacency open ms", "nx build s",
             "nx peak MiB"]


def _parts(src) -> tuple[float, float]:
    """In this process: reading and checking the bundle, then Ladybug's bulk COPY of the same
    tables on its own (no snapshot beside it): the floor under the load/parse ratio."""
    import tempfile
    from pathlib import Path

    from graph.config import Config
    from graph.data import derive_rels
    from graph.embedded import build_database
    from loaders.read import read_bundle
    from loaders.validate import validate

    t = time.perf_counter()
    data = validate(read_bundle(src)).data
    check = time.perf_counter() - t
    rels = derive_rels(data)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build_database(Path(tmp) / "db.lbug", data, rels, Config.load())
        copy = time.perf_counter() - t
    return check, copy


