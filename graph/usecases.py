"""What a user does, one function each, below both surfaces.

The CLI (``beltgraph``) and the web app (pages and their ``/api`` twins) parse their
input, call one of these with the store and the settings (a :class:`graph.config.Config`),
and render the typed result's ``to_dict()``. Nothing here knows about click, Flask or a
driver: a store (graph.store.Store) gives the data, or answers in its server where it
can (rank metrics, shortest paths), and the shared algorithms of graph/ do the rest.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from . import quarters
from .anchors import AnchorTier, Incubation, TierSettings, anchor_tiers, incubated_mid_tier
from .config import Config
from .connect import Group, connect as connect_group
from .coverage import Coverage, coverage_gaps
from .errors import BadRequest, expect_label
from .introductions import WarmPath, warm_paths
from .matching import MatchResult, match_anchor, match_supply_chain
from .merchant_plan import Plan, PlanSettings, merchant_plan as plan_of
from .model import LABELS, REL_TYPES
from .paths import PathOptions, PathResult, Reached, canonical_name, reachable
from .rank import (Explanation, Movers, Pool, Ranking, RankSettings, explain_rows, movers_between,
                   ranking_from_rows)
from .review import (ReviewRecord, ReviewResult, ReviewSettings, Standing, provider_history, review_quarters,
                     run_review, standings_as_of)
from .store import CypherResult, ProgressFn, Store
from .summary import BeltSummary, belt_summaries


# ---------------------------------------------------------------- counts and Cypher

def stats(store: Store) -> dict:
    """Nodes per label and relationships per type."""
    counts = store.stats()
    return {"nodes": counts["nodes"], "relationships": counts["relationships"]}


def cypher(store: Store, query: str, params: dict | None = None) -> CypherResult:
    """A read-only Cypher query (writes and file access are refused; timeout and row cap from settings)."""
    return store.cypher(query, params or {})


# ---------------------------------------------------------------- rankings

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
    return explain_rows(sc_id, quarter, pool, store.metric_rows(quarter, pool), RankSettings.from_config(config))


# ---------------------------------------------------------------- provider reviews

def review(store: Store, config: Config, quarter: str | None = None) -> ReviewResult:
    """Run the provider quarterly review (SPEC §4) for a quarter (default: the latest with
    figures) and record it: plaques, levels and the review history become a new store version."""
    g = store.graph()
    quarter = quarters.check(quarter) if quarter else quarters.latest(review_quarters(g))
    if quarter is None:
        raise BadRequest("no provider_quarters facts to review: load a bundle with facts/provider_quarters.csv")
    records, history, state = run_review(g, quarter, ReviewSettings.from_config(config))
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


# ---------------------------------------------------------------- paths

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


# ---------------------------------------------------------------- programs

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


# ---------------------------------------------------------------- Neo4j mirror

@dataclass(frozen=True)
class Sync:
    """A push to Neo4j or a pull from it: where from, where to, the counts now there."""

    direction: str      # push or pull
    source: str
    target: str
    counts: dict
    seconds: float

    def to_dict(self) -> dict:
        end = {"to": self.target} if self.direction == "push" else {"from": self.source}
        out = {"ok": True, **end, **self.counts}
        if self.direction == "push":
            out["seconds"] = round(self.seconds, 3)
        return out


def neo4j_push(config: Config, data: str | None = None, progress: ProgressFn | None = None) -> Sync:
    """Make the configured Neo4j hold exactly the embedded store's graph (idempotent)."""
    from .embedded import EmbeddedStore
    from .neo4j_store import Neo4jStore, push

    local, server = EmbeddedStore(config.data_dir(data), config), Neo4jStore(config)
    try:
        start = time.perf_counter()
        counts = push(server, local.read_data(), progress)
        return Sync("push", local.describe(), server.describe(), counts, time.perf_counter() - start)
    finally:
        local.close()
        server.close()


# ---------------------------------------------------------------- belts, profiles, subgraphs

@dataclass(frozen=True)
class BeltList:
    items: list[BeltSummary]
    categories: list[str]
    category: str = ""
    q: str = ""

    def to_dict(self) -> dict:
        return {"items": [b.to_dict() for b in self.items], "categories": self.categories}


def belts(store: Store, category: str = "", q: str = "") -> BeltList:
    """Every belt with its counts, filtered by category and a search term (name, English
    name, place, id, pinyin or its initials)."""
    from .pinyin import matches_any

    everything = belt_summaries(store.graph())
    items = everything
    category, q = (category or "").strip(), (q or "").strip()
    if category:
        items = [b for b in items if b.category == category]
    if q:
        items = [b for b in items if matches_any(q, (b.name, b.name_en, b.province, b.city, b.id), b.name)]
    return BeltList(items, sorted({b.category for b in everything}), category, q)


@dataclass(frozen=True)
class Neighbours:
    type: str
    direction: str          # out: this node is the relationship's start; in: its end
    label: str              # the other end's label
    count: int
    items: list[dict]       # {id, label, name}, a page of them
    offset: int = 0

    def to_dict(self) -> dict:
        return {"type": self.type, "direction": self.direction, "label": self.label, "count": self.count,
                "offset": self.offset, "items": self.items}


@dataclass(frozen=True)
class NodeProfile:
    id: str
    label: str
    name: str
    properties: dict
    relationships: list[Neighbours]

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "name": self.name, "properties": self.properties,
                "relationships": [r.to_dict() for r in self.relationships]}


def node_profile(store: Store, node_id: str, per_type: int = 10, rel_type: str | None = None,
                 offset: int = 0) -> NodeProfile:
    """A node's properties and its neighbours grouped by relationship type, with counts and
    a page of ``per_type`` neighbours each (``rel_type`` and ``offset`` page one group)."""
    if per_type < 0 or offset < 0:
        raise BadRequest("per_type and offset must not be negative")
    rel_type = canonical_name(rel_type) if rel_type else None
    if rel_type is not None and rel_type not in REL_TYPES:
        raise BadRequest(f"{rel_type!r} is a label, not a relationship type")
    g = store.graph()
    node = g.node(node_id)
    label = node["label"]
    groups = []
    for t, other, ids in g.neighbours_by_type(node_id):
        if rel_type is not None and t != rel_type:
            continue
        direction = "out" if REL_TYPES[t].allows(label, other) else "in"
        start = offset if rel_type else 0
        page = [g.brief(i) for i in ids[start:start + per_type]]
        groups.append(Neighbours(t, direction, other, len(ids), page, start))
    props = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
             for k, v in node.items() if k != "label"}
    return NodeProfile(node_id, label, node.get("name", node_id), props, groups)


@dataclass(frozen=True)
class Subgraph:
    """A selection of the graph for a drawing or an export: nodes, relationships, and what
    was selected from which data version on which date."""

    nodes: list[dict]           # {id, label, name, ...properties}
    rels: list[dict]            # {from, to, type, ...properties}
    selection: dict
    version: str | None
    date: str = field(default_factory=lambda: dt.date.today().isoformat())

    def to_dict(self) -> dict:
        return {"selection": self.selection, "version": self.version, "date": self.date,
                "nodes": self.nodes, "rels": self.rels}


def subgraph(store: Store, around: str | None = None, depth: int = 1, labels: tuple[str, ...] = (),
             types: tuple[str, ...] = (), query: str | None = None, ids: tuple[str, ...] = (),
             max_nodes: int | None = None) -> Subgraph:
    """The nodes and relationships to draw or export: the whole graph, the neighbourhood of
    ``around`` within ``depth`` hops, the nodes a read-only ``query`` returns, or given
    ``ids``; narrowed to ``labels`` and relationship ``types``. More than ``max_nodes`` nodes
    is refused with a message suggesting a filter."""
    from .subgraphs import select

    labels = tuple(canonical_name(x) for x in labels)
    types = tuple(canonical_name(x) for x in types)
    if any(x not in LABELS for x in labels) or any(x not in REL_TYPES for x in types):
        raise BadRequest("--label takes labels and --type relationship types")
    found = None
    if query:
        found = store.cypher(query, {})
    nodes, rels = select(store.graph(), around, depth, labels, types, found, ids, max_nodes)
    selection = {k: v for k, v in (("around", around), ("depth", depth if around else None),
                                   ("labels", list(labels) or None), ("types", list(types) or None),
                                   ("query", query), ("ids", list(ids) or None)) if v is not None}
    return Subgraph(nodes, rels, selection or {"whole": True}, store.version())
