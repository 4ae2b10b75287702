"""Coverage gaps: which belts lack providers of a role, or gold and silver supply chains."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc

from .graph import BeltGraph
from .model import ROLES
from .rank import RankSettings, rank_supply_chains


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
                "matrix": [{"id": b, "name": self.names[b], **self.matrix[b]} for b in self.matrix],
                "belts_missing_role": self.belts_missing_role, "belts_without_tier": self.belts_without_tier,
                "categories_missing_role": self.categories_missing_role}


def coverage_gaps(g: BeltGraph, quarter: str | None = None, settings: RankSettings | None = None) -> Coverage:
    """Belts x provider roles (providers serving each), belts without a gold or silver supply chain,
    and categories where no belt has a provider of some role."""
    key = ("coverage_gaps", quarter, (settings or RankSettings.default()).key())
    return g.memo(key, lambda: _coverage_gaps(g, quarter, settings))


def _coverage_gaps(g: BeltGraph, quarter: str | None, settings: RankSettings | None) -> Coverage:
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
