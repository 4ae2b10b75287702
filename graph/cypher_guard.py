"""Refuse Cypher that writes to the graph or touches files, before any engine sees it.

Ladybug's read-only mode still lets ``COPY ... TO`` write files and ``LOAD FROM``
read them, and Neo4j's ``LOAD CSV`` reads URLs, so the check is ours. It looks
at keywords outside strings, comments, backquoted names and property keys.

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
         "DENY", "START", "STOP", "TERMINATE", "ENABLE"}
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


def check_read_only(query: str) -> None:
    """Raise QueryRefused if the query could write to the graph or touch files."""
    if not query or not query.strip():
        raise QueryRefused("empty query")
    toks = _tokens(query)
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
