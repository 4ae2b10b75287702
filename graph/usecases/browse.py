"""Browsing: the belts list, a node's profile, a subgraph to draw or export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..errors import BadRequest
from ..model import LABELS, REL_TYPES
from ..paths import canonical_name
from ..search import SearchResult
from ..store import Store
from ..summary import BeltSummary, belt_summaries


@dataclass(frozen=True)
class BeltList:
    items: list[BeltSummary]
    categories: list[str]
    category: str = ""
    q: str = ""

    def to_dict(self) -> dict:
        return {"items": [b.to_dict() for b in self.items], "categories": self.categories}


def belts(store: Store, category: str = "", q: str = "") -> BeltList:
    """Every belt with its counts, filtered by category and a search term: the search index's
    belts (name, English name, id, pinyin, initials, typos) or a province or city that holds it."""
    g = store.graph()
    everything = belt_summaries(g)
    items = everything
    category, q = (category or "").strip(), (q or "").strip()
    if category:
        items = [b for b in items if b.category == category]
    if q:
        found = {h.id for h in g.search.search(q, label="Belt", limit=200).hits}
        low = q.lower()
        items = [b for b in items if b.id in found or low in (b.province or "").lower() or low in (b.city or "").lower()]
    return BeltList(items, sorted({b.category for b in everything}), category, q)


def search(store: Store, q: str, label: str | None = None, limit: int = 20, offset: int = 0,
           filters: dict | None = None) -> SearchResult:
    """Any entity by Chinese or English name, full pinyin, initials, id or a typo: hits by
    relevance, grouped by label, with facets (label, category, division, province)."""
    return store.graph().search.search(q, label, limit, offset, filters)


@dataclass(frozen=True)
class Suggestions:
    query: str
    items: list[dict]

    def to_dict(self) -> dict:
        return {"query": self.query, "items": self.items}


def suggest(store: Store, q: str, limit: int = 10, label: str | None = None) -> Suggestions:
    """Autocomplete for every entity picker: exact matches, then prefixes, labels balanced."""
    return Suggestions(q, store.graph().search.suggest(q, limit, label))


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
    from ..subgraphs import select

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


__all__ = ["BeltList", "belts", "search", "Suggestions", "suggest", "Neighbours", "NodeProfile", "node_profile", "Subgraph", "subgraph"]
