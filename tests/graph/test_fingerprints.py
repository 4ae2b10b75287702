"""Batches and fingerprints of a push (graph.fingerprints): pure Arrow, no server."""

from __future__ import annotations

import pyarrow as pa

from graph import fingerprints
from graph.data import derive_rels
from graph.fingerprints import boundaries, fingerprint, parts, split


def _ids(n: int) -> pa.ChunkedArray:
    return pa.chunked_array([[f"m-{i:05d}" for i in range(n)]])


def test_batches_cover_every_row_once_in_order():
    t = pa.table({"id": _ids(1000), "x": list(range(1000))})
    bounds = boundaries(t.column("id"), 64)
    batches = split(t, "id", bounds)
    assert len(batches) == len(bounds) + 1
    assert sum(b.num_rows for b in batches) == 1000
    assert pa.concat_tables(batches).equals(t)
    assert bounds == sorted(set(bounds)) and all(60 <= b.num_rows <= 70 for b in batches[:-1])


def test_a_node_with_many_relationships_is_never_cut():
    # 300 rows from one source id: a boundary may fall before or after the run, not inside
    src = ["a"] * 10 + ["b"] * 300 + ["c"] * 10
    t = pa.table({"from": src, "to": [f"t{i:04d}" for i in range(320)]})
    for b in split(t, "from", boundaries(t.column("from"), 50)):
        froms = set(b.column("from").to_pylist())
        assert "b" not in froms or b.column("from").to_pylist().count("b") == 300


def test_boundaries_are_ascii_ids():
    # any id compares with an ASCII id alike in Python and in Neo4j (UTF-16 or code points)
    ids = sorted(["a1", "a2", "a3", "é1", "é2", "é3", "😀1", "😀2", "z1", "z2"])
    bounds = boundaries(pa.chunked_array([ids]), 2)
    assert bounds and all(b.isascii() for b in bounds)
    assert sum(b.num_rows for b in split(pa.table({"id": ids}), "id", bounds)) == len(ids)


def test_fingerprint_changes_with_any_value_and_not_with_chunking():
    t = pa.table({"id": ["a", "b", "c"], "sales": [1.0, None, 3.0]})
    same = pa.Table.from_batches(t.to_batches(max_chunksize=1))
    assert fingerprint("n|Merchant", t) == fingerprint("n|Merchant", same)
    changed = t.set_column(1, "sales", pa.array([1.0, 2.0, 3.0]))
    assert fingerprint("n|Merchant", t) != fingerprint("n|Merchant", changed)
    assert fingerprint("n|Merchant", t) != fingerprint("n|Anchor", t)
    assert fingerprint("n|Merchant", t.slice(0, 0)) == fingerprint("n|Merchant", t.slice(1, 0))


def test_parts_hold_every_row_by_label_pair(loaded_store):
    data = loaded_store.read_data()
    rels = derive_rels(data)
    ps = parts(data, rels)
    assert {p.key for p in ps if p.kind == "node"} == {f"n|{lab}" for lab in data.nodes}
    in_belt = {p.key: p.table.num_rows for p in ps if p.name == "IN_BELT"}
    assert in_belt == {"r|IN_BELT|Base|Belt": 1, "r|IN_BELT|SupplyChain|Belt": 2, "r|IN_BELT|Merchant|Belt": 1}
    for rel, t in rels.items():
        assert sum(p.table.num_rows for p in ps if p.name == rel) == t.num_rows
    assert fingerprints.VERSION >= 1
