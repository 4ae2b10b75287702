"""Who connects whom: paths, warm introductions, reach, group relations, matching."""

from __future__ import annotations

from dataclasses import dataclass

from ..anchors import TierSettings
from ..config import Config
from ..connect import Group
from ..connect import connect as connect_group
from ..errors import BadRequest
from ..introductions import WarmPath, warm_paths
from ..matching import MatchResult, match_anchor, match_supply_chain
from ..paths import PathOptions, PathResult, Reached, reachable
from ..rank import RankSettings
from ..store import Store
from .ranking import rank


def paths(store: Store, source: str, target: str, options: PathOptions = PathOptions()) -> PathResult:
    """The k shortest simple paths between two nodes (SPEC §5); Neo4j runs them in the server."""
    return store.paths(source, target, options)


@dataclass(frozen=True)
class Introductions:
    source: str
    target: str
    paths: list[WarmPath]
    complete: bool = True

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.target, "paths": [w.to_dict() for w in self.paths]}


def introductions(store: Store, source: str, target: str, options: PathOptions = PathOptions()) -> Introductions:
    """Warm introductions: the strongest of the shortest paths, with a reason per hop."""
    found, complete = warm_paths(store.graph(), source, target, options)
    return Introductions(source, target, found, complete)


@dataclass(frozen=True)
class Reach:
    source: str
    label: str
    max_hops: int
    items: list[Reached]

    def to_dict(self) -> dict:
        return {"from": self.source, "label": self.label, "max_hops": self.max_hops,
                "items": [r.to_dict() for r in self.items]}


def reach(store: Store, config: Config, source: str, label: str, max_hops: int = 3,
          options: PathOptions = PathOptions(), tier: str | None = None) -> Reach:
    """Every node of a label within ``max_hops``, nearest first; ``tier`` (gold, silver or
    any) keeps the supply chains with that tier in the latest ranking."""
    if tier not in (None, "gold", "silver", "any"):
        raise BadRequest(f"unknown tier {tier!r}: expected gold, silver or any")
    found = reachable(store.graph(), source, label, max_hops, options)
    if tier:
        tiers = {i.id: i.tier for i in rank(store, config).items}
        found = [r for r in found if tiers.get(r.node.id) and (tier == "any" or tiers[r.node.id] == tier)]
    return Reach(source, label, max_hops, found)


def connect(store: Store, ids: list[str], max_hops: int = 6) -> Group:
    """How a group of parties relate: a small connecting tree and the pairwise hops."""
    return connect_group(store.graph(), list(ids), max_hops)


def match(store: Store, config: Config, kind: str, node_id: str, limit: int = 20) -> MatchResult:
    """Supply chains an anchor should carry (``anchor``), or anchors to offer a supply chain to
    (``supply-chain``), with scores and reasons."""
    g = store.graph()
    if kind == "anchor":
        return match_anchor(g, node_id, limit, RankSettings.from_config(config))
    if kind in ("supply-chain", "supply_chain", "SupplyChain"):
        return match_supply_chain(g, node_id, limit, TierSettings.from_config(config))
    raise BadRequest(f"unknown match kind {kind!r}: expected anchor or supply-chain")


__all__ = ["paths", "Introductions", "introductions", "Reach", "reach", "connect", "match"]
