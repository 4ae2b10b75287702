"""The platform's programs: coverage gaps, anchor tiers, the new-merchant plan."""

from __future__ import annotations

from dataclasses import dataclass

from ..anchors import (
    AnchorTier,
    Incubation,
    TierSettings,
    anchor_tiers,
    incubated_mid_tier,
)
from ..config import Config
from ..coverage import Coverage, coverage_gaps
from ..merchant_plan import Plan, PlanSettings
from ..merchant_plan import merchant_plan as plan_of
from ..rank import RankSettings
from ..store import Store


def gaps(store: Store, config: Config, quarter: str | None = None) -> Coverage:
    """Belts x provider roles, belts without gold or silver supply chains."""
    return coverage_gaps(store.graph(), quarter, RankSettings.from_config(config))


@dataclass(frozen=True)
class AnchorTiers:
    quarter: str | None
    items: list[AnchorTier]

    def counts(self) -> dict[str, dict[str, int]]:
        """Anchors per tier, by followers and by GMV."""
        out = {t: {"followers": 0, "gmv": 0} for t in ("head", "mid", "tail")}
        for i in self.items:
            out[i.follower_tier]["followers"] += 1
            out[i.gmv_tier]["gmv"] += 1
        return out

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "items": [i.to_dict() for i in self.items]}


def anchors(store: Store, config: Config, quarter: str | None = None) -> AnchorTiers:
    """Every anchor's tier (head, mid, tail) by followers and by GMV in the quarter."""
    return AnchorTiers(*anchor_tiers(store.graph(), quarter, TierSettings.from_config(config)))


@dataclass(frozen=True)
class Incubations:
    quarter: str | None
    items: list[Incubation]

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "items": [i.to_dict() for i in self.items]}


def incubated(store: Store, config: Config, quarter: str | None = None) -> Incubations:
    """Per provider, the mid-tier anchors it incubated."""
    return Incubations(*incubated_mid_tier(store.graph(), quarter, TierSettings.from_config(config)))


def merchant_plan(store: Store, config: Config) -> Plan:
    """New merchants on the reduced-fee plan, per belt, and those near the cap."""
    return plan_of(store.graph(), PlanSettings.from_config(config))


__all__ = ["gaps", "AnchorTiers", "anchors", "Incubations", "incubated", "merchant_plan"]
