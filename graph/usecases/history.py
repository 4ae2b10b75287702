"""What has happened, read back: the quarters with sales, and a quarter's recorded review.

Reading never runs anything: a recorded review is the history that ``beltgraph review``
wrote (``store.graph().reviews``), in the same shape as that command's ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import quarters
from ..errors import BeltGraphError
from ..model import ROLES
from ..review import ReviewRecord, ReviewResult, history_records
from ..store import Store

#: Outcomes of a review (SPEC §4), in the order a reader meets them.
OUTCOMES = ("kept", "regained", "revoked", "still_revoked")
#: How a provider's level moved in a review.
LEVEL_MOVES = ("up", "down", "same")


class NotReviewed(BeltGraphError):
    """A quarter that has no recorded review (nothing to read; ``beltgraph review`` records one)."""

    status = 404
    exit_code = 2


def quarters_with_sales(store: Store) -> list[str]:
    """The quarters a ranking can be asked for (those with sales), newest first."""
    return sorted({q for q in store.sales_quarters() if quarters.PATTERN.match(q or "")}, key=quarters.key,
                  reverse=True)


def reviewed_quarters(store: Store) -> list[str]:
    """The quarters with a recorded provider review, newest first."""
    table = store.graph().reviews
    found = set(table.column("quarter").to_pylist()) if table.num_rows else set()
    return sorted((q for q in found if q), key=quarters.key, reverse=True)


def level_move(record: ReviewRecord) -> str:
    """up, down or same: how a review moved the provider's level."""
    if record.level_after > record.level_before:
        return "up"
    return "down" if record.level_after < record.level_before else "same"


@dataclass(frozen=True)
class RecordedReview:
    """A quarter's recorded review with what a reader needs besides: every reviewed quarter,
    and each provider's name and roles. ``to_dict()`` is ``beltgraph review --quarter Q --json``."""

    quarter: str
    records: list[ReviewRecord]
    reviewed: list[str]                 # every recorded quarter, newest first
    names: dict[str, str]               # provider id -> name
    roles: dict[str, list[str]]         # provider id -> roles

    def to_dict(self) -> dict:
        return ReviewResult(self.quarter, self.records).to_dict()

    def outcome_counts(self) -> dict[str, int]:
        """Providers per outcome, every outcome present (0 if none)."""
        out = dict.fromkeys(OUTCOMES, 0)
        for r in self.records:
            out[r.outcome] = out.get(r.outcome, 0) + 1
        return out

    def level_counts(self) -> dict[str, int]:
        out = dict.fromkeys(LEVEL_MOVES, 0)
        for r in self.records:
            out[level_move(r)] += 1
        return out

    def by_role(self) -> dict[str, dict[str, int]]:
        """Per role: providers reviewed, per outcome, and levels up and down (a provider with
        two roles counts in both)."""
        out = {role: {"providers": 0, **dict.fromkeys(OUTCOMES, 0), "up": 0, "down": 0} for role in ROLES}
        for r in self.records:
            move = level_move(r)
            for role in self.roles.get(r.provider, []):
                row = out.setdefault(role, {"providers": 0, **dict.fromkeys(OUTCOMES, 0), "up": 0, "down": 0})
                row["providers"] += 1
                row[r.outcome] = row.get(r.outcome, 0) + 1
                if move != "same":
                    row[move] += 1
        return out

    def select(self, outcome: str | None = None, role: str | None = None,
               level: str | None = None) -> list[ReviewRecord]:
        """The records with this outcome, of a provider with this role, whose level moved so."""
        return [r for r in self.records
                if (outcome is None or r.outcome == outcome)
                and (role is None or role in self.roles.get(r.provider, []))
                and (level is None or level_move(r) == level)]


def recorded_review(store: Store, quarter: str | None = None) -> RecordedReview:
    """The recorded review of ``quarter`` (default: the latest reviewed), read from the history;
    :class:`NotReviewed` (404) if that quarter was never reviewed. Items are in the order
    ``beltgraph review`` gives them (the providers' order)."""
    reviewed = reviewed_quarters(store)
    if quarter:
        quarter = quarters.check(quarter)
    elif reviewed:
        quarter = reviewed[0]
    else:
        raise NotReviewed("no provider review has been recorded yet: run `beltgraph review --quarter Q`")
    if quarter not in reviewed:
        raise NotReviewed(f"{quarter} has not been reviewed: run `beltgraph review --quarter {quarter}`")
    g = store.graph()
    providers = g.nodes["Provider"].select(["id", "name", "roles"]).to_pylist()
    order = {p["id"]: i for i, p in enumerate(providers)}
    records = sorted((r for r in history_records(g.reviews) if r.quarter == quarter),
                     key=lambda r: (order.get(r.provider, len(order)), r.provider))
    return RecordedReview(quarter, records, reviewed, {p["id"]: p["name"] for p in providers},
                          {p["id"]: list(p["roles"] or []) for p in providers})


__all__ = ["OUTCOMES", "LEVEL_MOVES", "NotReviewed", "quarters_with_sales", "reviewed_quarters", "level_move",
           "RecordedReview", "recorded_review"]
