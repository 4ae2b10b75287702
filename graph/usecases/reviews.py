"""The provider quarterly review (SPEC §4): run and record it, history, standings."""

from __future__ import annotations

from dataclasses import dataclass

from .. import quarters
from ..config import Config
from ..errors import BadRequest
from ..review import (
    ReviewRecord,
    ReviewResult,
    ReviewSettings,
    Standing,
    provider_history,
    review_quarters,
    run_review,
    standings_as_of,
)
from ..store import Store


def review(store: Store, config: Config, quarter: str | None = None) -> ReviewResult:
    """Run the provider quarterly review (SPEC §4) for a quarter (default: the latest with
    figures) and record it: plaques, levels and the review history become a new store version."""
    settings = ReviewSettings.from_config(config)
    with store.writing():  # from the graph it reads to the version it records
        g = store.graph()
        quarter = quarters.check(quarter) if quarter else quarters.latest(review_quarters(g))
        if quarter is None:
            raise BadRequest("no provider_quarters facts to review: load a bundle with facts/provider_quarters.csv")
        records, history, state = run_review(g, quarter, settings)
        store.record_review(state, history)
    return ReviewResult(quarter, records)


@dataclass(frozen=True)
class ProviderHistory:
    provider: str
    items: list[ReviewRecord]

    def to_dict(self) -> dict:
        return {"provider": self.provider, "items": [r.to_dict() for r in self.items]}


def review_history(store: Store, provider: str) -> ProviderHistory:
    """One provider's reviewed quarters, oldest first."""
    return ProviderHistory(provider, provider_history(store.graph(), provider))


@dataclass(frozen=True)
class Standings:
    as_of: str
    items: list[Standing]

    def to_dict(self) -> dict:
        return {"as_of": self.as_of, "items": [s.to_dict() for s in self.items]}


def review_standings(store: Store, quarter: str) -> Standings:
    """Every provider's plaque and level as they stood after a quarter's review."""
    quarter = quarters.check(quarter)
    return Standings(quarter, standings_as_of(store.graph(), quarter))


def reviewable_quarters(store: Store) -> list[str]:
    """The quarters a review can run for (those with provider_quarters figures), newest first."""
    return sorted(review_quarters(store.graph()), key=quarters.key, reverse=True)


__all__ = ["review", "reviewable_quarters", "ProviderHistory", "review_history", "Standings", "review_standings"]
