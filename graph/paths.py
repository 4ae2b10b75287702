"""Paths (SPEC §5): who connects whom.

Relationships are undirected connections between node ids; hops count
relationships; parallel relationships between two nodes count once. The ``k``
shortest simple paths come ordered by hops, then by their id sequences.

The traversal runs on the compact adjacency (``graph.adjacency``): nodes are
numbered in id order, so the smallest neighbour index is the smallest id, and the
constraints (excluded labels or types, plaques, bans of Yen's algorithm) are
masks applied while expanding a frontier, never a copy of the graph.

>>> from graph.graph import graph_from_records
>>> g = graph_from_records(
...     nodes=[{"label": "Anchor", "id": "a", "name": "主播"},
...            {"label": "SupplyChain", "id": "s", "name": "供应链", "category": "jade"},
...            {"label": "TeamLeader", "id": "t", "name": "团长"}],
...     rels=[{"type": "MATCHES", "from": "t", "to": "a"}, {"type": "RECRUITS", "from": "t", "to": "s"}])
>>> [p.ids for p in shortest_paths(g, "a", "s").paths]
[('a', 't', 's')]
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from .adjacency import LABEL_CODES, TYPE_BITS, TYPE_NAMES, Adjacency
from .errors import BadRequest, NodeNotFound
from .graph import BeltGraph
from .model import LABELS, REL_TYPES

ALL_BITS = sum(TYPE_BITS.values())
_EMPTY = np.zeros(0, np.int64)


PathError = BadRequest  # path options that cannot be used


@dataclass(frozen=True)
class PathOptions:
    k: int = 1
    max_hops: int = 6
    exclude: tuple[str, ...] = ()
    only_plaqued: bool = False
    via: str | None = None

    def checked(self) -> "PathOptions":
        if self.k < 1:
            raise PathError("--k must be at least 1")
        if self.max_hops < 1:
            raise PathError("--max-hops must be at least 1")
        exclude = tuple(canonical_name(x) for x in self.exclude)
        via = None
        if self.via is not None:
            via = canonical_name(self.via)
            if via not in LABELS:
                raise PathError(f"--via takes a label ({', '.join(LABELS)}), not {self.via!r}")
        return PathOptions(self.k, self.max_hops, exclude, self.only_plaqued, via)


def canonical_name(name: str) -> str:
    """A label or relationship type, matched without regard to case.

    >>> canonical_name("provider"), canonical_name("sells")
    ('Provider', 'SELLS')
    """
    for known in (*LABELS, *REL_TYPES):
        if name == known:
            return known
    for known in (*LABELS, *REL_TYPES):
        if name.lower() == known.lower():
            return known
    raise PathError(f"unknown label or relationship type {name!r}: expected one of "
                    f"{', '.join((*LABELS, *REL_TYPES))}")


@dataclass(frozen=True)
class PathNode:
    id: str
    label: str
    name: str

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "name": self.name}


@dataclass(frozen=True)
class Path:
    nodes: tuple[PathNode, ...]
    rels: tuple[str, ...]

    @property
    def hops(self) -> int:
        return len(self.rels)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    def to_dict(self) -> dict:
        return {"hops": self.hops, "nodes": [n.to_dict() for n in self.nodes], "rels": list(self.rels)}


@dataclass(frozen=True)
class PathResult:
    source: str
    target: str
    paths: list[Path] = field(default_factory=list)
    complete: bool = True  # False when a --via search stopped at its cap

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.target, "paths": [p.to_dict() for p in self.paths]}


# ---------------------------------------------------------------- constrained traversal

def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values; for the small arrays of a frontier a sort beats hashing."""
    if len(a) < 2:
        return a
    a = np.sort(a)
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


class Traversal:
    """The adjacency seen through one query's constraints."""

    def __init__(self, adj: Adjacency, options: PathOptions, ends: tuple[int, ...] = ()):
        self.adj = adj
        self.bits = ALL_BITS
        labels = []
        for x in options.exclude:
            if x in TYPE_BITS:
                self.bits &= ~TYPE_BITS[x]
            else:
                labels.append(x)
        node_ok = None
        if labels:
            node_ok = ~np.isin(adj.labels, [LABEL_CODES[x] for x in labels])
        if options.only_plaqued and adj.unplaqued.any():
            node_ok = ~np.asarray(adj.unplaqued) if node_ok is None else node_ok & ~np.asarray(adj.unplaqued)
        if node_ok is not None:
            for e in ends:  # the two ends are exempt
                node_ok[e] = True
        self.node_ok = node_ok
        self.unconstrained = node_ok is None and self.bits == ALL_BITS

    def expand(self, frontier: np.ndarray, banned_nodes: np.ndarray | None = None,
               banned_edges: set[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every allowed (parent, child) step out of a frontier, vectorised."""
        adj = self.adj
        if len(frontier) == 1:  # the common case: one node's slice, no gather
            u = int(frontier[0])
            a, b = adj.indptr[u], adj.indptr[u + 1]
            children = adj.nbr[a:b]
            parents = np.broadcast_to(np.int64(u), children.shape)
            if self.unconstrained and banned_nodes is None and not banned_edges:
                return parents, children
            ok = (adj.tmask[a:b] & self.bits) != 0
        elif len(frontier) <= 16:  # a few nodes (often belts with thousands of neighbours): copy slices
            bounds = [(int(adj.indptr[u]), int(adj.indptr[u + 1])) for u in frontier.tolist()]
            children = np.concatenate([adj.nbr[a:b] for a, b in bounds])
            parents = np.repeat(frontier, [b - a for a, b in bounds])
            if self.unconstrained and banned_nodes is None and not banned_edges:
                return parents, children
            ok = (np.concatenate([adj.tmask[a:b] for a, b in bounds]) & self.bits) != 0
        else:
            starts = adj.indptr[frontier]
            lens = adj.indptr[frontier + 1] - starts
            total = int(lens.sum())
            if total == 0:
                return _EMPTY, _EMPTY
            ends = np.cumsum(lens)
            idx = np.repeat(starts - (ends - lens), lens) + np.arange(total)
            children = adj.nbr[idx].astype(np.int64)
            parents = np.repeat(frontier, lens)
            ok = (adj.tmask[idx] & self.bits) != 0
        if self.node_ok is not None:
            ok &= self.node_ok[children]
        if banned_nodes is not None:
            ok &= ~banned_nodes[children]
        if banned_edges:
            ok &= ~self._crosses(parents, children, banned_edges)
        return parents[ok], children[ok]

    def _crosses(self, parents: np.ndarray, children: np.ndarray, edges: set[tuple[int, int]]) -> np.ndarray:
        """Which (parent, child) steps run along one of ``edges`` (either way): one sorted
        lookup of packed pairs, however many edges Yen's algorithm has banned."""
        n = np.int64(len(self.adj))
        keys = np.array([u * n + v for u, v in edges] + [v * n + u for u, v in edges], dtype=np.int64)
        keys.sort()
        steps = parents.astype(np.int64) * n + children
        at = np.searchsorted(keys, steps)
        at[at == len(keys)] = 0
        return keys[at] == steps

    def banned(self, nodes: list[int]) -> np.ndarray:
        """A per-thread boolean array with ``nodes`` set; the caller clears them after."""
        local = self.adj.scratch
        if getattr(local, "ban", None) is None or len(local.ban) != len(self.adj):
            local.ban = np.zeros(len(self.adj), dtype=bool)
        local.ban[nodes] = True
        return local.ban

    def rel_type(self, u: int, v: int) -> str:
        nb, tm = self.adj.neighbors(u)
        k = int(np.searchsorted(nb, v))
        m = int(tm[k]) & self.bits
        return TYPE_NAMES[(m & -m).bit_length() - 1]

    # ------------------------------------------------------------ one shortest path
    def shortest(self, s: int, t: int, limit: int, banned_nodes: np.ndarray | None = None,
                 banned_edges: set[tuple[int, int]] | None = None) -> list[int] | None:
        """The shortest s-t path of at most ``limit`` hops with the smallest id sequence."""
        if s == t:
            return [s]
        seen_s, seen_t = self._scratch()
        levels_s = [np.array([s])]
        levels_t = [np.array([t])]
        seen_s[s] = 0
        seen_t[t] = 0
        try:
            return self._search(s, t, limit, banned_nodes, banned_edges, seen_s, seen_t, levels_s, levels_t)
        finally:  # leave the scratch arrays clean for the next search
            seen_s[np.concatenate(levels_s)] = -1
            seen_t[np.concatenate(levels_t)] = -1

    def _scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Two per-thread arrays of -1 as long as the graph, reused by every search."""
        local = self.adj.scratch
        if getattr(local, "seen", None) is None or len(local.seen[0]) != len(self.adj):
            n = len(self.adj)
            local.seen = (np.full(n, -1, dtype=np.int16), np.full(n, -1, dtype=np.int16))
        return local.seen

    def _search(self, s, t, limit, banned_nodes, banned_edges, seen_s, seen_t, levels_s, levels_t):
        while len(levels_s) - 1 + len(levels_t) - 1 < limit:
            grow_s = len(levels_s[-1]) <= len(levels_t[-1])
            levels, seen, other = (levels_s, seen_s, seen_t) if grow_s else (levels_t, seen_t, seen_s)
            _, children = self.expand(levels[-1], banned_nodes, banned_edges)
            children = children[seen[children] < 0]
            if len(levels[-1]) > 1:  # one node's neighbours are already distinct and sorted
                children = _unique(children)
            if len(children) == 0:
                return None
            seen[children] = len(levels)
            levels.append(children)
            touch = children[other[children] >= 0]
            if len(touch):
                return self._lexicographic(s, t, levels_s, levels_t, seen_s, seen_t, grow_s, touch,
                                           banned_nodes, banned_edges)
        return None

    def _steps_between(self, xs: np.ndarray, ys: np.ndarray, banned_nodes, banned_edges) -> tuple[np.ndarray, np.ndarray]:
        """Every allowed step between two node sets (x, y pairs), found by expanding whichever
        set has fewer relationships: a wide meeting layer is never expanded when the BFS level
        on the other side is small."""
        indptr = self.adj.indptr
        if int((indptr[xs + 1] - indptr[xs]).sum()) <= int((indptr[ys + 1] - indptr[ys]).sum()):
            frontier, other, swap = xs, ys, False
        else:
            frontier, other, swap = ys, xs, True
        mark = self._mark()
        mark[other] = True
        try:
            parents, children = self.expand(frontier, banned_nodes, banned_edges)
            on = mark[children]
        finally:
            mark[other] = False
        return (children[on], parents[on]) if swap else (parents[on], children[on])

    def _mark(self) -> np.ndarray:
        """A per-thread boolean array of False as long as the graph (callers clear what they set)."""
        local = self.adj.scratch
        if getattr(local, "mark", None) is None or len(local.mark) != len(self.adj):
            local.mark = np.zeros(len(self.adj), dtype=bool)
        return local.mark

    def _lexicographic(self, s, t, levels_s, levels_t, seen_s, seen_t, grow_s, touch, banned_nodes, banned_edges):
        # d = (level of the side just grown) + the smallest distance of a touched node on the other side
        if grow_s:
            a = len(levels_s) - 1
            beta = int(seen_t[touch].min())
        else:
            beta = len(levels_t) - 1
            a = int(seen_s[touch].min())
        d = a + beta
        meet = touch[(seen_s[touch] == a) & (seen_t[touch] == beta)] if grow_s else \
            touch[(seen_t[touch] == beta) & (seen_s[touch] == a)]
        layers: list[np.ndarray] = [_EMPTY] * (d + 1)
        layers[a] = _unique(meet)
        # links[i]: the steps (node of layer i, node of layer i + 1) on some shortest path
        links: list[tuple[np.ndarray, np.ndarray]] = [(_EMPTY, _EMPTY)] * d
        # back towards s: nodes one level closer to s that step into the layer
        for i in range(a - 1, -1, -1):
            near, far = self._steps_between(levels_s[i], layers[i + 1], banned_nodes, banned_edges)
            links[i] = (near, far)
            layers[i] = _unique(near)
        # on towards t
        for i in range(a + 1, d + 1):
            near, far = self._steps_between(layers[i - 1], levels_t[d - i], banned_nodes, banned_edges)
            links[i - 1] = (near, far)
            layers[i] = _unique(far)
        # the smallest next id at every step gives the smallest id sequence
        path = [s]
        for i in range(d):
            here, there = links[i]
            path.append(int(there[here == path[-1]].min()))
        return path


# ---------------------------------------------------------------- the public functions

def _node(adj: Adjacency, i: int) -> PathNode:
    return PathNode(adj.id(i), adj.label(i), adj.name(i))


def _to_path(tr: Traversal, idx: list[int]) -> Path:
    adj = tr.adj
    return Path(tuple(_node(adj, i) for i in idx), tuple(tr.rel_type(u, v) for u, v in zip(idx, idx[1:])))


def _ends(g: BeltGraph, source: str, target: str) -> tuple[int, int]:
    adj = g.adj
    return adj.index(source), adj.index(target)


def k_shortest(spurs, s, t, k: int, max_hops: int, key, accept=None, cap: int = 2000):
    """Yen's algorithm: simple paths in (hops, id sequence) order; ``accept`` filters them.

    ``spurs(requests)`` answers a list of (spur, limit, banned_nodes, banned_edges) with,
    for each, the shortest spur-to-t path of at most ``limit`` hops with the smallest id
    sequence that avoids the banned nodes (a list) and relationships (a set of node
    pairs), or None. One call per path examined, so a server answers a whole round at
    once. ``key(path)`` orders paths. Returns (paths, complete); ``cap`` bounds how many
    paths are examined when a filter rejects many."""
    first = spurs([(s, max_hops, [], set())])[0]
    if first is None:
        return [], True
    found: list[list] = []
    out: list[list] = []
    # (key, path, the index where it left the path it was found from)
    heap = [(key(first), first, 0)]
    queued = {tuple(first)}
    while heap and len(out) < k:
        if len(found) >= cap:
            return out, False
        _, path, deviation = heapq.heappop(heap)
        found.append(path)
        if accept is None or accept(path):
            out.append(path)
            if len(out) == k:
                break
        requests, roots = [], []
        # Lawler's refinement: spurs before the deviation were asked when the path it left
        # was found, with the same root and the same bans, so only later ones are new
        for i in range(deviation, len(path) - 1):
            root = path[: i + 1]
            banned_edges = {(p[i], p[i + 1]) for p in found if len(p) > i + 1 and p[: i + 1] == root}
            requests.append((path[i], max_hops - i, root[:-1], banned_edges))
            roots.append(root)
        for root, rest in zip(roots, spurs(requests)):
            if rest is None:
                continue
            cand = root[:-1] + rest
            if len(cand) - 1 > max_hops or tuple(cand) in queued:
                continue
            queued.add(tuple(cand))
            heapq.heappush(heap, (key(cand), cand, len(root) - 1))
    return out, True


def yen(tr: Traversal, s: int, t: int, k: int, max_hops: int, accept=None, cap: int = 2000):
    """:func:`k_shortest` on the adjacency."""
    adj = tr.adj

    def one(spur, limit, banned_nodes, banned_edges):
        if not banned_nodes:
            return tr.shortest(spur, t, limit, None, banned_edges)
        mask = tr.banned(banned_nodes)
        try:
            return tr.shortest(spur, t, limit, mask, banned_edges)
        finally:
            mask[banned_nodes] = False

    return k_shortest(lambda reqs: [one(*r) for r in reqs], s, t, k, max_hops,
                      lambda p: (len(p), tuple(adj.id(i) for i in p)), accept, cap)


def shortest_paths(g: BeltGraph, source: str, target: str, options: PathOptions = PathOptions()) -> PathResult:
    """The ``k`` shortest simple paths between two nodes under the options of SPEC §5."""
    options = options.checked()
    s, t = _ends(g, source, target)
    tr = Traversal(g.adj, options, (s, t))
    accept = None
    if options.via is not None:
        code = LABEL_CODES[options.via]
        accept = lambda p: any(g.adj.labels[i] == code for i in p[1:-1])  # noqa: E731
    found, complete = yen(tr, s, t, options.k, options.max_hops, accept)
    return PathResult(source, target, [_to_path(tr, p) for p in found], complete)


@dataclass(frozen=True)
class Reached:
    node: PathNode
    hops: int

    def to_dict(self) -> dict:
        return {**self.node.to_dict(), "hops": self.hops}


def reachable(g: BeltGraph, source: str, label: str, max_hops: int = 3,
              options: PathOptions = PathOptions()) -> list[Reached]:
    """Every node of ``label`` within ``max_hops`` of ``source``, nearest first, then by id."""
    label = canonical_name(label)
    if label not in LABELS:
        raise PathError(f"--label takes a label ({', '.join(LABELS)}), not {label!r}")
    if max_hops < 1:
        raise PathError("--max-hops must be at least 1")
    options = options.checked()
    adj = g.adj
    s = adj.index(source)
    tr = Traversal(adj, options, (s,))
    code = LABEL_CODES[label]
    out = []
    for hops, children in enumerate(levels(tr, s, max_hops), start=1):
        for i in children[adj.labels[children] == code]:
            out.append(Reached(_node(adj, int(i)), hops))
    return out


def levels(tr: Traversal, s: int, max_hops: int):
    """The nodes first reached at 1, 2, ... ``max_hops`` hops from ``s`` (sorted index arrays),
    under the traversal's constraints; stops early when a level is empty."""
    seen = np.zeros(len(tr.adj), dtype=bool)
    seen[s] = True
    frontier = np.array([s])
    for _ in range(max_hops):
        _, children = tr.expand(frontier)
        children = _unique(children)
        children = children[~seen[children]]
        if len(children) == 0:
            return
        seen[children] = True
        yield children
        frontier = children


__all__ = ["PathOptions", "Path", "PathNode", "PathResult", "Traversal", "shortest_paths", "reachable",
           "k_shortest", "yen", "canonical_name", "PathError", "NodeNotFound"]
