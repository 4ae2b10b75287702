"""The embedded store: versions on disk, a memory-mapped snapshot, and Ladybug for Cypher.

The only module that imports ``ladybug``.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import decimal
import re
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from . import queries, rank
from .adjacency import Adjacency
from .config import Config
from .cypher_guard import check_read_only, plain_query
from .data import GraphData, derive_rels
from .errors import QueryError, QueryRefused, StoreError
from .graph import BeltGraph, unplaqued_providers
from .model import LABEL_LIST, REL_LIST, Schema
from .paths import shortest_paths
from .store import CypherResult, ProgressFn
from .versions import (
    DataDir,
    open_snapshot,
    read_arrow,
    read_data,
    read_meta,
    write_arrow,
    write_meta,
    write_snapshot,
)

if TYPE_CHECKING:
    import ladybug

DB_FILE = "db.lbug"

#: The operators a read query's plan may hold: anything else (INSTALL_EXTENSION,
#: STANDALONE_CALL for settings, COPY, INSERT, SET, DELETE, DDL...) is refused before it runs.
READ_OPERATORS = frozenset({
    "RESULT_COLLECTOR", "PROJECTION", "FILTER", "FLATTEN", "LIMIT", "SKIP", "MULTIPLICITY_REDUCER",
    "SCAN_NODE_TABLE", "PRIMARY_KEY_SCAN_NODE_TABLE", "SCAN_REL_TABLE", "INDEX_SCAN", "QUERY_PRIMARY_KEY_LOOKUP",
    "HASH_JOIN_BUILD", "HASH_JOIN_PROBE", "INTERSECT_BUILD", "INTERSECT", "CROSS_PRODUCT", "SEMI_MASKER",
    "AGGREGATE", "AGGREGATE_FINALIZE", "AGGREGATE_SCAN", "ORDER_BY", "ORDER_BY_MERGE", "ORDER_BY_SCAN",
    "TOP_K", "TOP_K_SCAN", "UNION_ALL_SCAN", "UNWIND", "RECURSIVE_EXTEND", "PATH_PROPERTY_PROBE",
    "TABLE_FUNCTION_CALL", "DUMMY_SINK", "DUMMY_SCAN", "EMPTY_RESULT", "PARTITIONER",
})
_OPERATOR = re.compile(r"│\s*([A-Z][A-Z_]+)\[\d+\]\s*│")


def _db_options(config: Config) -> dict:
    return {
        "buffer_pool_size": int(config.get("embedded", "buffer_pool_mb")) * 1024 * 1024,
        "max_num_threads": int(config.get("embedded", "max_threads")),
    }


def build_database(path: Path, data: GraphData, rels, config: Config,
                   progress: ProgressFn | None = None) -> None:
    """Create the Ladybug database of one version with the engine's bulk COPY from Arrow.

    ``rels`` is the relationship tables, or a callable giving them: the nodes are copied
    while the caller still derives SELLS and STREAMS_AT."""
    import ladybug  # only where the engine is used: reads of the snapshot never load it

    schema = Schema(data.extra_node_props(), data.extra_rel_props())
    db = ladybug.Database(str(path), **_db_options(config))
    conn = ladybug.Connection(db)
    try:
        for stmt in queries.ladybug_schema(schema):
            conn.execute(stmt)
        steps = len(LABEL_LIST) + len(REL_LIST)
        for i, lab in enumerate(LABEL_LIST, 1):
            rows = data.nodes[lab.name]  # read by name in the COPY statement
            if rows.num_rows:
                conn.execute(queries.ladybug_copy_nodes(lab.name))
            if progress:
                progress(f"storing {lab.name}", i, steps)
        if callable(rels):
            rels = rels()
        for i, rel in enumerate(REL_LIST, len(LABEL_LIST) + 1):
            for (src, dst), rows in _split_by_ends(rel, rels[rel.name], data).items():
                if rows.num_rows:
                    conn.execute(queries.ladybug_copy_rels(rel.name, src, dst))
            if progress:
                progress(f"storing {rel.name}", i, steps)
        conn.execute(queries.LADYBUG_CHECKPOINT)
    except RuntimeError as e:
        raise StoreError(f"the embedded engine could not store the graph: {e}") from None
    finally:
        conn.close()
        db.close()


def _split_by_ends(rel, table: pa.Table, data: GraphData) -> dict[tuple[str, str], pa.Table]:
    """Rows of a relationship table per (from label, to label) pair: Ladybug copies each pair apart.

    The rows are validated, so each source id is of one of the pair labels; the
    biggest label takes what the smaller ones do not, sparing a lookup in a large set.
    """
    if len(rel.ends) == 1 or table.num_rows == 0:
        return {rel.ends[0]: table} if len(rel.ends) == 1 else {}
    by_size = sorted(rel.ends, key=lambda e: data.nodes[e[0]].num_rows)
    out, rest = {}, table
    for src, dst in by_size[:-1]:
        mask = pc.is_in(rest.column("from"), value_set=data.nodes[src].column("id"))
        out[(src, dst)] = rest.filter(mask)
        rest = rest.filter(pc.invert(mask))
    out[by_size[-1]] = rest
    return out


# ---------------------------------------------------------------- values out of Ladybug

def jsonable(v: Any) -> Any:
    """Ladybug values as plain JSON-ready data: nodes and relationships as property maps
    with ``_label`` / ``_type``, paths as {"nodes": [...], "rels": [...]}."""
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dict):
        if "_NODES" in v and "_RELS" in v:
            nodes = v["_NODES"]
            ids = {_key(n.get("_ID")): n.get("id") for n in nodes}
            return {"nodes": [jsonable(n) for n in nodes],
                    "rels": [{**jsonable(r), "_from": ids.get(_key(r.get("_SRC"))), "_to": ids.get(_key(r.get("_DST")))}
                             for r in v["_RELS"]]}
        if "_SRC" in v and "_DST" in v:
            return {"_type": v.get("_LABEL"),
                    **{k: jsonable(x) for k, x in v.items() if not k.startswith("_") and x is not None}}
        if "_LABEL" in v and "_ID" in v:
            return {"_label": v.get("_LABEL"),
                    **{k: jsonable(x) for k, x in v.items() if not k.startswith("_") and x is not None}}
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return str(v)


def _key(internal: Any) -> Any:
    return (internal.get("table"), internal.get("offset")) if isinstance(internal, dict) else internal


# ---------------------------------------------------------------- reads (run in graph.cypher_worker)

def check_plan(conn, query: str, params: dict) -> None:
    """Refuse a query whose plan holds an operator that is not a read (the engine's own
    view of the statement, whatever its words)."""
    plan = conn.execute("EXPLAIN " + plain_query(query), params)
    if isinstance(plan, list):
        raise QueryRefused("refused: one statement at a time")
    text = ""
    while plan.has_next():
        text += "".join(str(x) for x in plan.get_next())
    operators = set(_OPERATOR.findall(text))
    if not operators:
        raise QueryRefused("refused: the engine gave no plan for this statement; only reads are allowed")
    bad = sorted(operators - READ_OPERATORS)
    if bad:
        raise QueryRefused(f"refused: the query plans {', '.join(bad)}, which is not a read; "
                           "beltgraph cypher is read-only")


def open_read_only(path: str, config: Config) -> "ladybug.Database":
    import ladybug

    try:
        return ladybug.Database(path, read_only=True, **_db_options(config))
    except RuntimeError as e:
        raise StoreError(f"cannot open the embedded database in {Path(path).parent}: {e}") from None


def run_read(db: "ladybug.Database", query: str, params: dict, max_rows: int, timeout_ms: int) -> CypherResult:
    """Run a checked read query on an open database; the first ``max_rows`` rows as plain data."""
    import ladybug

    check_read_only(query)
    conn = ladybug.Connection(db)
    conn.set_query_timeout(timeout_ms)
    start = time.perf_counter()
    try:
        check_plan(conn, query, params)
        result = conn.execute(query, params)
        if isinstance(result, list):  # several statements slipped through: take none
            raise QueryError("one statement at a time")
        columns = result.get_column_names()
        rows = []
        while result.has_next():
            if len(rows) == max_rows:
                return CypherResult(columns, rows, True, (time.perf_counter() - start) * 1000)
            rows.append([jsonable(v) for v in result.get_next()])
        return CypherResult(columns, rows, False, (time.perf_counter() - start) * 1000)
    except RuntimeError as e:
        msg = str(e)
        if "Interrupted" in msg:
            raise QueryError(f"query stopped after {timeout_ms} ms ([cypher] timeout_ms in config.toml)") from None
        raise QueryError(msg.replace("\n", " ")) from None
    finally:
        conn.close()


# ---------------------------------------------------------------- the store

class EmbeddedStore:
    """A data folder of immutable versions (graph.versions) served from this process.

    Readers resolve the live version on each call and keep its memory-mapped snapshot
    (tables, adjacency) and its read-only Ladybug database open until another version
    is swapped in; writers (load, merge, review) build a new version under the folder's
    lock and swap it in atomically.
    """

    backend = "embedded"

    def __init__(self, root: Path, config: Config):
        self.root = Path(root)
        self.config = config
        self.dir = DataDir(self.root, config.get("store", "keep_versions"), config.get("store", "lock_wait_s"))
        self._lock = threading.Lock()
        self._graph: tuple[Path, BeltGraph] | None = None
        self._workers = None  # graph.cypher_worker.WorkerPool, started on the first query

    def describe(self) -> str:
        return f"embedded store at {self.root}"

    # ------------------------------------------------------------ reading
    def version(self) -> str | None:
        current = self.dir.current()
        return None if current is None else current.name

    def graph(self) -> BeltGraph:
        """The live graph; re-resolved when another process swapped in a new version."""
        current = self.dir.current()
        with self._lock:
            if current is None:
                return BeltGraph.from_data(GraphData.empty())
            if self._graph is None or self._graph[0] != current:
                self._graph = (current, open_snapshot(current))
            return self._graph[1]

    def read_data(self) -> GraphData:
        current = self.dir.current()
        return GraphData.empty() if current is None else read_data(current)

    def stats(self) -> dict:
        current = self.dir.current()
        if current is None:
            return GraphData.empty().counts()
        return read_meta(current)["counts"]

    def node(self, node_id: str) -> dict:
        return self.graph().node(node_id)

    def sales_quarters(self) -> list[str]:
        return rank.sales_quarters(self.graph())

    def metric_rows(self, quarter, pool) -> list[dict]:
        return rank.metric_rows(self.graph(), quarter, pool)

    def paths(self, source: str, target: str, options):
        return shortest_paths(self.graph(), source, target, options)

    def writing(self):
        """Hold the store's write lock across a read-then-write (a merge, a review)."""
        return self.dir.writer()

    def cypher(self, query: str, params: dict | None = None, max_rows: int | None = None) -> CypherResult:
        """A read-only query, run in a worker process (graph.cypher_worker) that is killed when
        it passes ``[cypher] timeout_ms`` or ``max_memory_mb``: a runaway query cannot take
        this process (the web server) with it."""
        check_read_only(query)
        current = self.dir.current()
        if current is None:
            raise StoreError(f"the store at {self.root} is empty: load a bundle first "
                             "(beltgraph load data/sample)")
        if self._workers is None:
            from .cypher_worker import WorkerPool

            with self._lock:
                if self._workers is None:
                    self._workers = WorkerPool(self.config)
        return self._workers.run(str(current / DB_FILE), query, params or {},
                                 int(max_rows or self.config.get("cypher", "max_rows")))

    # ------------------------------------------------------------ writing
    def replace(self, data: GraphData, source: str, progress: ProgressFn | None = None) -> dict:
        """Build a complete new version beside the live one, then swap it in.

        The Cypher database and the snapshot are built at the same time: Ladybug's
        COPY runs in its own thread (it releases the GIL) while NumPy builds the
        adjacency.
        """
        with self.dir.writer():
            name, tmp = self.dir.new_version()
            failure: list[BaseException] = []
            derived: concurrent.futures.Future = concurrent.futures.Future()

            def build_db():
                try:
                    build_database(tmp / DB_FILE, data, derived.result, self.config, progress)
                except BaseException as e:  # handed to the caller's thread below
                    failure.append(e)

            worker = threading.Thread(target=build_db, name="ladybug-copy")
            worker.start()  # copies the nodes while SELLS and STREAMS_AT are derived here
            try:
                try:
                    rels = derive_rels(data)
                except BaseException as e:
                    derived.set_exception(e)
                    raise
                derived.set_result(rels)
                write_snapshot(data, rels, tmp, {"source": source, "version": name}, progress)
            finally:
                worker.join()
            if failure:
                raise failure[0]
            final = self.dir.commit(name, tmp)
        return read_meta(final)["counts"]

    def record_review(self, state: dict[str, tuple[bool, int]], reviews: pa.Table) -> None:
        """Record a review: set providers' plaque and level, replace the review history.

        A new version shares every unchanged file with the live one (hard links), gets
        its own copy of the database to update, and is swapped in like a load.
        """
        with self.dir.writer():
            base = self.dir.current()
            if base is None:
                raise StoreError(f"the store at {self.root} is empty: load a bundle first")
            name, tmp = self.dir.derive_version(base, copy=(DB_FILE,))
            providers = read_arrow(tmp / "nodes" / "Provider.arrow")
            ids = providers.column("id").to_pylist()
            plaque = [state.get(i, (p, None))[0] for i, p in zip(ids, providers.column("plaque").to_pylist())]
            level = [state.get(i, (None, lv))[1] for i, lv in zip(ids, providers.column("level").to_pylist())]
            providers = providers.set_column(providers.schema.get_field_index("plaque"), "plaque",
                                             pa.array(plaque, pa.bool_()))
            providers = providers.set_column(providers.schema.get_field_index("level"), "level",
                                             pa.array(level, pa.int64()))
            write_arrow(providers, tmp / "nodes" / "Provider.arrow")
            write_arrow(reviews, tmp / "reviews.arrow")
            adj = Adjacency.open(tmp / "adj").with_unplaqued(unplaqued_providers(providers))
            adj.save(tmp / "adj", only=("unplaqued",))
            rows = [{"id": i, "plaque": p, "level": lv} for i, p, lv in zip(ids, plaque, level)]
            import ladybug

            db = ladybug.Database(str(tmp / DB_FILE), **_db_options(self.config))
            conn = ladybug.Connection(db)
            try:
                conn.execute(queries.SET_PROVIDERS, {"rows": rows})
                conn.execute(queries.LADYBUG_CHECKPOINT)
            finally:
                conn.close()
                db.close()
            meta = read_meta(tmp)
            write_meta(tmp, {**meta, "version": name, "reviewed": sorted(set(reviews.column("quarter").to_pylist()))})
            self.dir.commit(name, tmp)

    def close(self) -> None:
        with self._lock:
            if self._workers is not None:
                self._workers.close()
                self._workers = None
            self._graph = None
