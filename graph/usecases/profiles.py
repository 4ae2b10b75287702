"""Profiles: a belt's page, any entity's page with its figures per quarter, the belts map.

Everything here reads the graph's tables with Arrow filters and group-bys and the
adjacency (``BeltGraph.neighbours_by_type``): a belt of hundreds of thousands of
merchants is counted, never listed, and no networkx graph is built.

Gold and silver are the platform-wide ranking of a quarter (SPEC §3, all supply
chains), the tiers the /gaps page and ``beltgraph rank`` give; a belt's own list is
ordered by its belt pool (``/rank?belt=``). The rankings of a store version are kept
for the next page (embedded store only: its versions change with every load and review).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import quarters
from ..anchors import TierSettings, classify
from ..config import Config
from ..errors import BadRequest, expect_label
from ..graph import SIZE_OF, BeltGraph
from ..model import LABELS, ROLES
from ..rank import Pool, Ranking, RankSettings, ranking_from_rows
from ..review import provider_history
from ..store import Store
from .browse import NodeProfile, node_profile

#: How much of a belt's neighbourhood the profile draws (at most ~80 nodes in all).
GRAPH_LIMITS = {"Base": 10, "Provider": 16, "SupplyChain": 12, "Anchor": 8}
#: Rows of the belt page's lists.
TOP_ANCHORS = 10
EPOCH = dt.date(1970, 1, 1)


# ---------------------------------------------------------------- rankings, kept per store version

_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 24


def _cached(store: Store, key: tuple, make):
    version = store.version() if getattr(store, "backend", None) == "embedded" else None
    if version is None:
        return make()
    full = (id(store), version, *key)
    with _CACHE_LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]
    value = make()
    with _CACHE_LOCK:
        _CACHE[full] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _settings_key(s: RankSettings) -> tuple:
    return (tuple(sorted(s.weights.items())), s.gold_count, s.silver_count, s.min_anchors)


def _metric_rows(store: Store, quarter: str) -> list[dict]:
    return _cached(store, ("rows", quarter), lambda: store.metric_rows(quarter, Pool()))


def _platform_ranking(store: Store, settings: RankSettings, quarter: str) -> Ranking:
    """The ranking of all supply chains in ``quarter`` (SPEC §3)."""
    return _cached(store, ("rank", quarter, _settings_key(settings)),
                   lambda: ranking_from_rows(quarter, Pool(), _metric_rows(store, quarter), settings))


# ---------------------------------------------------------------- table helpers

def _rows(g: BeltGraph, label: str, idx, columns: list[str] | None = None) -> pa.Table:
    """The label's rows of the nodes at adjacency indices ``idx``, in that order."""
    t = g.nodes[label]
    idx = np.asarray(idx, dtype=np.int64)
    if columns is not None:
        t = t.select([c for c in columns if c in t.column_names])
    if len(idx) == 0:
        return t.slice(0, 0)
    out = t.take(pa.array(g.adj.rows[idx]))
    ids = pa.array([g.adj.id(int(i)) for i in idx], pa.string()) if len(idx) <= 1000 else None
    if ids is not None and not out.column("id").combine_chunks().equals(ids):  # rows out of step: by id
        found = t.filter(pc.is_in(t.column("id"), value_set=ids))
        order = pc.index_in(ids, value_set=found.column("id"))
        out = found.take(order)
    return out


def _indices(g: BeltGraph, ids: list[str]) -> list[int]:
    return [g.adj.index(i) for i in ids]


def _groups(g: BeltGraph, node_id: str) -> dict[tuple[str, str], list[int]]:
    """(relationship type, other label) -> adjacency indices, biggest first."""
    return {(t, other): idx for t, other, idx in g.neighbours_by_type(node_id)}


def _ids(g: BeltGraph, idx) -> pa.Array:
    return pa.array([g.adj.id(int(i)) for i in idx], pa.string())


def _sum(agg: pa.Table, column: str) -> list:
    return agg.column(column).to_pylist() if column in agg.column_names else [None] * agg.num_rows


def _per_quarter(t: pa.Table, aggregations: list[tuple]) -> dict[str, dict]:
    """``t`` (with a quarter column) grouped by quarter: {quarter: {output name: value}}."""
    if t.num_rows == 0:
        return {}
    agg = t.group_by("quarter", use_threads=False).aggregate([(c, f, *o) for c, f, _, *o in aggregations])
    out = {}
    for i, q in enumerate(agg.column("quarter").to_pylist()):
        out[q] = {name: agg.column(f"{c}_{f}")[i].as_py() for c, f, name, *_ in aggregations}
    return out


_SUM = pc.ScalarAggregateOptions(min_count=1)


# ---------------------------------------------------------------- a belt

@dataclass(frozen=True)
class BeltQuarter:
    quarter: str
    gmv: float | None       # SELLS.gmv of the belt's supply chains
    sessions: int | None    # their live-stream sessions
    merchants: int          # the belt's merchants that had joined by the quarter's end (no date: counted)
    anchors: int            # distinct anchors selling its supply chains

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "gmv": self.gmv, "sessions": self.sessions,
                "merchants": self.merchants, "anchors": self.anchors}


@dataclass(frozen=True)
class BeltProfile:
    """A belt's page: where it is, its figures per quarter and who works in it."""

    id: str
    name: str
    properties: dict
    quarter: str | None                  # the latest quarter with sales
    counts: dict                         # bases, supply_chains, merchants, providers
    quarters: list[BeltQuarter]
    bases: list[dict]
    providers: dict[str, list[dict]]     # role -> providers serving the belt with it
    supply_chains: list[dict]            # ranked in the belt's pool, with the platform tier
    unranked_supply_chains: int          # the belt's supply chains below min_anchors (or no sales)
    anchors: list[dict]                  # top sellers of its supply chains in the quarter
    gaps: dict
    graph: dict                          # {nodes, rels} for BGGraph.draw

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "properties": self.properties, "quarter": self.quarter,
                "counts": self.counts, "quarters": [q.to_dict() for q in self.quarters], "bases": self.bases,
                "providers": self.providers, "supply_chains": self.supply_chains,
                "unranked_supply_chains": self.unranked_supply_chains, "anchors": self.anchors,
                "gaps": self.gaps, "graph": self.graph}


def _belt_quarters(g: BeltGraph, sells: pa.Table, merchants: list[int], all_quarters: list[str]) -> list[BeltQuarter]:
    figures = _per_quarter(sells, [("gmv", "sum", "gmv", _SUM), ("sessions", "sum", "sessions", _SUM),
                                   ("from", "count_distinct", "anchors")])
    joined = _rows(g, "Merchant", merchants, ["id", "joined"]).column("joined") if merchants else None
    days = None
    undated = 0
    if joined is not None:
        undated = joined.null_count
        days = np.sort(pc.cast(joined.drop_null(), pa.int32()).to_numpy(zero_copy_only=False))
    out = []
    for q in all_quarters:
        f = figures.get(q, {})
        n = 0
        if days is not None:
            end = (quarters.end(q) - EPOCH).days
            n = int(np.searchsorted(days, end, side="right")) + undated
        out.append(BeltQuarter(q, f.get("gmv"), f.get("sessions"), n, f.get("anchors") or 0))
    return out


def _bases(g: BeltGraph, idx: list[int], quarter: str | None) -> list[dict]:
    if not idx:
        return []
    rows = _rows(g, "Base", idx, ["id", "name", "kind", "rooms", "premium", "opened"]).to_pylist()
    ids = pa.array([r["id"] for r in rows])
    ops = g.rels["OPERATES"]
    operators: dict[str, list[dict]] = {}
    if ops.num_rows:
        for r in ops.filter(pc.is_in(ops.column("to"), value_set=ids)).select(["from", "to"]).to_pylist():
            operators.setdefault(r["to"], []).append(g.brief(g.adj.index(r["from"])))
    sessions: dict[str, int] = {}
    streams = g.rels["STREAMS_AT"]
    if quarter and streams.num_rows:
        s = streams.filter(pc.and_(pc.equal(streams.column("quarter"), quarter),
                                   pc.is_in(streams.column("to"), value_set=ids)))
        if s.num_rows:
            agg = s.group_by("to", use_threads=False).aggregate([("sessions", "sum"), ("from", "count_distinct")])
            sessions = {b: (n, a) for b, n, a in zip(agg.column("to").to_pylist(), agg.column("sessions_sum").to_pylist(),
                                                     agg.column("from_count_distinct").to_pylist())}
    out = []
    for r in rows:
        n, a = sessions.get(r["id"], (None, 0))
        out.append({"id": r["id"], "name": r["name"], "kind": r.get("kind"), "rooms": r.get("rooms"),
                    "premium": bool(r.get("premium")), "opened": r["opened"].isoformat() if r.get("opened") else None,
                    "operators": operators.get(r["id"], []), "sessions": n, "anchors": a})
    out.sort(key=lambda b: (not b["premium"], -(b["rooms"] or 0), b["id"]))
    return out


def _providers(g: BeltGraph, idx: list[int]) -> list[dict]:
    rows = _rows(g, "Provider", idx, ["id", "name", "roles", "level", "plaque"]).to_pylist() if idx else []
    out = [{"id": r["id"], "name": r["name"], "roles": r["roles"] or [], "level": r["level"] or 1,
            "plaque": r["plaque"] if r["plaque"] is not None else True} for r in rows]
    out.sort(key=lambda p: (not p["plaque"], -p["level"], p["id"]))
    return out


def _top_anchors(g: BeltGraph, sells_q: pa.Table, tiers: TierSettings, limit: int) -> list[dict]:
    if sells_q.num_rows == 0:
        return []
    agg = sells_q.group_by("from", use_threads=False).aggregate([
        ("gmv", "sum", _SUM), ("sessions", "sum", _SUM), ("to", "count_distinct")])
    agg = agg.sort_by([("gmv_sum", "descending"), ("from", "ascending")]).slice(0, limit)
    ids = agg.column("from").to_pylist()
    anchors = _rows(g, "Anchor", _indices(g, ids), ["id", "name", "followers", "province"]).to_pylist()
    out = []
    for a, gmv, sessions, chains in zip(anchors, agg.column("gmv_sum").to_pylist(),
                                        agg.column("sessions_sum").to_pylist(), agg.column("to_count_distinct").to_pylist()):
        out.append({"id": a["id"], "name": a["name"], "followers": a["followers"], "province": a.get("province"),
                    "follower_tier": classify(a["followers"], tiers.head_followers, tiers.mid_followers),
                    "gmv": gmv, "sessions": sessions, "supply_chains": chains})
    return out


def _neighbourhood(g: BeltGraph, belt: dict, bases: list[dict], providers: list[dict], chains: list[dict],
                   anchors: list[dict], sells_q: pa.Table) -> dict:
    """The belt, its bases and their operators, providers, top supply chains and top anchors,
    and the relationships among them: at most ~80 nodes."""
    nodes: dict[str, dict] = {}

    def add(node: dict) -> None:
        nodes.setdefault(node["id"], node)

    add({"id": belt["id"], "label": "Belt", "name": belt["name"], "category": belt.get("category"), "size": 40})
    for b in bases[:GRAPH_LIMITS["Base"]]:
        add({"id": b["id"], "label": "Base", "name": b["name"], "size": 14 if b["premium"] else 9,
             "props": {"premium": b["premium"], "rooms": b["rooms"]}})
    served = providers[:GRAPH_LIMITS["Provider"]]
    for p in served:
        add({"id": p["id"], "label": "Provider", "name": p["name"], "size": 6 + 2 * p["level"],
             "props": {"level": p["level"], "plaque": p["plaque"], "roles": ";".join(p["roles"])}})
    top_gmv = max([c["gmv"] or 0 for c in chains] + [1])
    for c in chains[:GRAPH_LIMITS["SupplyChain"]]:
        add({"id": c["id"], "label": "SupplyChain", "name": c["name"], "tier": c["platform_tier"],
             "size": 8 + 22 * ((c["gmv"] or 0) / top_gmv) ** 0.5, "props": {"rank": c["rank"], "score": c["score"]}})
    top_anchor = max([a["gmv"] or 0 for a in anchors] + [1])
    for a in anchors[:GRAPH_LIMITS["Anchor"]]:
        add({"id": a["id"], "label": "Anchor", "name": a["name"], "size": 8 + 14 * ((a["gmv"] or 0) / top_anchor) ** 0.5,
             "props": {"followers": a["followers"], "tier": a["follower_tier"]}})
    rels = []
    # Each top anchor's biggest supply chain here comes along, so no anchor floats alone.
    if sells_q.num_rows and anchors:
        shown = pa.array([a["id"] for a in anchors[:GRAPH_LIMITS["Anchor"]]], pa.string())
        sold = sells_q.filter(pc.is_in(sells_q.column("from"), value_set=shown)) \
            .sort_by([("gmv", "descending"), ("to", "ascending")]).select(["from", "to"]).to_pylist()
        best: dict[str, str] = {}
        for r in sold:
            best.setdefault(r["from"], r["to"])
        for chain in best.values():
            if chain not in nodes:
                brief = g.brief(g.adj.index(chain))
                add({"id": chain, "label": "SupplyChain", "name": brief["name"], "size": 8})
                rels.append({"from": chain, "to": belt["id"], "type": "IN_BELT"})
    for b in bases[:GRAPH_LIMITS["Base"]]:
        rels.append({"from": b["id"], "to": belt["id"], "type": "IN_BELT"})
    for c in chains[:GRAPH_LIMITS["SupplyChain"]]:
        rels.append({"from": c["id"], "to": belt["id"], "type": "IN_BELT"})
    for p in served:
        rels.append({"from": p["id"], "to": belt["id"], "type": "SERVES"})
    # Operators of the bases that do not serve the belt come along: who runs its bases matters.
    for b in bases[:GRAPH_LIMITS["Base"]]:
        for op in b["operators"]:
            add({"id": op["id"], "label": "Provider", "name": op["name"], "size": 8})
            rels.append({"from": op["id"], "to": b["id"], "type": "OPERATES"})
    keep = pa.array(list(nodes), pa.string())
    for t in ("RUNS", "INCUBATES"):
        table = g.rels[t]
        if table.num_rows:
            hit = table.filter(pc.and_(pc.is_in(table.column("from"), value_set=keep),
                                       pc.is_in(table.column("to"), value_set=keep)))
            rels += [{"from": r["from"], "to": r["to"], "type": t} for r in hit.select(["from", "to"]).to_pylist()]
    if sells_q.num_rows:
        hit = sells_q.filter(pc.and_(pc.is_in(sells_q.column("from"), value_set=keep),
                                     pc.is_in(sells_q.column("to"), value_set=keep)))
        rels += [{"from": r["from"], "to": r["to"], "type": "SELLS"} for r in hit.select(["from", "to"]).to_pylist()]
    return {"nodes": list(nodes.values()), "rels": rels}


def belt_profile(store: Store, config: Config, belt_id: str) -> BeltProfile:
    """A belt's profile: place, GMV / sessions / merchants / anchors per quarter, bases,
    providers by role, supply chains ranked in the belt's pool (with their platform gold or
    silver), the top anchors of the latest quarter, coverage gaps and a neighbourhood to draw."""
    g = store.graph()
    belt = expect_label(g.node(belt_id), belt_id, "Belt")
    groups = _groups(g, belt_id)
    chain_idx = groups.get(("IN_BELT", "SupplyChain"), [])
    merchant_idx = groups.get(("IN_BELT", "Merchant"), [])
    base_idx = groups.get(("IN_BELT", "Base"), [])
    provider_idx = groups.get(("SERVES", "Provider"), [])
    chain_ids = _ids(g, chain_idx)

    all_quarters = sorted(store.sales_quarters(), key=quarters.key)
    quarter = quarters.latest(all_quarters)
    sells = g.rels["SELLS"]
    sells = sells.filter(pc.is_in(sells.column("to"), value_set=chain_ids)) if sells.num_rows and len(chain_ids) else sells.slice(0, 0)
    sells_q = sells.filter(pc.equal(sells.column("quarter"), quarter)) if quarter and sells.num_rows else sells.slice(0, 0)

    settings = RankSettings.from_config(config)
    chains, unranked = [], len(chain_idx)
    if quarter is not None and len(chain_ids):
        members = set(chain_ids.to_pylist())
        platform = _platform_ranking(store, settings, quarter).by_id()
        rows = [r for r in _metric_rows(store, quarter) if r["id"] in members]
        ranking = ranking_from_rows(quarter, Pool(belt=belt_id), rows, settings)
        for item in ranking.items:
            p = platform.get(item.id)
            chains.append({"rank": item.rank, "id": item.id, "name": item.name, "tier": item.tier,
                           "score": item.score, "gmv": item.metrics["gmv"], "anchor_reach": item.metrics["anchor_reach"],
                           "platform_rank": p.rank if p else None, "platform_tier": p.tier if p else None})
        unranked = len(rows) - len(chains)

    providers = _providers(g, provider_idx)
    by_role = {role: [p for p in providers if role in p["roles"]] for role in ROLES}
    bases = _bases(g, base_idx, quarter)
    anchors = _top_anchors(g, sells_q, TierSettings.from_config(config), TOP_ANCHORS)
    gold = sum(c["platform_tier"] == "gold" for c in chains)
    silver = sum(c["platform_tier"] == "silver" for c in chains)
    gaps = {"quarter": quarter,
            "missing_roles": [r for r in ROLES if not by_role[r]],
            "roles_without_plaque": [r for r in ROLES if by_role[r] and not any(p["plaque"] for p in by_role[r])],
            "gold": gold, "silver": silver, "has_gold_or_silver": gold + silver > 0,
            "premium_bases": sum(b["premium"] for b in bases)}
    props = {k: v for k, v in belt.items() if k not in ("label", "id", "name")}
    counts = {"bases": len(base_idx), "supply_chains": len(chain_idx), "merchants": len(merchant_idx),
              "providers": len(provider_idx)}
    return BeltProfile(
        belt_id, belt["name"], props, quarter, counts,
        _belt_quarters(g, sells, merchant_idx, all_quarters), bases, by_role, chains, unranked, anchors, gaps,
        _neighbourhood(g, {"id": belt_id, **belt}, bases, providers, chains, anchors, sells_q))


# ---------------------------------------------------------------- any node's figures per quarter

@dataclass(frozen=True)
class NodeQuarters:
    """A node's figures per quarter (``columns`` name them) and its history (provider reviews)."""

    id: str
    label: str
    columns: list[str]
    rows: list[dict]                  # {"quarter": Q, column: value, ...}, oldest first
    history: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"columns": self.columns, "rows": self.rows, "history": self.history}


def _sells_by_quarter(g: BeltGraph, end: str, node_id: str, aggregations: list[tuple]) -> dict[str, dict]:
    sells = g.rels["SELLS"]
    if sells.num_rows == 0:
        return {}
    return _per_quarter(sells.filter(pc.equal(sells.column(end), node_id)), aggregations)


def node_quarters(store: Store, config: Config, node_id: str) -> NodeQuarters:
    """Figures per quarter: an anchor's GMV and sessions (SELLS), a supply chain's GMV, anchor
    reach and platform rank and tier, a provider's provider_quarters figures and reviews, a
    base's live-stream sessions, a belt's GMV, sessions, merchants and anchors."""
    g = store.graph()
    label = g.node(node_id)["label"]
    all_quarters = sorted(store.sales_quarters(), key=quarters.key)
    if label == "Anchor":
        cols = ["gmv", "sessions", "orders", "viewers", "supply_chains"]
        per = _sells_by_quarter(g, "from", node_id, [
            ("gmv", "sum", "gmv", _SUM), ("sessions", "sum", "sessions", _SUM), ("orders", "sum", "orders", _SUM),
            ("viewers", "sum", "viewers", _SUM), ("to", "count_distinct", "supply_chains")])
        rows = [{"quarter": q, **per[q]} for q in sorted(per, key=quarters.key)]
        return NodeQuarters(node_id, label, cols, rows)
    if label == "SupplyChain":
        cols = ["gmv", "anchor_reach", "sessions", "rank", "tier", "score"]
        per = _sells_by_quarter(g, "to", node_id, [
            ("gmv", "sum", "gmv", _SUM), ("from", "count_distinct", "anchor_reach"), ("sessions", "sum", "sessions", _SUM)])
        settings = RankSettings.from_config(config)
        rows = []
        for q in all_quarters:
            item = _platform_ranking(store, settings, q).by_id().get(node_id)
            f = per.get(q, {})
            if not f and item is None:
                continue
            rows.append({"quarter": q, "gmv": f.get("gmv"), "anchor_reach": f.get("anchor_reach") or 0,
                         "sessions": f.get("sessions"), "rank": item.rank if item else None,
                         "tier": item.tier if item else None, "score": item.score if item else None})
        return NodeQuarters(node_id, label, cols, rows)
    if label == "Provider":
        cols = ["gmv", "anchors_incubated", "sessions", "trainees", "complaints"]
        pq = g.facts["provider_quarters"]
        rows = []
        if pq.num_rows:
            mine = pq.filter(pc.equal(pq.column("provider"), node_id)).to_pylist()
            rows = [{"quarter": r["quarter"], **{c: r.get(c) for c in cols}} for r in mine]
            rows.sort(key=lambda r: quarters.key(r["quarter"]))
        history = [r.to_dict() for r in provider_history(g, node_id)]
        return NodeQuarters(node_id, label, cols, rows, history)
    if label == "Base":
        cols = ["sessions", "anchors"]
        streams = g.rels["STREAMS_AT"]
        per = _per_quarter(streams.filter(pc.equal(streams.column("to"), node_id)),
                           [("sessions", "sum", "sessions", _SUM), ("from", "count_distinct", "anchors")]) \
            if streams.num_rows else {}
        return NodeQuarters(node_id, label, cols, [{"quarter": q, **per[q]} for q in sorted(per, key=quarters.key)])
    if label == "Belt":
        groups = _groups(g, node_id)
        chain_ids = _ids(g, groups.get(("IN_BELT", "SupplyChain"), []))
        sells = g.rels["SELLS"]
        sells = sells.filter(pc.is_in(sells.column("to"), value_set=chain_ids)) if sells.num_rows else sells
        rows = [q.to_dict() for q in _belt_quarters(g, sells, groups.get(("IN_BELT", "Merchant"), []), all_quarters)]
        return NodeQuarters(node_id, label, ["gmv", "sessions", "merchants", "anchors"], rows)
    return NodeQuarters(node_id, label, [], [])


# ---------------------------------------------------------------- any node's page

@dataclass(frozen=True)
class EntityProfile:
    """A node's profile (properties, neighbours by type, one group paged) and its figures."""

    profile: NodeProfile
    metrics: NodeQuarters
    per_type: int

    def to_dict(self) -> dict:
        return {**self.profile.to_dict(), "per_type": self.per_type, "metrics": self.metrics.to_dict()}


def _with_sizes(g: BeltGraph, group):
    """The group's items with the value that orders them (followers, sales, rooms...)."""
    column = SIZE_OF.get(group.label)
    if column is None or not group.items:
        return group
    values = _rows(g, group.label, _indices(g, [i["id"] for i in group.items]), ["id", column]).column(column).to_pylist()
    return replace(group, items=[{**i, column: v} for i, v in zip(group.items, values)])


def entity_profile(store: Store, config: Config, node_id: str, per_type: int = 10, rel_type: str | None = None,
                   label: str | None = None, offset: int = 0) -> EntityProfile:
    """Any node's page: its properties, every group of neighbours (relationship type and the
    other end's label) with its count and the ``per_type`` biggest, the group ``rel_type``
    (and ``label``) paged from ``offset``, and its figures per quarter."""
    if label is not None and label not in LABELS:
        raise BadRequest(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
    if not 1 <= per_type <= 200:
        raise BadRequest("per_type must be between 1 and 200")
    base = node_profile(store, node_id, per_type)
    groups = base.relationships
    if rel_type:
        paged = {(gr.type, gr.label): gr for gr in node_profile(store, node_id, per_type, rel_type, offset).relationships}
        groups = [paged[(gr.type, gr.label)] if (gr.type, gr.label) in paged and label in (None, gr.label) else gr
                  for gr in groups]
    g = store.graph()
    groups = [_with_sizes(g, gr) for gr in groups]
    groups.sort(key=lambda gr: -gr.count)
    return EntityProfile(replace(base, relationships=groups), node_quarters(store, config, node_id), per_type)


# ---------------------------------------------------------------- the map

@dataclass(frozen=True)
class MapBelt:
    id: str
    name: str
    category: str
    province: str | None
    lat: float | None
    lon: float | None
    gmv: float | None      # SELLS.gmv of its supply chains in the quarter

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "category": self.category, "province": self.province,
                "lat": self.lat, "lon": self.lon, "gmv": self.gmv}


@dataclass(frozen=True)
class BeltMap:
    quarter: str | None
    items: list[MapBelt]

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "items": [b.to_dict() for b in self.items]}


def belt_map(store: Store, with_gmv: bool = True) -> BeltMap:
    """Every belt with its coordinates and the GMV of its supply chains in the latest quarter,
    biggest first (``with_gmv=False``: coordinates only, by id, for a locator)."""
    g = store.graph()
    quarter = quarters.latest(store.sales_quarters()) if with_gmv else None
    gmv: dict[str, float] = {}
    sells, in_belt = g.rels["SELLS"], g.rels["IN_BELT"]
    if quarter and sells.num_rows and in_belt.num_rows:
        per_chain = sells.filter(pc.equal(sells.column("quarter"), quarter)) \
            .group_by("to", use_threads=False).aggregate([("gmv", "sum", _SUM)])
        chains = in_belt.filter(pc.is_in(in_belt.column("from"), value_set=per_chain.column("to")))
        joined = chains.join(per_chain, "from", "to", use_threads=False)
        agg = joined.group_by("to", use_threads=False).aggregate([("gmv_sum", "sum", _SUM)])
        gmv = dict(zip(agg.column("to").to_pylist(), agg.column("gmv_sum_sum").to_pylist()))
    belts = g.nodes["Belt"].select(["id", "name", "category", "province", "lat", "lon"]).to_pylist()
    items = [MapBelt(b["id"], b["name"], b["category"], b.get("province"), b.get("lat"), b.get("lon"), gmv.get(b["id"]))
             for b in belts]
    items.sort(key=lambda b: (-(b.gmv or 0), b.id))
    return BeltMap(quarter, items)


__all__ = [
    "BeltMap",
    "BeltProfile",
    "BeltQuarter",
    "EntityProfile",
    "MapBelt",
    "NodeQuarters",
    "belt_map",
    "belt_profile",
    "entity_profile",
    "node_quarters",
]
