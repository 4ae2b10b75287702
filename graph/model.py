"""The BeltGraph data model: labels, relationship types and fact tables.

This module is the one definition of the schema (SPEC §1 and §2). The bundle
loaders, the embedded store's DDL, the Neo4j backend and the docs all read it;
nothing else spells out a property list.

>>> LABELS["Provider"].prop("level").default
1
>>> REL_TYPES["IN_BELT"].allows("Merchant", "Belt")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Scalar kinds a property can have, with the engine type each maps to.
KINDS = {
    "string": "STRING",
    "int": "INT64",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
    "list": "STRING[]",
    "quarter": "STRING",
}


@dataclass(frozen=True)
class Prop:
    """One property of a label, relationship type or fact table."""

    name: str
    kind: str = "string"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    doc: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown property kind {self.kind!r}")

    @property
    def engine_type(self) -> str:
        return KINDS[self.kind]


class _HasProps:
    props: tuple[Prop, ...]

    def prop(self, name: str) -> Prop | None:
        for p in self.props:
            if p.name == name:
                return p
        return None

    @property
    def prop_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.props)


@dataclass(frozen=True)
class Label(_HasProps):
    name: str
    props: tuple[Prop, ...]
    doc: str = ""


@dataclass(frozen=True)
class RelType(_HasProps):
    name: str
    ends: tuple[tuple[str, str], ...]
    props: tuple[Prop, ...] = ()
    derived: bool = False
    doc: str = ""

    def allows(self, src_label: str, dst_label: str) -> bool:
        return (src_label, dst_label) in self.ends

    @property
    def src_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a, _ in self.ends))

    @property
    def dst_labels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for _, b in self.ends))


@dataclass(frozen=True)
class Ref:
    """A fact column that names a node of one label."""

    column: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class FactTable(_HasProps):
    name: str
    props: tuple[Prop, ...]
    refs: tuple[Ref, ...]
    key: tuple[str, ...]
    doc: str = ""


ROLES = ("training", "mcn", "belt", "supply_chain")
#: Chinese role names a Provider row may use instead of the English ones.
ROLE_ALIASES = {
    "培训": "training", "培训服务商": "training",
    "机构": "mcn", "mcn机构": "mcn",
    "产业带": "belt", "产业带服务商": "belt",
    "供应链": "supply_chain", "供应链服务商": "supply_chain",
}
DIVISIONS = ("big_apparel", "premium_consumer", "home_living")

_ID = Prop("id", "string", required=True, doc="globally unique id")
_NAME = Prop("name", "string", required=True)

LABEL_LIST: tuple[Label, ...] = (
    Label("Belt", (
        _ID, _NAME,
        Prop("name_en"),
        Prop("category", required=True, doc="apparel, jewelry, rosewood, jade, or other text"),
        Prop("division", choices=DIVISIONS),
        Prop("province", required=True),
        Prop("city"),
        Prop("county"),
        Prop("lat", "float", min=-90, max=90),
        Prop("lon", "float", min=-180, max=180),
        Prop("products"),
    ), doc="a regional industry belt (产业带)"),
    Label("Base", (
        _ID, _NAME,
        Prop("kind", doc="live-stream base, warehouse, showroom"),
        Prop("rooms", "int", min=0),
        Prop("premium", "bool", doc="a certified quality base (精品基地)"),
        Prop("opened", "date"),
    ), doc="a base in a belt"),
    Label("Provider", (
        _ID, _NAME,
        Prop("roles", "list", required=True, choices=ROLES),
        Prop("level", "int", default=1, min=1, max=5),
        Prop("plaque", "bool", default=True),
        Prop("joined", "date"),
    ), doc="a service provider (服务商)"),
    Label("SupplyChain", (
        _ID, _NAME,
        Prop("category", required=True),
        Prop("fulfillment_rate", "float", min=0, max=1),
        Prop("return_rate", "float", min=0, max=1),
        Prop("rating", "float", min=0, max=5),
        Prop("sku_count", "int", min=0),
    ), doc="a merchant supply chain in the goods alliance (好物联盟)"),
    Label("Anchor", (
        _ID, _NAME,
        Prop("followers", "int", min=0),
        Prop("category"),
        Prop("province"),
    ), doc="a streamer / promoter (主播)"),
    Label("Merchant", (
        _ID, _NAME,
        Prop("joined", "date"),
        Prop("sales", "float", min=0, doc="cumulative CNY"),
    ), doc="a shop on the platform"),
    Label("TeamLeader", (_ID, _NAME), doc="a recruiting team leader (招商团长)"),
)
LABELS: dict[str, Label] = {lab.name: lab for lab in LABEL_LIST}

_QUARTER = Prop("quarter", "quarter", required=True)

REL_LIST: tuple[RelType, ...] = (
    RelType("IN_BELT", (("Base", "Belt"), ("SupplyChain", "Belt"), ("Merchant", "Belt"))),
    RelType("SERVES", (("Provider", "Belt"),), (Prop("since", "date"),)),
    RelType("OPERATES", (("Provider", "Base"),)),
    RelType("RUNS", (("Provider", "SupplyChain"),)),
    RelType("INCUBATES", (("Provider", "Anchor"),), (Prop("since", "date"),)),
    RelType("SOURCES_FROM", (("Merchant", "SupplyChain"),)),
    RelType("RECRUITS", (("TeamLeader", "SupplyChain"),)),
    RelType("MATCHES", (("TeamLeader", "Anchor"),)),
    RelType("SELLS", (("Anchor", "SupplyChain"),), (
        _QUARTER,
        Prop("sessions", "int", min=0),
        Prop("gmv", "float", min=0),
        Prop("orders", "int", min=0),
        Prop("viewers", "int", min=0),
    ), derived=True, doc="one per anchor, supply chain and quarter, from live-stream facts"),
    RelType("STREAMS_AT", (("Anchor", "Base"),), (
        _QUARTER,
        Prop("sessions", "int", min=0),
    ), derived=True, doc="one per anchor, base and quarter, from live-stream facts"),
)
REL_TYPES: dict[str, RelType] = {r.name: r for r in REL_LIST}

FACT_LIST: tuple[FactTable, ...] = (
    FactTable(
        "livestreams",
        (
            Prop("id", required=True),
            Prop("anchor", required=True),
            Prop("supply_chain", required=True),
            Prop("base"),
            Prop("date", "date", required=True),
            Prop("gmv", "float", min=0),
            Prop("orders", "int", min=0),
            Prop("viewers", "int", min=0),
            Prop("new_followers", "int"),
        ),
        (Ref("anchor", "Anchor"), Ref("supply_chain", "SupplyChain"), Ref("base", "Base", required=False)),
        key=("id",),
        doc="one row per live stream",
    ),
    FactTable(
        "provider_quarters",
        (
            Prop("provider", required=True),
            _QUARTER,
            Prop("gmv", "float", min=0),
            Prop("anchors_incubated", "int", min=0),
            Prop("sessions", "int", min=0),
            Prop("trainees", "int", min=0),
            Prop("complaints", "int", min=0),
        ),
        (Ref("provider", "Provider"),),
        key=("provider", "quarter"),
        doc="one row per provider and quarter",
    ),
)
FACTS: dict[str, FactTable] = {f.name: f for f in FACT_LIST}

#: Relationship identity for --merge upserts: (type, from, to) plus these properties.
REL_KEY_PROPS = {"SELLS": ("quarter",), "STREAMS_AT": ("quarter",)}


@dataclass(frozen=True)
class Schema:
    """A view of the model plus the extra text columns a loaded graph carries."""

    extra_node_props: dict[str, tuple[str, ...]] = field(default_factory=dict)
    extra_rel_props: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def node_columns(self, label: str) -> list[tuple[str, str]]:
        cols = [(p.name, p.engine_type) for p in LABELS[label].props]
        cols += [(c, "STRING") for c in self.extra_node_props.get(label, ())]
        return cols

    def rel_columns(self, rel: str) -> list[tuple[str, str]]:
        cols = [(p.name, p.engine_type) for p in REL_TYPES[rel].props]
        cols += [(c, "STRING") for c in self.extra_rel_props.get(rel, ())]
        return cols


def describe() -> str:
    """The model as Markdown, for the README and `beltgraph schema`."""
    out = ["| label | properties (* required) |", "|---|---|"]
    for lab in LABEL_LIST:
        props = ", ".join(p.name + ("*" if p.required else "") + f" ({p.kind})" for p in lab.props)
        out.append(f"| {lab.name} | {props} |")
    out += ["", "| relationship | ends | properties |", "|---|---|---|"]
    for rel in REL_LIST:
        ends = ", ".join(f"{a} -> {b}" for a, b in rel.ends)
        props = ", ".join(f"{p.name} ({p.kind})" for p in rel.props)
        out.append(f"| {rel.name} | {ends} | {props} |")
    return "\n".join(out)
