"""Ranking benchmark (issue 3): rank every supply chain for one quarter at each scale."""

from __future__ import annotations


from .common import beltgraph, bundle, env_for, median_ms, peak_rss, store_for, table

HEAD = ["scale", "supply chains", "SELLS", "rank all (ms, median of 5)", "pool: division (ms)", "what-if (ms)",
        "review one quarter (ms)", "rank cold CLI (s)"]


def _ensure_store(scale: float):
    from graph.config import Config
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(store_for(scale), Config.load())
    if not any(store.stats()["nodes"].values()):
        from loaders import load_bundle

        load_bundle(store, bundle(scale))
    return store



def run(scales: list[float]) -> str:
    from graph.rank import Pool, explain, rank_supply_chains
    from graph.review import ReviewSettings, review_quarter

    rows = []
    for scale in scales:
        store = _ensure_store(scale)
        g = store.graph()
        g.rels["SELLS"], g.nodes["SupplyChain"], g.rels["IN_BELT"]  # map the files once
        r = rank_supply_chains(g)
        all_ms = median_ms(lambda: rank_supply_chains(g))
        div_ms = median_ms(lambda: rank_supply_chains(g, pool=Pool(division="big_apparel")))
        target = r.items[len(r.items) // 2].id
        what_ms = median_ms(lambda: explain(g, target), repeat=3)
        rev_ms = median_ms(lambda: review_quarter(g, "2020Q4", ReviewSettings.default()), repeat=3)
        cold, _, _ = peak_rss(beltgraph("rank", "--json"), env_for(store_for(scale)))
        rows.append([f"{scale:g}", f"{g.nodes['SupplyChain'].num_rows:,}", f"{g.rels['SELLS'].num_rows:,}",
                     f"{all_ms:.0f}", f"{div_ms:.0f}", f"{what_ms:.0f}", f"{rev_ms:.0f}", f"{cold:.2f}"])
        print(table(HEAD, rows[-1:]), flush=True)
        store.close()
    return ("## Rankings and reviews (issue 3)\n\n"
            "In one process over a loaded store (snapshot files already mapped): SPEC §3 ranking of every "
            "supply chain for the latest quarter, the same for one division's pool, `--explain` of a mid-table "
            "supply chain (binary search, every step a full re-rank), and one quarter's provider review. "
            "*rank cold CLI* is a whole `beltgraph rank --json` process. Goal: ranking all at scale 1 within "
            "0.5 s.\n\n" + table(HEAD, rows))
