"""The provider quarterly review (SPEC §4).

Each quarter every provider is checked against the thresholds of each of its
roles, on the columns of provider_quarters:

- meets all of them: keeps (or regains) its plaque; and if it is in the top
  ``top_share`` (20%) of one of its roles' pools by that role's main metric, it
  moves up a level (max 5);
- fails one: loses its plaque and moves down a level (min 1).

A provider without figures for the quarter is checked as if each were 0. A review
starts from the state before the quarter (the previous reviewed quarter's result,
or the loaded state), so re-running a quarter gives the same result; reviewing an
earlier quarter re-runs the later recorded ones in order.

>>> from graph.graph import graph_from_records
>>> g = graph_from_records(
...     nodes=[{"label": "Provider", "id": "p1", "name": "甲", "roles": ["mcn"], "level": 2, "plaque": True}],
...     facts={"provider_quarters": [{"provider": "p1", "quarter": "2020Q1", "anchors_incubated": 1,
...                                   "gmv": 1.0, "complaints": 9}]})
>>> r = review_quarter(g, "2020Q1", ReviewSettings.default())
>>> (r[0].outcome, r[0].level_after, r[0].plaque_after)
('revoked', 1, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from . import quarters
from .config import Config
from .data import REVIEW_SCHEMA
from .graph import BeltGraph
from .model import ROLES

MAX_LEVEL, MIN_LEVEL = 5, 1  # SPEC §4


@dataclass(frozen=True)
class RoleRule:
    main: str
    min: dict[str, float]
    max: dict[str, float]


@dataclass(frozen=True)
class ReviewSettings:
    """``[review]`` of the settings (graph.config holds the thresholds' defaults and checks)."""

    roles: dict[str, RoleRule]
    top_share: float

    @classmethod
    def default(cls) -> "ReviewSettings":
        return cls.from_config(Config.defaults())

    @classmethod
    def from_config(cls, config: Config) -> "ReviewSettings":
        roles = {role: RoleRule(config.get(f"review.{role}", "main"), dict(config.get(f"review.{role}", "min")),
                                dict(config.get(f"review.{role}", "max"))) for role in ROLES}
        return cls(roles, config.get("review", "top_share"))

    @classmethod
    def from_dict(cls, section: dict) -> "ReviewSettings":
        """From a ``[review]`` table as config.toml holds it."""
        return cls.from_config(Config.defaults().with_overrides(review=section))


@dataclass(frozen=True)
class ReviewRecord:
    quarter: str
    provider: str
    plaque_before: bool
    level_before: int
    plaque_after: bool
    level_after: int
    outcome: str          # kept, regained, revoked, still_revoked
    reasons: str          # why, in one line

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "provider": self.provider,
                "plaque_before": self.plaque_before, "level_before": self.level_before,
                "plaque_after": self.plaque_after, "level_after": self.level_after,
                "outcome": self.outcome, "reasons": self.reasons}


State = dict[str, tuple[bool, int]]


def _figures(g: BeltGraph, quarter: str) -> dict[str, dict]:
    pq = g.facts["provider_quarters"]
    if pq.num_rows == 0:
        return {}
    rows = pq.filter(pc.equal(pq.column("quarter"), quarter)).to_pylist()
    return {r["provider"]: r for r in rows}


def _top(values: dict[str, float | None], share: float) -> set[str]:
    """Ids in the top ``share`` of a pool by value (ceil of the share, ties at the edge included)."""
    n = len(values)
    k = math.ceil(share * n - 1e-9)
    present = sorted((v for v in values.values() if v is not None), reverse=True)
    if k <= 0 or not present:
        return set()
    edge = present[min(k, len(present)) - 1]
    return {p for p, v in values.items() if v is not None and v >= edge and v > 0}


def review_quarter(g: BeltGraph, quarter: str, settings: ReviewSettings, before: State | None = None) -> list[ReviewRecord]:
    """Review every provider for one quarter, from ``before`` (default: their current state)."""
    quarter = quarters.check(quarter)
    providers = g.nodes["Provider"].select(["id", "roles", "plaque", "level"]).to_pylist()
    figures = _figures(g, quarter)
    if before is None:
        before = {p["id"]: (p["plaque"] if p["plaque"] is not None else True, p["level"] or 1) for p in providers}
    pools: dict[str, dict[str, float | None]] = {r: {} for r in ROLES}
    for p in providers:
        for role in p["roles"] or []:
            pools[role][p["id"]] = (figures.get(p["id"]) or {}).get(settings.roles[role].main)
    top = {role: _top(pools[role], settings.top_share) for role in ROLES}
    out = []
    for p in providers:
        pid = p["id"]
        fig = figures.get(pid) or {}
        failures = []
        for role in p["roles"] or []:
            rule = settings.roles[role]
            for col, threshold in rule.min.items():
                value = fig.get(col) or 0
                if value < threshold:
                    failures.append(f"{role}: {col} {_n(value)} < {_n(threshold)}")
            for col, threshold in rule.max.items():
                value = fig.get(col) or 0
                if value > threshold:
                    failures.append(f"{role}: {col} {_n(value)} > {_n(threshold)}")
        plaque, level = before.get(pid, (True, 1))
        if failures:
            new_plaque, new_level = False, max(MIN_LEVEL, level - 1)
            outcome = "revoked" if plaque else "still_revoked"
            reasons = "; ".join(failures) + ("" if fig else f" (no figures for {quarter})")
        else:
            ups = [r for r in p["roles"] or [] if pid in top[r]]
            new_plaque = True
            new_level = min(MAX_LEVEL, level + 1) if ups else level
            outcome = "kept" if plaque else "regained"
            reasons = "meets every threshold" + (
                f"; top {settings.top_share:.0%} of {', '.join(ups)} by "
                f"{', '.join(settings.roles[r].main for r in ups)}" if ups else "")
        out.append(ReviewRecord(quarter, pid, bool(plaque), int(level), new_plaque, int(new_level), outcome, reasons))
    return out


def _n(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


# ---------------------------------------------------------------- history

def history_records(reviews: pa.Table) -> list[ReviewRecord]:
    return [ReviewRecord(**r) for r in reviews.to_pylist()]


def records_table(records: list[ReviewRecord]) -> pa.Table:
    return pa.Table.from_pylist([r.to_dict() for r in records], schema=REVIEW_SCHEMA)


def state_before(records: list[ReviewRecord], quarter: str, current: State) -> State:
    """Each provider's plaque and level before ``quarter`` was reviewed."""
    key = quarters.key(quarter)
    state = dict(current)
    latest_earlier: dict[str, tuple] = {}
    earliest_later: dict[str, tuple] = {}
    for r in records:
        k = quarters.key(r.quarter)
        if k < key:
            if r.provider not in latest_earlier or k > latest_earlier[r.provider][0]:
                latest_earlier[r.provider] = (k, (r.plaque_after, r.level_after))
        else:
            if r.provider not in earliest_later or k < earliest_later[r.provider][0]:
                earliest_later[r.provider] = (k, (r.plaque_before, r.level_before))
    if records and key > max(quarters.key(r.quarter) for r in records):
        return state  # a new latest quarter starts from the graph as it is now
    for pid, (_, s) in earliest_later.items():
        state[pid] = s
    for pid, (_, s) in latest_earlier.items():
        state[pid] = s
    return state


def run_review(g: BeltGraph, quarter: str, settings: ReviewSettings) -> tuple[list[ReviewRecord], pa.Table, State]:
    """Review ``quarter`` and re-run any later recorded quarter.

    Returns (this quarter's records, the whole new history, the providers' state after
    the latest quarter).
    """
    quarter = quarters.check(quarter)
    history = history_records(g.reviews)
    current = {p["id"]: (p["plaque"] if p["plaque"] is not None else True, p["level"] or 1)
               for p in g.nodes["Provider"].select(["id", "plaque", "level"]).to_pylist()}
    reviewed = sorted({r.quarter for r in history} | {quarter}, key=quarters.key)
    redo = [q for q in reviewed if quarters.key(q) >= quarters.key(quarter)]
    kept = [r for r in history if quarters.key(r.quarter) < quarters.key(quarter)]
    state = state_before(history, quarter, current)
    this, new = [], list(kept)
    for q in redo:
        recs = review_quarter(g, q, settings, state)
        state = {r.provider: (r.plaque_after, r.level_after) for r in recs}
        new += recs
        if q == quarter:
            this = recs
    return this, records_table(new), state


def provider_history(g: BeltGraph, provider: str) -> list[ReviewRecord]:
    g.expect(provider, "Provider")
    recs = [r for r in history_records(g.reviews) if r.provider == provider]
    return sorted(recs, key=lambda r: quarters.key(r.quarter))


@dataclass(frozen=True)
class Standing:
    provider: str
    name: str
    roles: list[str]
    plaque: bool
    level: int
    reviewed: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.provider, "name": self.name, "roles": self.roles, "plaque": self.plaque,
                "level": self.level, "reviewed": self.reviewed}


def standings_as_of(g: BeltGraph, quarter: str) -> list[Standing]:
    """Plaques and levels as they stood after ``quarter``'s review (or before any review)."""
    quarter = quarters.check(quarter)
    history = history_records(g.reviews)
    key = quarters.key(quarter)
    out = []
    for p in g.nodes["Provider"].select(["id", "name", "roles", "plaque", "level"]).sort_by("id").to_pylist():
        recs = sorted((r for r in history if r.provider == p["id"]), key=lambda r: quarters.key(r.quarter))
        upto = [r for r in recs if quarters.key(r.quarter) <= key]
        if upto:
            r = upto[-1]
            out.append(Standing(p["id"], p["name"], p["roles"] or [], r.plaque_after, r.level_after, r.quarter))
        elif recs:
            r = recs[0]
            out.append(Standing(p["id"], p["name"], p["roles"] or [], r.plaque_before, r.level_before, None))
        else:
            out.append(Standing(p["id"], p["name"], p["roles"] or [],
                                p["plaque"] if p["plaque"] is not None else True, p["level"] or 1, None))
    return out


@dataclass
class ReviewResult:
    quarter: str
    records: list[ReviewRecord] = field(default_factory=list)

    def to_dict(self) -> dict:
        counts: dict[str, int] = {}
        for r in self.records:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return {"quarter": self.quarter, "summary": counts,
                "items": [r.to_dict() for r in self.records]}


def review_quarters(g: BeltGraph) -> list[str]:
    """The quarters of the provider_quarters facts (the quarters a review can run for)."""
    pq = g.facts["provider_quarters"]
    return [q for q in pc.unique(pq.column("quarter")).to_pylist() if q] if pq.num_rows else []
