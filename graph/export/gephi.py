"""GraphML and GEXF for Gephi (and yEd, Cytoscape desktop, igraph), written with networkx.

networkx's writers fail on ``None`` and lists and write files that readers reject when one
attribute holds values of different types (one GraphML/GEXF key per name and type), so
attributes are sanitised first: ``None`` dropped, lists joined with ``;``, and one type per
key (int and float mixed become float; anything else mixed becomes text). A node's label
(Belt, Anchor...) is the attribute ``labels`` (as in Neo4j's GraphML), its name ``name``;
relationships keep ``type`` and their properties, keyed ``TYPE`` or ``TYPE:quarter``.
GEXF carries the drawing too: position, colour and size of every node (``viz``), and the
name as the node's label.

>>> sanitise([{"a": 1, "b": None, "c": ["x", "y"]}, {"a": 2.5, "c": "z"}, {"a": True}])
[{'a': '1', 'c': 'x;y'}, {'a': '2.5', 'c': 'z'}, {'a': 'true'}]
>>> sanitise([{"n": 1}, {"n": 2.5}])
[{'n': 1.0}, {'n': 2.5}]
"""

from __future__ import annotations

import io
import json

import networkx as nx

from .drawing import Drawing


def _flat(v):
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def _kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    return "str"


def _as_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def sanitise(items: list[dict]) -> list[dict]:
    """Attribute dicts fit for GraphML and GEXF: no None, no lists, one type per key."""
    flat = [{k: _flat(v) for k, v in d.items() if v is not None} for d in items]
    kinds: dict[str, set[str]] = {}
    for d in flat:
        for k, v in d.items():
            kinds.setdefault(k, set()).add(_kind(v))
    fix = {}
    for k, ks in kinds.items():
        if len(ks) > 1:
            fix[k] = float if ks == {"int", "float"} else _as_text
    if not fix:
        return flat
    return [{k: (fix[k](v) if k in fix else v) for k, v in d.items()} for d in flat]


def edge_key(rel: dict) -> str:
    """``TYPE``, or ``TYPE:quarter`` for the per-quarter types (as graph.graph.to_networkx)."""
    return f"{rel['type']}:{rel['quarter']}" if rel.get("quarter") is not None else rel["type"]


def to_networkx(sub, clean: bool = True) -> nx.MultiDiGraph:
    """The selection as a MultiDiGraph: node attributes ``labels``, ``name`` and the properties;
    edge attributes ``type`` and the properties. ``clean``: sanitised for GraphML/GEXF."""
    node_attrs = [{"labels": n["label"], **{k: v for k, v in n.items() if k not in ("id", "label")}}
                  for n in sub.nodes]
    rel_attrs = [{k: v for k, v in r.items() if k not in ("from", "to")} for r in sub.rels]
    if clean:
        node_attrs, rel_attrs = sanitise(node_attrs), sanitise(rel_attrs)
    else:
        node_attrs = [{k: v for k, v in d.items() if v is not None} for d in node_attrs]
        rel_attrs = [{k: v for k, v in d.items() if v is not None} for d in rel_attrs]
    G = nx.MultiDiGraph()
    G.graph.update(graph_attrs(sub))
    for n, attrs in zip(sub.nodes, node_attrs):
        G.add_node(n["id"], **attrs)
    for r, attrs in zip(sub.rels, rel_attrs):
        G.add_edge(r["from"], r["to"], key=edge_key(r), **attrs)
    return G


def graph_attrs(sub) -> dict:
    """What the file shows: the selection (as JSON text), the data version and the date."""
    return {"selection": json.dumps(sub.selection, ensure_ascii=False, sort_keys=True),
            "version": sub.version or "", "date": sub.date}


def to_graphml(sub) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(to_networkx(sub), out, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return out.getvalue()


def _rgb(color: str) -> dict:
    c = color.lstrip("#")
    return {"r": int(c[0:2], 16), "g": int(c[2:4], 16), "b": int(c[4:6], 16), "a": 1.0}


def to_gexf(sub, drawing: Drawing) -> bytes:
    """GEXF 1.2 with the drawing's positions (y up, as Gephi shows it), colours and sizes. A
    node's GEXF label is its name and a relationship's its type (GEXF's own edge ``type`` means
    directed or not); the selection, data version and date are the file's meta description."""
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    G = to_networkx(sub)
    for n in drawing.nodes:
        data = G.nodes[n.id]
        data["label"] = n.name
        data["viz"] = {"color": _rgb(n.color), "size": float(n.size),
                       "position": {"x": float(n.x), "y": float(-n.y), "z": 0.0}}
    for _, _, data in G.edges(data=True):
        data["label"] = data.pop("type")
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(G)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.find("creator").text = "BeltGraph"
        SubElement(meta, "description").text = json.dumps(graph_attrs(sub), ensure_ascii=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
