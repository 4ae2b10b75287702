"""Selecting part of the graph to draw or export: a neighbourhood, a query's nodes, given ids.

>>> from graph.graph import graph_from_records
>>> g = graph_from_records(
...     nodes=[{"label": "Belt", "id": "b", "name": "带", "category": "jade", "province": "云南省"},
...            {"label": "Merchant", "id": "m1", "name": "店一"}, {"label": "Merchant", "id": "m2", "name": "店二"}],
...     rels=[{"type": "IN_BELT", "from": "m1", "to": "b"}, {"type": "IN_BELT", "from": "m2", "to": "b"}])
>>> nodes, rels = select(g, around="m1", depth=1)
>>> [n["id"] for n in nodes], [(r["from"], r["type"], r["to"]) for r in rels]
(['b', 'm1'], [('m1', 'IN_BELT', 'b')])
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import BadRequest
from .graph import BeltGraph
from .model import LABEL_LIST, LABELS, REL_LIST
from .paths import PathOptions, Traversal, levels


def _ids_in_answer(result) -> set[str]:
    """Node ids in a Cypher answer: nodes (maps with ``_label``) and paths, at any depth."""
    out: set[str] = set()

    def walk(v):
        if isinstance(v, dict):
            if "_label" in v and "id" in v:
                out.add(v["id"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for row in result.rows:
        walk(row)
    return out


class TooManyNodes(BadRequest):
    """A selection above the node cap: the message suggests a filter."""

    def __init__(self, n: int, cap: int, hint: str = ""):
        super().__init__(f"the selection has {n:,} nodes, more than {cap:,}: narrow it with a label or type "
                         f"filter, a smaller depth, or a query{hint}")
        self.count, self.cap = n, cap


def _too_many(n: int, cap: int) -> TooManyNodes:
    return TooManyNodes(n, cap)


def _neighbourhood(g: BeltGraph, around: str, depth: int, labels: tuple[str, ...], types: tuple[str, ...],
                   cap: int | None) -> set[str]:
    if depth < 0:
        raise BadRequest("depth must not be negative")
    adj = g.adj
    s = adj.index(around)
    exclude = tuple(r.name for r in REL_LIST if types and r.name not in types)
    exclude += tuple(lab.name for lab in LABEL_LIST if labels and lab.name not in labels)
    tr = Traversal(adj, PathOptions(exclude=exclude), (s,))
    kept, total = [np.array([s])], 1
    for children in levels(tr, s, depth):
        total += len(children)
        if cap is not None and total > cap:
            raise _too_many(total, cap)
        kept.append(children)
    return {adj.id(int(i)) for i in np.concatenate(kept)}


def _plain(v):
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def select(g: BeltGraph, around: str | None = None, depth: int = 1, labels: tuple[str, ...] = (),
           types: tuple[str, ...] = (), answer=None, ids: tuple[str, ...] = (),
           max_nodes: int | None = None) -> tuple[list[dict], list[dict]]:
    """(nodes, relationships) of a selection, each sorted; see graph.usecases.subgraph."""
    if around is not None:
        keep = _neighbourhood(g, around, depth, labels, types, max_nodes)
    elif answer is not None:
        keep = _ids_in_answer(answer)
    elif ids:
        for i in ids:
            g.adj.index(i)  # NodeNotFound for an unknown id
        keep = set(ids)
    else:
        keep = None
    if keep is not None and labels:
        keep = {i for i in keep if g.label(i) in labels or i == around}
    if keep is None:
        total = sum(g.nodes[lab].num_rows for lab in (labels or LABELS))
    else:
        total = len(keep)
    if max_nodes is not None and total > max_nodes:
        raise _too_many(total, max_nodes)
    value_set = pa.array(sorted(keep), pa.string()) if keep is not None else None
    nodes = []
    for lab in LABEL_LIST:
        if labels and lab.name not in labels and not (around and g.label(around) == lab.name):
            continue
        t = g.nodes[lab.name]
        if value_set is not None:
            t = t.filter(pc.is_in(t.column("id"), value_set=value_set))
        for row in t.to_pylist():
            nodes.append({"id": row["id"], "label": lab.name,
                          **{k: _plain(v) for k, v in row.items() if v is not None and k != "id"}})
    present = pa.array(sorted(n["id"] for n in nodes), pa.string())
    rels = []
    for rel in REL_LIST:
        if types and rel.name not in types:
            continue
        t = g.rels[rel.name]
        if t.num_rows == 0:
            continue
        t = t.filter(pc.and_(pc.is_in(t.column("from"), value_set=present),
                             pc.is_in(t.column("to"), value_set=present)))
        for row in t.to_pylist():
            rels.append({"from": row["from"], "to": row["to"], "type": rel.name,
                         **{k: _plain(v) for k, v in row.items() if v is not None and k not in ("from", "to")}})
    nodes.sort(key=lambda n: n["id"])
    rels.sort(key=lambda r: (r["from"], r["to"], r["type"], str(r.get("quarter", ""))))
    return nodes, rels
