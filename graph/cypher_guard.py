"""Refuse Cypher that is not a plain read, before any engine sees it.

An allow-list: a query must start with a read clause (MATCH, OPTIONAL MATCH, UNWIND,
WITH, RETURN, CALL of a read-only procedure, or EXPLAIN / PROFILE of such a query);
settings, admin, SHOW, schema and transaction statements are refused, and so is any
write or file keyword anywhere in it. Each backend then checks the engine's own plan
with an allow-list of its own (graph.embedded: the plan's operators; graph.neo4j_store:
the query type Neo4j reports), so a statement kind this module does not know cannot
slip through. Ladybug's read-only mode still lets ``COPY ... TO`` write files and
``LOAD FROM`` read them, and Neo4j's ``LOAD CSV`` reads URLs, so the checks are ours.
Keywords are looked at outside strings, comments, backquoted names and property keys.

>>> check_read_only("MATCH (n:Belt) WHERE n.name = 'CREATE' RETURN n.set")
>>> check_read_only("MATCH (n) SET n.x = 1")
Traceback (most recent call last):
...
graph.errors.QueryRefused: refused: SET writes to the graph; beltgraph cypher is read-only
"""

from __future__ import annotations

import re

from .errors import QueryRefused

WRITE = {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "ALTER", "FOREACH",
         "BEGIN", "COMMIT", "ROLLBACK", "CHECKPOINT", "TRUNCATE", "RENAME", "GRANT", "REVOKE",
         "DENY", "START", "STOP", "TERMINATE", "ENABLE", "INSERT", "UPDATE", "UPSERT"}
FILES = {"COPY", "LOAD", "EXPORT", "IMPORT", "ATTACH", "USE", "INSTALL", "UNINSTALL", "PERIODIC"}

#: Procedures that only read: Ladybug's table functions and Neo4j's schema procedures.
READ_PROCEDURES = {
    "show_tables", "table_info", "show_connection", "db_version", "show_indexes", "show_functions",
    "current_setting", "show_warnings", "show_attached_databases", "show_macros", "show_sequences",
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "dbms.components", "db.info",
}

_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)
      |(?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")
      |(?P<quoted>`[^`]*`)
      |(?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      |(?P<punct>[^\sA-Za-z_])""",
    re.S | re.X,
)


def _tokens(query: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind == "comment":
            continue
        out.append((kind, m.group()))
    return out


#: The clauses a query may start with.
READ_START = ("MATCH", "OPTIONAL", "UNWIND", "WITH", "RETURN", "CALL")
#: Prefixes that show or measure a plan; what follows them is checked the same way.
PLAN_PREFIX = ("EXPLAIN", "PROFILE")


def _first_clause(toks: list[tuple[str, str]]) -> tuple[str, int]:
    """The first clause word after any EXPLAIN / PROFILE, and its position."""
    i = 0
    while i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in PLAN_PREFIX:
        i += 1
    if i == len(toks):
        return "", i
    kind, text = toks[i]
    return (text.upper() if kind == "word" else text), i


def plain_query(query: str) -> str:
    """The query without a leading EXPLAIN or PROFILE (for an engine's own plan check)."""
    m = re.match(r"\s*(?:(?:EXPLAIN|PROFILE)\b\s*)+", query, re.I)
    return query[m.end():] if m else query


def check_read_only(query: str) -> None:
    """Raise QueryRefused unless the query is a plain read (see the module)."""
    if not query or not query.strip():
        raise QueryRefused("empty query")
    toks = _tokens(query)
    first, _ = _first_clause(toks)
    if first not in READ_START:
        shown = first or "nothing"
        raise QueryRefused(f"refused: a query starting with {shown} is not a read; beltgraph cypher runs only "
                           "MATCH, OPTIONAL MATCH, UNWIND, WITH, RETURN, CALL of a read-only procedure, "
                           "EXPLAIN and PROFILE")
    for i, (kind, text) in enumerate(toks):
        if kind == "punct" and text == ";":
            if any(k != "punct" or t != ";" for k, t in toks[i + 1:]):
                raise QueryRefused("refused: one statement at a time (found ';' followed by more)")
            continue
        if kind != "word":
            continue
        prev = toks[i - 1][1] if i else ""
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if prev in (".", ":", "$") or nxt == ":" and prev in ("{", ","):
            continue  # a property, label, parameter or map key, not a clause
        word = text.upper()
        if word in WRITE:
            raise QueryRefused(f"refused: {word} writes to the graph; beltgraph cypher is read-only")
        if word in FILES:
            raise QueryRefused(f"refused: {word} reads or writes files or other databases; "
                               "beltgraph cypher is read-only")
        if word == "CALL":
            if nxt == "{" or nxt == "(":
                continue  # a subquery: its own clauses are checked as tokens too
            if nxt.lower() not in READ_PROCEDURES:
                raise QueryRefused(f"refused: CALL {nxt} is not a known read-only procedure; "
                                   f"allowed: {', '.join(sorted(READ_PROCEDURES))}")
            if i + 2 < len(toks) and toks[i + 2][1] == "=":
                raise QueryRefused("refused: CALL ... = changes a setting; beltgraph cypher is read-only")
