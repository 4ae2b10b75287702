"""JSON for code: node-link (``nodes`` and ``links`` with ``source``/``target``, as d3-force and
networkx's ``node_link_graph(data, edges="links")`` read it) and Cytoscape.js
(``elements.nodes[].data`` with positions, ``elements.edges[].data`` with source/target).
Both carry what they show in ``graph`` / ``data``: the selection, the data version, the date.

>>> from graph.usecases.browse import Subgraph
>>> sub = Subgraph([{"id": "a", "label": "Anchor", "name": "甲"}, {"id": "s", "label": "SupplyChain", "name": "乙"}],
...                [{"from": "a", "to": "s", "type": "SELLS", "quarter": "2020Q4", "gmv": 1.5}],
...                {"whole": True}, "v1", "2024-01-02")
>>> data = json.loads(to_node_link(sub))
>>> data["links"][0]["source"], data["links"][0]["key"], data["nodes"][0]["name"]
('a', 'SELLS:2020Q4', '甲')
"""

from __future__ import annotations

import json

import networkx as nx

from .drawing import Drawing
from .gephi import edge_key, to_networkx


def _dumps(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def to_node_link(sub) -> bytes:
    """Node-link JSON: ``{"directed", "multigraph", "graph", "nodes": [{id, labels, name, ...}],
    "links": [{source, target, key, type, ...}]}``; lists stay lists."""
    G = to_networkx(sub, clean=False)
    G.graph["selection"] = sub.selection  # JSON holds it as it is
    return _dumps(nx.node_link_data(G, edges="links"))


def to_cytoscape(sub, drawing: Drawing) -> bytes:
    """Cytoscape.js elements JSON with the drawing's positions and colours."""
    drawn = drawing.by_id()
    nodes = []
    for n in sub.nodes:
        d = drawn[n["id"]]
        data = {"id": n["id"], "labels": n["label"], **{k: v for k, v in n.items() if k not in ("id", "label")},
                "color": d.color, "size": d.size}
        if d.tier:
            data["tier"] = d.tier
        nodes.append({"data": data, "position": {"x": d.x, "y": d.y}, "classes": n["label"]})
    edges = [{"data": {"id": f"e{i}", "source": r["from"], "target": r["to"], "key": edge_key(r),
                       **{k: v for k, v in r.items() if k not in ("from", "to")}}, "classes": r["type"]}
             for i, r in enumerate(sub.rels)]
    return _dumps({"data": {"selection": sub.selection, "version": sub.version, "date": sub.date},
                   "elements": {"nodes": nodes, "edges": edges}})
