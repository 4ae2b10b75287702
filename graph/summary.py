"""Belt summaries: who is in each belt, counted from the graph's tables.

>>> from graph.graph import graph_from_records
>>> g = graph_from_records(
...     nodes=[{"label": "Belt", "id": "b1", "name": "水贝", "category": "jewelry", "province": "广东省"},
...            {"label": "Merchant", "id": "m1", "name": "店"},
...            {"label": "Provider", "id": "p1", "name": "服务商", "roles": ["belt"]}],
...     rels=[{"type": "IN_BELT", "from": "m1", "to": "b1"}, {"type": "SERVES", "from": "p1", "to": "b1"}])
>>> s = belt_summaries(g)[0]
>>> (s.id, s.merchants, s.providers)
('b1', 1, 1)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .graph import BeltGraph


@dataclass(frozen=True)
class BeltSummary:
    id: str
    name: str
    name_en: str | None
    category: str
    division: str | None
    province: str
    city: str | None
    lat: float | None
    lon: float | None
    bases: int
    supply_chains: int
    merchants: int
    providers: int

    def to_dict(self) -> dict:
        return asdict(self)


def _count_by(table: pa.Table, column: str) -> dict[str, int]:
    if table.num_rows == 0:
        return {}
    counts = table.group_by(column, use_threads=False).aggregate([([], "count_all")])
    return dict(zip(counts.column(column).to_pylist(), counts.column("count_all").to_pylist()))


def belt_summaries(g: BeltGraph) -> list[BeltSummary]:
    """Every belt with its counts of bases, supply chains, merchants and serving providers, by id."""
    return list(g.memo(("belt_summaries",), lambda: _belt_summaries(g)))


def _belt_summaries(g: BeltGraph) -> list[BeltSummary]:
    in_belt = g.rels["IN_BELT"]
    per_label = {}
    for label in ("Base", "SupplyChain", "Merchant"):
        ids = g.nodes[label].column("id")
        rows = in_belt.filter(pc.is_in(in_belt.column("from"), value_set=ids)) if in_belt.num_rows else in_belt
        per_label[label] = _count_by(rows, "to")
    serves = g.rels["SERVES"]
    providers = _count_by(serves.group_by(["from", "to"], use_threads=False).aggregate([]), "to") \
        if serves.num_rows else {}
    belts = g.nodes["Belt"].sort_by("id").to_pylist()
    return [BeltSummary(
        b["id"], b["name"], b.get("name_en"), b["category"], b.get("division"), b["province"], b.get("city"),
        b.get("lat"), b.get("lon"),
        per_label["Base"].get(b["id"], 0), per_label["SupplyChain"].get(b["id"], 0),
        per_label["Merchant"].get(b["id"], 0), providers.get(b["id"], 0)) for b in belts]
