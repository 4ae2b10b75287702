"""Exports: a selection of the graph as a picture or a data file, and the belt brief.

Every format is fed by the same selection (:func:`graph.usecases.subgraph`: the whole graph,
a neighbourhood, label/type filters, a query's nodes, or the ids of a path, connect or
explorer view) and the same drawing (positions from graph.export.layout, colours of
graph.palette, sizes by connections, gold/silver badges of the latest ranking). Every file
says what it shows, the data version and the date.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..errors import BadRequest, BeltGraphError
from ..rank import Pool
from ..store import Store
from ..subgraphs import TooManyNodes
from .browse import Subgraph, subgraph
from .programs import gaps
from .ranking import rank

#: format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html; charset=utf-8", "html"),
    "svg": ("image/svg+xml", "svg"),
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "json": ("application/json", "json"),
    "cytoscape": ("application/json", "cyjs"),
    "csv": ("application/zip", "zip"),   # a folder; as one download, a .zip of it
}
#: Formats a browser opens and lays out itself: capped by [export] max_nodes_interactive.
INTERACTIVE = ("html",)


@dataclass(frozen=True)
class ExportFile:
    """One exported file (or, for csv, a folder of ``files``)."""

    format: str
    filename: str
    media_type: str
    body: bytes
    nodes: int
    rels: int
    selection: dict
    version: str | None
    date: str
    files: dict[str, bytes] | None = None

    def to_dict(self) -> dict:
        return {"format": self.format, "filename": self.filename, "media_type": self.media_type,
                "bytes": len(self.body), "nodes": self.nodes, "rels": self.rels, "selection": self.selection,
                "version": self.version, "date": self.date,
                "files": sorted(self.files) if self.files is not None else None}


def _tiers(store: Store, config: Config) -> dict[str, str]:
    try:
        return {i.id: i.tier for i in rank(store, config, None, Pool()).items if i.tier}
    except BeltGraphError:
        return {}


def _degrees(store: Store, ids: list[str]) -> dict[str, int]:
    """Connections of each node in the whole graph (distinct neighbours)."""
    if not ids:
        return {}
    adj = store.graph().adj
    pos = pc.index_in(pa.array(ids, pa.string()), value_set=adj.ids).to_numpy(zero_copy_only=False)
    deg = np.diff(np.asarray(adj.indptr))
    return {i: int(deg[int(p)]) if p == p else 0 for i, p in zip(ids, pos)}


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-")[:60] or "graph"


def _name(sub: Subgraph, ext: str) -> str:
    s = sub.selection
    what = ("around-" + s["around"] + f"-d{s.get('depth', 1)}" if "around" in s else
            "query" if "query" in s else "view" if "ids" in s else "graph")
    return f"beltgraph-{_slug(what)}-{sub.date}.{ext}"


def select_for_export(store: Store, config: Config, fmt: str, around: str | None = None, depth: int = 1,
                      labels: tuple[str, ...] = (), types: tuple[str, ...] = (), query: str | None = None,
                      ids: tuple[str, ...] = (), view: str | None = None, interactive: bool | None = None) -> Subgraph:
    """The selection, capped by the format's node limit (a message suggests a filter);
    ``interactive`` (the web's buttons) applies the interactive cap to every format."""
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    interactive = fmt in INTERACTIVE if interactive is None else interactive
    cap = config.get("export", "max_nodes_interactive" if interactive else "max_nodes")
    try:
        sub = subgraph(store, around, depth, labels, types, query, ids, cap)
    except TooManyNodes as e:
        hint = (f" ([export] max_nodes_interactive; the command line's svg, pdf, png and gexf exports take "
                f"up to {config.get('export', 'max_nodes'):,})") if interactive else " ([export] max_nodes)"
        raise TooManyNodes(e.count, e.cap, hint) from None
    if view:
        sub = dataclasses.replace(sub, selection={**sub.selection, "view": view})
    return sub


def export(store: Store, config: Config, fmt: str, around: str | None = None, depth: int = 1,
           labels: tuple[str, ...] = (), types: tuple[str, ...] = (), query: str | None = None,
           ids: tuple[str, ...] = (), view: str | None = None, lang: str = "zh",
           title: str | None = None, interactive: bool | None = None) -> ExportFile:
    """A selection of the graph in ``fmt`` (see :data:`FORMATS`); ``interactive``: see
    :func:`select_for_export`."""
    from ..export import gephi, html, jsonfmt, neo4j_csv, svg
    from ..export.drawing import build_drawing

    sub = select_for_export(store, config, fmt, around, depth, labels, types, query, ids, view, interactive)
    media, ext = FORMATS[fmt]
    files = None
    if fmt == "json":
        body = jsonfmt.to_node_link(sub)
    elif fmt == "graphml":
        body = gephi.to_graphml(sub)
    elif fmt == "csv":
        files = neo4j_csv.to_files(sub)
        body = neo4j_csv.to_zip(files, _name(sub, "csv").removesuffix(".csv"))
    else:
        ids_ = [n["id"] for n in sub.nodes]
        drawing = build_drawing(sub, _tiers(store, config), _degrees(store, ids_))
        if fmt == "html":
            body = html.to_html(drawing, lang, title).encode("utf-8")
        elif fmt == "gexf":
            body = gephi.to_gexf(sub, drawing)
        elif fmt == "cytoscape":
            body = jsonfmt.to_cytoscape(sub, drawing)
        else:
            picture = svg.to_svg(drawing, lang, title)
            if fmt == "svg":
                body = picture.encode("utf-8")
            elif fmt == "pdf":
                body = svg.to_pdf(picture, _chromium(config))
            else:
                body = svg.to_png(picture, _chromium(config))
    return ExportFile(fmt, _name(sub, ext), media, body, len(sub.nodes), len(sub.rels), sub.selection,
                      sub.version, sub.date, files)


def _chromium(config: Config):
    from ..export.chromium import Chromium, find_chromium

    return Chromium(find_chromium(config.get("export", "chromium")), config.get("export", "render_timeout_s"))


#: The brief's neighbourhood picture: these labels around the belt, at most this many nodes.
BRIEF_LABELS = ("Base", "SupplyChain", "Provider")
BRIEF_PICTURE_NODES = 80


def belt_brief(store: Store, config: Config, belt_id: str):
    """What the belt brief shows (graph.export.brief.BriefData)."""
    import datetime as dt

    from ..export.brief import brief_data

    g = store.graph()
    g.expect(belt_id, "Belt")
    ranking = rank(store, config, None, Pool())
    coverage = gaps(store, config, ranking.quarter)
    return brief_data(g, belt_id, ranking, coverage, store.version(), dt.date.today().isoformat())


def brief_file(store: Store, config: Config, belt_id: str, fmt: str = "html", lang: str = "zh") -> ExportFile:
    """The belt brief as one printable page: ``html`` or ``pdf`` (A4, by headless Chromium)."""
    from ..export import brief, svg
    from ..export.drawing import build_drawing

    if fmt not in ("html", "pdf"):
        raise BadRequest(f"the brief is html or pdf, not {fmt!r}")
    data = belt_brief(store, config, belt_id)
    sub = subgraph(store, belt_id, 1, BRIEF_LABELS)
    if len(sub.nodes) > BRIEF_PICTURE_NODES:  # the belt and its best-connected neighbours
        deg = _degrees(store, [n["id"] for n in sub.nodes])
        keep = {belt_id} | set(sorted((n["id"] for n in sub.nodes if n["id"] != belt_id),
                                      key=lambda i: (-deg[i], i))[:BRIEF_PICTURE_NODES - 1])
        sub = dataclasses.replace(sub, nodes=[n for n in sub.nodes if n["id"] in keep],
                                  rels=[r for r in sub.rels if r["from"] in keep and r["to"] in keep])
    drawing = build_drawing(sub, _tiers(store, config), _degrees(store, [n["id"] for n in sub.nodes]))
    page = brief.to_html(data, svg.to_svg(drawing, lang, header=False, max_labels=12, label_size=26), lang)
    body = page.encode("utf-8") if fmt == "html" else _chromium(config).pdf(page)
    media = FORMATS[fmt][0]
    return ExportFile(fmt, f"beltgraph-brief-{_slug(belt_id)}-{data.date}.{fmt}", media, body, len(sub.nodes),
                      len(sub.rels), {"belt": belt_id}, data.version, data.date)


def drawing_positions(config: Config, ids: list, rels: list) -> dict[str, tuple[float, float]]:
    """Positions for a drawing of ``ids`` joined by ``rels`` (``[from, to]`` pairs), computed here
    so that a browser draws hundreds or thousands of nodes at once, without physics: the layout
    of the exports (:func:`graph.export.layout.layout`), deterministic, so a picture reopens the
    same. At most ``[web] draw_max_nodes`` nodes; relationships to nodes not given are ignored.

    >>> from graph.config import Config
    >>> config = Config.from_dict({}, env={})
    >>> pos = drawing_positions(config, ["a", "b"], [["a", "b"], ["a", "zz"]])
    >>> sorted(pos), pos == drawing_positions(config, ["a", "b"], [["a", "b"]])
    (['a', 'b'], True)
    """
    from ..export.layout import layout

    limit = config.get("web", "draw_max_nodes")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise BadRequest("nodes must be a list of node ids (strings)")
    if len(set(ids)) != len(ids):
        raise BadRequest("nodes must not repeat an id")
    if len(ids) > limit:
        raise BadRequest(f"a drawing holds at most {limit} nodes ([web] draw_max_nodes), not {len(ids)}")
    if not isinstance(rels, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(v, str) for v in r) for r in rels):
        raise BadRequest("rels must be a list of [from, to] id pairs")
    if len(rels) > 20 * limit:
        raise BadRequest(f"a drawing holds at most {20 * limit} relationships, not {len(rels)}")
    return layout(ids, [(a, b) for a, b in rels])


__all__ = ["FORMATS", "ExportFile", "select_for_export", "export", "belt_brief", "brief_file", "drawing_positions"]
