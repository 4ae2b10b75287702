"""BeltGraph: the read-only view of one graph that every algorithm takes first.

It holds the typed tables (nodes per label, relationships per type including
SELLS and STREAMS_AT, facts, reviews), a compact adjacency for traversals, and
builds a networkx MultiDiGraph on first use for exports and networkx algorithms.
A store gives one from its snapshot files (memory-mapped, milliseconds); tests
give one from records.

>>> g = graph_from_records(
...     nodes=[{"label": "Belt", "id": "b1", "name": "杭州四季青", "category": "apparel", "province": "浙江省"},
...            {"label": "Merchant", "id": "m1", "name": "店"}],
...     rels=[{"type": "IN_BELT", "from": "m1", "to": "b1"}])
>>> g.node("b1")["label"], g.stats()["relationships"]["IN_BELT"]
('Belt', 1)
>>> sorted(g.nx.edges(keys=True))
[('m1', 'b1', 'IN_BELT')]
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .adjacency import TYPE_BITS, Adjacency
from .data import (
    REVIEW_SCHEMA,
    GraphData,
    derive_rels,
    fact_schema,
    node_schema,
    rel_schema,
)
from .errors import NodeNotFound, expect_label
from .model import LABEL_LIST, LABELS, REL_KEY_PROPS, REL_LIST

#: Values a graph keeps computed (rankings per quarter and pool, summaries): see BeltGraph.memo.
MEMO_SIZE = 256

#: The property that orders a label's nodes biggest first in a profile's neighbour lists.
SIZE_OF = {"Anchor": "followers", "Merchant": "sales", "Base": "rooms", "SupplyChain": "sku_count", "Provider": "level"}

if TYPE_CHECKING:  # networkx takes a third of a second to import: only when a graph is built
    import networkx as nx

    from .search import SearchIndex


class LazyTables(Mapping):
    """A mapping whose tables are read on first access."""

    def __init__(self, names, loader: Callable[[str], pa.Table]):
        self._names = list(names)
        self._loader = loader
        self._cache: dict[str, pa.Table] = {}

    def __getitem__(self, name: str) -> pa.Table:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._cache:
            self._cache[name] = self._loader(name)
        return self._cache[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)


def node_table_index(nodes: Mapping[str, pa.Table]) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """(id, label, name) of every node, each node's row in its label table, and its label code."""
    parts, rows, codes = [], [], []
    for code, lab in enumerate(LABEL_LIST):
        t = nodes[lab.name]
        parts.append(pa.table({
            "id": t.column("id"), "label": pa.array([lab.name] * t.num_rows, pa.string()),
            "name": t.column("name")}))
        rows.append(np.arange(t.num_rows, dtype=np.int64))
        codes.append(np.full(t.num_rows, code, dtype=np.int8))
    return pa.concat_tables(parts), np.concatenate(rows), np.concatenate(codes)


def unplaqued_providers(providers: pa.Table) -> pa.Array:
    if providers.num_rows == 0:
        return pa.array([], pa.string())
    plaque = pc.fill_null(providers.column("plaque"), True)
    return providers.filter(pc.invert(plaque)).column("id").combine_chunks()


def build_adjacency(nodes: Mapping[str, pa.Table], rels: Mapping[str, pa.Table]) -> Adjacency:
    index, rows, codes = node_table_index(nodes)
    return Adjacency.build(index, dict(rels), unplaqued_providers(nodes["Provider"]), rows, codes)


class BeltGraph:
    """One graph's tables, adjacency and (lazily) networkx form."""

    def __init__(self, nodes: Mapping[str, pa.Table], rels: Mapping[str, pa.Table],
                 facts: Mapping[str, pa.Table], reviews: pa.Table | None = None,
                 adj: Adjacency | Callable[[], Adjacency] | None = None, meta: dict | None = None,
                 search: "SearchIndex | Callable[[], SearchIndex] | None" = None):
        self.nodes = nodes
        self.rels = rels
        self.facts = facts
        self._reviews = reviews
        self._adj = adj
        self._nx: "nx.MultiDiGraph | None" = None
        self.meta = meta or {}
        self._search = search
        self._lock = threading.Lock()
        self._memo: dict = {}

    @classmethod
    def from_data(cls, data: GraphData, meta: dict | None = None) -> "BeltGraph":
        return cls(data.nodes, derive_rels(data), data.facts, data.reviews, None, meta)

    @property
    def reviews(self) -> pa.Table:
        if self._reviews is None:
            return REVIEW_SCHEMA.empty_table()
        if callable(self._reviews):
            self._reviews = self._reviews()
        return self._reviews

    @property
    def adj(self) -> Adjacency:
        if self._adj is None:
            self._adj = build_adjacency(self.nodes, self.rels)
        elif callable(self._adj) and not isinstance(self._adj, Adjacency):
            self._adj = self._adj()
        return self._adj

    @property
    def search(self) -> "SearchIndex":
        """The search index of the nodes: opened from the version's files, or built on first use."""
        with self._lock:
            if self._search is None:
                from .search import SearchIndex

                self._search = SearchIndex.build(self.nodes)
            elif callable(self._search) and not hasattr(self._search, "search"):
                self._search = self._search()
            return self._search

    def memo(self, key: tuple, compute: Callable[[], object]):
        """``compute()`` once per graph and key: a graph never changes, so a web server answers
        the same ranking or summary again from memory. Two threads may both compute a value
        the first time; one is kept. At most ``MEMO_SIZE`` values are kept: when full, the fourth of
        them least recently used goes (a value a page uses on every request, such as a quarter's sales,
        stays while pages come and go).

        >>> g = BeltGraph({}, {}, {})
        >>> for i in range(MEMO_SIZE + 1):
        ...     _ = g.memo(("shared",), lambda: "kept"), g.memo(("page", i), lambda: i)
        >>> len(g._memo) <= MEMO_SIZE and ("shared",) in g._memo and ("page", 0) not in g._memo
        True
        """
        memo = self._memo
        try:
            value = memo.pop(key)  # and back at the end: the most recently used come last
        except KeyError:
            value = compute()
            if len(memo) >= MEMO_SIZE:
                for old in list(memo)[:MEMO_SIZE // 4]:  # list(dict) is one step under the GIL
                    memo.pop(old, None)
        return memo.setdefault(key, value)

    def forget(self) -> None:
        """Drop the values :meth:`memo` kept (a benchmark times the computation, not the memory)."""
        self._memo.clear()

    def __contains__(self, node_id: str) -> bool:
        return self.adj.has(node_id)

    def stats(self) -> dict:
        if "counts" in self.meta:
            return self.meta["counts"]
        return {
            "nodes": {lab.name: self.nodes[lab.name].num_rows for lab in LABEL_LIST},
            "relationships": {r.name: self.rels[r.name].num_rows for r in REL_LIST},
        }

    def label(self, node_id: str) -> str:
        return self.adj.label(self.adj.index(node_id))

    def expect(self, node_id: str, label: str) -> dict:
        """The node, which must have ``label``: NodeNotFound, or BadRequest naming both labels."""
        return expect_label(self.node(node_id), node_id, label)

    def brief(self, i: int) -> dict:
        """{id, label, name} of the node at adjacency index ``i``."""
        adj = self.adj
        return {"id": adj.id(i), "label": adj.label(i), "name": adj.name(i)}

    def neighbours_by_type(self, node_id: str) -> list[tuple[str, str, list[int]]]:
        """(relationship type, the other end's label, adjacency indices) for each kind of
        neighbour, biggest first within a group (followers, sales, rooms...), then by id."""
        adj = self.adj
        nbr, tmask = adj.neighbors(adj.index(node_id))
        out = []
        for t, bit in TYPE_BITS.items():
            hit = np.asarray(nbr[(tmask & bit) != 0], dtype=np.int64)
            if len(hit) == 0:
                continue
            codes = adj.labels[hit]
            for code in np.unique(codes):
                idx = hit[codes == code]
                out.append((t, LABEL_LIST[int(code)].name, self._biggest_first(LABEL_LIST[int(code)].name, idx)))
        return out

    def _biggest_first(self, label: str, idx: np.ndarray) -> list[int]:
        column = SIZE_OF.get(label)
        if column is None or len(idx) < 2:
            return idx.tolist()
        values = self.nodes[label].column(column).take(pa.array(self.adj.rows[idx]))
        v = pc.fill_null(pc.cast(values, pa.float64()), -1.0).to_numpy(zero_copy_only=False)
        order = np.lexsort((idx, -v))  # biggest first, then by index (= id order)
        return idx[order].tolist()

    def node(self, node_id: str) -> dict:
        """All properties of a node, plus ``label``; NodeNotFound if absent."""
        adj = self.adj
        i = adj.index(node_id)
        label = adj.label(i)
        row = self.nodes[label].slice(int(adj.rows[i]), 1).to_pylist()[0]
        if row.get("id") != node_id:  # rows index out of step: find by id
            t = self.nodes[label]
            hit = t.filter(pc.equal(t.column("id"), node_id)).to_pylist()
            if not hit:
                raise NodeNotFound(node_id)
            row = hit[0]
        return {"label": label, **{k: v for k, v in row.items() if v is not None}}

    # ------------------------------------------------------------ networkx
    @property
    def nx(self) -> "nx.MultiDiGraph":
        """The whole graph as a networkx MultiDiGraph, built once on first use.

        Node attributes: ``label`` and the non-null properties; edges are keyed by
        type (``SELLS:2020Q3`` for the per-quarter types) with ``type`` and properties.
        """
        if self._nx is None:
            self._nx = to_networkx(self)
        return self._nx


def _rows_without_nulls(t: pa.Table, drop: tuple[str, ...]) -> list[dict]:
    """Rows as dicts without the ``drop`` columns and without null values."""
    t = t.drop_columns([c for c in drop if c in t.column_names])
    rows = t.to_pylist()
    if any(t.column(c).null_count for c in t.column_names):
        rows = [{k: v for k, v in r.items() if v is not None} for r in rows]
    return rows


def to_networkx(g: BeltGraph, node_ids: set[str] | None = None) -> "nx.MultiDiGraph":
    """Build a networkx MultiDiGraph of the whole graph, or of the nodes in ``node_ids``.

    The adjacency dicts are filled directly, as ``add_edges_from`` would leave them
    but without its per-edge checks: a million-merchant graph builds in seconds.
    """
    import networkx as nx

    # Millions of new dicts would set off the cyclic collector again and again, each
    # pass walking the whole growing heap; none of them can form a cycle.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _fill_networkx(nx.MultiDiGraph(), g, node_ids)
    finally:
        if was_enabled:
            gc.enable()


def _fill_networkx(G: "nx.MultiDiGraph", g: BeltGraph, node_ids: set[str] | None) -> "nx.MultiDiGraph":
    keep = pa.array(sorted(node_ids), pa.string()) if node_ids is not None else None
    node, succ, pred = G._node, G._succ, G._pred
    for lab in LABEL_LIST:
        t = g.nodes[lab.name]
        if keep is not None:
            t = t.filter(pc.is_in(t.column("id"), value_set=keep))
        if t.num_rows == 0:
            continue
        ids = t.column("id").to_pylist()
        for nid, attrs in zip(ids, _rows_without_nulls(t, ("id",))):
            attrs["label"] = lab.name
            node[nid] = attrs
            succ[nid] = {}
            pred[nid] = {}
    for rel in REL_LIST:
        t = g.rels[rel.name]
        if keep is not None and t.num_rows:
            t = t.filter(pc.and_(pc.is_in(t.column("from"), value_set=keep),
                                 pc.is_in(t.column("to"), value_set=keep)))
        if t.num_rows == 0:
            continue
        src, dst = t.column("from").to_pylist(), t.column("to").to_pylist()
        keyed = REL_KEY_PROPS.get(rel.name, ())
        if keyed:
            parts = [pc.cast(t.column(k), pa.string()) for k in keyed]
            keys = pc.binary_join_element_wise(rel.name, *parts, ":").to_pylist()
        else:
            keys = [rel.name] * t.num_rows
        has_props = len(t.column_names) > 2
        rows = _rows_without_nulls(t, ("from", "to")) if has_props else None
        for i, (u, v, k) in enumerate(zip(src, dst, keys)):
            data = rows[i] if has_props else {}
            data["type"] = rel.name
            keydict = succ[u].get(v)
            if keydict is None:
                keydict = succ[u][v] = pred[v][u] = {}
            keydict[k] = data
    return G


# ---------------------------------------------------------------- records (tests, small graphs)

def _typed_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    names = list(schema.names)
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    fields = [schema.field(n) if n in schema.names else pa.field(n, pa.string()) for n in names]
    cols = {n: [r.get(n) for r in rows] for n in names}
    out = []
    for f in fields:
        vals = cols[f.name]
        if f.type == pa.date32():
            vals = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in vals]
        if f.type == pa.list_(pa.string()):
            vals = [v.split(";") if isinstance(v, str) else v for v in vals]
        out.append(pa.array(vals, f.type))
    return pa.Table.from_arrays(out, schema=pa.schema(fields))


def data_from_records(nodes: list[dict] = (), rels: list[dict] = (), facts: dict[str, list[dict]] | None = None) -> GraphData:
    """GraphData from plain dicts: nodes carry ``label``, relationships ``type``, ``from``, ``to``.

    Defaults of the model apply (a Provider's level 1 and plaque true)."""
    by_label: dict[str, list[dict]] = {lab.name: [] for lab in LABEL_LIST}
    for n in nodes:
        n = dict(n)
        label = n.pop("label")
        for p in LABELS[label].props:
            if p.default is not None and n.get(p.name) is None:
                n[p.name] = p.default
        by_label[label].append(n)
    by_type: dict[str, list[dict]] = {r.name: [] for r in REL_LIST}
    for r in rels:
        r = dict(r)
        by_type[r.pop("type")].append(r)
    data = GraphData.empty()
    for lab, rows in by_label.items():
        if rows:
            data.nodes[lab] = _typed_table(rows, node_schema(lab))
    for t, rows in by_type.items():
        if rows:
            data.rels[t] = _typed_table(rows, rel_schema(t))
    for name, rows in (facts or {}).items():
        if rows:
            data.facts[name] = _typed_table(rows, fact_schema(name))
    return data


def graph_from_records(nodes: list[dict] = (), rels: list[dict] = (),
                       facts: dict[str, list[dict]] | None = None) -> BeltGraph:
    return BeltGraph.from_data(data_from_records(nodes, rels, facts))


__all__ = ["BeltGraph", "LazyTables", "build_adjacency", "data_from_records", "graph_from_records", "to_networkx"]
