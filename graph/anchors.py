"""Anchor tiers: head, mid and tail anchors by followers and by GMV in a quarter.

>>> classify(150_000, 1_000_000, 100_000)
'mid'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc

from . import quarters
from .config import Config
from .graph import BeltGraph
from .rank import latest_quarter


def classify(value: float | None, head: float, mid: float) -> str:
    if value is None:
        return "tail"
    return "head" if value >= head else "mid" if value >= mid else "tail"


@dataclass(frozen=True)
class TierSettings:
    """``[anchors]`` of the settings (graph.config holds the defaults and checks)."""

    head_followers: float
    mid_followers: float
    head_gmv: float
    mid_gmv: float

    @classmethod
    def from_config(cls, config: Config) -> "TierSettings":
        return cls(**config.section("anchors"))

    @classmethod
    def default(cls) -> "TierSettings":
        return cls.from_config(Config.defaults())


@dataclass(frozen=True)
class AnchorTier:
    id: str
    name: str
    followers: int | None
    follower_tier: str
    gmv: float
    gmv_tier: str

    def to_dict(self) -> dict:  # asdict's deep copy is slow for 12,000 anchors
        return {"id": self.id, "name": self.name, "followers": self.followers, "follower_tier": self.follower_tier,
                "gmv": self.gmv, "gmv_tier": self.gmv_tier}


def _anchor_gmv(g: BeltGraph, quarter: str | None) -> dict[str, float]:
    sells = g.rels["SELLS"]
    if quarter is None or sells.num_rows == 0:
        return {}
    q = sells.filter(pc.equal(sells.column("quarter"), quarter))
    agg = q.group_by("from", use_threads=False).aggregate([("gmv", "sum")])
    return dict(zip(agg.column("from").to_pylist(), agg.column("gmv_sum").to_pylist()))


def anchor_tiers(g: BeltGraph, quarter: str | None = None, settings: TierSettings | None = None) -> tuple[str | None, list[AnchorTier]]:
    """Every anchor's tier by followers and by GMV in the quarter (default: the latest)."""
    settings = settings or TierSettings.default()
    quarter = quarters.check(quarter) if quarter else latest_quarter(g)
    quarter, items = g.memo(("anchor_tiers", quarter, settings), lambda: _anchor_tiers(g, quarter, settings))
    return quarter, list(items)


def _anchor_tiers(g: BeltGraph, quarter: str | None, settings: TierSettings) -> tuple[str | None, list[AnchorTier]]:
    gmv = _anchor_gmv(g, quarter)
    out = []
    for a in g.nodes["Anchor"].select(["id", "name", "followers"]).sort_by("id").to_pylist():
        v = gmv.get(a["id"]) or 0.0
        out.append(AnchorTier(a["id"], a["name"], a["followers"],
                              classify(a["followers"], settings.head_followers, settings.mid_followers),
                              v, classify(v, settings.head_gmv, settings.mid_gmv)))
    return quarter, out


@dataclass(frozen=True)
class Incubation:
    provider: str
    name: str
    incubated: int
    mid_by_followers: list[str]
    mid_by_gmv: list[str]

    def to_dict(self) -> dict:
        return {"provider": self.provider, "name": self.name, "incubated": self.incubated,
                "mid_by_followers": len(self.mid_by_followers), "mid_by_gmv": len(self.mid_by_gmv),
                "anchors_mid_by_followers": self.mid_by_followers, "anchors_mid_by_gmv": self.mid_by_gmv}


def incubated_mid_tier(g: BeltGraph, quarter: str | None = None,
                       settings: TierSettings | None = None) -> tuple[str | None, list[Incubation]]:
    """Per provider, the mid-tier anchors it incubated (the programs count these)."""
    quarter, tiers = anchor_tiers(g, quarter, settings)
    by_id = {t.id: t for t in tiers}
    inc = g.rels["INCUBATES"].select(["from", "to"]).to_pylist()
    per: dict[str, list[str]] = {}
    for r in inc:
        per.setdefault(r["from"], []).append(r["to"])
    out = []
    for p in g.nodes["Provider"].select(["id", "name"]).sort_by("id").to_pylist():
        anchors = sorted(set(per.get(p["id"], [])))
        out.append(Incubation(p["id"], p["name"], len(anchors),
                              [a for a in anchors if by_id[a].follower_tier == "mid"],
                              [a for a in anchors if by_id[a].gmv_tier == "mid"]))
    out.sort(key=lambda i: (-len(i.mid_by_followers), -len(i.mid_by_gmv), i.provider))
    return quarter, out
