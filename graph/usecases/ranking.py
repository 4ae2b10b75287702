"""Rankings of supply chains (SPEC §3): the ranking, movers, the what-if view."""

from __future__ import annotations

from .. import quarters
from ..config import Config
from ..errors import expect_label
from ..rank import (
    Explanation,
    Movers,
    Pool,
    Ranking,
    RankSettings,
    explain_rows,
    movers_between,
    ranking_from_rows,
)
from ..store import Store


def _quarter(store: Store, quarter: str | None) -> str | None:
    return quarters.check(quarter) if quarter else quarters.latest(store.sales_quarters())


def _checked_pool(store: Store, pool: Pool) -> Pool:
    if pool.belt is not None:
        expect_label(store.node(pool.belt), pool.belt, "Belt")
    return pool


def rank(store: Store, config: Config, quarter: str | None = None, pool: Pool = Pool()) -> Ranking:
    """Gold and silver supply chains of a pool in a quarter (default: the latest), SPEC §3."""
    settings = RankSettings.from_config(config)
    quarter = _quarter(store, quarter)
    _checked_pool(store, pool)
    if quarter is None:
        return Ranking(None, pool, [])
    if getattr(store, "backend", None) == "embedded":  # the graph of one version: its ranking is kept with it
        return store.graph().memo(("ranking", quarter, pool, settings.key()), lambda: ranking_from_rows(
            quarter, pool, store.metric_rows(quarter, pool), settings))
    return ranking_from_rows(quarter, pool, store.metric_rows(quarter, pool), settings)


def rank_movers(store: Store, config: Config, quarter: str | None = None, pool: Pool = Pool()) -> Movers:
    """The quarter's ranking against the previous quarter's: new gold, new silver, dropped."""
    now = rank(store, config, quarter, pool)
    if now.quarter is None:
        return Movers(None, None, [])
    return movers_between(now, rank(store, config, quarters.previous(now.quarter), pool))


def rank_explain(store: Store, config: Config, sc_id: str, quarter: str | None = None,
                 pool: Pool = Pool()) -> Explanation:
    """What a supply chain lacks for gold and for silver (the what-if view)."""
    expect_label(store.node(sc_id), sc_id, "SupplyChain")
    quarter = _quarter(store, quarter)
    _checked_pool(store, pool)
    settings = RankSettings.from_config(config)

    def compute() -> Explanation:
        return explain_rows(sc_id, quarter, pool, store.metric_rows(quarter, pool), settings)

    if getattr(store, "backend", None) == "embedded":
        return store.graph().memo(("explain", sc_id, quarter, pool, settings.key()), compute)
    return compute()


__all__ = ["rank", "rank_movers", "rank_explain"]
