"""Every Cypher string BeltGraph sends, in one place.

Values always travel as ``$params``. Names of tables, labels and properties come
from the model (``graph.model``), never from a user, and are quoted with
backticks where they are spliced into DDL.
"""

from __future__ import annotations

from .model import LABEL_LIST, REL_LIST, Schema


def q(name: str) -> str:
    """Quote an identifier with backticks (doubling any inside)."""
    return "`" + name.replace("`", "``") + "`"


# ---------------------------------------------------------------- embedded (Ladybug) DDL and loads

def ladybug_schema(schema: Schema) -> list[str]:
    """CREATE statements for every node and relationship table of the model."""
    out = []
    for lab in LABEL_LIST:
        cols = ", ".join(f"{q(n)} {t}" for n, t in schema.node_columns(lab.name))
        out.append(f"CREATE NODE TABLE {q(lab.name)}({cols}, PRIMARY KEY(id))")
    for rel in REL_LIST:
        ends = ", ".join(f"FROM {q(a)} TO {q(b)}" for a, b in rel.ends)
        props = "".join(f", {q(n)} {t}" for n, t in schema.rel_columns(rel.name))
        out.append(f"CREATE REL TABLE {q(rel.name)}({ends}{props})")
    return out


def ladybug_copy_nodes(label: str) -> str:
    # `rows` is the Python variable holding the Arrow table, found by Ladybug's scan.
    return f"COPY {q(label)} FROM rows"


def ladybug_copy_rels(rel: str, src: str, dst: str) -> str:
    return f"COPY {q(rel)} FROM rows (from={q_str(src)}, to={q_str(dst)})"


def q_str(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


LADYBUG_CHECKPOINT = "CHECKPOINT"


#: A review's plaques and levels, on either engine.
SET_PROVIDERS = "UNWIND $rows AS r MATCH (p:Provider {id: r.id}) SET p.plaque = r.plaque, p.level = r.level"

# ---------------------------------------------------------------- Neo4j: schema and push

def neo4j_constraint(label: str) -> str:
    return (f"CREATE CONSTRAINT {q('beltgraph_' + label.lower() + '_id')} IF NOT EXISTS "
            f"FOR (n:{q(label)}) REQUIRE n.id IS UNIQUE")


def neo4j_index(label: str, prop: str) -> str:
    return (f"CREATE INDEX {q('beltgraph_' + label.lower() + '_' + prop)} IF NOT EXISTS "
            f"FOR (n:{q(label)}) ON (n.{q(prop)})")


NEO4J_REVIEW_CONSTRAINT = ("CREATE CONSTRAINT beltgraph_review_key IF NOT EXISTS "
                           "FOR (r:Review) REQUIRE (r.provider, r.quarter) IS UNIQUE")


def neo4j_merge_nodes(label: str) -> str:
    # SET n = row replaces every property: the server mirrors the row exactly.
    return f"UNWIND $rows AS row MERGE (n:{q(label)} {{id: row.id}}) SET n = row"


def neo4j_create_nodes(label: str) -> str:
    return f"UNWIND $rows AS row CREATE (n:{q(label)}) SET n = row"


def neo4j_create_rels(rel: str, src: str, dst: str) -> str:
    return (f"UNWIND $rows AS row MATCH (a:{q(src)} {{id: row.from}}) MATCH (b:{q(dst)} {{id: row.to}}) "
            f"CREATE (a)-[r:{q(rel)}]->(b) SET r = row.props")


def neo4j_merge_rels(rel: str, src: str, dst: str, keyed: tuple[str, ...]) -> str:
    key = "" if not keyed else " {" + ", ".join(f"{q(k)}: row.props.{q(k)}" for k in keyed) + "}"
    return (f"UNWIND $rows AS row MATCH (a:{q(src)} {{id: row.from}}) MATCH (b:{q(dst)} {{id: row.to}}) "
            f"MERGE (a)-[r:{q(rel)}{key}]->(b) SET r = row.props")


def neo4j_delete_nodes(label: str) -> str:
    return f"UNWIND $ids AS id MATCH (n:{q(label)} {{id: id}}) DETACH DELETE n"


def neo4j_delete_rels(rel: str, src: str, keyed: tuple[str, ...]) -> str:
    cond = "".join(f" AND r.{q(k)} = row.{q(k)}" for k in keyed)
    return (f"UNWIND $rows AS row MATCH (a:{q(src)} {{id: row.from}})-[r:{q(rel)}]->(b {{id: row.to}}) "
            f"WHERE true{cond} DELETE r")


def neo4j_read_nodes(label: str) -> str:
    return f"MATCH (n:{q(label)}) RETURN properties(n) AS p"


def neo4j_read_rels(rel: str) -> str:
    return f"MATCH (a)-[r:{q(rel)}]->(b) RETURN a.id AS from, b.id AS to, properties(r) AS p, labels(a)[0] AS src"


def neo4j_count_nodes(label: str) -> str:
    return f"MATCH (n:{q(label)}) RETURN count(n) AS n"


def neo4j_count_rels(rel: str) -> str:
    return f"MATCH ()-[r:{q(rel)}]->() RETURN count(r) AS n"


def neo4j_create_nodes_columns(label: str, columns: list[str]) -> str:
    """CREATE one node per index of the column lists in ``$cols`` (a null value sets nothing)."""
    props = ", ".join(f"{q(c)}: $cols[{j}][i]" for j, c in enumerate(columns))
    return f"UNWIND range(0, size($cols[0]) - 1) AS i CREATE (n:{q(label)} {{{props}}})"


def neo4j_create_rels_columns(rel: str, src: str, dst: str, columns: list[str]) -> str:
    """CREATE one relationship per index of ``$cols`` (from, to, then the properties), its ends
    found through the uniqueness constraints."""
    props = ", ".join(f"{q(c)}: $cols[{j}][i]" for j, c in enumerate(columns) if j >= 2)
    return (f"UNWIND range(0, size($cols[0]) - 1) AS i "
            f"MATCH (a:{q(src)} {{id: $cols[0][i]}}) MATCH (b:{q(dst)} {{id: $cols[1][i]}}) "
            f"CREATE (a)-[r:{q(rel)} {{{props}}}]->(b)")


def _range(var: str, lo: bool, hi: bool) -> str:
    conds = ([f"{var}.id >= $lo"] if lo else []) + ([f"{var}.id < $hi"] if hi else [])
    return " WHERE " + " AND ".join(conds) if conds else ""


def neo4j_read_node_range(label: str, lo: bool, hi: bool) -> str:
    """A label's nodes with $lo <= id < $hi (either bound may be absent): an index range seek."""
    return f"MATCH (n:{q(label)}){_range('n', lo, hi)} RETURN properties(n) AS p"


def neo4j_read_rel_range(rel: str, src: str, dst: str, lo: bool, hi: bool) -> str:
    return (f"MATCH (a:{q(src)})-[r:{q(rel)}]->(b:{q(dst)}){_range('a', lo, hi)} "
            "RETURN a.id AS from, b.id AS to, properties(r) AS p")


def neo4j_count_node_range(label: str, lo: bool, hi: bool) -> str:
    """How many of a label's nodes have $lo <= id < $hi: what a resumed push checks."""
    return f"MATCH (n:{q(label)}){_range('n', lo, hi)} RETURN count(n) AS n"


def neo4j_count_rel_range(rel: str, src: str, dst: str, lo: bool, hi: bool) -> str:
    return f"MATCH (a:{q(src)})-[r:{q(rel)}]->(b:{q(dst)}){_range('a', lo, hi)} RETURN count(r) AS n"


NEO4J_BATCH_CONSTRAINT = ("CREATE CONSTRAINT beltgraph_batch_key IF NOT EXISTS "
                          "FOR (b:BeltGraphBatch) REQUIRE b.key IS UNIQUE")
#: The fingerprints of the batches a push wrote (graph.fingerprints).
NEO4J_READ_BATCHES = "MATCH (b:BeltGraphBatch) RETURN properties(b) AS p"
NEO4J_WRITE_BATCHES = "UNWIND $rows AS row MERGE (b:BeltGraphBatch {key: row.key}) SET b = row"
NEO4J_DELETE_BATCHES = "UNWIND $keys AS k MATCH (b:BeltGraphBatch {key: k}) DELETE b"
NEO4J_DELETE_ALL_BATCHES = "MATCH (b:BeltGraphBatch) DELETE b"
NEO4J_DELETE_PART_BATCHES = "MATCH (b:BeltGraphBatch) WHERE b.part IN $parts DELETE b"
NEO4J_AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"


NEO4J_MERGE_REVIEWS = (
    "UNWIND $rows AS row MATCH (p:Provider {id: row.provider}) "
    "MERGE (r:Review {provider: row.provider, quarter: row.quarter}) SET r = row "
    "MERGE (r)-[:REVIEW_OF]->(p)"
)
NEO4J_READ_REVIEWS = "MATCH (r:Review) RETURN properties(r) AS p"
NEO4J_DELETE_REVIEWS = ("UNWIND $rows AS row MATCH (r:Review {provider: row.provider, quarter: row.quarter}) "
                        "DETACH DELETE r")
NEO4J_MERGE_FIGURES = (
    "UNWIND $rows AS row MATCH (p:Provider {id: row.provider}) "
    "MERGE (f:ProviderQuarter {provider: row.provider, quarter: row.quarter}) SET f = row "
    "MERGE (f)-[:FIGURES_OF]->(p)"
)
NEO4J_READ_FIGURES = "MATCH (f:ProviderQuarter) RETURN properties(f) AS p"
NEO4J_DELETE_FIGURES = ("UNWIND $rows AS row MATCH (f:ProviderQuarter {provider: row.provider, quarter: row.quarter}) "
                        "DETACH DELETE f")

# ---------------------------------------------------------------- Neo4j: rankings and paths in the server

NEO4J_SELLS_QUARTERS = "MATCH ()-[r:SELLS]->() RETURN DISTINCT r.quarter AS q"


def neo4j_pool_where(pool_kind: str | None) -> str:
    """The WHERE clause choosing a ranking pool's supply chains (s)."""
    return {
        None: "true",
        "category": "s.category = $category",
        "division": "EXISTS { (s)-[:IN_BELT]->(b:Belt) WHERE b.division = $division }",
        "belt": "EXISTS { (s)-[:IN_BELT]->(b:Belt) WHERE b.id = $belt }",
    }[pool_kind]


def neo4j_pool_chains(pool_kind: str | None) -> str:
    return (f"MATCH (s:SupplyChain) WHERE {neo4j_pool_where(pool_kind)} "
            "RETURN s.id AS id, s.name AS name, s.fulfillment_rate AS fulfillment_rate, "
            "s.return_rate AS return_rate, s.rating AS rating")


def neo4j_quarter_sales(pool_kind: str | None) -> str:
    # gmv(Q) = sum of SELLS.gmv in Q (null when no SELLS carries a gmv); anchor_reach(Q) = distinct anchors
    return (f"MATCH (a:Anchor)-[r:SELLS]->(s:SupplyChain) WHERE r.quarter = $quarter AND {neo4j_pool_where(pool_kind)} "
            "RETURN s.id AS id, CASE WHEN count(r.gmv) = 0 THEN null ELSE sum(r.gmv) END AS gmv, "
            "count(DISTINCT a) AS reach")


def neo4j_node_name(label: str) -> str:
    return f"MATCH (n:{q(label)} {{id: $id}}) RETURN n.name AS name"


def neo4j_node(labels: tuple[str, ...]) -> str:
    return " UNION ".join(f"MATCH (n:{q(lab)} {{id: $id}}) RETURN {q_str(lab)} AS label, properties(n) AS p"
                          for lab in labels)


def neo4j_find_label(labels: tuple[str, ...]) -> str:
    return " UNION ".join(f"MATCH (n:{q(lab)} {{id: $id}}) RETURN {q_str(lab)} AS label" for lab in labels)


def _types(types: tuple[str, ...]) -> str:
    return ":" + "|".join(q(t) for t in types)


def neo4j_shortest(src: str, dst: str, types: tuple[str, ...], max_hops: int, exclude_labels: bool,
                   plaqued: bool) -> str:
    """For each request in ``$spurs`` (source, limit, banned, banned_pairs; sources of the
    label ``src``), the shortest path to the target with the smallest id sequence under a
    path query's constraints, avoiding the nodes and relationships Yen's algorithm bans.

    Every predicate is universal over the path's nodes or relationships, which Neo4j
    checks during its breadth-first search instead of enumerating paths."""
    where = ["none(n IN nodes(p) WHERE n.id IN sp.banned)",
             "none(r IN relationships(p) WHERE [startNode(r).id, endNode(r).id] IN sp.banned_pairs)"]
    if exclude_labels:
        where.append("none(n IN nodes(p) WHERE n <> a AND n <> b AND any(l IN labels(n) WHERE l IN $exclude_labels))")
    if plaqued:
        where.append("none(n IN nodes(p) WHERE n <> a AND n <> b AND n:Provider AND coalesce(n.plaque, true) = false)")
    return (f"UNWIND range(0, size($spurs) - 1) AS i WITH i, $spurs[i] AS sp "
            f"CALL {{ WITH sp MATCH (a:{q(src)} {{id: sp.source}}), (b:{q(dst)} {{id: $target}}) "
            f"MATCH p = allShortestPaths((a)-[{_types(types)}*..{int(max_hops)}]-(b)) "
            f"WHERE {' AND '.join(where)} "
            "WITH p WHERE length(p) <= sp.limit "
            "WITH [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | labels(n)[0]] AS labels, "
            "[n IN nodes(p) | n.name] AS names, [r IN relationships(p) | type(r)] AS types "
            "WITH ids, labels, names, collect(DISTINCT types) AS types ORDER BY ids LIMIT 1 "
            "RETURN ids, labels, names, types } "
            "RETURN i, ids, labels, names, types")
