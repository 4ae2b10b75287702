"""The new-merchant plan: merchants who joined in a window pay a reduced fee up to a cap of sales."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .config import Config
from .graph import BeltGraph


@dataclass(frozen=True)
class PlanSettings:
    """``[merchant_plan]`` of the settings (graph.config holds the defaults and checks)."""

    joined_from: dt.date
    joined_to: dt.date
    fee_rate: float
    cap: float
    near_share: float

    @classmethod
    def from_config(cls, config: Config) -> "PlanSettings":
        return cls(**config.section("merchant_plan"))

    @classmethod
    def default(cls) -> "PlanSettings":
        return cls.from_config(Config.defaults())


@dataclass(frozen=True)
class PlanMerchant:
    id: str
    name: str
    belt: str | None
    joined: str
    sales: float
    remaining: float
    fee_so_far: float

    def to_dict(self) -> dict:  # asdict's deep copy costs more than the plan itself
        return {"id": self.id, "name": self.name, "belt": self.belt, "joined": self.joined, "sales": self.sales,
                "remaining": self.remaining, "fee_so_far": self.fee_so_far}


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


def merchant_plan(g: BeltGraph, settings: PlanSettings | None = None) -> Plan:
    """Merchants who joined in the window pay ``fee_rate`` until ``cap`` of cumulative sales;
    per belt the eligible ones, and those within ``near_share`` of the cap."""
    settings = settings or PlanSettings.default()
    return g.memo(("merchant_plan", settings), lambda: _merchant_plan(g, settings))


def _merchant_plan(g: BeltGraph, settings: PlanSettings) -> Plan:
    m = g.nodes["Merchant"]
    if m.num_rows == 0:
        return Plan(settings)
    joined = m.column("joined")
    in_window = pc.and_(pc.greater_equal(joined, pa.scalar(settings.joined_from, pa.date32())),
                        pc.less_equal(joined, pa.scalar(settings.joined_to, pa.date32())))
    eligible = m.filter(pc.fill_null(in_window, False)).select(["id", "name", "joined", "sales"])
    in_belt = g.rels["IN_BELT"]
    belt = pa.nulls(eligible.num_rows, pa.string())
    if eligible.num_rows and in_belt.num_rows:
        rows = in_belt.filter(pc.is_in(in_belt.column("from"), value_set=eligible.column("id")))
        rows = rows.take(pa.array(np.arange(rows.num_rows - 1, -1, -1)))  # a merchant's last IN_BELT row wins
        at = pc.index_in(eligible.column("id"), value_set=rows.column("from"))
        belt = rows.column("to").take(at)
    names = dict(zip(g.nodes["Belt"].column("id").to_pylist(), g.nodes["Belt"].column("name").to_pylist()))
    floor = settings.cap * (1 - settings.near_share)
    sales = pc.fill_null(eligible.column("sales"), 0.0)
    over = pc.greater_equal(sales, settings.cap)
    near_mask = pc.and_(pc.invert(over), pc.greater_equal(sales, floor))
    counts = pa.table({"belt": belt, "over": pc.cast(over, pa.int64()), "near": pc.cast(near_mask, pa.int64())}) \
        .group_by("belt", use_threads=False).aggregate([([], "count_all"), ("near", "sum"), ("over", "sum")])
    per = {b: (n, near_n, over_n) for b, n, near_n, over_n in zip(
        counts.column("belt").to_pylist(), counts.column("count_all").to_pylist(),
        counts.column("near_sum").to_pylist(), counts.column("over_sum").to_pylist())}
    close = eligible.set_column(3, "sales", sales).append_column("belt", belt).filter(near_mask)
    near = [PlanMerchant(r["id"], r["name"], r["belt"], r["joined"].isoformat(), r["sales"],
                         round(settings.cap - r["sales"], 2), round(r["sales"] * settings.fee_rate, 2))
            for r in close.to_pylist()]
    belts = [PlanBelt(b, names.get(b), *c) for b, c in per.items()]
    belts.sort(key=lambda b: (-b.eligible, b.belt or ""))
    near.sort(key=lambda x: (x.remaining, x.id))
    return Plan(settings, belts, near)
