"""Parts and batches of a graph, and their fingerprints: what a push to Neo4j compares so
that it skips the batches the server already holds.

A *part* is one label's nodes, or one relationship type's rows between one pair of labels
(the server reads a part's rows with an index seek on the source label). Its rows are
sorted by id (nodes) or by (from, to, key properties) (relationships) and cut into
*batches* at boundary ids: a batch holds the rows whose id (or ``from``) is at least its
``lo`` and below its ``hi``, so the server selects the same rows with a range seek on its
uniqueness constraint. Boundaries are kept from one push to the next (in the server's
``BeltGraphBatch`` nodes), so a new merchant changes one batch, not every batch after it.
They are ASCII ids: any id compares with an ASCII string the same way in Python and in
Neo4j, whatever its characters.

A batch's fingerprint is a BLAKE2b hash of the part's name and the batch's rows in Arrow IPC
form (schema included): equal rows give equal hashes.

>>> import pyarrow as pa
>>> t = pa.table({"id": ["a1", "a2", "b1", "b2", "c1"], "name": list("vwxyz")})
>>> bounds = boundaries(t.column("id"), 2)
>>> bounds
['b1', 'c1']
>>> [b.column("id").to_pylist() for b in split(t, "id", bounds)]
[['a1', 'a2'], ['b1', 'b2'], ['c1']]
>>> fingerprint("n|X", t.slice(0, 2)) == fingerprint("n|X", t.slice(0, 2).combine_chunks())
True
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .data import GraphData
from .model import LABEL_LIST, REL_KEY_PROPS, REL_LIST

#: Bump when the way rows are cut or hashed changes: every stored fingerprint then differs.
VERSION = 1
#: Rows per batch aimed at when boundaries are chosen afresh.
BATCH_ROWS = 20_000


@dataclass(frozen=True)
class Part:
    """One label's nodes (kind "node") or one type's relationships between two labels ("rel")."""

    key: str                 # n|Label or r|TYPE|From|To
    kind: str
    name: str                # the label or the relationship type
    src: str | None
    dst: str | None
    table: pa.Table          # sorted rows
    column: str              # the column the boundaries cut: id or from


def parts(data: GraphData, rels: dict[str, pa.Table]) -> list[Part]:
    """Every part of the model (empty ones too), nodes first, rows sorted."""
    out = []
    for lab in LABEL_LIST:
        t = data.nodes[lab.name]
        out.append(Part(f"n|{lab.name}", "node", lab.name, None, None,
                        t.sort_by("id") if t.num_rows > 1 else t, "id"))
    for rel in REL_LIST:
        order = [("from", "ascending"), ("to", "ascending")] + [(k, "ascending") for k in REL_KEY_PROPS.get(rel.name, ())]
        for (src, dst), t in split_by_ends(rel, rels[rel.name], data).items():
            out.append(Part(f"r|{rel.name}|{src}|{dst}", "rel", rel.name, src, dst,
                            t.sort_by(order) if t.num_rows > 1 else t, "from"))
    return out


def _label_mask(ids: pa.ChunkedArray, candidates: list[str], data: GraphData) -> dict[str, pa.Array]:
    """For ids each of one of the candidate labels, a mask per label (the biggest label
    takes what the smaller ones do not, sparing a lookup in a large set)."""
    by_size = sorted(candidates, key=lambda lab: data.nodes[lab].num_rows)
    out, rest = {}, pa.array([True] * len(ids), pa.bool_()) if len(ids) else pa.array([], pa.bool_())
    for lab in by_size[:-1]:
        m = pc.is_in(ids, value_set=data.nodes[lab].column("id"))
        out[lab] = m
        rest = pc.and_(rest, pc.invert(m))
    out[by_size[-1]] = rest
    return out


def split_by_ends(rel, table: pa.Table, data: GraphData) -> dict[tuple[str, str], pa.Table]:
    """A relationship table's rows per (from label, to label), every pair of the model present."""
    if len(rel.ends) == 1:
        return {rel.ends[0]: table}
    src = _label_mask(table.column("from"), list(rel.src_labels), data) if len(rel.src_labels) > 1 else None
    dst = _label_mask(table.column("to"), list(rel.dst_labels), data) if len(rel.dst_labels) > 1 else None
    out = {}
    for a, b in rel.ends:
        mask = None
        for m in ((src or {}).get(a), (dst or {}).get(b)):
            if m is not None:
                mask = m if mask is None else pc.and_(mask, m)
        out[(a, b)] = table if mask is None else table.filter(mask)
    return out


class _Sorted:
    """Sequence view of a sorted Arrow string column for bisect."""

    def __init__(self, column: pa.ChunkedArray):
        self.column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column

    def __len__(self):
        return len(self.column)

    def __getitem__(self, i):
        return self.column[i].as_py()


def boundaries(column: pa.ChunkedArray, rows: int | None = None) -> list[str]:
    """Boundary ids cutting a sorted id column into batches of about ``rows`` rows
    (default ``BATCH_ROWS``): ASCII ids only, each one strictly greater than the one
    before and than the first id."""
    rows = rows or BATCH_ROWS
    ids = _Sorted(column)
    n = len(ids)
    out: list[str] = []
    if n == 0:
        return out
    at = rows
    while at < n:
        i = at
        while i < n and not ids[i].isascii():
            i += 1
        if i >= n:
            break
        b = ids[i]
        if b > ids[0] and (not out or b > out[-1]):
            out.append(b)
            at = bisect.bisect_left(ids, b) + rows
        else:  # a run of equal ids (a node's many relationships): past its end
            at = bisect.bisect_right(ids, b)
    return out


def split(table: pa.Table, column: str, bounds: list[str]) -> list[pa.Table]:
    """The sorted table cut at the boundary ids: len(bounds) + 1 batches (some may be empty)."""
    ids = _Sorted(table.column(column))
    cuts = [0] + [bisect.bisect_left(ids, b) for b in bounds] + [table.num_rows]
    return [table.slice(a, b - a) for a, b in zip(cuts, cuts[1:])]


def fingerprint(part_key: str, batch: pa.Table) -> str:
    """A hash of a batch's rows (and its part and columns)."""
    h = hashlib.blake2b(f"{VERSION}|{part_key}|".encode(), digest_size=16)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as w:
        if batch.num_rows:
            w.write_table(batch.combine_chunks())
    h.update(sink.getvalue())
    return h.hexdigest()


def imbalanced(sizes: list[int], rows: int | None = None) -> bool:
    """Whether kept boundaries have let batches grow too big (then they are chosen afresh)."""
    return any(s > 4 * (rows or BATCH_ROWS) for s in sizes)


__all__ = ["Part", "parts", "split_by_ends", "boundaries", "split", "fingerprint", "imbalanced",
           "VERSION", "BATCH_ROWS"]
