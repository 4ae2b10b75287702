"""Group relations: how a set of parties relate, as a small connecting tree and pairwise hops."""

from __future__ import annotations

from dataclasses import dataclass

from .graph import BeltGraph
from .paths import PathError, PathOptions, Traversal, _to_path


@dataclass(frozen=True)
class Group:
    terminals: list[str]
    nodes: list[dict]
    rels: list[dict]
    pairs: list[dict]

    def to_dict(self) -> dict:
        return {"terminals": self.terminals, "nodes": self.nodes, "rels": self.rels, "pairs": self.pairs}


def connect(g: BeltGraph, ids: list[str], max_hops: int = 6) -> Group:
    """How a set of parties relate: a small tree connecting them all (networkx's Steiner tree
    approximation, on the union of one shortest path per pair, which keeps every pairwise
    distance) and the pairwise hop counts."""
    import networkx as nx
    from networkx.algorithms.approximation import steiner_tree

    ids = list(dict.fromkeys(ids))
    if len(ids) < 2:
        raise PathError("connect needs at least two ids")
    adj = g.adj
    idx = [adj.index(i) for i in ids]
    tr = Traversal(adj, PathOptions())
    union = nx.Graph()
    union.add_nodes_from(ids)
    pairs = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            p = tr.shortest(idx[a], idx[b], max_hops)
            pairs.append({"from": ids[a], "to": ids[b], "hops": None if p is None else len(p) - 1})
            if p is not None:
                path = _to_path(tr, p)
                for (u, v), t in zip(zip(path.ids, path.ids[1:]), path.rels):
                    union.add_edge(u, v, type=t)
    comp = nx.node_connected_component(union, ids[0])
    apart = [i for i in ids if i not in comp]
    if apart:
        raise PathError(f"{', '.join(apart)} not connected to {ids[0]} within {max_hops} hops")
    tree = steiner_tree(union, ids, method="mehlhorn") if len(ids) > 2 else union.subgraph(
        nx.shortest_path(union, ids[0], ids[1]))
    nodes = [{"id": n, "label": adj.label(adj.index(n)), "name": adj.name(adj.index(n))} for n in sorted(tree.nodes)]
    rels = sorted(({"from": min(u, v), "to": max(u, v), "type": union.edges[u, v]["type"]} for u, v in tree.edges),
                  key=lambda r: (r["from"], r["to"]))
    return Group(ids, nodes, rels, pairs)
