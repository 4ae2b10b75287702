"""Gold and silver supply chains (SPEC §3): pools, percentiles, scores, tiers, movers, what-if.

For a quarter and a pool, every eligible supply chain (at least ``min_anchors``
distinct anchors selling it in the quarter) gets, per metric, the percentile
p = (r - 1) / (n - 1) of its value among the eligible supply chains of the pool
that have one (r the mean 1-based ascending rank, ties sharing it; n = 1 gives
1; 1 - p where lower is better; a missing value gets 0). The score is
100 * sum(w * p); order is score desc, gmv desc, id asc; ranks 1..10 are gold,
11..60 silver.

>>> from graph.graph import graph_from_records
>>> g = graph_from_records(
...     nodes=[{"label": "SupplyChain", "id": "s1", "name": "甲", "category": "jade", "rating": 4.5},
...            *[{"label": "Anchor", "id": f"a{i}", "name": f"主播{i}"} for i in range(3)]],
...     rels=[{"type": "SELLS", "from": f"a{i}", "to": "s1", "quarter": "2020Q4", "gmv": 10.0} for i in range(3)])
>>> r = rank_supply_chains(g)
>>> item = r.items[0]
>>> (r.quarter, item.rank, item.tier, round(item.score, 6))
('2020Q4', 1, 'gold', 65.0)
>>> item.points["return_rate"], item.metrics["return_rate"]
(0.0, None)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import quarters
from .config import Config
from .errors import BadRequest
from .graph import BeltGraph
from .model import DIVISIONS

METRICS = ("gmv", "anchor_reach", "fulfillment_rate", "return_rate", "rating")
LOWER_IS_BETTER = {"return_rate"}
#: Bounds of the node-property metrics, for the what-if search.
BOUNDS = {"fulfillment_rate": (0.0, 1.0), "return_rate": (0.0, 1.0), "rating": (0.0, 5.0)}
#: The smallest step a suggested value moves by, per metric.
STEPS = {"gmv": 0.01, "anchor_reach": 1, "fulfillment_rate": 0.001, "return_rate": 0.001, "rating": 0.01}


@dataclass(frozen=True)
class RankSettings:
    """``[rank]`` of the settings (graph.config holds the defaults and checks)."""

    weights: dict[str, float]
    gold_count: int
    silver_count: int
    min_anchors: int

    @classmethod
    def from_config(cls, config: Config) -> "RankSettings":
        s = config.section("rank")
        weights = {m: float(s["weights"].get(m, 0.0)) for m in METRICS}
        return cls(weights, s["gold_count"], s["silver_count"], s["min_anchors"])

    @classmethod
    def default(cls) -> "RankSettings":
        return _default_rank_settings()

    @classmethod
    def checked(cls, weights: dict, **counts: int) -> "RankSettings":
        """Settings with these weights (and gold_count, silver_count, min_anchors), checked as config.toml is."""
        return cls.from_config(Config.defaults().with_overrides(rank={"weights": weights, **counts}))

    def key(self) -> tuple:
        """The settings as a hashable key (for BeltGraph.memo)."""
        return (tuple(sorted(self.weights.items())), self.gold_count, self.silver_count, self.min_anchors)

    def tier(self, rank: int) -> str | None:
        if rank <= self.gold_count:
            return "gold"
        if rank <= self.gold_count + self.silver_count:
            return "silver"
        return None


@functools.cache
def _default_rank_settings() -> RankSettings:
    return RankSettings.from_config(Config.defaults())


@dataclass(frozen=True)
class Pool:
    """Which supply chains compete: all, or one category, division or belt."""

    division: str | None = None
    category: str | None = None
    belt: str | None = None

    def __post_init__(self):
        if sum(x is not None for x in (self.division, self.category, self.belt)) > 1:
            raise BadRequest("choose one of division, category and belt for a pool")
        if self.division is not None and self.division not in DIVISIONS:
            raise BadRequest(f"unknown division {self.division!r}: expected one of {', '.join(DIVISIONS)}")

    @property
    def kind(self) -> str | None:
        """category, division, belt, or None for all supply chains."""
        return next((k for k, v in self.to_dict().items()), None)

    def to_dict(self) -> dict:
        return {k: v for k, v in (("division", self.division), ("category", self.category),
                                  ("belt", self.belt)) if v is not None}

    def describe(self) -> str:
        d = self.to_dict()
        return "all supply chains" if not d else ", ".join(f"{k} {v}" for k, v in d.items())


@dataclass(frozen=True)
class RankedItem:
    rank: int
    id: str
    name: str
    tier: str | None
    score: float
    metrics: dict
    points: dict

    def to_dict(self) -> dict:
        return {"rank": self.rank, "id": self.id, "name": self.name, "tier": self.tier, "score": self.score,
                "metrics": self.metrics, "points": self.points}


@dataclass(frozen=True)
class Ranking:
    quarter: str | None
    pool: Pool
    items: list[RankedItem] = field(default_factory=list)
    ineligible: int = 0

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "items": [i.to_dict() for i in self.items]}

    def by_id(self) -> dict[str, RankedItem]:
        return {i.id: i for i in self.items}


# ---------------------------------------------------------------- the numbers

def mean_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ascending ranks, ties sharing their mean rank.

    >>> mean_ranks(np.array([10.0, 30.0, 10.0, 20.0])).tolist()
    [1.5, 4.0, 1.5, 3.0]
    """
    n = len(values)
    order = np.argsort(values, kind="stable")
    sorted_vals = values[order]
    ranks = np.empty(n, dtype=float)
    starts = np.flatnonzero(np.r_[True, sorted_vals[1:] != sorted_vals[:-1]])
    ends = np.r_[starts[1:], n]
    ranks[order] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)  # exact: whole or half numbers
    return ranks


def percentiles(values: list[float | None], lower_is_better: bool = False) -> list[float]:
    """The SPEC §3 percentile of each value among those present; 0 for a missing one.

    >>> percentiles([5.0, None, 7.0, 5.0])
    [0.25, 0.0, 1.0, 0.25]
    >>> percentiles([0.1, 0.3], lower_is_better=True)
    [1.0, 0.0]
    >>> percentiles([0.2], lower_is_better=True)
    [0.0]
    """
    present = [i for i, v in enumerate(values) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    out = [0.0] * len(values)
    if not present:
        return out
    n = len(present)
    if n == 1:
        p = np.array([1.0])
    else:
        p = (mean_ranks(np.array([float(values[i]) for i in present])) - 1) / (n - 1)
    if lower_is_better:
        p = 1.0 - p
    for i, v in zip(present, p):
        out[i] = float(v)
    return out


def sales_quarters(g: BeltGraph) -> list[str]:
    """The quarters with sales. Every live-stream fact makes a SELLS row of its quarter,
    so these are the quarters of the facts (or of SELLS given as such)."""
    def compute() -> list[str]:
        sells = g.rels["SELLS"]
        return [q for q in pc.unique(sells.column("quarter")).to_pylist() if q] if sells.num_rows else []

    return list(g.memo(("sales_quarters",), compute))


def latest_quarter(g: BeltGraph) -> str | None:
    """The latest quarter with sales: the default quarter of a ranking."""
    return quarters.latest(sales_quarters(g))


def pool_members(g: BeltGraph, pool: Pool) -> pa.Table:
    """The SupplyChain rows of a pool (a belt pool's belt must be a Belt)."""
    sc = g.nodes["SupplyChain"]
    if pool.category is not None:
        sc = sc.filter(pc.equal(sc.column("category"), pool.category))
    if pool.division is not None or pool.belt is not None:
        belts = g.nodes["Belt"]
        if pool.belt is not None:
            g.expect(pool.belt, "Belt")
            belt_ids = pa.array([pool.belt])
        else:
            belt_ids = belts.filter(pc.equal(belts.column("division"), pool.division)).column("id")
        in_belt = supply_chain_belts(g)
        members = in_belt.filter(pc.is_in(in_belt.column("to"), value_set=belt_ids)).column("from")
        sc = sc.filter(pc.is_in(sc.column("id"), value_set=members))
    return sc


def supply_chain_belts(g: BeltGraph) -> pa.Table:
    """The IN_BELT rows (from, to) of supply chains, kept with the graph: a belt's merchants make
    IN_BELT a million rows, and every division or belt pool would otherwise scan them."""
    def compute() -> pa.Table:
        in_belt = g.rels["IN_BELT"].select(["from", "to"])
        if in_belt.num_rows == 0:
            return pa.table({"from": pa.array([], pa.string()), "to": pa.array([], pa.string())})
        return in_belt.filter(pc.is_in(in_belt.column("from"), value_set=g.nodes["SupplyChain"].column("id")))

    return g.memo(("supply_chain_belts",), compute)


def quarter_sales(g: BeltGraph, quarter: str) -> dict[str, tuple[float | None, int]]:
    """gmv(Q) and anchor_reach(Q) per supply chain with SELLS in the quarter, kept with the graph
    for every pool of the quarter (read it, never change it)."""
    return g.memo(("quarter_sales", quarter), lambda: _quarter_sales(g, quarter))


def _quarter_sales(g: BeltGraph, quarter: str) -> dict[str, tuple[float | None, int]]:
    sells = g.rels["SELLS"]
    if sells.num_rows == 0:
        return {}
    q = sells.filter(pc.equal(sells.column("quarter"), quarter))
    if q.num_rows == 0:
        return {}
    agg = q.group_by("to", use_threads=False).aggregate([
        ("gmv", "sum", pc.ScalarAggregateOptions(min_count=1)), ("from", "count_distinct")])
    return {sc: (gmv, reach) for sc, gmv, reach in zip(
        agg.column("to").to_pylist(), agg.column("gmv_sum").to_pylist(), agg.column("from_count_distinct").to_pylist())}


def metric_rows(g: BeltGraph, quarter: str | None, pool: Pool) -> list[dict]:
    """Every supply chain of the pool with its five metrics in the quarter, by id: gmv(Q)
    (None without sales) and anchor_reach(Q) (0 without sales) and its own three rates.
    A store that can aggregate in its server gives the same rows (``Store.metric_rows``)."""
    return list(g.memo(("metric_rows", quarter, pool), lambda: _metric_rows(g, quarter, pool)))


def _metric_rows(g: BeltGraph, quarter: str | None, pool: Pool) -> list[dict]:
    members = pool_members(g, pool)
    sales = quarter_sales(g, quarter) if quarter else {}
    rows = []
    for sc in members.select(["id", "name", "fulfillment_rate", "return_rate", "rating"]).sort_by("id").to_pylist():
        gmv, reach = sales.get(sc["id"], (None, 0))
        rows.append({"id": sc["id"], "name": sc["name"], "gmv": gmv, "anchor_reach": reach,
                     "fulfillment_rate": sc["fulfillment_rate"], "return_rate": sc["return_rate"],
                     "rating": sc["rating"]})
    return rows


def round_exactly(values, digits: int) -> list[float]:
    """``[round(v, digits) for v in values]``, vectorised with the same results: the scaled value
    rounded to a whole number and divided back (a correctly rounded quotient, as Python's round
    returns the float nearest the rounded decimal), and Python's own round wherever the scaled
    value lies within 1e-3 of a half, where the scaling's error could tip it.

    >>> round_exactly([0.125, 2.675, 1e-11, 33.33333333335], 2) == [round(v, 2) for v in (0.125, 2.675, 1e-11, 33.33333333335)]
    True
    """
    x = np.asarray(values, dtype=float)
    scale = 10.0 ** digits
    y = x * scale
    out = np.rint(y) / scale
    frac = y - np.floor(y)
    doubt = ~(np.abs(y) < 1e12) | (np.abs(frac - 0.5) < 1e-3)
    for i in np.flatnonzero(doubt).tolist():
        out[i] = round(float(x[i]), digits)
    return out.tolist()


def _score(rows: list[dict], settings: RankSettings) -> list[tuple[float, dict]]:
    """(score, points per metric) of every row: points = 100 * weight * percentile, the score
    their sum, both rounded to 10 decimals."""
    points = {m: (100.0 * settings.weights[m]) * np.array(percentiles([r[m] for r in rows], m in LOWER_IS_BETTER))
              for m in METRICS}
    columns = [points[m].tolist() for m in METRICS]
    scores = round_exactly([sum(row) for row in zip(*columns)], 10)
    rounded = [round_exactly(points[m], 10) for m in METRICS]
    return [(score, dict(zip(METRICS, row))) for score, row in zip(scores, zip(*rounded))]


def _order(rows: list[dict], scored: list[tuple[float, dict]]) -> list[int]:
    return sorted(range(len(rows)), key=lambda i: (-scored[i][0], -(rows[i]["gmv"] or 0.0), rows[i]["id"]))


def eligible(rows: list[dict], settings: RankSettings) -> list[dict]:
    """The rows with at least ``min_anchors`` distinct anchors in the quarter."""
    return [r for r in rows if r["anchor_reach"] >= settings.min_anchors]


def rank_rows(rows: list[dict], settings: RankSettings) -> list[RankedItem]:
    """Rank metric rows (id, name and the five metrics) of one pool's eligible supply chains.

    gmv sums are rounded to 1e-6: servers add in other orders, and float noise must not
    split a tie."""
    rows = [{**r, "gmv": None if r["gmv"] is None else round(r["gmv"], 6)} for r in rows]
    scored = _score(rows, settings)
    items = []
    for rank, i in enumerate(_order(rows, scored), start=1):
        r = rows[i]
        items.append(RankedItem(rank, r["id"], r["name"], settings.tier(rank), scored[i][0],
                                {m: r[m] for m in METRICS}, scored[i][1]))
    return items


def ranking_from_rows(quarter: str | None, pool: Pool, rows: list[dict], settings: RankSettings) -> Ranking:
    """The SPEC §3 ranking of a pool from its :func:`metric_rows` (from any store)."""
    if quarter is None:
        return Ranking(None, pool, [])
    ok = eligible(rows, settings)
    return Ranking(quarter, pool, rank_rows(ok, settings), len(rows) - len(ok))


def rank_supply_chains(g: BeltGraph, quarter: str | None = None, pool: Pool = Pool(),
                       settings: RankSettings | None = None) -> Ranking:
    """Rank the eligible supply chains of a pool for a quarter (default: the latest)."""
    settings = settings or RankSettings.default()
    quarter = quarters.check(quarter) if quarter else latest_quarter(g)
    rows = metric_rows(g, quarter, pool)  # checks the pool's belt even without a quarter
    return g.memo(("ranking", quarter, pool, settings.key()), lambda: ranking_from_rows(quarter, pool, rows, settings))


# ---------------------------------------------------------------- movers

@dataclass(frozen=True)
class Move:
    id: str
    name: str
    rank: int | None
    tier: str | None
    previous_rank: int | None
    previous_tier: str | None

    @property
    def change(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "rank": self.rank, "tier": self.tier,
                "previous_rank": self.previous_rank, "previous_tier": self.previous_tier, "change": self.change}


@dataclass(frozen=True)
class Movers:
    quarter: str | None
    previous: str | None
    moves: list[Move]

    @property
    def new_gold(self) -> list[Move]:
        return [m for m in self.moves if m.tier == "gold" and m.previous_tier != "gold"]

    @property
    def new_silver(self) -> list[Move]:
        return [m for m in self.moves if m.tier == "silver" and m.previous_tier not in ("silver",)]

    @property
    def dropped(self) -> list[Move]:
        """Had a tier last quarter and none now (or left the ranking)."""
        return [m for m in self.moves if m.previous_tier is not None and m.tier is None]

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "previous": self.previous,
                "new_gold": [m.id for m in self.new_gold], "new_silver": [m.id for m in self.new_silver],
                "dropped": [m.to_dict() for m in self.dropped],
                "items": [m.to_dict() for m in self.moves if m.rank is not None]}


def movers_between(now: Ranking, before: Ranking) -> Movers:
    """This quarter's ranking against the previous quarter's, in the same pool."""
    if now.quarter is None:
        return Movers(None, None, [])
    prev = before.by_id()
    moves = [Move(i.id, i.name, i.rank, i.tier, prev[i.id].rank if i.id in prev else None,
                  prev[i.id].tier if i.id in prev else None) for i in now.items]
    current = now.by_id()
    moves += [Move(b.id, b.name, None, None, b.rank, b.tier) for b in prev.values() if b.id not in current]
    return Movers(now.quarter, before.quarter, moves)


def movers(g: BeltGraph, quarter: str | None = None, pool: Pool = Pool(),
           settings: RankSettings | None = None) -> Movers:
    """This quarter's ranking against the previous quarter's, in the same pool."""
    now = rank_supply_chains(g, quarter, pool, settings)
    if now.quarter is None:
        return Movers(None, None, [])
    return movers_between(now, rank_supply_chains(g, quarters.previous(now.quarter), pool, settings))


# ---------------------------------------------------------------- what-if

@dataclass(frozen=True)
class Target:
    rank: int
    tier: str
    gap: float                       # points short of the supply chain now at that rank (0: already there)
    values: dict[str, float | None]  # per metric: the value that alone reaches the rank; None: cannot

    def to_dict(self) -> dict:
        return {"rank": self.rank, "tier": self.tier, "gap": self.gap, "values": self.values}


@dataclass(frozen=True)
class Explanation:
    quarter: str | None
    id: str
    name: str
    eligible: bool
    anchors_needed: int
    rank: int | None
    tier: str | None
    score: float | None
    metrics: dict
    points: dict
    targets: list[Target]

    def to_dict(self) -> dict:
        return {"quarter": self.quarter, "id": self.id, "name": self.name, "eligible": self.eligible,
                "anchors_needed": self.anchors_needed, "rank": self.rank, "tier": self.tier,
                "score": self.score, "metrics": self.metrics, "points": self.points,
                "targets": [t.to_dict() for t in self.targets]}


def _rank_of(rows: list[dict], idx: int, settings: RankSettings) -> int:
    scored = _score(rows, settings)
    return _order(rows, scored).index(idx) + 1


def _candidates(metric: str, own: float | None, others: list[float], higher: bool) -> list[float]:
    """Values to try, from the least to the most change: each other value, and one step past it."""
    step = STEPS[metric]
    lo, hi = BOUNDS.get(metric, (0.0, math.inf))
    cands = set()
    for v in set(others):
        for c in ((v, v + step) if higher else (v, v - step)):
            if lo <= c <= hi:
                cands.add(round(c, 6) if metric != "anchor_reach" else int(c))
    if higher:
        return sorted(c for c in cands if own is None or c > own)
    return sorted((c for c in cands if own is None or c < own), reverse=True)


def explain(g: BeltGraph, sc_id: str, quarter: str | None = None, pool: Pool = Pool(),
            settings: RankSettings | None = None) -> Explanation:
    """What a supply chain lacks for rank gold_count and for the last silver rank (see
    :func:`explain_rows`)."""
    g.expect(sc_id, "SupplyChain")
    quarter = quarters.check(quarter) if quarter else latest_quarter(g)
    return explain_rows(sc_id, quarter, pool, metric_rows(g, quarter, pool), settings or RankSettings.default())


def explain_rows(sc_id: str, quarter: str | None, pool: Pool, members: list[dict],
                 settings: RankSettings) -> Explanation:
    """What a supply chain lacks for rank gold_count and for the last silver rank.

    For each metric, the smallest change of that metric alone (others as they are)
    that re-ranks the supply chain into the target rank, or None if no value can.
    ``members`` are the pool's :func:`metric_rows`.
    """
    ranking = ranking_from_rows(quarter, pool, members, settings)
    member = next((r for r in members if r["id"] == sc_id), None)
    if member is None:
        raise BadRequest(f"{sc_id!r} is not in the pool ({pool.describe()})")
    rows = eligible(members, settings) if quarter else []
    is_eligible = any(r["id"] == sc_id for r in rows)
    if not is_eligible:
        rows.append({**member, "anchor_reach": max(member["anchor_reach"], settings.min_anchors)})
    idx = next(i for i, r in enumerate(rows) if r["id"] == sc_id)
    whatif = WhatIf(rows, idx, settings)
    scored = [(score, None) for score in whatif.scores()]  # _score's scores, without its points
    order = _order(rows, scored)
    own_rank = order.index(idx) + 1
    targets = []
    candidates: dict[str, list] = {}
    for target_rank, tier in ((settings.gold_count, "gold"), (settings.gold_count + settings.silver_count, "silver")):
        if target_rank < 1:
            continue
        if own_rank <= target_rank:
            targets.append(Target(target_rank, tier, 0.0, {m: rows[idx][m] for m in METRICS}))
            continue
        if target_rank > len(rows):
            target_rank = len(rows)
        holder = order[target_rank - 1]
        gap = round(max(0.0, scored[holder][0] - scored[idx][0]), 10)
        values = {}
        for m in METRICS:
            if settings.weights[m] == 0:
                values[m] = None
                continue
            if m not in candidates:  # the same for both targets
                others = [r[m] for j, r in enumerate(rows) if j != idx and r[m] is not None]
                candidates[m] = _candidates(m, rows[idx][m], others, m not in LOWER_IS_BETTER)
            values[m] = _search(rows, idx, m, candidates[m], target_rank, settings, whatif)
        targets.append(Target(target_rank, tier, gap, values))
    item = ranking.by_id().get(sc_id)
    return Explanation(quarter, sc_id, member["name"], is_eligible,
                       max(0, settings.min_anchors - member["anchor_reach"]),
                       item.rank if item else None, item.tier if item else None,
                       item.score if item else None,
                       item.metrics if item else {m: rows[idx][m] for m in METRICS},
                       item.points if item else {}, targets)


def _search(rows: list[dict], idx: int, metric: str, cands: list, target: int, settings: RankSettings,
            whatif: "WhatIf | None" = None):
    """The first candidate (least change) that reaches the target rank; the rank only
    improves as the value moves the right way, so a binary search suffices."""
    whatif = whatif or WhatIf(rows, idx, settings)

    def reaches(value) -> bool:
        return whatif.rank_with(metric, value) <= target

    if not cands or not reaches(cands[-1]):
        return None
    lo, hi = 0, len(cands) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if reaches(cands[mid]):
            hi = mid
        else:
            lo = mid + 1
    return cands[lo]


#: Scores further apart than this keep their order through rounding to 10 decimals:
#: only rows this close to the trial row are compared with exactly rounded scores.
_NEAR = 1e-7


class WhatIf:
    """The rank one row would have with one metric changed, all else as it is, as
    ``_score`` and ``_order`` would give on the changed rows, without re-ranking.

    Changing row ``idx``'s value of metric m moves only the m points of the rows (every
    row's mean rank among the values present shifts by whether the new value is below or
    equal to its own); the other metrics' points stay. Per metric the other rows' values
    are sorted once, with each row's count of smaller and equal values among them; a trial
    is then a few vector operations. Scores are summed in the same order as ``_score``, and
    rows within ``_NEAR`` of the trial row are compared with exactly rounded scores, so the
    rank is the one a full re-rank gives.
    """

    def __init__(self, rows: list[dict], idx: int, settings: RankSettings):
        self.rows, self.idx, self.n = rows, idx, len(rows)
        self.scale = {m: 100.0 * settings.weights[m] for m in METRICS}
        self.values, self.points, self.counts = {}, {}, {}
        for m in METRICS:
            v = np.array([np.nan if r[m] is None else float(r[m]) for r in rows], dtype=float)
            self.values[m] = v
            self.points[m] = self.scale[m] * np.array(percentiles([r[m] for r in rows], m in LOWER_IS_BETTER))
            present = ~np.isnan(v)
            present[idx] = False
            others = np.sort(v[present])
            less = np.searchsorted(others, v, "left")
            self.counts[m] = (others, present, less, np.searchsorted(others, v, "right") - less)
        self.gmv_key = [-(r["gmv"] or 0.0) for r in rows]

    def scores(self) -> list[float]:
        """Every row's score as it is, exactly as ``_score`` gives it."""
        columns = [self.points[m].tolist() for m in METRICS]
        return round_exactly([sum(points) for points in zip(*columns)], 10)

    def _metric_points(self, m: str, value: float) -> np.ndarray:
        """Every row's points for metric m once row idx's value is ``value``."""
        others, present, less, equal = self.counts[m]
        v = self.values[m]
        n = len(others) + 1
        out = np.zeros(self.n)
        below = int(np.searchsorted(others, value, "left"))
        same = int(np.searchsorted(others, value, "right")) - below
        if n == 1:
            p_own = 1.0
        else:
            # mean 1-based rank = smaller values + (equal values, itself included, + 1) / 2
            rank = (less[present] + (value < v[present])) + (equal[present] + (v[present] == value) + 1) / 2.0
            out[present] = (rank - 1) / (n - 1)
            p_own = ((below + (same + 2) / 2.0) - 1) / (n - 1)
        out[self.idx] = p_own
        if m in LOWER_IS_BETTER:
            out[present] = 1.0 - out[present]
            out[self.idx] = 1.0 - p_own
        return self.scale[m] * out

    def rank_with(self, metric: str, value) -> int:
        """The 1-based rank of row idx with ``metric`` set to ``value``."""
        pts = {m: (self._metric_points(m, float(value)) if m == metric else self.points[m]) for m in METRICS}
        total = np.zeros(self.n)
        for m in METRICS:
            total = total + pts[m]
        me = total[self.idx]
        ahead = int(np.count_nonzero(total > me + _NEAR))
        near = np.flatnonzero(np.abs(total - me) <= _NEAR)
        gmv_key = self.gmv_key
        if metric == "gmv":
            gmv_key = list(gmv_key)
            gmv_key[self.idx] = -(value or 0.0)

        def key(j: int) -> tuple:
            return (-round(sum(float(pts[m][j]) for m in METRICS), 10), gmv_key[j], self.rows[j]["id"])

        mine = key(self.idx)
        return 1 + ahead + sum(1 for j in near.tolist() if j != self.idx and key(j) < mine)
