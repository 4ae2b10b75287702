"""GraphData: the graph as typed Arrow tables, one per label, relationship type and fact table.

This is the form a bundle takes after validation and the form a store keeps on
disk. It knows how to derive SELLS and STREAMS_AT from live-stream facts (SPEC
§2) and how to upsert one GraphData into another (``--merge``).

>>> d = GraphData.empty()
>>> d.nodes["Belt"].num_rows, d.rels["SELLS"].column_names[:3]
(0, ['from', 'to', 'quarter'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .model import (
    FACT_LIST,
    FACTS,
    LABEL_LIST,
    LABELS,
    REL_KEY_PROPS,
    REL_LIST,
    REL_TYPES,
    Prop,
)

ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
    "quarter": pa.string(),
}


def arrow_type(p: Prop) -> pa.DataType:
    return ARROW_TYPES[p.kind]


def node_schema(label: str, extra: tuple[str, ...] = ()) -> pa.Schema:
    fields = [pa.field(p.name, arrow_type(p)) for p in LABELS[label].props]
    return pa.schema(fields + [pa.field(c, pa.string()) for c in extra])


def rel_schema(rel: str, extra: tuple[str, ...] = ()) -> pa.Schema:
    fields = [pa.field("from", pa.string()), pa.field("to", pa.string())]
    fields += [pa.field(p.name, arrow_type(p)) for p in REL_TYPES[rel].props]
    return pa.schema(fields + [pa.field(c, pa.string()) for c in extra])


def fact_schema(name: str, extra: tuple[str, ...] = ()) -> pa.Schema:
    fields = [pa.field(p.name, arrow_type(p)) for p in FACTS[name].props]
    return pa.schema(fields + [pa.field(c, pa.string()) for c in extra])


REVIEW_SCHEMA = pa.schema([
    ("quarter", pa.string()), ("provider", pa.string()),
    ("plaque_before", pa.bool_()), ("level_before", pa.int64()),
    ("plaque_after", pa.bool_()), ("level_after", pa.int64()),
    ("outcome", pa.string()), ("reasons", pa.string()),
])


def extras_of(table: pa.Table, schema_names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in table.column_names if c not in schema_names)


@dataclass
class GraphData:
    """Typed tables of one graph. ``rels`` holds the relationships as given; for
    SELLS and STREAMS_AT use :func:`derive_rels` to add those from facts."""

    nodes: dict[str, pa.Table]
    rels: dict[str, pa.Table]
    facts: dict[str, pa.Table]
    reviews: pa.Table = field(default_factory=lambda: REVIEW_SCHEMA.empty_table())

    @classmethod
    def empty(cls) -> "GraphData":
        return cls(
            {lab.name: node_schema(lab.name).empty_table() for lab in LABEL_LIST},
            {r.name: rel_schema(r.name).empty_table() for r in REL_LIST},
            {f.name: fact_schema(f.name).empty_table() for f in FACT_LIST},
        )

    def extra_node_props(self) -> dict[str, tuple[str, ...]]:
        return {lab: extras_of(t, LABELS[lab].prop_names) for lab, t in self.nodes.items()
                if extras_of(t, LABELS[lab].prop_names)}

    def extra_rel_props(self) -> dict[str, tuple[str, ...]]:
        base = ("from", "to")
        return {r: extras_of(t, base + REL_TYPES[r].prop_names) for r, t in self.rels.items()
                if extras_of(t, base + REL_TYPES[r].prop_names)}

    def node_ids(self) -> pa.Table:
        """Every node id with its label, as a table (id, label)."""
        parts = []
        for lab, t in self.nodes.items():
            parts.append(pa.table({"id": t.column("id"),
                                   "label": pa.array(np.full(t.num_rows, lab, dtype=object), pa.string())}))
        if not parts:
            return pa.table({"id": pa.array([], pa.string()), "label": pa.array([], pa.string())})
        return pa.concat_tables(parts)

    def counts(self, rels: dict[str, pa.Table] | None = None) -> dict:
        rels = rels if rels is not None else derive_rels(self)
        return {
            "nodes": {lab.name: self.nodes[lab.name].num_rows for lab in LABEL_LIST},
            "relationships": {r.name: rels[r.name].num_rows for r in REL_LIST},
        }


# ---------------------------------------------------------------- derived relationships

def _quarter_col(dates: pa.ChunkedArray) -> pa.Array:
    years = pc.cast(pc.year(dates), pa.string())
    qs = pc.cast(pc.quarter(dates), pa.string())
    return pc.binary_join_element_wise(years, qs, "Q")


def aggregate_livestreams(facts: pa.Table) -> tuple[pa.Table, pa.Table]:
    """SELLS and STREAMS_AT rows from live-stream facts, one per pair and quarter.

    >>> import datetime as dt
    >>> f = pa.table({"id": ["l1", "l2", "l3"], "anchor": ["a", "a", "a"],
    ...     "supply_chain": ["s", "s", "s"], "base": ["b", None, "b"],
    ...     "date": [dt.date(2020, 1, 5), dt.date(2020, 2, 1), dt.date(2020, 7, 1)],
    ...     "gmv": [10.0, 5.0, 1.0], "orders": [1, 2, 3], "viewers": [9, 9, 9]})
    >>> sells, streams = aggregate_livestreams(f)
    >>> sells.to_pylist()[0]
    {'from': 'a', 'to': 's', 'quarter': '2020Q1', 'sessions': 2, 'gmv': 15.0, 'orders': 3, 'viewers': 18}
    >>> streams.column("sessions").to_pylist()
    [1, 1]
    """
    if facts.num_rows == 0:
        return rel_schema("SELLS").empty_table(), rel_schema("STREAMS_AT").empty_table()
    q = _quarter_col(facts.column("date"))
    zero = pc.ScalarAggregateOptions(min_count=0)
    t = pa.table({
        "from": facts.column("anchor"), "to": facts.column("supply_chain"), "quarter": q,
        "base": facts.column("base"),
        "gmv": pc.fill_null(facts.column("gmv"), 0.0) if "gmv" in facts.column_names else pa.nulls(facts.num_rows, pa.float64()),
        "orders": facts.column("orders") if "orders" in facts.column_names else pa.nulls(facts.num_rows, pa.int64()),
        "viewers": facts.column("viewers") if "viewers" in facts.column_names else pa.nulls(facts.num_rows, pa.int64()),
    })
    sells = t.group_by(["from", "to", "quarter"], use_threads=False).aggregate([
        ([], "count_all"), ("gmv", "sum", zero), ("orders", "sum", zero), ("viewers", "sum", zero)])
    sells = pa.table({
        "from": sells["from"], "to": sells["to"], "quarter": sells["quarter"],
        "sessions": sells["count_all"], "gmv": sells["gmv_sum"],
        "orders": sells["orders_sum"], "viewers": sells["viewers_sum"],
    }).sort_by([("from", "ascending"), ("to", "ascending"), ("quarter", "ascending")])
    with_base = t.filter(pc.is_valid(t.column("base")))
    streams = with_base.group_by(["from", "base", "quarter"], use_threads=False).aggregate([([], "count_all")])
    streams = pa.table({
        "from": streams["from"], "to": streams["base"], "quarter": streams["quarter"],
        "sessions": streams["count_all"],
    }).sort_by([("from", "ascending"), ("to", "ascending"), ("quarter", "ascending")])
    return sells.cast(rel_schema("SELLS")), streams.cast(rel_schema("STREAMS_AT"))


def derive_rels(data: GraphData) -> dict[str, pa.Table]:
    """All relationships of the graph: those given plus SELLS and STREAMS_AT from facts.

    A given SELLS or STREAMS_AT row with the same (from, to, quarter) as a derived
    one is replaced by the derived one.
    """
    out = dict(data.rels)
    sells, streams = aggregate_livestreams(data.facts["livestreams"])
    for name, derived in (("SELLS", sells), ("STREAMS_AT", streams)):
        given = data.rels[name]
        if derived.num_rows == 0:
            continue
        if given.num_rows == 0:
            out[name] = derived
        else:
            out[name] = upsert_table(given, derived, ("from", "to") + REL_KEY_PROPS[name])
    return out


# ---------------------------------------------------------------- upsert (--merge)

def key_column(table: pa.Table, key: tuple[str, ...]) -> pa.Array:
    if len(key) == 1:
        return pc.cast(table.column(key[0]), pa.string())
    cols = [pc.fill_null(pc.cast(table.column(k), pa.string()), "") for k in key]
    return pc.binary_join_element_wise(*cols, "\x1f")


def _unify(a: pa.Table, b: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Give two tables the same columns (a's first, then b's new ones, as text)."""
    for name in b.column_names:
        if name not in a.column_names:
            a = a.append_column(pa.field(name, b.schema.field(name).type), pa.nulls(a.num_rows, b.schema.field(name).type))
    for name in a.column_names:
        if name not in b.column_names:
            b = b.append_column(pa.field(name, a.schema.field(name).type), pa.nulls(b.num_rows, a.schema.field(name).type))
    return a, b.select(a.column_names).cast(a.schema)


def upsert_table(old: pa.Table, new: pa.Table, key: tuple[str, ...],
                 present: set[str] | None = None) -> pa.Table:
    """Rows of ``new`` replace rows of ``old`` with the same key; others are added.

    Columns not in ``present`` (not given in the new file) keep the old row's value.

    >>> old = pa.table({"id": ["a", "b"], "x": [1, 2], "y": ["p", "q"]})
    >>> new = pa.table({"id": ["b", "c"], "x": [20, 30], "y": [None, None]})
    >>> upsert_table(old, new, ("id",), present={"id", "x"}).to_pylist()
    [{'id': 'a', 'x': 1, 'y': 'p'}, {'id': 'b', 'x': 20, 'y': 'q'}, {'id': 'c', 'x': 30, 'y': None}]
    """
    old, new = _unify(old, new)
    if old.num_rows == 0:
        return new
    old_keys = key_column(old, key)
    new_keys = key_column(new, key)
    pos_in_old = pc.index_in(new_keys, value_set=old_keys)
    if present is not None:
        kept = [c for c in new.column_names if c not in present]
        if kept:
            cols = []
            for name in new.column_names:
                col = new.column(name)
                if name in kept:
                    col = pc.if_else(pc.is_valid(pos_in_old), old.column(name).take(pc.fill_null(pos_in_old, 0)), col)
                cols.append(col)
            new = pa.Table.from_arrays(cols, schema=new.schema)
    replaced = pc.is_in(old_keys, value_set=new_keys)
    return pa.concat_tables([old.filter(pc.invert(replaced)), new])


def upsert(base: GraphData, new: GraphData, present: dict[str, set[str]] | None = None) -> GraphData:
    """Merge ``new`` into ``base`` by id (nodes), by ends (+quarter) (relationships)
    and by key (facts). ``present`` maps ``nodes/Label`` etc. to the columns given."""
    present = present or {}
    nodes = {lab: upsert_table(base.nodes[lab], new.nodes[lab], ("id",), present.get(f"nodes/{lab}"))
             if new.nodes[lab].num_rows else base.nodes[lab] for lab in base.nodes}
    rels = {}
    for r in base.rels:
        key = ("from", "to") + REL_KEY_PROPS.get(r, ())
        rels[r] = (upsert_table(base.rels[r], new.rels[r], key, present.get(f"rels/{r}"))
                   if new.rels[r].num_rows else base.rels[r])
    facts = {f: upsert_table(base.facts[f], new.facts[f], FACTS[f].key, present.get(f"facts/{f}"))
             if new.facts[f].num_rows else base.facts[f] for f in base.facts}
    return GraphData(nodes, rels, facts, base.reviews)
