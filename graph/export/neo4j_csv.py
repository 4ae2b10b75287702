"""A folder of CSV files in the format of Neo4j's bulk importer (``neo4j-admin database import
full``), with the command line in its README.md.

Nodes: ``nodes/<Label>.csv`` with ``id:ID(<Label>)`` (one ID space per label, the id kept as
property ``id``), ``:LABEL`` and typed columns (``name:string``, ``rooms:long``,
``rating:double``, ``premium:boolean``, ``joined:date``, ``roles:string[]`` split on ``;``).
Relationships: ``rels/<TYPE>__<From>__<To>.csv`` with ``:START_ID(<From>)``,
``:END_ID(<To>)``, ``:TYPE`` and typed properties. Whole numbers are ``long`` and decimals
``double`` (Neo4j's ``int`` and ``float`` are 32-bit: GMV in ``float`` would lose cents).

>>> from graph.usecases.browse import Subgraph
>>> sub = Subgraph([{"id": "b", "label": "Belt", "name": "带", "category": "jade", "province": "云南", "lat": 25.0},
...                 {"id": "m", "label": "Merchant", "name": "店", "joined": "2020-09-01"}],
...                [{"from": "m", "to": "b", "type": "IN_BELT"}], {"whole": True}, "v1", "2024-01-02")
>>> files = to_files(sub)
>>> files["nodes/Belt.csv"].decode().splitlines()[0]
'id:ID(Belt),:LABEL,name:string,name_en:string,category:string,division:string,province:string,city:string,county:string,lat:double,lon:double,products:string'
>>> files["rels/IN_BELT__Merchant__Belt.csv"].decode().splitlines()
[':START_ID(Merchant),:END_ID(Belt),:TYPE', 'm,b,IN_BELT']
"""

from __future__ import annotations

import csv
import io
import json
import shlex
import zipfile

from ..model import LABELS, REL_TYPES

#: The importer's type for each property kind of graph.model.
TYPES = {"string": "string", "int": "long", "float": "double", "date": "date", "bool": "boolean",
         "list": "string[]", "quarter": "string"}
ARRAY_DELIMITER = ";"


def _guess(values) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        return "long"
    if kinds and kinds <= {int, float}:
        return "double"
    if kinds == {list}:
        return "string[]"
    return "string"


def _columns(schema_props, rows: list[dict], skip: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, importer type): the schema's properties in order, then extra ones found in rows."""
    cols = [(p.name, TYPES[p.kind]) for p in schema_props if p.name not in skip]
    known = {c for c, _ in cols} | set(skip)
    extra = sorted({k for r in rows for k in r} - known)
    cols += [(k, _guess([r.get(k) for r in rows])) for k in extra]
    return cols


def _cell(v, kind: str) -> str:
    if v is None:
        return ""
    if kind == "string[]":
        items = v if isinstance(v, list) else str(v).split(ARRAY_DELIMITER)
        return ARRAY_DELIMITER.join(str(x) for x in items)
    if kind == "boolean":
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def to_files(sub) -> dict[str, bytes]:
    """{relative path: bytes}: nodes/*.csv, rels/*.csv and README.md with the import command."""
    files: dict[str, bytes] = {}
    label_of = {n["id"]: n["label"] for n in sub.nodes}
    node_counts: dict[str, int] = {}
    for label in LABELS:
        rows = [n for n in sub.nodes if n["label"] == label]
        if not rows:
            continue
        cols = _columns(LABELS[label].props, rows, ("id", "label"))
        header = [f"id:ID({label})", ":LABEL", *[f"{c}:{t}" for c, t in cols]]
        body = [[n["id"], label, *[_cell(n.get(c), t) for c, t in cols]] for n in rows]
        files[f"nodes/{label}.csv"] = _csv(header, body)
        node_counts[label] = len(rows)
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in sub.rels:
        groups.setdefault((r["type"], label_of[r["from"]], label_of[r["to"]]), []).append(r)
    rel_counts: dict[str, int] = {}
    for (t, a, b), rows in sorted(groups.items()):
        schema = REL_TYPES[t].props if t in REL_TYPES else ()
        cols = _columns(schema, rows, ("from", "to", "type"))
        header = [f":START_ID({a})", f":END_ID({b})", ":TYPE", *[f"{c}:{k}" for c, k in cols]]
        body = [[r["from"], r["to"], t, *[_cell(r.get(c), k) for c, k in cols]] for r in rows]
        files[f"rels/{t}__{a}__{b}.csv"] = _csv(header, body)
        rel_counts[t] = rel_counts.get(t, 0) + len(rows)
    files["README.md"] = readme(sub, sorted(files), node_counts, rel_counts).encode("utf-8")
    return files


def import_args(paths: list[str], database: str = "neo4j") -> list[str]:
    """The arguments of ``neo4j-admin database import full`` for these files (relative paths)."""
    args = [database, "--overwrite-destination=true", "--multiline-fields=true", f"--array-delimiter={ARRAY_DELIMITER}",
            "--id-type=string"]
    args += [f"--nodes={p}" for p in paths if p.startswith("nodes/")]
    args += [f"--relationships={p}" for p in paths if p.startswith("rels/")]
    return args


def readme(sub, paths: list[str], node_counts: dict, rel_counts: dict) -> str:
    command = " \\\n    ".join(["neo4j-admin database import full", *map(shlex.quote, import_args(paths))])
    lines = [
        "# BeltGraph export for Neo4j's bulk importer",
        "",
        f"- selection: `{json.dumps(sub.selection, ensure_ascii=False)}`",
        f"- data version: {sub.version or '(none)'}",
        f"- exported: {sub.date}",
        f"- nodes: {sum(node_counts.values()):,} ({', '.join(f'{k} {v:,}' for k, v in node_counts.items()) or 'none'})",
        f"- relationships: {sum(rel_counts.values()):,} "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(rel_counts.items())) or 'none'})",
        "",
        "Import into a new, stopped database (Neo4j 5; this replaces the database `neo4j`), from this folder:",
        "",
        "```",
        command,
        "```",
        "",
        "Then start Neo4j. One ID space per label (`id:ID(Belt)`); every node keeps its `id` as a property.",
        "Whole numbers are `long`, decimals `double`, dates `date`; `roles` is a string array split on `;`.",
        "",
    ]
    return "\n".join(lines)


def to_zip(files: dict[str, bytes], folder: str) -> bytes:
    """The files as a .zip holding one folder (for a download)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, body in sorted(files.items()):
            z.writestr(f"{folder}/{path}", body)
    return out.getvalue()
