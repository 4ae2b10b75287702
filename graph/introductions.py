"""Warm introductions: paths ranked by the strength of their relationships, and group relations.

Strength of a path = the product of its hops' strengths and of a factor for each
provider it passes through (each in (0, 1], so longer chains weaken):

- SELLS: 0.3 + 0.7 * volume * recency, volume = min(1, log10(1 + total gmv) / 7) (10M CNY is
  full), recency = 0.8 ** (quarters from its last quarter to the graph's latest);
- STREAMS_AT: 0.3 + 0.7 * min(1, log10(1 + sessions) / 2) * recency (100 sessions is full);
- SERVES, INCUBATES: 0.3 + 0.7 * min(1, years since ``since`` / 3), 0.4 without a date;
- RUNS, OPERATES: 0.6; MATCHES, RECRUITS: 0.55; IN_BELT, SOURCES_FROM: 0.45;
- a provider on the way (not an end): (0.5 without a plaque) * min(1, 0.8 + 0.05 * level).

Candidates are the ``pool`` shortest simple paths (at least 20); the strongest ``k``
are returned, ties broken by hops and then ids.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from . import quarters
from .graph import BeltGraph
from .paths import Path, PathOptions, Traversal, _to_path, yen
from .rank import latest_quarter

FIXED = {"RUNS": 0.6, "OPERATES": 0.6, "MATCHES": 0.55, "RECRUITS": 0.55, "IN_BELT": 0.45, "SOURCES_FROM": 0.45}


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    type: str
    strength: float
    reason: str

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.target, "type": self.type, "strength": round(self.strength, 4),
                "reason": self.reason}


@dataclass(frozen=True)
class WarmPath:
    path: Path
    strength: float
    hops: tuple[Hop, ...]
    notes: tuple[str, ...] = ()   # providers on the way that weaken the path

    def to_dict(self) -> dict:
        return {**self.path.to_dict(), "strength": round(self.strength, 6),
                "reasons": [h.to_dict() for h in self.hops], "notes": list(self.notes)}


def _money(v: float) -> str:
    if v >= 1e8:
        return f"{v / 1e8:.1f}亿"
    if v >= 1e6:
        return f"{v / 1e6:.1f}M"
    if v >= 1e3:
        return f"{v / 1e3:.0f}K"
    return f"{v:.0f}"


class Strength:
    """Looks up the relationships on a set of paths (one pass per type) and scores them."""

    def __init__(self, g: BeltGraph, paths: list[Path]):
        self.g = g
        self.latest = latest_quarter(g)
        self.today = quarters.end(self.latest) if self.latest else dt.date.today()
        wanted: dict[str, set[tuple[str, str]]] = {}
        for p in paths:
            for (a, b), t in zip(zip(p.ids, p.ids[1:]), p.rels):
                wanted.setdefault(t, set()).update({(a, b), (b, a)})
        self.rows: dict[tuple[str, str, str], list[dict]] = {}
        for t, pairs in wanted.items():
            table = g.rels[t]
            if table.num_rows == 0:
                continue
            ends = pa.array(sorted({x for pair in pairs for x in pair}))
            hit = table.filter(pc.and_(pc.is_in(table.column("from"), value_set=ends),
                                       pc.is_in(table.column("to"), value_set=ends)))
            for r in hit.to_pylist():
                if (r["from"], r["to"]) in pairs:
                    self.rows.setdefault((t, r["from"], r["to"]), []).append(r)
        self.names = {}

    def name(self, node_id: str) -> str:
        if node_id not in self.names:
            self.names[node_id] = self.g.adj.name(self.g.adj.index(node_id))
        return self.names[node_id]

    def hop(self, a: str, b: str, t: str) -> Hop:
        rows = self.rows.get((t, a, b)) or self.rows.get((t, b, a)) or []
        src, dst = (a, b) if (t, a, b) in self.rows else (b, a)
        if t == "SELLS":
            gmv = sum(r.get("gmv") or 0 for r in rows)
            last = max((r["quarter"] for r in rows), key=quarters.key) if rows else None
            rec = 0.8 ** quarters.between(last, self.latest) if last and self.latest else 0.5
            vol = min(1.0, math.log10(1 + gmv) / 7)
            s = 0.3 + 0.7 * vol * rec
            reason = f"{self.name(src)} sold {_money(gmv)} CNY of {self.name(dst)}" + (f", last in {last}" if last else "")
        elif t == "STREAMS_AT":
            n = sum(r.get("sessions") or 0 for r in rows)
            last = max((r["quarter"] for r in rows), key=quarters.key) if rows else None
            rec = 0.8 ** quarters.between(last, self.latest) if last and self.latest else 0.5
            s = 0.3 + 0.7 * min(1.0, math.log10(1 + n) / 2) * rec
            reason = f"{self.name(src)} streamed {n} sessions at {self.name(dst)}" + (f", last in {last}" if last else "")
        elif t in ("SERVES", "INCUBATES"):
            since = min((r["since"] for r in rows if r.get("since")), default=None)
            verb = "serves" if t == "SERVES" else "incubated"
            if since:
                years = max(0.0, (self.today - since).days / 365.25)
                s = 0.3 + 0.7 * min(1.0, years / 3)
                reason = f"{self.name(src)} {verb} {self.name(dst)} since {since:%Y-%m}"
            else:
                s = 0.4
                reason = f"{self.name(src)} {verb} {self.name(dst)}"
        else:
            s = FIXED[t]
            verb = {"RUNS": "runs", "OPERATES": "operates", "MATCHES": "matches", "RECRUITS": "recruits",
                    "IN_BELT": "is in", "SOURCES_FROM": "sources from"}[t]
            reason = f"{self.name(src)} {verb} {self.name(dst)}"
        return Hop(a, b, t, s, reason)

    def provider_factor(self, node_id: str) -> tuple[float, str | None]:
        node = self.g.node(node_id)
        if node["label"] != "Provider":
            return 1.0, None
        level = node.get("level") or 1
        f = min(1.0, 0.8 + 0.05 * level) * (1.0 if node.get("plaque", True) else 0.5)
        return f, f"{node['name']}: level {level}, {'plaque' if node.get('plaque', True) else 'no plaque'}"


def warm_paths(g: BeltGraph, source: str, target: str, options: PathOptions = PathOptions(),
               pool: int | None = None) -> tuple[list[WarmPath], bool]:
    """The ``options.k`` strongest of the shortest simple paths (see the module's formula)."""
    options = options.checked()
    adj = g.adj
    s, t = adj.index(source), adj.index(target)
    tr = Traversal(adj, options, (s, t))
    accept = None
    if options.via is not None:
        from .adjacency import LABEL_CODES

        code = LABEL_CODES[options.via]
        accept = lambda p: any(adj.labels[i] == code for i in p[1:-1])  # noqa: E731
    found, complete = yen(tr, s, t, pool or max(20, 5 * options.k), options.max_hops, accept)
    paths = [_to_path(tr, p) for p in found]
    st = Strength(g, paths)
    out = []
    for p in paths:
        hops = tuple(st.hop(a, b, ty) for (a, b), ty in zip(zip(p.ids, p.ids[1:]), p.rels))
        strength = math.prod(h.strength for h in hops)
        notes = []
        for nid in p.ids[1:-1]:
            f, note = st.provider_factor(nid)
            strength *= f
            if note and f < 1:
                notes.append(note)
        out.append(WarmPath(p, strength, hops, tuple(notes)))
    out.sort(key=lambda w: (-round(w.strength, 12), w.path.hops, w.path.ids))
    return out[: options.k], complete
