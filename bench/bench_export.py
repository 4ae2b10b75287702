"""Export benchmark (issue: exported visualizations and data).

Selections of 200, 2,000 and 20,000 nodes of the committed sample (the first N nodes met
breadth-first from the belt hz-sijiqing, with every relationship between them), exported in
each format through ``usecases.export``; the html of 2,000 nodes opened in Chromium
(Playwright, a dev dependency) until vis-network has drawn it; and the server-side layout
against rustworkx's and networkx's spring layouts where they are installed.

The scales argument is not used: the sizes are the issue's. Each export runs once (these are
seconds, not milliseconds); Chromium renders of 20,000 nodes are bounded by
[export] render_timeout_s.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

from .common import OUT, ROOT, table

SIZES = (200, 2000, 20000)
FORMATS = ("html", "svg", "pdf", "png", "graphml", "gexf", "json", "cytoscape", "csv")


def _store():
    from graph.config import Config
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    config = Config.from_dict({"embedded": {"buffer_pool_mb": 256}, "export": {"max_nodes_interactive": 2000}},
                              base_dir=ROOT, env={})
    store = EmbeddedStore(OUT / "store-export-sample", config)
    if store.version() is None:
        load_bundle(store, ROOT / "data" / "sample")
    return store, config


def bfs_ids(store, start: str, n: int) -> tuple[str, ...]:
    """The first ``n`` node ids met breadth-first from ``start`` (then any others, by id)."""
    adj = store.graph().adj
    seen, order, queue = {adj.index(start)}, [], deque([adj.index(start)])
    while queue and len(order) < n:
        i = queue.popleft()
        order.append(i)
        nbr, _ = adj.neighbors(i)
        for j in nbr.tolist():
            if j not in seen:
                seen.add(j)
                queue.append(j)
    i = 0
    while len(order) < n and i < len(adj):
        if i not in seen:
            order.append(i)
        i += 1
    return tuple(adj.id(i) for i in order[:n])


def _settle_ms(path, runs: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(runs):
            page = b.new_page(viewport={"width": 1400, "height": 900})
            t = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_selector("body[data-drawn='1']", timeout=60000)
            out.append((time.perf_counter() - t) * 1000)
            page.close()
        b.close()
    return out


def _layouts(store, ids_by_size: dict[int, tuple[str, ...]]) -> list[list]:
    from graph.export.layout import layout
    from graph.usecases import select_for_export

    rows = []
    for n in (2000, 20000):
        sub = select_for_export(store, _store()[1], "json", ids=ids_by_size[n])
        ids = [x["id"] for x in sub.nodes]
        edges = sorted({(r["from"], r["to"]) for r in sub.rels})
        t = time.perf_counter()
        layout(ids, edges)
        rows.append([f"{n:,}", "BeltGraph grid force layout (150/100 iterations)", f"{time.perf_counter() - t:.2f}"])
        try:
            import rustworkx as rx
        except ImportError:
            rows.append([f"{n:,}", "rustworkx spring_layout", "not installed"])
        else:
            g = rx.PyGraph()
            idx = {v: g.add_node(v) for v in ids}
            g.add_edges_from_no_data([(idx[a], idx[b]) for a, b in edges])
            iters = 50 if n <= 2000 else 3
            t = time.perf_counter()
            rx.spring_layout(g, num_iter=iters, seed=1)
            s = time.perf_counter() - t
            rows.append([f"{n:,}", "rustworkx spring_layout (50 iterations)",
                         f"{s:.2f}" if iters == 50 else f"~{s * 50 / iters:.0f} (3 iterations took {s:.1f})"])
        try:
            import scipy  # noqa: F401  networkx's spring_layout needs it above 500 nodes
        except ImportError:
            rows.append([f"{n:,}", "networkx spring_layout", "needs scipy (not a dependency)"])
        else:
            import networkx as nx

            G = nx.Graph(edges)
            G.add_nodes_from(ids)
            iters = 50 if n <= 2000 else 3
            t = time.perf_counter()
            nx.spring_layout(G, iterations=iters, seed=1)
            s = time.perf_counter() - t
            rows.append([f"{n:,}", "networkx spring_layout (50 iterations)",
                         f"{s:.2f}" if iters == 50 else f"~{s * 50 / iters:.0f} (3 iterations took {s:.1f})"])
    return rows


def run(scales) -> str:
    from graph.errors import BeltGraphError
    from graph.usecases import export

    store, config = _store()
    ids_by_size = {n: bfs_ids(store, "hz-sijiqing", n) for n in SIZES}
    rows, sizes = [], {}
    html_2000 = None
    for n in SIZES:
        row = [f"{n:,}"]
        for fmt in FORMATS:
            t = time.perf_counter()
            try:
                f = export(store, config, fmt, ids=ids_by_size[n])
            except BeltGraphError as e:
                row.append("refused (cap)" if "more than" in str(e) else f"error: {e}")
                continue
            s = time.perf_counter() - t
            row.append(f"{s:.2f}")
            sizes[(n, fmt)] = len(f.body)
            if n == 2000 and fmt == "html":
                html_2000 = OUT / "export-2000.html"
                html_2000.write_bytes(f.body)
            print(f"  {n:>6} {fmt:<9} {s:7.2f} s  {len(f.body) / 2**20:7.2f} MiB", flush=True)
        rows.append(row)
    size_rows = [[f"{n:,}", *[f"{sizes[(n, fmt)] / 2**20:.2f}" if (n, fmt) in sizes else "-" for fmt in FORMATS]]
                 for n in SIZES]
    settle = _settle_ms(html_2000) if html_2000 else []
    layout_rows = _layouts(store, ids_by_size)
    store.close()
    return "\n".join([
        "## Exports",
        "",
        "Selections of the sample: the first N nodes breadth-first from hz-sijiqing and every relationship "
        "between them. Seconds per export through `usecases.export` (selection, ranking for the badges, "
        "layout, writing; pdf and png include starting headless Chromium). html above "
        "`[export] max_nodes_interactive` (2,000) is refused by design.",
        "",
        table(["nodes", *FORMATS], rows),
        "",
        "File sizes (MiB):",
        "",
        table(["nodes", *FORMATS], size_rows),
        "",
        "The 2,000-node html in Chromium (headless, 1400x900), from navigation until vis-network has drawn it "
        "(positions from the server, physics off): "
        + (", ".join(f"{x:,.0f} ms" for x in settle) + f" (median {statistics.median(settle):,.0f} ms)"
           if settle else "not measured"),
        "",
        "Layout (seconds; the same positions feed html, svg/pdf/png, gexf and cytoscape):",
        "",
        table(["nodes", "layout", "seconds"], layout_rows),
    ])
