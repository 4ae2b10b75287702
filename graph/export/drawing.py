"""One drawing of a selection, shared by the pictures (html, svg, pdf, png) and by GEXF:
positions, a colour per label, a size per node from a metric, gold/silver badges, the key
properties for tooltips, and the caption (what is shown, the data version, the date).

>>> from graph.usecases.browse import Subgraph
>>> sub = Subgraph([{"id": "b", "label": "Belt", "name": "带", "category": "jade", "province": "云南省"},
...                 {"id": "s", "label": "SupplyChain", "name": "链", "category": "jade"}],
...                [{"from": "s", "to": "b", "type": "IN_BELT"}], {"around": "b", "depth": 1}, "v1", "2024-01-02")
>>> d = build_drawing(sub, tiers={"s": "gold"}, degrees={"b": 4, "s": 1})
>>> [(n.id, n.color, n.tier, n.size) for n in d.nodes]
[('b', '#c0392b', None, 36.0), ('s', '#2980b9', 'gold', 23.0)]
>>> d.caption
'around b, depth 1 · data v1 · 2024-01-02'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..palette import LABEL_COLORS, OTHER_COLOR
from .layout import layout

#: Properties shown in a node's tooltip, per label (besides name, label and id).
KEY_PROPS = {
    "Belt": ("category", "division", "province", "city"),
    "Base": ("kind", "rooms", "premium", "opened"),
    "Provider": ("roles", "level", "plaque", "joined"),
    "SupplyChain": ("category", "rating", "fulfillment_rate", "return_rate", "sku_count"),
    "Anchor": ("followers", "category", "province"),
    "Merchant": ("joined", "sales"),
    "TeamLeader": (),
}
#: Node radius range (vis-network ``size`` and SVG units alike), by the node's connections.
MIN_SIZE, MAX_SIZE = 10.0, 36.0
#: What the size shows, for the legend.
SIZE_METRIC = "connections"


@dataclass(frozen=True)
class DrawnNode:
    id: str
    label: str
    name: str
    color: str
    size: float
    x: float
    y: float
    tier: str | None = None
    props: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "name": self.name, "color": self.color, "size": self.size,
                "x": self.x, "y": self.y, "tier": self.tier, "props": self.props}


@dataclass(frozen=True)
class Drawing:
    nodes: list[DrawnNode]
    edges: list[tuple[str, str, str]]          # (from, to, type), one per pair and type
    selection: dict
    version: str | None
    date: str
    legend: list[tuple[str, str, int]]          # (label, colour, count)

    @property
    def caption(self) -> str:
        return caption(self.selection, self.version, self.date)

    def by_id(self) -> dict[str, DrawnNode]:
        return {n.id: n for n in self.nodes}


def describe_selection(selection: dict) -> str:
    """The selection in words, e.g. ``around b, depth 2; labels Belt, Base``.

    >>> describe_selection({"whole": True}), describe_selection({"ids": ["a", "b"]})
    ('the whole graph', '2 chosen nodes')
    """
    if selection.get("whole"):
        return "the whole graph"
    parts = []
    if "around" in selection:
        parts.append(f"around {selection['around']}, depth {selection.get('depth', 1)}")
    if "query" in selection:
        parts.append(f"query: {selection['query']}")
    if "ids" in selection:
        parts.append(f"{len(selection['ids']):,} chosen nodes")
    if "view" in selection:
        parts.append(str(selection["view"]))
    if selection.get("labels"):
        parts.append("labels " + ", ".join(selection["labels"]))
    if selection.get("types"):
        parts.append("types " + ", ".join(selection["types"]))
    return "; ".join(parts) or "the whole graph"


def caption(selection: dict, version: str | None, date: str) -> str:
    return f"{describe_selection(selection)} · data {version or '(none)'} · {date}"


def _shown(v):
    if isinstance(v, list):
        return ";".join(map(str, v))
    if isinstance(v, float):
        return round(v, 4)
    return v


def sizes(degrees: dict[str, int], ids: list[str]) -> dict[str, float]:
    """A radius per node from its connections: MIN_SIZE..MAX_SIZE by the square root."""
    top = max([degrees.get(i, 0) for i in ids] + [1])
    return {i: round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(degrees.get(i, 0) / top), 1) for i in ids}


def build_drawing(sub, tiers: dict[str, str] | None = None, degrees: dict[str, int] | None = None,
                  positions: dict[str, tuple[float, float]] | None = None) -> Drawing:
    """The drawing of a :class:`graph.usecases.Subgraph`: ``tiers`` (supply chain id -> gold/silver),
    ``degrees`` (connections in the whole graph, for the size), ``positions`` (default: :func:`layout`)."""
    tiers = tiers or {}
    ids = [n["id"] for n in sub.nodes]
    degrees = degrees if degrees is not None else _local_degrees(sub)
    pairs = {(r["from"], r["to"], r["type"]) for r in sub.rels}
    edges = sorted(pairs)
    if positions is None:
        positions = layout(ids, [(a, b) for a, b, _ in edges])
    size = sizes(degrees, ids)
    nodes, counts = [], {}
    for n in sub.nodes:
        label = n["label"]
        counts[label] = counts.get(label, 0) + 1
        props = {k: _shown(n[k]) for k in KEY_PROPS.get(label, ()) if n.get(k) is not None}
        x, y = positions[n["id"]]
        nodes.append(DrawnNode(n["id"], label, str(n.get("name", n["id"])), LABEL_COLORS.get(label, OTHER_COLOR),
                               size[n["id"]], x, y, tiers.get(n["id"]), props))
    legend = [(lab, LABEL_COLORS.get(lab, OTHER_COLOR), counts[lab]) for lab in LABEL_COLORS if lab in counts]
    return Drawing(nodes, edges, sub.selection, sub.version, sub.date, legend)


def _local_degrees(sub) -> dict[str, int]:
    out: dict[str, set] = {}
    for r in sub.rels:
        out.setdefault(r["from"], set()).add(r["to"])
        out.setdefault(r["to"], set()).add(r["from"])
    return {k: len(v) for k, v in out.items()}

