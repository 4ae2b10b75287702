"""Colours and names for drawing the graph, shared by the web pages and the exported pictures.

>>> LABEL_COLORS["Belt"], CATEGORY_COLORS["jade"]
('#c0392b', '#16a085')
"""

from __future__ import annotations

#: One colour per label (web canvas, exported HTML/SVG/PDF/PNG and GEXF alike).
LABEL_COLORS = {
    "Belt": "#c0392b", "Base": "#e67e22", "Provider": "#8e44ad", "SupplyChain": "#2980b9",
    "Anchor": "#27ae60", "Merchant": "#7f8c8d", "TeamLeader": "#d35400",
}
#: One colour per belt / supply-chain category; any other category is grey.
CATEGORY_COLORS = {
    "apparel": "#2e86de", "jewelry": "#f1c40f", "jade": "#16a085", "rosewood": "#8b4513",
}
OTHER_COLOR = "#95a5a6"
TIER_COLORS = {"gold": "#d4a017", "silver": "#9aa5b1"}


def category_color(category: str | None) -> str:
    return CATEGORY_COLORS.get(category or "", OTHER_COLOR)
