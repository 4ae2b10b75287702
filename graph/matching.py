"""Supply-demand matching of the goods alliance: which supply chains an anchor should carry,
and which anchors a supply chain should be offered to.

Score of a candidate (0..100) = 100 * (0.40 * category fit + 0.25 * standing + 0.15 * strength
+ 0.20 * closeness), where

- category fit: 1 same category, 0.5 same family (apparel, jewelry, jade, rosewood, other), else 0;
- standing: for a supply chain its tier in the latest quarter's ranking (gold 1, silver 0.6,
  ranked 0.3, unranked 0); for an anchor its follower tier (head 1, mid 0.7, tail 0.3);
- strength: for a supply chain its score / 100; for an anchor min(1, log10(1 + gmv in the latest
  quarter) / 7);
- closeness: 1 if a team leader matches the anchor and recruits the supply chain, 0.8 if the
  anchor's incubating provider runs it, 0.5 if that provider serves the supply chain's belt, else 0.

What the anchor already sells (SELLS in any quarter) is never suggested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .anchors import TierSettings, anchor_tiers
from .graph import BeltGraph
from .rank import RankSettings, rank_supply_chains

FAMILIES = ("apparel", "jewelry", "jade", "rosewood")
WEIGHTS = {"category": 0.40, "standing": 0.25, "strength": 0.15, "closeness": 0.20}


def family(category: str | None) -> str | None:
    if category is None:
        return None
    return category if category in FAMILIES else "other"


def category_fit(a: str | None, b: str | None) -> float:
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    return 0.5 if family(a) == family(b) else 0.0


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    score: float
    parts: dict
    reasons: list[str]

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "score": round(self.score, 4),
                "parts": {k: round(v, 4) for k, v in self.parts.items()}, "reasons": self.reasons}


@dataclass(frozen=True)
class MatchResult:
    kind: str
    id: str
    name: str
    items: list[Match]

    def to_dict(self) -> dict:
        return {"for": self.kind, "id": self.id, "name": self.name, "items": [m.to_dict() for m in self.items]}


def _pairs(g: BeltGraph, rel: str) -> list[tuple[str, str]]:
    t = g.rels[rel]
    return list(zip(t.column("from").to_pylist(), t.column("to").to_pylist())) if t.num_rows else []


def _links(g: BeltGraph):
    """The relationships matching reads, as dicts of sets."""
    def index(rel, reverse=False):
        out: dict[str, set[str]] = {}
        for a, b in _pairs(g, rel):
            if reverse:
                a, b = b, a
            out.setdefault(a, set()).add(b)
        return out

    return {
        "tl_of_anchor": index("MATCHES", reverse=True),
        "sc_of_tl": index("RECRUITS"),
        "tl_of_sc": index("RECRUITS", reverse=True),
        "anchors_of_tl": index("MATCHES"),
        "incubator_of_anchor": index("INCUBATES", reverse=True),
        "sc_run_by": index("RUNS"),
        "belts_served_by": index("SERVES"),
        "belt_of": index("IN_BELT"),
        "sold_by_anchor": index("SELLS"),
    }


def _closeness(links, anchor: str, sc: str, names) -> tuple[float, list[str]]:
    shared = links["tl_of_anchor"].get(anchor, set()) & links["tl_of_sc"].get(sc, set())
    if shared:
        tl = min(shared)
        return 1.0, [f"team leader {names(tl)} ({tl}) matches the anchor and recruits the supply chain"]
    best, why = 0.0, []
    for p in sorted(links["incubator_of_anchor"].get(anchor, ())):
        if sc in links["sc_run_by"].get(p, ()):
            return 0.8, [f"the anchor's incubator {names(p)} ({p}) runs it"]
        if links["belt_of"].get(sc, set()) & links["belts_served_by"].get(p, set()):
            best, why = 0.5, [f"the anchor's incubator {names(p)} ({p}) serves its belt"]
    return best, why


def match_anchor(g: BeltGraph, anchor_id: str, limit: int = 20, settings: RankSettings | None = None) -> MatchResult:
    """Supply chains the anchor does not sell yet, best first."""
    anchor = g.expect(anchor_id, "Anchor")
    links = _links(g)
    ranking = rank_supply_chains(g, settings=settings)
    ranked = ranking.by_id()
    sold = links["sold_by_anchor"].get(anchor_id, set())
    names = lambda i: g.adj.name(g.adj.index(i))  # noqa: E731
    out = []
    for sc in g.nodes["SupplyChain"].select(["id", "name", "category"]).to_pylist():
        if sc["id"] in sold:
            continue
        reasons = []
        fit = category_fit(anchor.get("category"), sc["category"])
        if fit == 1:
            reasons.append(f"same category ({sc['category']})")
        elif fit:
            reasons.append(f"related category ({sc['category']} for a {anchor.get('category')} anchor)")
        item = ranked.get(sc["id"])
        standing = {"gold": 1.0, "silver": 0.6}.get(item.tier, 0.3) if item else 0.0
        if item:
            reasons.append(f"{item.tier or 'ranked'} #{item.rank} in {ranking.quarter} (score {item.score:.1f})")
        strength = (item.score / 100) if item else 0.0
        close, why = _closeness(links, anchor_id, sc["id"], names)
        reasons += why
        parts = {"category": fit, "standing": standing, "strength": strength, "closeness": close}
        score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items())
        out.append(Match(sc["id"], sc["name"], score, parts, reasons))
    out.sort(key=lambda m: (-round(m.score, 9), m.id))
    return MatchResult("anchor", anchor_id, anchor["name"], out[:limit])


def match_supply_chain(g: BeltGraph, sc_id: str, limit: int = 20,
                       tiers: TierSettings | None = None) -> MatchResult:
    """Anchors that do not sell the supply chain yet, best first."""
    sc = g.expect(sc_id, "SupplyChain")
    links = _links(g)
    quarter, anchor_list = anchor_tiers(g, None, tiers)
    sellers = {a for a, s in _pairs(g, "SELLS") if s == sc_id}
    names = lambda i: g.adj.name(g.adj.index(i))  # noqa: E731
    cats = dict(zip(g.nodes["Anchor"].column("id").to_pylist(), g.nodes["Anchor"].column("category").to_pylist()))
    out = []
    for a in anchor_list:
        if a.id in sellers:
            continue
        reasons = []
        fit = category_fit(cats.get(a.id), sc["category"])
        if fit == 1:
            reasons.append(f"sells {sc['category']}")
        elif fit:
            reasons.append(f"sells {cats.get(a.id)}, a related category")
        standing = {"head": 1.0, "mid": 0.7, "tail": 0.3}[a.follower_tier]
        reasons.append(f"{a.follower_tier} anchor, {a.followers or 0:,} followers")
        strength = min(1.0, math.log10(1 + (a.gmv or 0)) / 7)
        if a.gmv:
            reasons.append(f"GMV {a.gmv:,.0f} in {quarter}")
        close, why = _closeness(links, a.id, sc_id, names)
        reasons += why
        parts = {"category": fit, "standing": standing, "strength": strength, "closeness": close}
        score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items())
        out.append(Match(a.id, a.name, score, parts, reasons))
    out.sort(key=lambda m: (-round(m.score, 9), m.id))
    return MatchResult("supply_chain", sc_id, sc["name"], out[:limit])


__all__ = ["match_anchor", "match_supply_chain", "category_fit"]
