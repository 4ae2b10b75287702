"""Exploring the graph from one entity: expand a node's neighbours a page at a time, and the
saved view (focus, expansions, hidden nodes, paths) rebuilt from its description.

Everything runs on the adjacency (``BeltGraph.neighbours_by_type``, CSR slices), never on a
networkx build: expanding a belt of a million-node graph reads one node's neighbour list.
A group of neighbours (one relationship type and the other end's label) comes biggest
first (followers, sales, rooms, ...), so "the top 20" are the 20 that matter most.

>>> from graph.graph import graph_from_records
>>> class S:  # a store that only gives a graph
...     g = graph_from_records(
...         nodes=[{"label": "Belt", "id": "b", "name": "带", "category": "jade", "province": "辽宁省"},
...                {"label": "Merchant", "id": "m1", "name": "小店", "sales": 5.0},
...                {"label": "Merchant", "id": "m2", "name": "大店", "sales": 90.0}],
...         rels=[{"type": "IN_BELT", "from": "m1", "to": "b"}, {"type": "IN_BELT", "from": "m2", "to": "b"}])
...     def graph(self): return self.g
>>> e = explore_expand(S(), "b", "IN_BELT", limit=1)
>>> e.count, [n["id"] for n in e.nodes], e.rels
(2, ['b', 'm2'], [{'from': 'm2', 'to': 'b', 'type': 'IN_BELT'}])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..adjacency import LABEL_CODES, TYPE_BITS
from ..errors import BadRequest
from ..graph import BeltGraph
from ..model import LABELS, REL_TYPES
from ..paths import PathOptions, canonical_name
from ..store import Store

#: Neighbours one expansion adds at most ("never 300,000 at once").
MAX_STEP = 200
#: Neighbours one saved expansion may show (the top N, grown a page at a time).
MAX_SHOWN = 1000
#: Nodes a view holds at most: more does not read in a browser.
MAX_VIEW = 3000

#: Properties a node carries into a drawing, when its label has them.
_CATEGORY = ("Belt", "SupplyChain", "Anchor")


@dataclass(frozen=True)
class Expansion:
    """One step of a view: the top ``limit`` neighbours of ``id`` over relationship ``type``
    (``*``: every type) whose other end has ``label`` (``*``: any)."""

    id: str
    type: str = "*"
    label: str = "*"
    limit: int = 20

    def checked(self) -> Expansion:
        rel_type = "*" if self.type in ("*", "", None) else canonical_name(self.type)
        if rel_type != "*" and rel_type not in REL_TYPES:
            raise BadRequest(f"{self.type!r} is a label, not a relationship type")
        label = "*" if self.label in ("*", "", None) else canonical_name(self.label)
        if label != "*" and label not in LABELS:
            raise BadRequest(f"{self.label!r} is a relationship type, not a label")
        if not 1 <= self.limit <= MAX_SHOWN:
            raise BadRequest(f"an expansion shows 1 to {MAX_SHOWN} neighbours, not {self.limit}")
        return Expansion(self.id, rel_type, label, self.limit)

    def to_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "label": self.label, "limit": self.limit}


@dataclass(frozen=True)
class Expanded:
    """One expansion: the node, a page of its neighbours, the relationships between them."""

    id: str
    count: int                  # neighbours in the group(s), all of them
    nodes: list[dict]           # the node first, then the page: {id, label, name, category?, followers?, gmv?, degree}
    rels: list[dict]            # {from, to, type}
    offset: int = 0

    def to_dict(self) -> dict:
        return {"nodes": self.nodes, "rels": self.rels, "count": self.count}


@dataclass(frozen=True)
class ExploreView:
    """A saved view rebuilt: every node on the canvas and every relationship among them."""

    focus: str
    expansions: list[Expansion]
    hidden: list[str]
    paths: list[tuple[str, str]]
    nodes: list[dict]           # as Expanded.nodes, plus ``via`` (the node whose expansion added it)
    rels: list[dict]            # or ``path`` (the index of the path that added it)
    counts: list[int]           # per expansion: neighbours in its group(s)
    found: list[list[str] | None] = field(default_factory=list)  # per path: its node ids, None when none

    def to_dict(self) -> dict:
        return {"focus": self.focus,
                "expand": [{**e.to_dict(), "count": c} for e, c in zip(self.expansions, self.counts)],
                "hide": self.hidden,
                "paths": [{"from": a, "to": b, "hops": len(ids) - 1 if ids else None, "ids": ids}
                          for (a, b), ids in zip(self.paths, self.found)],
                "nodes": self.nodes, "rels": self.rels}


# ---------------------------------------------------------------- use cases

def explore_expand(store: Store, node_id: str, rel_type: str | None = None, label: str | None = None,
                   limit: int = 20, offset: int = 0) -> Expanded:
    """The node and the next ``limit`` (at most 200) of its neighbours over ``rel_type`` (every
    type when None) whose other end has ``label``, biggest first, from ``offset``; with the
    relationships among them. ``count`` is how many such neighbours there are in all."""
    if not 1 <= limit <= MAX_STEP:
        raise BadRequest(f"limit must be between 1 and {MAX_STEP}, not {limit}")
    if offset < 0:
        raise BadRequest("offset must not be negative")
    e = Expansion(node_id, rel_type or "*", label or "*", limit).checked()
    g = store.graph()
    centre = g.adj.index(node_id)
    ids, count = _group(g, centre, e, offset)
    order = list(dict.fromkeys([centre] + [int(i) for i in ids]))
    chosen = np.array(sorted(order), dtype=np.int64)
    return Expanded(node_id, count, _nodes(g, order), _rels(g, chosen), offset)


def explore_view(store: Store, focus: str, expansions: list[Expansion] = (), hidden: list[str] = (),
                 paths: list[tuple[str, str]] = ()) -> ExploreView:
    """The view a URL describes: ``focus``, each expansion in order (its node must be in the
    graph, not necessarily on the canvas), the first shortest path of each pair, minus the
    ``hidden`` nodes (the focus is never hidden); with every relationship among the nodes.
    Unknown hidden ids are ignored; more than 3,000 nodes is refused."""
    from .connections import paths as find_paths

    g = store.graph()
    adj = g.adj
    expansions = [e.checked() for e in expansions]
    centre = adj.index(focus)
    hide = {adj.index(h) for h in hidden if adj.has(h)} - {centre}
    order: dict[int, str | int | None] = {centre: None}   # node -> the expanded node or path that added it
    counts = []
    for e in expansions:
        at = adj.index(e.id)
        ids, count = _group(g, at, e, 0)
        counts.append(count)
        for i in ids:
            i = int(i)
            if i not in hide and i not in order:
                order[i] = e.id
        _check_size(len(order))
    found = []
    for k, (a, b) in enumerate(paths):
        result = find_paths(store, a, b, PathOptions(k=1))
        if not result.paths:
            found.append(None)
            continue
        found.append(list(result.paths[0].ids))
        for n in result.paths[0].nodes:
            i = adj.index(n.id)
            if i not in order:
                order[i] = k
            hide.discard(i)  # a path asked for is shown whole
    _check_size(len(order))
    nodes = _nodes(g, list(order))
    for n in nodes:
        via = order[adj.index(n["id"])]
        if isinstance(via, str):
            n["via"] = via
        elif isinstance(via, int):
            n["path"] = via
    visible = np.array(sorted(order), dtype=np.int64)
    return ExploreView(focus, expansions, [adj.id(i) for i in sorted(hide)], list(paths), nodes,
                       _rels(g, visible), counts, found)


# ---------------------------------------------------------------- on the adjacency

def _check_size(n: int) -> None:
    if n > MAX_VIEW:
        raise BadRequest(f"the view would hold more than {MAX_VIEW:,} nodes: hide some, or add fewer neighbours")


def _group(g: BeltGraph, at: int, e: Expansion, offset: int) -> tuple[np.ndarray, int]:
    """(a page of neighbour indices, how many there are) of node ``at`` for an expansion.

    With every type or label asked, each group gives its own top ``limit``."""
    groups = [ids for t, other, ids in g.neighbours_by_type(g.adj.id(at))
              if e.type in ("*", t) and e.label in ("*", other)]
    count = sum(len(ids) for ids in groups)
    if len(groups) == 1:
        page = groups[0][offset:offset + e.limit]
    else:
        page = [i for ids in groups for i in ids[offset:offset + e.limit]]
    return np.asarray(page, dtype=np.int64), count


def _nodes(g: BeltGraph, order: list[int]) -> list[dict]:
    """{id, label, name, category?, followers?, gmv?, degree} of the nodes at adjacency
    indices ``order``, in that order. ``gmv`` is a supply chain's or an anchor's SELLS over
    every quarter, a merchant's cumulative sales."""
    adj = g.adj
    idx = np.asarray(order, dtype=np.int64)
    out = [{"id": adj.id(int(i)), "label": adj.label(int(i)), "name": adj.name(int(i))} for i in idx]
    if not len(idx):
        return out
    degree = (adj.indptr[idx + 1] - adj.indptr[idx]).tolist()
    codes = adj.labels[idx]
    for label in ("Belt", "SupplyChain", "Anchor", "Merchant"):
        where = np.flatnonzero(codes == LABEL_CODES[label])
        if not len(where):
            continue
        table = g.nodes[label]
        rows = pa.array(adj.rows[idx[where]])
        columns = {}
        if label in _CATEGORY:
            columns["category"] = table.column("category").take(rows).to_pylist()
        if label == "Anchor":
            columns["followers"] = table.column("followers").take(rows).to_pylist()
        if label == "Merchant":
            columns["gmv"] = table.column("sales").take(rows).to_pylist()
        else:
            columns["gmv"] = _sells_gmv(g, label, [out[int(w)]["id"] for w in where])
        for name, values in columns.items():
            for w, v in zip(where, values):
                if v is not None:
                    out[int(w)][name] = round(v, 2) if isinstance(v, float) else v
    for n, d in zip(out, degree):
        n["degree"] = int(d)
    return out


def _sells_gmv(g: BeltGraph, label: str, ids: list[str]) -> list[float | None]:
    """SELLS gmv over every quarter of these supply chains (label SupplyChain) or anchors."""
    if label not in ("SupplyChain", "Anchor"):
        return [None] * len(ids)
    sells = g.rels["SELLS"]
    end = "to" if label == "SupplyChain" else "from"
    if sells.num_rows == 0:
        return [None] * len(ids)
    hit = sells.filter(pc.is_in(sells.column(end), value_set=pa.array(ids, pa.string())))
    sums = hit.group_by(end).aggregate([("gmv", "sum")]).to_pydict()
    total = dict(zip(sums[end], sums["gmv_sum"]))
    return [total.get(i) for i in ids]


#: For each relationship type, the (start label code, end label code) pairs it allows.
_ENDS = {t: np.array([LABEL_CODES[a] * 16 + LABEL_CODES[b] for a, b in r.ends], dtype=np.int64)
         for t, r in REL_TYPES.items()}


def _rels(g: BeltGraph, chosen: np.ndarray) -> list[dict]:
    """Every relationship among the nodes at the sorted adjacency indices ``chosen``, once
    per type and pair, pointing the way the model has it; parallel SELLS of several quarters
    are one line here (the drawing shows that they sell, the profile shows how much)."""
    adj = g.adj
    if len(chosen) < 2:
        return []
    starts, ends = adj.indptr[chosen], adj.indptr[chosen + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return []
    # The positions of every chosen node's neighbour slice, in one array.
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    pos = offsets + np.arange(total)
    src = np.repeat(chosen, lengths)
    dst = np.asarray(adj.nbr[pos], dtype=np.int64)
    at = np.searchsorted(chosen, dst)
    inside = (at < len(chosen)) & (chosen[np.minimum(at, len(chosen) - 1)] == dst) & (src < dst)
    src, dst, tmask = src[inside], dst[inside], np.asarray(adj.tmask[pos[inside]])
    out = []
    codes_s, codes_d = adj.labels[src].astype(np.int64), adj.labels[dst].astype(np.int64)
    for t, bit in TYPE_BITS.items():
        sel = (tmask & bit) != 0
        if not sel.any():
            continue
        s, d = src[sel], dst[sel]
        forward = np.isin(codes_s[sel] * 16 + codes_d[sel], _ENDS[t])
        a, b = np.where(forward, s, d), np.where(forward, d, s)
        out += [{"from": adj.id(int(x)), "to": adj.id(int(y)), "type": t} for x, y in zip(a, b)]
    return out


__all__ = [
    "MAX_SHOWN",
    "MAX_STEP",
    "MAX_VIEW",
    "Expanded",
    "Expansion",
    "ExploreView",
    "explore_expand",
    "explore_view",
]
