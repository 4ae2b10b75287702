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


LADYBUG_SET_PROVIDERS = (
    "UNWIND $rows AS r MATCH (p:Provider {id: r.id}) SET p.plaque = r.plaque, p.level = r.level"
)
