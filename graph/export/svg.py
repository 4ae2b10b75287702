"""The drawing as SVG (vector, for slides), and as PDF and PNG rendered from that SVG by
headless Chromium, from the same positions as the html export. Names are text in the file
(every node has a ``<title>``; a label is drawn for all nodes of small drawings and for the
biggest ones of large drawings) in a CJK font.

>>> from graph.usecases.browse import Subgraph
>>> from graph.export.drawing import build_drawing
>>> sub = Subgraph([{"id": "b", "label": "Belt", "name": "<四季青>"}], [], {"whole": True}, "v1", "2024-01-02")
>>> svg = to_svg(build_drawing(sub))
>>> "&lt;四季青&gt;" in svg and "<四季青>" not in svg
True
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape, quoteattr

from ..palette import TIER_COLORS
from .drawing import MAX_SIZE, Drawing
from .words import word

FONT = '"Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
#: Drawings with more nodes than this show names only for the biggest LABELLED_TOP nodes.
ALL_LABELS_UP_TO = 500
LABELLED_TOP = 300
#: Edge types are written along the edges of drawings with at most this many edges.
EDGE_LABELS_UP_TO = 150
#: The widest the SVG asks to be shown (px); larger drawings are scaled down, still vector.
MAX_WIDTH = 2400
EDGE_COLOR = "#b8c0cc"
TEXT_COLOR = "#1d2430"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value) -> str:
    """Text for an XML element: escaped, and without the characters XML 1.0 forbids."""
    return escape(_NOT_XML.sub("", str(value)))


def attr(value) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def _diamond(x: float, y: float, r: float) -> str:
    return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"


def to_svg(d: Drawing, lang: str = "zh", title: str | None = None, header: bool = True,
           max_labels: int | None = None, label_size: float = 12) -> str:
    """The drawing as a standalone SVG document (UTF-8 text). ``header``: the title and caption
    on top; ``max_labels``: name only the biggest nodes; ``label_size``: font size of names."""
    nodes = d.nodes
    pad = MAX_SIZE + 40
    if nodes:
        xs = [n.x for n in nodes]
        ys = [n.y for n in nodes]
        x0, x1, y0, y1 = min(xs) - pad - 80, max(xs) + pad + 80, min(ys) - pad, max(ys) + pad
    else:
        x0, x1, y0, y1 = -400.0, 400.0, -200.0, 200.0
    w = max(x1 - x0, 800.0)
    unit = w / 1200  # header and legend scale with the drawing, so they read the same at any size
    head = 70 * unit if header else 10 * unit
    legend_h = 60 * unit
    top = y0 - head
    h = (y1 - top) + legend_h
    shown_w = min(w, MAX_WIDTH)
    shown_h = h * shown_w / w
    title = title or word("title.network", lang)
    by_id = d.by_id()
    meta = {"selection": d.selection, "version": d.version, "date": d.date}
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{shown_w:.0f}" height="{shown_h:.0f}" '
        f'viewBox="{x0:.1f} {top:.1f} {w:.1f} {h:.1f}" font-family={attr(FONT)}>',
        f"<title>{text(title + ' · ' + d.caption)}</title>",
        f"<desc>{text(json.dumps(meta, ensure_ascii=False))}</desc>",
        f'<rect x="{x0:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#ffffff"/>',
        *([] if not header else [
            f'<text class="title" x="{x0 + 20 * unit:.1f}" y="{top + 30 * unit:.1f}" '
            f'font-size="{22 * unit:.1f}" font-weight="bold" fill="{TEXT_COLOR}">{text(title)}</text>',
        f'<text class="caption" x="{x0 + 20 * unit:.1f}" y="{top + 55 * unit:.1f}" font-size="{13 * unit:.1f}" '
        f'fill="#5a6472">{text(d.caption)} · {len(nodes):,} {text(word("nodes", lang))} · '
        f'{len(d.edges):,} {text(word("rels", lang))}</text>']),
    ]
    # edges: one path (fast to draw at any size), types along them on small drawings
    segs = []
    for a, b, _ in d.edges:
        p, q = by_id.get(a), by_id.get(b)
        if p and q:
            segs.append(f"M{p.x:.1f} {p.y:.1f}L{q.x:.1f} {q.y:.1f}")
    out.append(f'<path class="edges" d="{"".join(segs)}" stroke="{EDGE_COLOR}" stroke-width="1.2" fill="none"/>')
    if 0 < len(d.edges) <= EDGE_LABELS_UP_TO:
        out.append('<g class="edge-types" font-size="9" fill="#8a94a3" text-anchor="middle">')
        for a, b, t in d.edges:
            p, q = by_id.get(a), by_id.get(b)
            if p and q:
                out.append(f'<text x="{(p.x + q.x) / 2:.1f}" y="{(p.y + q.y) / 2 - 2:.1f}">{text(t)}</text>')
        out.append("</g>")
    top = max_labels if max_labels is not None else (len(nodes) if len(nodes) <= ALL_LABELS_UP_TO else LABELLED_TOP)
    labelled = {n.id for n in sorted(nodes, key=lambda n: (-n.size, n.id))[:top]}
    out.append('<g class="nodes">')
    for n in nodes:
        stroke, sw = (TIER_COLORS[n.tier], 5) if n.tier in TIER_COLORS else ("#ffffff", 1.5)
        tip = [f"{n.name} ({word('label.' + n.label, lang)}) {n.id}"]
        tip += [f"{k}: {v}" for k, v in n.props.items()]
        if n.tier:
            tip.append(word(f"tier.{n.tier}", lang))
        shape = (f'<polygon points="{_diamond(n.x, n.y, n.size)}"' if n.label == "Belt" else
                 f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="{n.size:.1f}"')
        label = (f'<text x="{n.x:.1f}" y="{n.y + n.size + label_size + 1:.1f}" font-size="{label_size:g}" '
                 f'text-anchor="middle" '
                 f'fill="{TEXT_COLOR}">{text(n.name)}</text>') if n.id in labelled else ""
        out.append(f'<g class="node" data-id={attr(n.id)} data-label={attr(n.label)}>'
                   f"<title>{text(chr(10).join(tip))}</title>"
                   f'{shape} fill="{n.color}" stroke="{stroke}" stroke-width="{sw}"/>{label}</g>')
    out.append("</g>")
    out.append(_legend(d, lang, x0 + 20 * unit, y1 + 30 * unit, unit))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(d: Drawing, lang: str, x: float, y: float, unit: float) -> str:
    fs = 13 * unit
    parts = [f'<g class="legend" font-size="{fs:.1f}" fill="{TEXT_COLOR}">']
    at = x
    items = [(color, f"{word('label.' + lab, lang)} {count:,}", "#ffffff") for lab, color, count in d.legend]
    items += [("#ffffff", word(f"tier.{t}", lang), c) for t, c in TIER_COLORS.items()
              if any(n.tier == t for n in d.nodes)]
    for fill, caption, stroke in items:
        parts.append(f'<circle cx="{at + 7 * unit:.1f}" cy="{y - 4 * unit:.1f}" r="{7 * unit:.1f}" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="{3 * unit:.1f}"/>'
                     f'<text x="{at + 18 * unit:.1f}" y="{y + 1 * unit:.1f}">{text(caption)}</text>')
        at += (30 + 13 * len(caption)) * unit
    parts.append(f'<text x="{at:.1f}" y="{y + 1 * unit:.1f}" fill="#5a6472">{text(word("size", lang))}</text>')
    parts.append("</g>")
    return "".join(parts)


def page_html(svg: str, width_px: float, height_px: float) -> str:
    """An HTML page holding the SVG at its size, for Chromium to print (PDF) or capture (PNG)."""
    body = svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>"
            f"@page {{ size: {width_px:.0f}px {height_px:.0f}px; margin: 0 }} "
            "html, body { margin: 0; padding: 0; background: #fff } svg { display: block }"
            f"</style></head><body>{body}</body></html>")


def svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg)
    return (float(m.group(1)), float(m.group(2))) if m else (1200.0, 800.0)


def to_pdf(svg: str, chromium) -> bytes:
    """The SVG as a one-page vector PDF of the drawing's size, printed by headless Chromium."""
    w, h = svg_size(svg)
    return chromium.pdf(page_html(svg, w, h))


def to_png(svg: str, chromium, scale: float = 1.0) -> bytes:
    """The SVG as a PNG of its size (times ``scale``), captured by headless Chromium."""
    w, h = svg_size(svg)
    return chromium.png(page_html(svg, w, h), int(w), int(h), scale)
