"""A compact undirected adjacency (CSR) of the graph, for fast cold starts and traversals.

Nodes are numbered in ascending id order, so a node's neighbour list in index
order is also in id order: the lexicographic path orderings of SPEC §5 fall out
of it. Parallel relationships between two nodes are one entry whose ``tmask``
has a bit per relationship type. Saved as ``.npy`` files it memory-maps in
milliseconds, where a networkx graph of a million merchants takes tens of seconds
to rebuild.

>>> import pyarrow as pa
>>> adj = Adjacency.build(
...     pa.table({"id": ["b", "a", "c"], "label": ["Belt", "Base", "Merchant"], "name": ["B", "A", "C"]}),
...     {"IN_BELT": pa.table({"from": ["a", "c", "a"], "to": ["b", "b", "b"]})})
>>> adj.id(adj.index("b")), [adj.id(int(j)) for j in adj.neighbors(adj.index("b"))[0]]
('b', ['a', 'c'])
"""

from __future__ import annotations

import bisect
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import NodeNotFound
from .model import LABEL_LIST, REL_LIST

LABEL_CODES = {lab.name: i for i, lab in enumerate(LABEL_LIST)}
LABEL_NAMES = [lab.name for lab in LABEL_LIST]
TYPE_BITS = {r.name: 1 << i for i, r in enumerate(REL_LIST)}
#: ``tmask`` holds one bit per relationship type in a uint16.
if len(REL_LIST) > 16:  # pragma: no cover - a 17th type needs a wider tmask (uint32) and a new format
    raise ImportError(f"the adjacency's type mask holds 16 relationship types; the model has {len(REL_LIST)}: "
                      "widen Adjacency.tmask to uint32 before adding more")
TYPE_NAMES = [r.name for r in REL_LIST]

_FILES = ("indptr", "nbr", "tmask", "labels", "rows", "unplaqued")


def _bit_index(bits: np.ndarray) -> np.ndarray:
    """The position of each single set bit (1 -> 0, 2 -> 1, 4 -> 2, ...)."""
    return np.log2(bits).astype(np.int64)


class _Ids:
    """Sequence view of an Arrow string array for bisect."""

    def __init__(self, arr: pa.StringArray):
        self.arr = arr

    def __len__(self):
        return len(self.arr)

    def __getitem__(self, i):
        return self.arr[i].as_py()


class Adjacency:
    """The graph's undirected adjacency in compressed sparse rows, nodes numbered by id.

    ``indptr[i]:indptr[i + 1]`` slices ``nbr`` (neighbour indices, ascending) and ``tmask``
    (the relationship types joining them, a bit each) for node ``i``; ``ids``, ``names``,
    ``labels`` and ``rows`` describe the nodes; ``unplaqued`` marks Providers without a
    plaque. Built once per store version, saved as .npy files and memory-mapped.
    """

    def __init__(self, ids: pa.StringArray, names: pa.StringArray, labels: np.ndarray,
                 rows: np.ndarray, unplaqued: np.ndarray, indptr: np.ndarray, nbr: np.ndarray,
                 tmask: np.ndarray):
        self.ids = ids
        self.names = names
        self.labels = labels          # int8 code per node (LABEL_LIST order)
        self.rows = rows              # row of the node in its label's table
        self.unplaqued = unplaqued    # bool: a Provider without a plaque
        self.indptr = indptr
        self.nbr = nbr
        self.tmask = tmask
        self.scratch = threading.local()  # per-thread work arrays of graph searches

    # ------------------------------------------------------------ building
    @classmethod
    def build(cls, nodes: pa.Table, rels: dict[str, pa.Table], unplaqued_ids: pa.Array | None = None,
              rows: np.ndarray | None = None, codes: np.ndarray | None = None) -> "Adjacency":
        """Build from a table of (id, label, name) and relationship tables with from/to columns.

        ``codes`` (label codes per row of ``nodes``) saves decoding the label column.
        """
        order = pc.sort_indices(nodes.column("id")).to_numpy()
        take = pa.array(order)
        ids = nodes.column("id").take(take).combine_chunks()
        names = nodes.column("name").take(take).combine_chunks()
        if codes is None:
            enc = pc.dictionary_encode(nodes.column("label")).combine_chunks()
            to_code = np.array([LABEL_CODES[x] for x in enc.dictionary.to_pylist()], dtype=np.int8)
            codes = to_code[enc.indices.to_numpy(zero_copy_only=False)] if len(enc) else np.zeros(0, np.int8)
        labels = np.asarray(codes, dtype=np.int8)[order]
        n = len(ids)
        rows = np.zeros(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)[order]
        unplaqued = np.zeros(n, dtype=bool)
        if unplaqued_ids is not None and len(unplaqued_ids):
            unplaqued = pc.is_in(ids, value_set=unplaqued_ids).to_numpy(zero_copy_only=False).astype(bool)
        present = [(name, t) for name, t in rels.items() if t.num_rows]
        if present:
            # One hash lookup for every relationship end of every type.
            ends = pa.concat_arrays([c for _, t in present for col in ("from", "to")
                                     for c in t.column(col).chunks])
            pos = pc.index_in(ends, value_set=ids).to_numpy(zero_copy_only=False).astype(np.int64)
            s_parts, d_parts, b_parts, at = [], [], [], 0
            for name, t in present:
                m = t.num_rows
                s_parts.append(pos[at:at + m])
                d_parts.append(pos[at + m:at + 2 * m])
                b_parts.append(np.full(m, TYPE_BITS[name], dtype=np.int64))
                at += 2 * m
            s, d, b = np.concatenate(s_parts), np.concatenate(d_parts), np.concatenate(b_parts)
            keep = s != d  # a self loop adds nothing to paths
            s, d, b = s[keep], d[keep], b[keep]
            # Pack (u, v, type bit) in one int64 and sort once: parallel relationships
            # end up side by side and fold into one entry with a type mask.
            packed = np.concatenate([(s * n + d) << 10 | _bit_index(b), (d * n + s) << 10 | _bit_index(b)])
            packed.sort()
            key = packed >> 10
            bits = (np.int64(1) << (packed & 1023)).astype(np.uint16)
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            ukey = key[starts]
            tmask = np.bitwise_or.reduceat(bits, starts).astype(np.uint16)
            nbr = (ukey % n).astype(np.int32)
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(ukey // n, minlength=n), out=indptr[1:])
        else:
            nbr = np.zeros(0, dtype=np.int32)
            tmask = np.zeros(0, dtype=np.uint16)
            indptr = np.zeros(n + 1, dtype=np.int64)
        return cls(ids, names, labels, rows, unplaqued, indptr, nbr, tmask)

    # ------------------------------------------------------------ files
    def save(self, folder: Path, only: tuple[str, ...] = _FILES) -> None:
        """Write the arrays (each as a new file, never into a shared hard link)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in only:
            part = folder / f"{name}.part.npy"
            np.save(part, getattr(self, name))
            part.replace(folder / f"{name}.npy")
        if only != _FILES:
            return
        table = pa.table({"id": self.ids, "name": self.names})
        part = folder / "nodes.arrow.part"
        with pa.OSFile(str(part), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
            w.write_table(table)
        part.replace(folder / "nodes.arrow")

    @classmethod
    def open(cls, folder: Path) -> "Adjacency":
        # Plain ndarray views of the maps: indexing a np.memmap subclass costs more.
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in _FILES}
        table = pa.ipc.open_file(pa.memory_map(str(folder / "nodes.arrow"))).read_all()
        return cls(table.column("id").combine_chunks(), table.column("name").combine_chunks(), **arrays)

    # ------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.ids)

    def index(self, node_id: str) -> int:
        """The index of a node id; NodeNotFound if absent (binary search, no dict to build)."""
        i = bisect.bisect_left(_Ids(self.ids), node_id)
        if i < len(self.ids) and self.ids[i].as_py() == node_id:
            return i
        raise NodeNotFound(node_id)

    def has(self, node_id: str) -> bool:
        try:
            self.index(node_id)
            return True
        except NodeNotFound:
            return False

    def id(self, i: int) -> str:
        return self.ids[i].as_py()

    def name(self, i: int) -> str:
        return self.names[i].as_py()

    def label(self, i: int) -> str:
        return LABEL_NAMES[int(self.labels[i])]

    def neighbors(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.indptr[i], self.indptr[i + 1]
        return self.nbr[a:b], self.tmask[a:b]

    def with_unplaqued(self, ids: pa.Array) -> "Adjacency":
        """The same adjacency with another set of Providers lacking a plaque."""
        mask = pc.is_in(self.ids, value_set=ids).to_numpy(zero_copy_only=False).astype(bool) \
            if len(ids) else np.zeros(len(self.ids), dtype=bool)
        return Adjacency(self.ids, self.names, self.labels, self.rows, mask, self.indptr, self.nbr, self.tmask)
