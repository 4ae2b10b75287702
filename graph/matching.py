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

import numpy as np
import pyarrow as pa

from .adjacency import LABEL_CODES, TYPE_BITS
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


def _linked(g: BeltGraph, node_id: str, rel: str) -> list[str]:
    """The ids joined to a node by ``rel`` (either direction), from the compact adjacency."""
    adj = g.adj
    nbr, tmask = adj.neighbors(adj.index(node_id))
    return [adj.id(int(j)) for j in nbr[(tmask & TYPE_BITS[rel]) != 0]]


def _by_other_end(g: BeltGraph, ids, rel: str) -> dict[str, set[str]]:
    """The nodes ``rel`` joins the ``ids`` to, each with the ids that reach it."""
    out: dict[str, set[str]] = {}
    for x in ids:
        for y in _linked(g, x, rel):
            out.setdefault(y, set()).add(x)
    return out


def _belts_of_chains(g: BeltGraph) -> dict[str, set[str]]:
    """Every supply chain's belts (IN_BELT), read off the adjacency rows of the supply
    chains alone (the million merchants' IN_BELT rows are never touched)."""
    adj = g.adj
    idx = np.flatnonzero(adj.labels == LABEL_CODES["SupplyChain"])
    starts = adj.indptr[idx]
    lengths = adj.indptr[idx + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return {}
    pos = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(total)
    hit = (adj.tmask[pos] & TYPE_BITS["IN_BELT"]) != 0
    chains = adj.ids.take(pa.array(np.repeat(idx, lengths)[hit])).to_pylist()
    belts = adj.ids.take(pa.array(adj.nbr[pos[hit]].astype(np.int64))).to_pylist()
    out: dict[str, set[str]] = {}
    for sc, belt in zip(chains, belts):
        out.setdefault(sc, set()).add(belt)
    return out


def _team_leader_reason(names, tl: str) -> list[str]:
    return [f"team leader {names(tl)} ({tl}) matches the anchor and recruits the supply chain"]


def _closeness_of_chain(sc: str, tls_of_sc, incubators, belts_of, names) -> tuple[float, list[str]]:
    """Closeness of a supply chain to the anchor whose team leaders (``tls_of_sc``: supply
    chain -> those recruiting it) and incubators (sorted, each with what it runs and the
    belts it serves) are given."""
    shared = tls_of_sc.get(sc)
    if shared:
        return 1.0, _team_leader_reason(names, min(shared))
    best, why = 0.0, []
    for p, runs, served in incubators:
        if sc in runs:
            return 0.8, [f"the anchor's incubator {names(p)} ({p}) runs it"]
        if belts_of.get(sc, set()) & served:
            best, why = 0.5, [f"the anchor's incubator {names(p)} ({p}) serves its belt"]
    return best, why


def _closeness_of_anchor(anchor: str, tls_of_anchor, incubators_of, runners, servers,
                         names) -> tuple[float, list[str]]:
    """The same closeness seen from the supply chain: its recruiting team leaders by the
    anchors they match, and the providers that run it or serve its belt by the anchors
    they incubate."""
    shared = tls_of_anchor.get(anchor)
    if shared:
        return 1.0, _team_leader_reason(names, min(shared))
    best, why = 0.0, []
    for p in sorted(incubators_of.get(anchor, ())):
        if p in runners:
            return 0.8, [f"the anchor's incubator {names(p)} ({p}) runs it"]
        if p in servers:
            best, why = 0.5, [f"the anchor's incubator {names(p)} ({p}) serves its belt"]
    return best, why


def match_anchor(g: BeltGraph, anchor_id: str, limit: int = 20, settings: RankSettings | None = None) -> MatchResult:
    """Supply chains the anchor does not sell yet, best first."""
    anchor = g.expect(anchor_id, "Anchor")
    ranking = rank_supply_chains(g, settings=settings)
    ranked = ranking.by_id()
    sold = set(_linked(g, anchor_id, "SELLS"))
    names = lambda i: g.adj.name(g.adj.index(i))  # noqa: E731
    tls_of_sc = _by_other_end(g, _linked(g, anchor_id, "MATCHES"), "RECRUITS")
    incubators = [(p, set(_linked(g, p, "RUNS")), set(_linked(g, p, "SERVES")))
                  for p in sorted(_linked(g, anchor_id, "INCUBATES"))]
    belts_of = _belts_of_chains(g) if any(served for _, _, served in incubators) else {}
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
        close, why = _closeness_of_chain(sc["id"], tls_of_sc, incubators, belts_of, names)
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
    quarter, anchor_list = anchor_tiers(g, None, tiers)
    sellers = set(_linked(g, sc_id, "SELLS"))
    names = lambda i: g.adj.name(g.adj.index(i))  # noqa: E731
    cats = dict(zip(g.nodes["Anchor"].column("id").to_pylist(), g.nodes["Anchor"].column("category").to_pylist()))
    tls_of_anchor = _by_other_end(g, _linked(g, sc_id, "RECRUITS"), "MATCHES")
    runners = set(_linked(g, sc_id, "RUNS"))
    servers = {p for b in _linked(g, sc_id, "IN_BELT") for p in _linked(g, b, "SERVES")}
    incubators_of = _by_other_end(g, sorted(runners | servers), "INCUBATES")
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
        close, why = _closeness_of_anchor(a.id, tls_of_anchor, incubators_of, runners, servers, names)
        reasons += why
        parts = {"category": fit, "standing": standing, "strength": strength, "closeness": close}
        score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items())
        out.append(Match(a.id, a.name, score, parts, reasons))
    out.sort(key=lambda m: (-round(m.score, 9), m.id))
    return MatchResult("supply_chain", sc_id, sc["name"], out[:limit])


__all__ = ["match_anchor", "match_supply_chain", "category_fit"]
