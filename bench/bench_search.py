"""Search benchmark (issue: search and suggest): build, open and query the search index.

At each scale: the node tables of the generated bundle (read and checked by the
loaders, not timed), then ``build_search_index`` into bench/out/search-<scale>, its
size on disk, ``SearchIndex.open``, and 200 ``search`` and 200 ``suggest`` calls of
mixed kinds drawn from the data with a fixed seed (Chinese substrings, full pinyin,
initials, typos in Chinese and in pinyin, id prefixes, English names).
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from pathlib import Path

from .common import OUT, bundle, table

HEAD = ["scale", "nodes", "build (s)", "index on disk (MiB)", "open (ms)", "search p50 (ms)", "search p95 (ms)",
        "search max (ms)", "suggest p50 (ms)", "suggest p95 (ms)", "suggest max (ms)"]
KIND_HEAD = ["kind", "queries", "search p50 (ms)", "search p95 (ms)", "suggest p95 (ms)", "hits found (median total)"]


def read_nodes(path: Path) -> dict:
    from loaders.read import read_bundle
    from loaders.validate import validate

    return dict(validate(read_bundle(path)).data.nodes)


def _pinyin(text: str) -> tuple[str, str]:
    from graph.search import char_unit

    units = [u for u in (char_unit(ch)[0] for ch in text) if u]
    return "".join(units), "".join(u[0] for u in units)


def _slice(rng: random.Random, name: str, lo: int, hi: int) -> str:
    n = rng.randint(min(lo, len(name)), min(hi, len(name)))
    start = rng.randint(0, len(name) - n)
    return name[start:start + n]


def queries(nodes: dict, n: int = 200, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` (kind, query) pairs drawn from the node tables."""
    rng = random.Random(seed)
    small = [lab for lab in nodes if lab != "Merchant" and nodes[lab].num_rows]

    def name_of(label=None) -> tuple[str, str]:
        lab = label or ("Merchant" if rng.random() < 0.5 else rng.choice(small))
        t = nodes[lab]
        i = rng.randrange(t.num_rows)
        return t.column("id")[i].as_py(), t.column("name")[i].as_py()

    cjk = [chr(c) for c in range(0x4E00, 0x9FA6)]
    kinds = {
        "chinese": lambda: _slice(rng, name_of()[1], 1, 4),
        "pinyin": lambda: _pinyin(_slice(rng, name_of()[1], 2, 4))[0],
        "initials": lambda: _pinyin(_slice(rng, name_of()[1], 2, 5))[1],
        "typo chinese": lambda: _typo_cjk(rng, _slice(rng, name_of()[1], 4, 6), cjk),
        "typo pinyin": lambda: _typo_latin(rng, _pinyin(_slice(rng, name_of()[1], 2, 4))[0]),
        "id": lambda: name_of()[0][:rng.randint(3, 9)],
        "belt": lambda: rng.choice([_slice(rng, name_of("Belt")[1], 2, 6),
                                    (nodes["Belt"].column("name_en")[rng.randrange(nodes["Belt"].num_rows)].as_py()
                                     or "x").split()[0].lower()]),
    }
    share = {"chinese": 40, "pinyin": 40, "initials": 30, "typo chinese": 20, "typo pinyin": 20, "id": 25, "belt": 25}
    out = []
    for kind, count in share.items():
        for _ in range(round(count * n / 200)):
            q = ""
            while len(q) < 1:
                q = kinds[kind]()
            out.append((kind, q))
    return out


def _typo_cjk(rng, text: str, cjk: list[str]) -> str:
    i = rng.randrange(len(text))
    return text[:i] + rng.choice(cjk) + text[i + 1:]


def _typo_latin(rng, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.choice(("drop", "swap", "change"))
    if op == "drop":
        return text[:i] + text[i + 1:]
    if op == "swap":
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1:]


def distinct_merchants(nodes: dict, seed: int = 7) -> dict:
    """The nodes with every merchant name made (nearly) unique: two random common characters
    (GB2312 level 1) before it. The generated names repeat (63,000 distinct in a million);
    real shop names do not, and distinct names mean more characters and bigrams to index."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    common = np.array([bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
                       if not (hi == 0xD7 and lo > 0xF9)])
    m = nodes["Merchant"]
    rng = np.random.default_rng(seed)
    head = pc.binary_join_element_wise(pa.array(common[rng.integers(0, len(common), m.num_rows)]),
                                       pa.array(common[rng.integers(0, len(common), m.num_rows)]), "")
    names = pc.binary_join_element_wise(head, m.column("name"), "")
    return {**nodes, "Merchant": m.set_column(m.schema.get_field_index("name"), "name", names)}


def _timed(fn, *args) -> tuple[float, object]:
    """Milliseconds of one call, and what it returned."""
    t = time.perf_counter()
    got = fn(*args)
    return (time.perf_counter() - t) * 1000, got


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def measure(nodes: dict, folder: Path, n_queries: int = 200) -> tuple[list, list]:
    """One row of HEAD and the per-kind rows of KIND_HEAD."""
    from graph.search import SearchIndex, build_search_index

    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    build_search_index(nodes, folder)
    build_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    open_ms = min(_timed(SearchIndex.open, folder)[0] for _ in range(3))
    idx = SearchIndex.open(folder)
    qs = queries(nodes, n_queries)
    idx.search(qs[0][1])  # first use: imports (rapidfuzz), scanned block
    idx.suggest(qs[0][1])
    per_kind: dict[str, dict[str, list]] = {}
    s_all, g_all = [], []
    for kind, q in qs:
        box = per_kind.setdefault(kind, {"search": [], "suggest": [], "total": []})
        ms, result = _timed(idx.search, q)
        box["search"].append(ms)
        box["total"].append(result.total)
        s_all.append(ms)
        ms, _ = _timed(idx.suggest, q)
        box["suggest"].append(ms)
        g_all.append(ms)
    nodes_n = sum(t.num_rows for t in nodes.values())
    row = [f"{nodes_n:,}", f"{build_s:.2f}", f"{size:.0f}", f"{open_ms:.1f}",
           f"{statistics.median(s_all):.1f}", f"{_p(s_all, 95):.1f}", f"{max(s_all):.1f}",
           f"{statistics.median(g_all):.1f}", f"{_p(g_all, 95):.1f}", f"{max(g_all):.1f}"]
    kinds = [[k, len(b["search"]), f"{statistics.median(b['search']):.1f}", f"{_p(b['search'], 95):.1f}",
              f"{_p(b['suggest'], 95):.1f}", f"{statistics.median(b['total']):,.0f}"] for k, b in per_kind.items()]
    return row, kinds


def run(scales: list[float]) -> str:
    rows, kinds_at = [], {}
    for scale in scales:
        nodes = read_nodes(bundle(scale))
        row, kinds = measure(nodes, OUT / f"search-{scale:g}")
        rows.append([f"{scale:g}", *row])
        kinds_at[scale] = kinds
        print(table(HEAD, rows[-1:]), flush=True)
        if scale == max(scales):
            row, _ = measure(distinct_merchants(nodes), OUT / f"search-{scale:g}-distinct")
            rows.append([f"{scale:g}, distinct merchant names", *row])
            print(table(HEAD, rows[-1:]), flush=True)
        del nodes
    top = max(scales)
    return ("## Search and suggest\n\n"
            "In one process: `build_search_index` over the node tables of the generated bundle (as a load "
            "would call it; reading the bundle is not timed), the index's size on disk, `SearchIndex.open`, "
            "then 200 `search` (limit 20, facets over all matches) and 200 `suggest` (limit 10) calls of mixed "
            "kinds drawn from the data with a fixed seed. The generated merchant names repeat (63,000 distinct "
            "in a million); the *distinct* row makes each one unique with two random common characters before "
            "it, as real shop names are. Goals at scale 1: p95 within 50 ms for both; the build adds a few "
            "seconds at most to a load.\n\n" + table(HEAD, rows)
            + f"\n\nBy kind of query at scale {top:g}:\n\n" + table(KIND_HEAD, kinds_at[top]))


if __name__ == "__main__":  # python -m bench.bench_search [bundle folder]: one scale-1 measurement
    import sys

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else bundle(1.0)
    nodes = read_nodes(path)
    for what, ns in (("generated", nodes), ("distinct", distinct_merchants(nodes))):
        row, kinds = measure(ns, OUT / f"search-adhoc-{what}")
        print(f"\n{what} merchant names\n")
        print(table(HEAD[1:], [row]))
        print()
        print(table(KIND_HEAD, kinds))
