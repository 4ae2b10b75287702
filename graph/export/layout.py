"""Node positions computed on the server, shared by every picture of a selection (html, svg,
pdf, png) and by GEXF, so the same network looks the same in each.

A force-directed layout (Fruchterman-Reingold forces with a pull to the centre) whose
repulsion is computed on a grid with FFT convolutions (particle-mesh), so an iteration costs
O(n + m + G² log G) instead of the O(n²) of networkx's and rustworkx's spring layouts: 20,000
nodes take seconds, not minutes (bench/RESULTS.md, export section, has the comparison).

>>> pos = layout(["a", "b", "c"], [("a", "b"), ("b", "c")], seed=1)
>>> sorted(pos), max(abs(v) for xy in pos.values() for v in xy) == extent(3)
(['a', 'b', 'c'], True)
>>> layout(["a", "b"], [("a", "b")]) == layout(["a", "b"], [("a", "b")])   # deterministic
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np


def extent(n: int) -> float:
    """Half the side of the square that ``n`` nodes are scaled into (vis-network and SVG units):
    it grows with the square root of n, so nodes keep about the same spacing at any size.

    >>> extent(10), extent(2500)
    (400.0, 2000.0)
    """
    return max(400.0, 40.0 * math.sqrt(n))


def _kernels(G: int, h: float) -> tuple[np.ndarray, np.ndarray]:
    """FFTs of the repulsion kernel (dx, dy) / r² on a (2G)² zero-padded grid of spacing h."""
    idx = np.arange(2 * G)
    d = np.where(idx < G, idx, idx - 2 * G).astype(float) * h
    dx, dy = np.meshgrid(d, d, indexing="ij")
    r2 = dx * dx + dy * dy
    r2[0, 0] = 1.0
    kx, ky = dx / r2, dy / r2
    kx[0, 0] = ky[0, 0] = 0.0
    return np.fft.rfft2(kx), np.fft.rfft2(ky)


def _repulsion(pos: np.ndarray, G: int) -> np.ndarray:
    """Σ_j (p_i - p_j) / |p_i - p_j|² over all other nodes, approximated on a G×G grid, plus
    the exact force between nodes of the same cell (which the grid does not see), found among
    the next few nodes in cell order."""
    lo = pos.min(axis=0)
    span = max(float((pos.max(axis=0) - lo).max()), 1e-9)
    h = span / (G - 1)
    cell = np.clip(np.rint((pos - lo) / h).astype(np.int64), 0, G - 1)
    mass = np.zeros((2 * G, 2 * G))
    np.add.at(mass, (cell[:, 0], cell[:, 1]), 1.0)
    fm = np.fft.rfft2(mass)
    kx, ky = _kernels(G, h)
    fx = np.fft.irfft2(fm * kx, s=mass.shape)
    fy = np.fft.irfft2(fm * ky, s=mass.shape)
    force = np.stack([fx[cell[:, 0], cell[:, 1]], fy[cell[:, 0], cell[:, 1]]], axis=1)
    key = cell[:, 0] * G + cell[:, 1]
    order = np.argsort(key, kind="stable")
    k_sorted = key[order]
    for s in range(1, _NEAR + 1):
        a, b = order[:-s], order[s:]
        same = k_sorted[:-s] == k_sorted[s:]
        if not same.any():
            break
        a, b = a[same], b[same]
        d = pos[a] - pos[b]
        r2 = np.maximum((d ** 2).sum(1), 1e-6)[:, None]
        f = d / r2
        np.add.at(force, a, f)
        np.add.at(force, b, -f)
    return force


#: Nodes of one grid cell that see each other exactly: each with the next this many in cell order.
_NEAR = 8


def _exact_repulsion(pos: np.ndarray) -> np.ndarray:
    delta = pos[:, None, :] - pos[None, :, :]
    r2 = (delta ** 2).sum(-1)
    np.fill_diagonal(r2, np.inf)
    return (delta / np.maximum(r2, 1e-6)[..., None]).sum(axis=1)


def layout(ids: Sequence[str], edges: Iterable[tuple[str, str]], iterations: int | None = None,
           seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions of ``ids`` (scaled into ±:func:`extent`) for undirected ``edges`` between them.

    Forces per iteration, with ideal distance k = 1: repulsion k²/d between every two nodes
    (exact below 600 nodes, on a grid above), attraction d²/k along each edge, and a weak
    gravity to the centre that keeps separate components together; moves are capped by a
    temperature that cools linearly. Deterministic for a given ``seed``.
    """
    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (0.0, 0.0)}
    index = {v: i for i, v in enumerate(ids)}
    pairs = {(min(index[a], index[b]), max(index[a], index[b])) for a, b in edges
             if a in index and b in index and a != b}
    e = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    iterations = iterations or (300 if n <= 600 else 150 if n <= 5000 else 100)
    G = int(min(256, max(32, 2 ** math.ceil(math.log2(2 * side)))))
    degree = np.bincount(e.ravel(), minlength=n).astype(float) if len(e) else np.zeros(n)
    t0 = side / 10
    for it in range(iterations):
        force = _exact_repulsion(pos) if n <= 600 else _repulsion(pos, G)
        if len(e):
            d = pos[e[:, 0]] - pos[e[:, 1]]
            dist = np.sqrt((d ** 2).sum(1))[:, None]
            pull = d * dist  # (d / |d|) * |d|² / k
            np.add.at(force, e[:, 0], -pull)
            np.add.at(force, e[:, 1], pull)
        force -= 0.05 * (1 + degree)[:, None] * pos / max(side / 4, 1)  # gravity
        length = np.sqrt((force ** 2).sum(1))[:, None]
        t = t0 * (1 - it / iterations) + 1e-3
        pos += force / np.maximum(length, 1e-9) * np.minimum(length, t)
    pos -= pos.mean(axis=0)
    scale = extent(n) / max(float(np.abs(pos).max()), 1e-9)
    pos *= scale
    return {v: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for i, v in enumerate(ids)}
