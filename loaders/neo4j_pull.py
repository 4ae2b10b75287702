"""Pull: a graph read from Neo4j, checked like a bundle before it becomes the embedded store.

The server's rows are turned into the text cells a bundle file would hold and go
through the same validation (``loaders.validate``), so a graph edited by hand in
Neo4j cannot bring a dangling relationship or a bad value into the store.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from graph.data import REVIEW_SCHEMA, GraphData
from graph.model import FACTS, LABELS, REL_TYPES

from .read import RawBundle, RawTable
from .validate import validate


def _cell(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _raw(path: str, rows: list[dict], first: tuple[str, ...], uri: str) -> RawTable:
    columns = list(first)
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    arrays = [pa.array([_cell(r.get(c)) for r in rows], pa.string()) for c in columns]
    table = pa.Table.from_arrays(arrays, names=columns)
    # a "line" is the row number in the server's answer, counting a header as line 1
    return RawTable(path, f"{uri}:{path}", columns, table, np.arange(2, len(rows) + 2), encoding="neo4j")


def pull_bundle(store) -> tuple[GraphData, dict]:
    """Read everything from a Neo4jStore and validate it; returns (data, counts per file)."""
    nodes, rels, facts, reviews = store.records()
    tables = []
    for label in LABELS:
        rows = [{k: v for k, v in n.items() if k != "label"} for n in nodes if n["label"] == label]
        if rows:
            tables.append(_raw(f"nodes/{label}.csv", rows, ("id", "name"), store.uri))
    for rel in REL_TYPES:
        rows = [{k: v for k, v in r.items() if k != "type"} for r in rels if r["type"] == rel]
        if rows:
            tables.append(_raw(f"rels/{rel}.csv", rows, ("from", "to"), store.uri))
    for name, rows in facts.items():
        if rows and name in FACTS:
            tables.append(_raw(f"facts/{name}.csv", rows, FACTS[name].key, store.uri))
    checked = validate(RawBundle(store.uri, tables))
    data = checked.data
    data.reviews = pa.Table.from_pylist(reviews, schema=REVIEW_SCHEMA) if reviews else REVIEW_SCHEMA.empty_table()
    return data, {t.path: t.table.num_rows for t in tables}


def pull(config, data_dir: str | None = None, progress=None):
    """Rebuild the embedded store (``data_dir``, default: the configured one) from the
    configured Neo4j, checked like a bundle; returns a graph.usecases.Sync."""
    import time

    from graph.embedded import EmbeddedStore
    from graph.neo4j_store import Neo4jStore
    from graph.usecases import Sync

    local, server = EmbeddedStore(config.data_dir(data_dir), config), Neo4jStore(config)
    try:
        start = time.perf_counter()
        data, _ = pull_bundle(server)
        counts = local.replace(data, server.describe(), progress)
        return Sync("pull", server.describe(), local.describe(), counts, time.perf_counter() - start)
    finally:
        local.close()
        server.close()
