"""The platform's programs, read off the graph: anchor tiers, coverage gaps, the new-merchant plan.

>>> classify(150_000, 1_000_000, 100_000)
'mid'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from .config import Config
from .errors import ConfigError
from .graph import BeltGraph
from .model import ROLES
from .rank import DEFAULT_SETTINGS, RankSettings, check_quarter, latest_quarter, rank_supply_chains

TIERS = ("head", "mid", "tail")


def classify(value: float | None, head: float, mid: float) -> str:
    if value is None:
        return "tail"
    return "head" if value >= head else "mid" if value >= mid else "tail"


# ---------------------------------------------------------------- anchor tiers

@dataclass(frozen=True)
class TierSettings:
    head_followers: float = 1_000_000
    mid_followers: float = 100_000
    head_gmv: float = 5_000_000
    mid_gmv: float = 500_000

    @classmethod
    def from_config(cls, config: Config) -> "TierSettings":
        section = config.section("anchors")
        unknown = sorted(set(section) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"[anchors] has unknown key {', '.join(unknown)}: use "
                              f"{', '.join(cls.__dataclass_fields__)}")
        try:
            s = cls(**{k: float(v) for k, v in section.items()})
        except (TypeError, ValueError):
            raise ConfigError("[anchors] thresholds must be numbers") from None
        if s.head_followers < s.mid_followers or s.head_gmv < s.mid_gmv:
            raise ConfigError("[anchors] head thresholds must not be below the mid ones")
        return s


@dataclass(frozen=True)
class AnchorTier:
    id: str
    name: str
    followers: int | None
    follower_tier: str
    gmv: float
    gmv_tier: str

    def to_dict(self) -> dict:
        return asdict(self)


def _anchor_gmv(g: BeltGraph, quarter: str | None) -> dict[str, float]:
    sells = g.rels["SELLS"]
    if quarter is None or sells.num_rows == 0:
        return {}
    q = sells.filter(pc.equal(sells.column("quarter"), quarter))
    agg = q.group_by("from", use_threads=False).aggregate([("gmv", "sum")])
    return dict(zip(agg.column("from").to_pylist(), agg.column("gmv_sum").to_pylist()))


def anchor_tiers(g: BeltGraph, quarter: str | None = None, settings: TierSettings = TierSettings()) -> tuple[str | None, list[AnchorTier]]:
    """Every anchor's tier by followers and by GMV in the quarter (default: the latest)."""
    quarter = check_quarter(quarter) if quarter else latest_quarter(g)
    gmv = _anchor_gmv(g, quarter)
    out = []
    for a in g.nodes["Anchor"].select(["id", "name", "followers"]).sort_by("id").to_pylist():
        v = gmv.get(a["id"]) or 0.0
        out.append(AnchorTier(a["id"], a["name"], a["followers"],
                              classify(a["followers"], settings.head_followers, settings.mid_followers),
                              v, classify(v, settings.head_gmv, settings.mid_gmv)))
    return quarter, out


@dataclass(frozen=True)
class Incubation:
    provider: str
    name: str
    incubated: int
    mid_by_followers: list[str]
    mid_by_gmv: list[str]

    def to_dict(self) -> dict:
        return {"provider": self.provider, "name": self.name, "incubated": self.incubated,
                "mid_by_followers": len(self.mid_by_followers), "mid_by_gmv": len(self.mid_by_gmv),
                "anchors_mid_by_followers": self.mid_by_followers, "anchors_mid_by_gmv": self.mid_by_gmv}


def incubated_mid_tier(g: BeltGraph, quarter: str | None = None,
                       settings: TierSettings = TierSettings()) -> tuple[str | None, list[Incubation]]:
    """Per provider, the mid-tier anchors it incubated (the programs count these)."""
    quarter, tiers = anchor_tiers(g, quarter, settings)
    by_id = {t.id: t for t in tiers}
    inc = g.rels["INCUBATES"].select(["from", "to"]).to_pylist()
    per: dict[str, list[str]] = {}
    for r in inc:
        per.setdefault(r["from"], []).append(r["to"])
    out = []
    for p in g.nodes["Provider"].select(["id", "name"]).sort_by("id").to_pylist():
        anchors = sorted(set(per.get(p["id"], [])))
        out.append(Incubation(p["id"], p["name"], len(anchors),
                              [a for a in anchors if by_id[a].follower_tier == "mid"],
                              [a for a in anchors if by_id[a].gmv_tier == "mid"]))
    out.sort(key=lambda i: (-len(i.mid_by_followers), -len(i.mid_by_gmv), i.provider))
    return quarter, out


# ---------------------------------------------------------------- coverage gaps

@dataclass(frozen=True)
class Coverage:
    quarter: str | None
    matrix: dict[str, dict[str, int]]               # belt -> role -> providers serving it
    names: dict[str, str]
    belts_missing_role: dict[str, list[str]]        # belt -> roles nobody serves it in
    belts_without_tier: list[str]                   # no gold or silver supply chain
    categories_missing_role: dict[str, list[str]]   # category -> roles no belt of it has

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "roles": list(ROLES),
                "matrix": [{"belt": b, "name": self.names[b], **self.matrix[b]} for b in self.matrix],
                "belts_missing_role": self.belts_missing_role, "belts_without_tier": self.belts_without_tier,
                "categories_missing_role": self.categories_missing_role}


def coverage_gaps(g: BeltGraph, quarter: str | None = None, settings: RankSettings = DEFAULT_SETTINGS) -> Coverage:
    belts = g.nodes["Belt"].select(["id", "name", "category"]).sort_by("id").to_pylist()
    roles_of = {p["id"]: p["roles"] or [] for p in g.nodes["Provider"].select(["id", "roles"]).to_pylist()}
    serving: dict[str, set[str]] = {}
    for r in g.rels["SERVES"].select(["from", "to"]).to_pylist():
        serving.setdefault(r["to"], set()).add(r["from"])
    matrix = {b["id"]: {role: sum(role in roles_of.get(p, []) for p in serving.get(b["id"], ())) for role in ROLES}
              for b in belts}
    missing = {b: [r for r in ROLES if row[r] == 0] for b, row in matrix.items() if any(row[r] == 0 for r in ROLES)}
    ranking = rank_supply_chains(g, quarter, settings=settings)
    tiered = {i.id for i in ranking.items if i.tier}
    in_belt = g.rels["IN_BELT"]
    sc_ids = g.nodes["SupplyChain"].column("id")
    sc_rows = in_belt.filter(pc.is_in(in_belt.column("from"), value_set=sc_ids)).select(["from", "to"]).to_pylist() \
        if in_belt.num_rows else []
    with_tier = {r["to"] for r in sc_rows if r["from"] in tiered}
    categories: dict[str, set[str]] = {}
    for b in belts:
        categories.setdefault(b["category"], set())
        categories[b["category"]] |= {r for r in ROLES if matrix[b["id"]][r] > 0}
    return Coverage(ranking.quarter, matrix, {b["id"]: b["name"] for b in belts}, missing,
                    [b["id"] for b in belts if b["id"] not in with_tier],
                    {c: [r for r in ROLES if r not in have] for c, have in sorted(categories.items())
                     if len(have) < len(ROLES)})


# ---------------------------------------------------------------- new-merchant plan

@dataclass(frozen=True)
class PlanSettings:
    joined_from: dt.date = dt.date(2020, 9, 1)
    joined_to: dt.date = dt.date(2020, 10, 31)
    fee_rate: float = 0.01
    cap: float = 100_000.0
    near_share: float = 0.10

    @classmethod
    def from_config(cls, config: Config) -> "PlanSettings":
        s = config.section("merchant_plan")
        d = cls()
        try:
            out = cls(dt.date.fromisoformat(str(s.get("joined_from", d.joined_from))),
                      dt.date.fromisoformat(str(s.get("joined_to", d.joined_to))),
                      float(s.get("fee_rate", d.fee_rate)), float(s.get("cap", d.cap)),
                      float(s.get("near_share", d.near_share)))
        except ValueError as e:
            raise ConfigError(f"[merchant_plan] {e}") from None
        if out.joined_to < out.joined_from:
            raise ConfigError("[merchant_plan] joined_to is before joined_from")
        return out


@dataclass(frozen=True)
class PlanMerchant:
    id: str
    name: str
    belt: str | None
    joined: str
    sales: float
    remaining: float
    fee_so_far: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PlanBelt:
    belt: str | None
    name: str | None
    eligible: int
    near_cap: int
    over_cap: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    settings: PlanSettings
    belts: list[PlanBelt] = field(default_factory=list)
    near_cap: list[PlanMerchant] = field(default_factory=list)

    def to_dict(self) -> dict:
        s = self.settings
        return {"joined_from": s.joined_from.isoformat(), "joined_to": s.joined_to.isoformat(),
                "fee_rate": s.fee_rate, "cap": s.cap, "near_share": s.near_share,
                "eligible": sum(b.eligible for b in self.belts),
                "belts": [b.to_dict() for b in self.belts], "near_cap": [m.to_dict() for m in self.near_cap]}


def merchant_plan(g: BeltGraph, settings: PlanSettings = PlanSettings()) -> Plan:
    """Merchants who joined in the window pay ``fee_rate`` until ``cap`` of cumulative sales;
    per belt the eligible ones, and those within ``near_share`` of the cap."""
    m = g.nodes["Merchant"]
    if m.num_rows == 0:
        return Plan(settings)
    joined = m.column("joined")
    in_window = pc.and_(pc.greater_equal(joined, pa.scalar(settings.joined_from, pa.date32())),
                        pc.less_equal(joined, pa.scalar(settings.joined_to, pa.date32())))
    eligible = m.filter(pc.fill_null(in_window, False)).select(["id", "name", "joined", "sales"])
    in_belt = g.rels["IN_BELT"]
    belt_of = {}
    if eligible.num_rows and in_belt.num_rows:
        rows = in_belt.filter(pc.is_in(in_belt.column("from"), value_set=eligible.column("id")))
        belt_of = dict(zip(rows.column("from").to_pylist(), rows.column("to").to_pylist()))
    names = dict(zip(g.nodes["Belt"].column("id").to_pylist(), g.nodes["Belt"].column("name").to_pylist()))
    floor = settings.cap * (1 - settings.near_share)
    per: dict[str | None, list[int]] = {}
    near = []
    for r in eligible.to_pylist():
        sales = r["sales"] or 0.0
        belt = belt_of.get(r["id"])
        counts = per.setdefault(belt, [0, 0, 0])
        counts[0] += 1
        if sales >= settings.cap:
            counts[2] += 1
        elif sales >= floor:
            counts[1] += 1
            near.append(PlanMerchant(r["id"], r["name"], belt, r["joined"].isoformat(), sales,
                                     round(settings.cap - sales, 2), round(sales * settings.fee_rate, 2)))
    belts = [PlanBelt(b, names.get(b), *c) for b, c in per.items()]
    belts.sort(key=lambda b: (-b.eligible, b.belt or ""))
    near.sort(key=lambda x: (x.remaining, x.id))
    return Plan(settings, belts, near)
