"""The drawing as one self-contained HTML file that opens offline (pyvis builds the network).

pyvis 0.3.2's stock template loads Bootstrap from a CDN even with ``cdn_resources="in_line"``,
writes the heading and the node ids of its select menu unescaped, and switches tooltips to
``innerHTML`` when a title holds "href". So pyvis builds the network and renders it with
BeltGraph's own template (``templates/network.html``, through ``set_template``) in a Jinja
environment with autoescape on: vis-network and its CSS are inlined from the pyvis wheel,
the data goes in as JSON, and names reach the page as text only. Positions come from the
server (graph.export.layout) with physics off, so a drawing of 2,000 nodes opens at once.

>>> from graph.usecases.browse import Subgraph
>>> from graph.export.drawing import build_drawing
>>> sub = Subgraph([{"id": "x", "label": "Anchor", "name": "<img src=x onerror=alert(1)>"}], [],
...                {"whole": True}, "v1", "2024-01-02")
>>> page = to_html(build_drawing(sub))
>>> "<img src=x" in page, "\\\\u003cimg src=x onerror=alert(1)\\\\u003e" in page
(False, True)
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..palette import TIER_COLORS
from .drawing import Drawing, describe_selection
from .words import word

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "network.html"


@lru_cache(maxsize=1)
def vis_assets() -> tuple[Markup, Markup]:
    """vis-network's script and style from the pyvis wheel, checked to be safe to inline."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8")
    if re.search(r"</script|<!--", js, re.I) or re.search(r"</style", css, re.I):
        raise RuntimeError("vis-network from the pyvis wheel cannot be inlined as it is")
    return Markup(js), Markup(css)


def _options(n: int) -> dict:
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
        "nodes": {"font": {"size": 13, "color": "#1d2430"}},
        "interaction": {"hover": n <= 3000, "tooltipDelay": 150, "hideEdgesOnDrag": n > 500,
                        "multiselect": True, "navigationButtons": False},
    }


def network(d: Drawing, lang: str = "zh", title: str | None = None):
    """The pyvis Network of the drawing, set to render with BeltGraph's template."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, heading=title or word("title.network", lang),
                  cdn_resources="in_line")
    for n in d.nodes:
        tier = n.tier in TIER_COLORS
        net.add_node(n.id, label=n.name, shape="diamond" if n.label == "Belt" else "dot", size=n.size, x=n.x, y=n.y,
                     color={"background": n.color, "border": TIER_COLORS[n.tier] if tier else "#ffffff",
                            "highlight": {"background": n.color, "border": "#111111"}},
                     borderWidth=5 if tier else 1, physics=False,
                     bg_label_name=word(f"label.{n.label}", lang), bg_props=n.props,
                     bg_tier_name=word(f"tier.{n.tier}", lang) if tier else "")
    # pyvis's add_edge checks every edge against all the others (quadratic); the network's
    # edge list is the same data, so edges go in directly.
    net.edges.extend({"from": a, "to": b, "title": t, "arrows": "to"} for a, b, t in d.edges)
    net.set_template(str(TEMPLATES / TEMPLATE))
    net.templateEnv = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                                  autoescape=select_autoescape(default=True, default_for_string=True))
    net.options = _options(len(d.nodes))
    return net


def to_html(d: Drawing, lang: str = "zh", title: str | None = None) -> str:
    """The drawing as one HTML file: no network access needed, names as text."""
    net = network(d, lang, title)
    js, css = vis_assets()
    tiers = [{"color": c, "text": word(f"tier.{t}", lang)} for t, c in TIER_COLORS.items()
             if any(n.tier == t for n in d.nodes)]
    net.templateEnv.globals["bg"] = {
        "lang": "en" if lang == "en" else "zh-CN", "generator": _version(),
        "selection_text": describe_selection(d.selection), "version": d.version or "", "date": d.date,
        "counts": f"{len(d.nodes):,} {word('nodes', lang)} · {len(d.edges):,} {word('rels', lang)}",
        "legend": [{"color": c, "text": f"{word('label.' + lab, lang)} {k:,}"} for lab, c, k in d.legend],
        "tiers": tiers, "options": net.options, "vis_js": js, "vis_css": css,
        "words": {k: word(k, lang) for k in ("shown", "data", "date", "size", "find")},
    }
    return net.generate_html(name="export.html")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("beltgraph")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return ""
