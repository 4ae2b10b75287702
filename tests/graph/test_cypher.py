"""Cypher on the embedded store: the language BD analysts use, read-only."""

from __future__ import annotations

import pytest

from graph.cypher_guard import check_read_only
from graph.errors import QueryError, QueryRefused

from ..conftest import MINI_COUNTS


def test_single_quoted_strings_and_order_by(loaded_store):
    r = loaded_store.cypher("MATCH (b:Belt) WHERE b.province <> '广东省' RETURN b.id ORDER BY b.id DESC")
    assert r.columns == ["b.id"] and r.rows == [["b-xy"], ["b-hz"]]


def test_count_and_with(loaded_store):
    r = loaded_store.cypher(
        "MATCH (b:Belt)<-[:IN_BELT]-(x) WITH b, count(x) AS n WHERE n > 1 RETURN b.id AS belt, n ORDER BY belt")
    assert r.to_dict() == {"columns": ["belt", "n"], "rows": [["b-hz", 3]]}


def test_params(loaded_store):
    r = loaded_store.cypher("MATCH (a:Anchor) WHERE a.followers >= $min RETURN a.name", {"min": 10000})
    assert r.rows == [["小美爱穿搭"]]


def test_variable_length_match(loaded_store):
    r = loaded_store.cypher(
        "MATCH (t:TeamLeader {id: 't1'})-[*1..2]-(b:Belt) RETURN DISTINCT b.id ORDER BY b.id")
    assert r.rows == [["b-hz"]]


def test_nodes_and_paths_come_back_as_plain_data(loaded_store):
    r = loaded_store.cypher("MATCH p = (m:Merchant)-[:SOURCES_FROM]->(s) RETURN m, p")
    node, path = r.rows[0]
    assert node == {"_label": "Merchant", "id": "m1", "name": "锦绣女装旗舰店", "joined": "2020-09-15", "sales": 52000.5}
    assert [n["id"] for n in path["nodes"]] == ["m1", "sc1"]
    assert path["rels"][0]["_type"] == "SOURCES_FROM" and path["rels"][0]["_from"] == "m1"


def test_row_cap(loaded_store):
    r = loaded_store.cypher("MATCH (n) RETURN n.id", max_rows=3)
    assert r.truncated and len(r.rows) == 3


def test_engine_errors_are_query_errors(loaded_store):
    with pytest.raises(QueryError, match="idx"):
        loaded_store.cypher("MATCH (b:Belt) RETURN b.idx")


REFUSED = [
    "CREATE (b:Belt {id: 'x', name: 'x', category: 'x', province: 'x'})",
    "MATCH (b:Belt) SET b.name = 'x'",
    "MATCH (b:Belt) DELETE b",
    "MATCH (b:Belt) DETACH DELETE b",
    "MERGE (b:Belt {id: 'b-hz'})",
    "MATCH (b:Belt) REMOVE b.name",
    "DROP TABLE Belt",
    "ALTER TABLE Belt ADD x INT64",
    "COPY (MATCH (b:Belt) RETURN b.id) TO '/tmp/beltgraph-leak.csv'",
    "COPY Belt FROM '/tmp/x.csv'",
    "LOAD FROM '/etc/passwd' RETURN *",
    "LOAD WITH HEADERS (a STRING) FROM '/etc/passwd' RETURN *",
    "EXPORT DATABASE '/tmp/dump'",
    "IMPORT DATABASE '/tmp/dump'",
    "ATTACH '/tmp/other.lbug' AS other",
    "INSTALL json",
    "LOAD EXTENSION json",
    "CALL threads = 1",
    "MATCH (b:Belt) RETURN b; CREATE (c:Belt {id: 'y'})",
    "match (b:Belt) set b.name = 'lower case'",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "FOREACH (x IN [1] | CREATE (:Belt {id: 'z'}))",
]


@pytest.mark.parametrize("query", REFUSED)
def test_writes_and_file_access_are_refused(loaded_store, query, tmp_path):
    with pytest.raises(QueryRefused, match="refused"):
        loaded_store.cypher(query)
    assert loaded_store.stats() == MINI_COUNTS
    assert loaded_store.cypher("MATCH (b:Belt) RETURN b.name ORDER BY b.id").rows[0] == ["杭州四季青服装市场"]


@pytest.mark.parametrize("query", [
    "MATCH (n:Belt) WHERE n.name = 'CREATE DELETE' RETURN n.id",      # keywords inside strings
    "MATCH (n:Belt) RETURN n.id AS `set`",                              # a quoted name
    "MATCH (n:Belt) // SET in a comment\nRETURN n.id",                  # a comment
    "CALL show_tables() RETURN *",                                      # a read-only procedure
    "MATCH (n) RETURN {create: 1} AS m",                                # a map key
])
def test_read_queries_that_mention_keywords_pass(query):
    check_read_only(query)


# ---------------------------------------------------------------- the allow-list

@pytest.mark.parametrize("query", [
    "INSTALL json",                              # made the engine try to download an extension
    "LOAD EXTENSION json",
    "CALL threads = 4",                          # a setting
    "ATTACH '/tmp/other.lbug' AS other (dbtype lbug)",
    "USE other",
    "DETACH other",
    "BEGIN TRANSACTION",
    "CHECKPOINT",
    "SHOW TABLES",
    "SHOW DATABASES",
    "EXPORT DATABASE '/tmp/x'",
    "IMPORT DATABASE '/tmp/x'",
    "CREATE MACRO f(x) AS x + 1",
    "ALTER TABLE Belt ADD extra INT64",
    "COMMENT ON TABLE Belt IS 'x'",
    "DROP TABLE Belt",
    "EXPLAIN INSTALL json",
    "PROFILE CALL threads = 4",
    "UPDATE Belt SET name = 'x'",
    "TERMINATE TRANSACTIONS 'x'",
    "",
])
def test_only_reads_pass_the_guard(loaded_store, query):
    with pytest.raises(QueryRefused, match="refused|empty"):
        loaded_store.cypher(query)
    assert loaded_store.stats() == MINI_COUNTS


@pytest.mark.parametrize("query", [
    "MATCH (b:Belt) RETURN count(b)",
    "OPTIONAL MATCH (b:Belt {id: 'none'}) RETURN b",
    "UNWIND [1, 2] AS x RETURN x",
    "WITH 1 AS x RETURN x",
    "RETURN 1",
    "CALL show_tables() RETURN name",
    "EXPLAIN MATCH (b:Belt) RETURN b",
    "PROFILE MATCH (b:Belt) RETURN b.id",
    "MATCH (a:Anchor) RETURN a.id UNION MATCH (b:Belt) RETURN b.id",
    "MATCH p = (a:Anchor {id: 'a1'})-[* SHORTEST 1..4]-(b:Belt {id: 'b-hz'}) RETURN length(p)",
])
def test_reads_pass(loaded_store, query):
    loaded_store.cypher(query)


def test_the_engine_plan_is_checked_too(loaded_store):
    """A statement the token check would let through is still refused by the plan's operators."""
    import ladybug

    from graph.embedded import DB_FILE, check_plan, open_read_only

    db = open_read_only(str(loaded_store.dir.current() / DB_FILE), loaded_store.config)
    conn = ladybug.Connection(db)
    try:
        with pytest.raises(QueryRefused, match="INSTALL_EXTENSION"):
            check_plan(conn, "INSTALL json", {})
        with pytest.raises(QueryRefused, match="STANDALONE_CALL"):
            check_plan(conn, "CALL threads = 4", {})
        check_plan(conn, "MATCH (b:Belt) RETURN b", {})
    finally:
        conn.close()
        db.close()


# ---------------------------------------------------------------- time and memory, for real

def bounded_store(loaded_store, **cypher):
    from graph.embedded import EmbeddedStore

    return EmbeddedStore(loaded_store.root, loaded_store.config.with_overrides(cypher=cypher))


def test_a_query_that_grows_past_the_memory_limit_is_stopped_and_the_next_one_runs(loaded_store):
    store = bounded_store(loaded_store, max_memory_mb=400, timeout_ms=60000)
    try:
        with pytest.raises(QueryError, match=r"used more than 400 MB \(\[cypher\] max_memory_mb"):
            store.cypher("UNWIND range(1, 400000000) AS x WITH collect(x) AS xs RETURN size(xs)")
        assert store.cypher("MATCH (b:Belt) RETURN count(b)").rows == [[3]]  # a new worker answers
    finally:
        store.close()


def test_a_query_past_the_timeout_is_stopped(loaded_store):
    import time

    store = bounded_store(loaded_store, timeout_ms=300, max_memory_mb=8000)
    try:
        start = time.monotonic()
        with pytest.raises(QueryError, match=r"stopped after 300 ms"):
            store.cypher("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*)")
        assert time.monotonic() - start < 5
        assert store.cypher("RETURN 1 AS one").rows == [[1]]
    finally:
        store.close()


def test_queries_from_many_threads_share_the_workers(loaded_store):
    from concurrent.futures import ThreadPoolExecutor

    store = bounded_store(loaded_store, workers=2)
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda i: store.cypher("MATCH (a:Anchor) RETURN count(a) + $i", {"i": i}).rows,
                                    range(12)))
        assert answers == [[[2 + i]] for i in range(12)]
        assert store._workers.started <= 2
    finally:
        store.close()
