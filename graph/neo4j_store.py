"""The Neo4j backend: the same graph pushed to or pulled from a Neo4j server.

The only module that imports ``neo4j``. Reads run in read access mode with the
configured transaction timeout; rankings compute their metrics with Cypher
aggregation in the server and paths use Cypher shortest paths, giving the same
answers as the embedded backend. Every Cypher string lives in ``graph.queries``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import neo4j
import pyarrow as pa
from neo4j import exceptions as nx_exc

from . import fingerprints, queries
from .config import Config
from .cypher_guard import check_read_only, plain_query
from .data import REVIEW_SCHEMA, GraphData, derive_rels
from .errors import NodeNotFound, QueryError, QueryRefused, StoreError
from .graph import BeltGraph, data_from_records
from .model import LABEL_LIST, LABELS, REL_KEY_PROPS, REL_LIST
from .store import CypherResult, ProgressFn

# The driver logs each retry and each dropped connection as a warning; with no logging set
# up, Python would print them to stderr around the one line a failure becomes. An app that
# configures logging (the web server) still gets them.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

#: Neo4j's kinds of statement (ResultSummary.query_type); only "r" is a read.
QUERY_TYPES = {"r": "read", "rw": "read-write", "w": "write", "s": "schema"}

INDEXED = {"Belt": ("name", "category"), "SupplyChain": ("name", "category"), "Anchor": ("name", "category"),
           "Base": ("name",), "Provider": ("name",), "Merchant": ("name",), "TeamLeader": ("name",)}


def jsonable(v: Any) -> Any:
    """Neo4j values as the same plain data the embedded backend gives."""
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, neo4j.graph.Node):
        return {"_label": next(iter(v.labels), None), **{k: jsonable(x) for k, x in v.items()}}
    if isinstance(v, neo4j.graph.Relationship):
        return {"_type": v.type, **{k: jsonable(x) for k, x in v.items()}}
    if isinstance(v, neo4j.graph.Path):
        return {"nodes": [jsonable(n) for n in v.nodes],
                "rels": [{**jsonable(r), "_from": r.start_node.get("id"), "_to": r.end_node.get("id")}
                         for r in v.relationships]}
    if hasattr(v, "iso_format"):
        return v.iso_format()
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return str(v)


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _native(v: Any) -> Any:
    """A Neo4j property value as the Python value the model's Arrow types take."""
    if hasattr(v, "to_native"):
        return v.to_native()
    return v


class Neo4jStore:
    """A Neo4j server holding the same graph: reads in read access mode with a timeout;
    rank metrics and shortest paths computed in the server; the whole graph pulled into
    memory only for the algorithms that have no server form (cached while its counts hold)."""

    backend = "neo4j"

    def __init__(self, config: Config):
        self.config = config
        s = config.section("neo4j")
        self.uri = s.get("uri")
        self.user = s.get("user")
        self.password = s.get("password") or ""
        self.database = s.get("database") or "neo4j"
        self.batch = int(s.get("batch_size", 5000))
        self.timeout = float(s.get("timeout_s", 30))
        self._driver: neo4j.Driver | None = None
        self._graph: tuple[dict, BeltGraph] | None = None
        self.pushed: dict | None = None  # batches kept and written by the last push (push())
        self._unreachable = False  # the last query found the server gone

    def describe(self) -> str:
        return f"Neo4j at {self.uri} (database {self.database})"

    # ------------------------------------------------------------ connection
    def driver(self) -> neo4j.Driver:
        if self._driver is None:
            try:  # noqa: SIM105 - errors are mapped below
                self._driver = neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password),
                                                          connection_timeout=10, max_transaction_retry_time=5,
                                                          notifications_min_severity="OFF")
                # fails at once (no retries) when the server is down or refuses the login
                self._driver.verify_connectivity()
                self._unreachable = False
            except BaseException as e:
                if self._driver is not None:
                    self._driver.close()
                self._driver = None
                if isinstance(e, Exception):  # the driver's errors become one clear line
                    raise self._errors(e) from None
                raise
        return self._driver

    def _connected(self) -> neo4j.Driver:
        """The driver, checked first when the last query found the server gone: the check
        fails at once while it still is (a query would retry for seconds, and a page's error
        template asks again), and passes, on fresh connections, once it is back."""
        driver = self.driver()
        if self._unreachable:
            driver.verify_connectivity()
            self._unreachable = False
        return driver

    def _errors(self, e: Exception) -> Exception:
        if isinstance(e, nx_exc.AuthError):
            return StoreError(f"Neo4j at {self.uri} refused user {self.user!r}: wrong password? "
                              "(set BELTGRAPH_NEO4J_PASSWORD)")
        if isinstance(e, (nx_exc.ServiceUnavailable, nx_exc.SessionExpired, OSError)):
            self._unreachable = True
            return StoreError(f"cannot reach Neo4j at {self.uri}: is it running? ({_first_line(e)})")
        if isinstance(e, nx_exc.ClientError) and "DatabaseNotFound" in (e.code or ""):
            return StoreError(f"Neo4j at {self.uri} has no database {self.database!r} ([neo4j] database)")
        if isinstance(e, nx_exc.ClientError) and "TransactionTimedOut" in (e.code or ""):
            return QueryError(f"query stopped after {self.timeout:g} s ([neo4j] timeout_s in config.toml)")
        if isinstance(e, nx_exc.ClientError) and "AccessMode" in (e.code or ""):
            return QueryError("refused: the query writes; beltgraph cypher is read-only")
        if isinstance(e, nx_exc.Neo4jError):
            return QueryError(f"Neo4j: {e.message or e}")
        if isinstance(e, nx_exc.DriverError):
            return StoreError(f"Neo4j at {self.uri}: {_first_line(e)}")
        return e

    def _run(self, query: str, params: dict | None = None, access: str = "WRITE", timeout: float | None = None,
             limit: int | None = None) -> tuple[list[str], list[list], bool]:
        """Run one query in its own transaction; return (columns, rows, truncated)."""
        mode = neo4j.READ_ACCESS if access == "READ" else neo4j.WRITE_ACCESS
        try:
            with self._connected().session(database=self.database, default_access_mode=mode) as session:
                def work(tx):
                    result = tx.run(query, params or {})
                    keys = list(result.keys())
                    rows, truncated = [], False
                    for record in result:
                        if limit is not None and len(rows) == limit:
                            truncated = True
                            break
                        rows.append(list(record.values()))
                    result.consume()
                    return keys, rows, truncated

                tx_fn = neo4j.unit_of_work(timeout=timeout or self.timeout)(work)
                if access == "READ":
                    return session.execute_read(tx_fn)
                return session.execute_write(tx_fn)
        except (StoreError, QueryError):
            raise
        except Exception as e:  # the driver's errors become one clear line
            raise self._errors(e) from None

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    # ------------------------------------------------------------ reading
    def stats(self) -> dict:
        nodes = {lab.name: self._run(queries.neo4j_count_nodes(lab.name), access="READ")[1][0][0] for lab in LABEL_LIST}
        rels = {r.name: self._run(queries.neo4j_count_rels(r.name), access="READ")[1][0][0] for r in REL_LIST}
        return {"nodes": nodes, "relationships": rels}

    def cypher(self, query: str, params: dict | None = None, max_rows: int | None = None) -> CypherResult:
        check_read_only(query)
        max_rows = int(max_rows or self.config.get("cypher", "max_rows"))
        timeout = int(self.config.get("cypher", "timeout_ms")) / 1000
        start = time.perf_counter()
        kind = self._query_type(query, params)
        if kind != "r":
            raise QueryRefused(f"refused: Neo4j plans this as a {QUERY_TYPES.get(kind, kind)} query; "
                               "beltgraph cypher is read-only")
        cols, rows, truncated = self._run(query, params, access="READ", timeout=timeout, limit=max_rows)
        return CypherResult(cols, [[jsonable(v) for v in r] for r in rows], truncated,
                            (time.perf_counter() - start) * 1000)

    def _query_type(self, query: str, params: dict | None) -> str:
        """The server's own kind of a statement (EXPLAIN, nothing runs): r, rw, w or s."""
        try:
            with self._connected().session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                return session.run("EXPLAIN " + plain_query(query), params or {}).consume().query_type
        except (StoreError, QueryError):
            raise
        except Exception as e:
            raise self._errors(e) from None

    def records(self) -> tuple[list[dict], list[dict], dict[str, list[dict]], list[dict]]:
        """Everything BeltGraph keeps in the server, as plain rows: nodes (with ``label``),
        relationships (with ``type``, ``from``, ``to``), provider_quarters facts, reviews."""
        nodes, rels = [], []
        for lab in LABEL_LIST:
            for (props,) in self._run(queries.neo4j_read_nodes(lab.name), access="READ")[1]:
                nodes.append({"label": lab.name, **{k: _native(v) for k, v in props.items()}})
        for rel in REL_LIST:
            for src, dst, props, _ in self._run(queries.neo4j_read_rels(rel.name), access="READ")[1]:
                rels.append({"type": rel.name, "from": src, "to": dst, **{k: _native(v) for k, v in props.items()}})
        figures = [{k: _native(v) for k, v in p.items()}
                   for (p,) in self._run(queries.NEO4J_READ_FIGURES, access="READ")[1]]
        reviews = [dict(p) for (p,) in self._run(queries.NEO4J_READ_REVIEWS, access="READ")[1]]
        return nodes, rels, {"provider_quarters": figures}, reviews

    def graph(self) -> BeltGraph:
        """The server's graph in memory, for the algorithms that run locally (cached while
        the server's counts stay the same)."""
        counts = self.stats()
        if self._graph is None or self._graph[0] != counts:
            self._graph = (counts, BeltGraph.from_data(self.read_data()))
        return self._graph[1]

    def read_data(self) -> GraphData:
        nodes, rels, facts, reviews = self.records()
        data = data_from_records(nodes, rels, facts)
        data.reviews = pa.Table.from_pylist(reviews, schema=REVIEW_SCHEMA)
        return data

    # ------------------------------------------------------------ writing
    def replace(self, data: GraphData, source: str, progress: ProgressFn | None = None) -> dict:
        return push(self, data, progress)

    @contextlib.contextmanager
    def writing(self):
        """Writers to a Neo4j server are not serialised here: the server's transactions are."""
        yield self

    def record_review(self, state: dict[str, tuple[bool, int]], reviews: pa.Table) -> None:
        rows = [{"id": pid, "plaque": p, "level": lv} for pid, (p, lv) in state.items()]
        # the providers' rows change here, not through a push: their fingerprints no longer hold
        self._run(queries.NEO4J_DELETE_PART_BATCHES, {"parts": ["n|Provider"]})
        for i in range(0, len(rows), self.batch):
            self._run(queries.SET_PROVIDERS, {"rows": rows[i:i + self.batch]})
        _sync_keyed(self, reviews, queries.NEO4J_READ_REVIEWS, queries.NEO4J_MERGE_REVIEWS,
                    queries.NEO4J_DELETE_REVIEWS)
        self._graph = None

    # ------------------------------------------------------------ what the server computes
    def version(self) -> str | None:
        counts = self.stats()
        if not any(counts["nodes"].values()):
            return None
        total = sum(counts["nodes"].values()) + sum(counts["relationships"].values())
        return f"neo4j-{self.database}-{total}"

    def node(self, node_id: str) -> dict:
        rows = self._run(queries.neo4j_node(tuple(LABELS)), {"id": node_id}, access="READ")[1]
        if not rows:
            raise NodeNotFound(node_id)
        label, props = rows[0]
        return {"label": label, **{k: _native(v) for k, v in props.items() if v is not None}}

    def sales_quarters(self) -> list[str]:
        return [r[0] for r in self._run(queries.NEO4J_SELLS_QUARTERS, access="READ")[1] if r[0]]

    def metric_rows(self, quarter, pool) -> list[dict]:
        """graph.rank.metric_rows, aggregated in the server."""
        params = {"quarter": quarter, "category": pool.category, "division": pool.division, "belt": pool.belt}
        _, chains, _ = self._run(queries.neo4j_pool_chains(pool.kind), params, access="READ")
        sales = {}
        if quarter is not None:
            _, found, _ = self._run(queries.neo4j_quarter_sales(pool.kind), params, access="READ")
            sales = {r[0]: (r[1], r[2]) for r in found}
        rows = []
        for sc_id, name, fr, rr, rating in sorted(chains):
            gmv, reach = sales.get(sc_id, (None, 0))
            rows.append({"id": sc_id, "name": name, "gmv": gmv, "anchor_reach": reach, "fulfillment_rate": fr,
                         "return_rate": rr, "rating": rating})
        return rows

    def _label_of(self, node_id: str) -> str:
        rows = self._run(queries.neo4j_find_label(tuple(LABELS)), {"id": node_id}, access="READ")[1]
        if not rows:
            raise NodeNotFound(node_id)
        return rows[0][0]

    def paths(self, source: str, target: str, options):
        """SPEC §5 paths with Cypher ``allShortestPaths`` in the server, driven by the same
        Yen's algorithm as the embedded backend, so the answers are the same."""
        from .paths import Path, PathNode, PathResult, k_shortest

        options = options.checked()
        src, dst = self._label_of(source), self._label_of(target)
        types = tuple(r.name for r in REL_LIST if r.name not in options.exclude)
        if source == target:  # as the embedded backend: one path of no hops
            return PathResult(source, target, [Path((PathNode(source, src, self._name(source)),), ())])
        if not types:
            return PathResult(source, target, [])
        exclude_labels = [x for x in options.exclude if x in LABELS]
        order = {r.name: i for i, r in enumerate(REL_LIST)}
        seen: dict[str, tuple[str, str]] = {source: (src, self._name(source)), target: (dst, self._name(target))}
        hop_types: dict[tuple[str, str], str] = {}

        def spurs(requests):
            """One query per label of the spur nodes in this round (usually one)."""
            answers: list = [None] * len(requests)
            by_label: dict[str, list[int]] = {}
            for i, (spur, limit, _, _) in enumerate(requests):
                if limit >= 1:
                    by_label.setdefault(seen[spur][0], []).append(i)
            for label, idx in by_label.items():
                query = queries.neo4j_shortest(label, dst, types, max(requests[i][1] for i in idx),
                                               bool(exclude_labels), options.only_plaqued)
                batch = [{"source": requests[i][0], "limit": requests[i][1], "banned": list(requests[i][2]),
                          "banned_pairs": [list(e) for e in requests[i][3]] + [[b, a] for a, b in requests[i][3]]}
                         for i in idx]
                rows = self._run(query, {"spurs": batch, "target": target, "exclude_labels": exclude_labels},
                                 access="READ")[1]
                for j, ids, labels, names, type_lists in rows:
                    for n, lab, name in zip(ids, labels, names):
                        seen[n] = (lab, name)
                    for h in range(len(ids) - 1):
                        hop_types[(ids[h], ids[h + 1])] = min((tl[h] for tl in type_lists), key=order.__getitem__)
                    answers[idx[j]] = list(ids)
            return answers

        accept = None
        if options.via is not None:
            accept = lambda p: any(seen[n][0] == options.via for n in p[1:-1])  # noqa: E731
        found, complete = k_shortest(spurs, source, target, options.k, options.max_hops,
                                     lambda p: (len(p), tuple(p)), accept)
        paths = []
        for ids in found:
            rels = tuple(hop_types.get((a, b)) or hop_types[(b, a)] for a, b in zip(ids, ids[1:]))
            paths.append(Path(tuple(PathNode(n, *seen[n]) for n in ids), rels))
        return PathResult(source, target, paths, complete)

    def _name(self, node_id: str) -> str:
        label = self._label_of(node_id)
        return self._run(queries.neo4j_node_name(label), {"id": node_id}, access="READ")[1][0][0]


# ---------------------------------------------------------------- push

def _rows(table: pa.Table) -> list[dict]:
    return [{k: v for k, v in r.items() if v is not None} for r in table.to_pylist()]


@dataclass
class _Batch:
    """One batch of a part to write: its place, rows and fingerprint, and how: ``create``
    (the server holds no row of its label or type) or ``sync`` (read its range back, diff)."""

    part: fingerprints.Part
    index: int
    lo: str | None
    hi: str | None
    rows: pa.Table
    hash: str
    action: str

    @property
    def key(self) -> str:
        return f"{self.part.key}|{self.index}"

    def record(self) -> dict:
        return {"key": self.key, "part": self.part.key, "index": self.index, "lo": self.lo, "hi": self.hi,
                "hash": self.hash, "count": self.rows.num_rows, "version": fingerprints.VERSION}


def _plan(store: Neo4jStore, data: GraphData, rels: dict[str, pa.Table]) -> tuple[list[_Batch], list[str], int]:
    """The batches that differ from what the server holds, the stored fingerprints that no
    longer hold (to drop before writing), and how many batches are kept as they are.

    The fingerprints of a label or type are trusted only when they account for exactly the
    rows the server counts. Otherwise (rows changed behind BeltGraph's back, or a push that
    stopped half-way) a batch is kept only when its stored fingerprint is this batch's and
    the server counts exactly its rows in its range; every other batch is read back and
    compared."""
    stored: dict[str, list[dict]] = {}
    for (p,) in store._run(queries.NEO4J_READ_BATCHES, access="READ")[1]:
        stored.setdefault(p["part"], []).append(dict(p))
    counts = store.stats()
    server = {**counts["nodes"], **counts["relationships"]}
    all_parts = fingerprints.parts(data, rels)
    accounted: dict[str, int] = {}
    for part in all_parts:
        accounted[part.name] = accounted.get(part.name, 0) + sum(int(f.get("count", 0)) for f in stored.get(part.key, []))
    todo, kept = [], set()
    for part in all_parts:
        fps = sorted(stored.get(part.key, []), key=lambda f: f["index"])
        # the stored batches cover every id: their boundaries are kept
        whole = (bool(fps) and all(f.get("version") == fingerprints.VERSION for f in fps)
                 and [f["index"] for f in fps] == list(range(len(fps))) and fps[-1].get("hi") is None)
        batches = None
        if whole:
            bounds = [f["lo"] for f in fps[1:]]
            batches = fingerprints.split(part.table, part.column, bounds)
            if fingerprints.imbalanced([b.num_rows for b in batches]):
                whole = False
        if not whole:
            bounds = fingerprints.boundaries(part.table.column(part.column))
            batches = fingerprints.split(part.table, part.column, bounds)
        trusted = whole and accounted[part.name] == server[part.name]
        by_index = {f["index"]: f for f in fps if f.get("version") == fingerprints.VERSION}
        action = "create" if server[part.name] == 0 else "sync"
        for i, (rows, lo, hi) in enumerate(zip(batches, [None, *bounds], [*bounds, None])):
            h = fingerprints.fingerprint(part.key, rows)
            f = by_index.get(i)
            same = (f is not None and f["hash"] == h and f["count"] == rows.num_rows
                    and f.get("lo") == lo and f.get("hi") == hi)
            if same and (trusted or _count_range(store, part, lo, hi) == rows.num_rows):
                kept.add(f["key"])
                continue
            todo.append(_Batch(part, i, lo, hi, rows, h, action))
    drop = sorted(f["key"] for fs in stored.values() for f in fs if f["key"] not in kept)
    return todo, drop, len(kept)


def _count_range(store: Neo4jStore, part: fingerprints.Part, lo: str | None, hi: str | None) -> int:
    """The server's rows of a part in one batch's range (an index range seek)."""
    query = (queries.neo4j_count_node_range(part.name, lo is not None, hi is not None) if part.kind == "node"
             else queries.neo4j_count_rel_range(part.name, part.src, part.dst, lo is not None, hi is not None))
    return store._run(query, {"lo": lo, "hi": hi}, access="READ")[1][0][0]


def _columns(table: pa.Table) -> list[list]:
    return [table.column(c).to_pylist() for c in table.column_names]


def _create(store: Neo4jStore, b: _Batch) -> None:
    """CREATE a batch's rows, sent as column lists (half the packing of a dict per row)."""
    part, cols = b.part, b.rows.column_names
    query = (queries.neo4j_create_nodes_columns(part.name, cols) if part.kind == "node"
             else queries.neo4j_create_rels_columns(part.name, part.src, part.dst, cols))
    for i in range(0, b.rows.num_rows, store.batch):
        store._run(query, {"cols": _columns(b.rows.slice(i, store.batch))})


def _sync(store: Neo4jStore, b: _Batch) -> None:
    """Make the server's rows in a batch's range equal the batch: read them back, then
    DELETE what is gone, CREATE what is new, SET what changed."""
    part, bounds = b.part, {"lo": b.lo, "hi": b.hi}
    if part.kind == "node":
        query = queries.neo4j_read_node_range(part.name, b.lo is not None, b.hi is not None)
        existing = {p["id"]: _plain(p) for (p,) in store._run(query, bounds, access="READ")[1]}
        rows = _rows(b.rows)
        local = {r["id"] for r in rows}
        _write(store, queries.neo4j_delete_nodes(part.name), sorted(set(existing) - local), key="ids")
        _write(store, queries.neo4j_create_nodes(part.name), [r for r in rows if r["id"] not in existing])
        _write(store, queries.neo4j_merge_nodes(part.name),
               [r for r in rows if r["id"] in existing and existing[r["id"]] != r])
        return
    keyed = REL_KEY_PROPS.get(part.name, ())
    query = queries.neo4j_read_rel_range(part.name, part.src, part.dst, b.lo is not None, b.hi is not None)
    existing = {}
    for src_id, dst_id, props in store._run(query, bounds, access="READ")[1]:
        props = _plain(props)
        existing[(src_id, dst_id) + tuple(props.get(k) for k in keyed)] = props
    new, changed, local = [], [], set()
    for r in b.rows.to_pylist():
        props = {k: v for k, v in r.items() if k not in ("from", "to") and v is not None}
        key = (r["from"], r["to"]) + tuple(r.get(k) for k in keyed)
        local.add(key)
        row = {"from": r["from"], "to": r["to"], "props": props}
        if key not in existing:
            new.append(row)
        elif existing[key] != props:
            changed.append(row)
    stale = [{"from": k[0], "to": k[1], **dict(zip(keyed, k[2:]))} for k in existing if k not in local]
    _write(store, queries.neo4j_delete_rels(part.name, part.src, keyed), stale)
    _write(store, queries.neo4j_create_rels(part.name, part.src, part.dst), new)
    _write(store, queries.neo4j_merge_rels(part.name, part.src, part.dst, keyed), changed)


def adopt(store: Neo4jStore, data: GraphData) -> dict:
    """Record the fingerprints of every batch of a graph the server already holds whole (one
    loaded by Neo4j's bulk importer from this graph's files), so that the next push writes
    only what changed. The counts must match; nothing else is read or written."""
    rels = derive_rels(data)
    store.driver()
    store._run(queries.NEO4J_BATCH_CONSTRAINT)
    counts, expected = store.stats(), data.counts(rels)
    if counts != expected:
        raise StoreError(f"Neo4j holds {counts}, not {expected}: push instead of adopting")
    records = []
    for part in fingerprints.parts(data, rels):
        bounds = fingerprints.boundaries(part.table.column(part.column))
        for i, (rows, lo, hi) in enumerate(zip(fingerprints.split(part.table, part.column, bounds),
                                               [None, *bounds], [*bounds, None])):
            records.append(_Batch(part, i, lo, hi, rows, fingerprints.fingerprint(part.key, rows), "create").record())
    store._run(queries.NEO4J_DELETE_ALL_BATCHES)
    _write(store, queries.NEO4J_WRITE_BATCHES, records)
    return counts


def push(store: Neo4jStore, data: GraphData, progress: ProgressFn | None = None) -> dict:
    """Make the server hold exactly this graph, writing only the batches it does not hold yet.

    Every label's nodes and every type's relationships (per pair of labels) are cut into
    batches of ids (graph.fingerprints); the server keeps each batch's fingerprint in a
    ``(:BeltGraphBatch)`` node. A batch whose fingerprint matches is skipped without reading
    its rows back; one that differs is read back by an index range seek and diffed (DELETE
    what is gone, CREATE what is new, SET what changed); into an empty label or type rows
    are CREATEd straight away, as column lists, relationships found by their ends' ids
    through the uniqueness constraints. ``[neo4j] push_workers`` sessions write at once,
    nodes before relationships; the name and category indexes are built after the rows.
    Fingerprints of the batches about to change are dropped first; each batch's new one is
    recorded as soon as its rows are written. A push that stops half-way (the server gone)
    says how many batches it wrote, and the next push resumes: it keeps the batches recorded
    whose rows the server still counts, and reads back and compares the rest (a batch cut
    off in the middle among them), never trusting what was not recorded.

    The fingerprints trust that the server's rows change only through BeltGraph (push,
    review); a label or type whose row count no longer matches them is checked batch by
    batch. ``store.pushed`` tells afterwards how many batches were kept and written."""
    rels = derive_rels(data)
    store.driver()
    for lab in LABEL_LIST:
        store._run(queries.neo4j_constraint(lab.name))
    store._run(queries.NEO4J_REVIEW_CONSTRAINT)
    store._run(queries.NEO4J_BATCH_CONSTRAINT)
    todo, drop, kept = _plan(store, data, rels)
    total = sum(b.rows.num_rows for b in todo)
    done, written, lock = [0], [0, 0], threading.Lock()  # rows for progress; batches and rows recorded

    def run(b: _Batch) -> None:
        (_create if b.action == "create" else _sync)(store, b)
        store._run(queries.NEO4J_WRITE_BATCHES, {"rows": [b.record()]})
        with lock:
            written[0] += 1
            written[1] += b.rows.num_rows
            done[0] += b.rows.num_rows
            if progress:
                progress(f"pushing {b.part.name}", done[0], total)

    try:
        _write(store, queries.NEO4J_DELETE_BATCHES, drop, key="keys")
        workers = int(store.config.get("neo4j", "push_workers"))
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="neo4j-push") as pool:
            for kind in ("node", "rel"):  # relationships need their ends
                futures = [pool.submit(run, b) for b in todo if b.part.kind == kind]
                try:
                    for f in futures:
                        f.result()
                except BaseException:
                    for f in futures:  # the server is gone: do not try every batch left
                        f.cancel()
                    raise
        for lab in LABEL_LIST:
            for prop in INDEXED.get(lab.name, ()):
                store._run(queries.neo4j_index(lab.name, prop))
        _sync_keyed(store, data.reviews, queries.NEO4J_READ_REVIEWS, queries.NEO4J_MERGE_REVIEWS,
                    queries.NEO4J_DELETE_REVIEWS)
        _sync_keyed(store, data.facts["provider_quarters"], queries.NEO4J_READ_FIGURES, queries.NEO4J_MERGE_FIGURES,
                    queries.NEO4J_DELETE_FIGURES)
        store._run(queries.NEO4J_AWAIT_INDEXES, {"seconds": int(max(store.timeout, 60))})
        counts = store.stats()
    except (StoreError, QueryError) as e:
        kept_note = f" (and kept {kept:,} it already held)" if kept else ""
        raise StoreError(
            f"push to Neo4j stopped: {_first_line(e)}; it wrote and recorded {written[0]:,} of {len(todo):,} "
            f"batches ({written[1]:,} of {total:,} rows){kept_note}; run `beltgraph neo4j push` again to resume: "
            "it keeps the batches recorded and compares the rest") from None
    store.pushed = {"batches": kept + len(todo), "kept": kept, "written": len(todo)}
    expected = data.counts(rels)
    if counts != expected:
        raise StoreError(f"push finished but Neo4j holds {counts}, not {expected}: is another writer at work?")
    return counts


def _plain(props) -> dict:
    return {k: _native(v) for k, v in dict(props).items()}


def _write(store: Neo4jStore, query: str, rows: list, key: str = "rows") -> None:
    for i in range(0, len(rows), store.batch):
        store._run(query, {key: rows[i:i + store.batch]})


def _sync_keyed(store: Neo4jStore, table: pa.Table, read: str, merge: str, delete: str) -> None:
    """Rows keyed by (provider, quarter): the review history, and provider_quarters figures as
    (:ProviderQuarter) nodes, which the quarterly review reads."""
    existing = {(p["provider"], p["quarter"]): _plain(p) for (p,) in store._run(read, access="READ")[1]}
    rows = _rows(table)
    local = {(r["provider"], r["quarter"]): r for r in rows}
    _write(store, delete, [{"provider": k[0], "quarter": k[1]} for k in existing if k not in local])
    _write(store, merge, [r for k, r in local.items() if existing.get(k) != r])
