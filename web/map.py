"""The belts map: every belt at its coordinates, coloured by category and sized by GMV.

Drawn offline as SVG by the server (``templates/map/_map.html``): an equirectangular
projection of the belts' part of China with a faint graticule, no outlines (none ship with
the project). The belt profile's locator is the same drawing, small. ``static/map.js`` adds
tooltips, zoom and the category filter; without it the map still reads and links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import Blueprint

from graph import usecases
from graph.export.tables import Table
from graph.palette import CATEGORY_COLORS, OTHER_COLOR, category_color

from . import i18n, params
from .downloads import send_tables
from .views import View, get_store, menu, page

bp = Blueprint("map", __name__)
menu(20, "map.index", "nav.map")
i18n.add({
    "nav.map": ("地图", "Map"),
    "map.title": ("产业带地图", "Belts map"),
    "map.lede": ("{n} 个产业带 · 圆点颜色为类目，大小为 {quarter} 季度 GMV · 点击圆点打开产业带画像",
                 "{n} belts · colour is the category, size the GMV of {quarter} · click a dot to open the belt"),
    "map.lede.noquarter": ("{n} 个产业带 · 圆点颜色为类目 · 点击圆点打开产业带画像",
                           "{n} belts · colour is the category · click a dot to open the belt"),
    "map.other": ("其他类目", "Other categories"),
    "map.size": ("圆点大小 = GMV", "Dot size = GMV"),
    "map.top": ("GMV 前十", "Top 10 by GMV"),
    "map.col.belt": ("产业带", "Belt"), "map.col.category": ("类目", "Category"),
    "map.col.province": ("省份", "Province"), "map.col.gmv": ("GMV", "GMV"),
    "map.col.lat": ("纬度", "Latitude"), "map.col.lon": ("经度", "Longitude"),
    "map.nocoords": ("{n} 个产业带没有坐标，未画出：", "{n} belts have no coordinates and are not drawn:"),
    "map.zoom_in": ("放大", "Zoom in"), "map.zoom_out": ("缩小", "Zoom out"), "map.reset": ("复位", "Reset"),
    "map.filter_hint": ("点击类目可隐藏或显示", "Click a category to hide or show it"),
    "map.aria": ("产业带分布图", "Map of the industry belts"),
    "map.empty": ("还没有产业带。", "No belts yet."),
    "map.here": ("所在位置", "Location"),
})

#: The belts' part of China (lon, lat): every sample belt with a margin; belts outside widen it.
BOX = (76.0, 127.0, 18.0, 43.0)
GRID_STEP = 5


@dataclass(frozen=True)
class Projection:
    """Equirectangular: x by longitude (shrunk by the cosine of the middle latitude), y by latitude."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float
    width: int

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.lat0 + self.lat1) / 2))

    @property
    def scale(self) -> float:
        return self.width / ((self.lon1 - self.lon0) * self.kx)

    @property
    def height(self) -> int:
        return round((self.lat1 - self.lat0) * self.scale)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.lon0) * self.kx * self.scale, 1), round((self.lat1 - lat) * self.scale, 1))


def projection(items, width: int) -> Projection:
    """The projection of BOX, widened to hold every belt with coordinates."""
    lon0, lon1, lat0, lat1 = BOX
    for b in items:
        if b.lat is not None and b.lon is not None:
            lon0, lon1 = min(lon0, math.floor(b.lon - 1)), max(lon1, math.ceil(b.lon + 1))
            lat0, lat1 = min(lat0, math.floor(b.lat - 1)), max(lat1, math.ceil(b.lat + 1))
    return Projection(lon0, lon1, lat0, lat1, width)


def drawing(belt_map, width: int = 1000, highlight: str | None = None, small: bool = False) -> dict:
    """What ``map/_map.html`` draws: the size, graticule, and each belt's dot (biggest first,
    so the small ones lie on top)."""
    p = projection(belt_map.items, width)
    top = max([b.gmv or 0 for b in belt_map.items] + [0])
    lo_r, hi_r = (3.0, 3.0) if small else (4.0, 24.0)
    points, missing = [], []
    for rank, b in enumerate(belt_map.items, 1):
        if b.lat is None or b.lon is None:
            missing.append(b)
            continue
        x, y = p.xy(b.lon, b.lat)
        r = lo_r + (hi_r - lo_r) * math.sqrt((b.gmv or 0) / top) if top else lo_r
        if small and b.id == highlight:
            r = 7.0
        left = x > width * (0.5 if small else 0.8)  # a label near the right edge goes to the left of its dot
        points.append({"id": b.id, "name": b.name, "category": b.category, "province": b.province,
                       "gmv": b.gmv, "x": x, "y": y, "r": round(r, 1), "rank": rank,
                       "color": category_color(b.category), "here": b.id == highlight,
                       "lx": round(x - r - 4 if left else x + r + 4, 1), "ly": round(y + 5, 1),
                       "anchor": "end" if left else "start"})
    points.sort(key=lambda d: (d["here"], -d["r"]))  # small dots and the highlighted one on top
    grid = []
    for lon in range(math.ceil(p.lon0 / GRID_STEP) * GRID_STEP, math.floor(p.lon1) + 1, GRID_STEP):
        x, _ = p.xy(lon, p.lat0)
        grid.append({"x1": x, "y1": 0, "x2": x, "y2": p.height, "text": f"{lon}°E", "tx": x + 3, "ty": p.height - 4})
    for lat in range(math.ceil(p.lat0 / GRID_STEP) * GRID_STEP, math.floor(p.lat1) + 1, GRID_STEP):
        _, y = p.xy(p.lon0, lat)
        grid.append({"x1": 0, "y1": y, "x2": width, "y2": y, "text": f"{lat}°N", "tx": 3, "ty": y - 3})
    return {"width": width, "height": p.height, "points": points, "grid": grid, "missing": missing,
            "small": small}


def legend_categories(belt_map) -> list[dict]:
    """The named categories present, then one entry for all the others (grey)."""
    present = {b.category for b in belt_map.items}
    out = [{"category": c, "color": col, "count": sum(b.category == c for b in belt_map.items)}
           for c, col in CATEGORY_COLORS.items() if c in present]
    others = sorted(present - set(CATEGORY_COLORS))
    if others:
        out.append({"category": None, "color": OTHER_COLOR, "others": others,
                    "count": sum(b.category in others for b in belt_map.items)})
    return out


def size_legend(belt_map) -> list[dict]:
    """Three reference dots (the largest GMV, a third and a tenth of it) at the map's scale."""
    top = max([b.gmv or 0 for b in belt_map.items] + [0])
    if not top:
        return []
    return [{"gmv": top * f, "r": round(4.0 + 20.0 * math.sqrt(f), 1)} for f in (0.1, 1 / 3, 1.0)]


@page(bp, "/map", "map/index.html", endpoint="index")
def index() -> View:
    """All belts at their coordinates; the JSON twin lists them with the latest quarter's GMV."""
    belt_map = usecases.belt_map(get_store())
    return View(belt_map.to_dict(), {"drawing": drawing(belt_map), "categories": legend_categories(belt_map),
                                     "sizes": size_legend(belt_map), "top": belt_map.items[:10]})


@bp.get("/map/download")
def download():
    belt_map = usecases.belt_map(get_store())
    cols = ["id", "name", "category", "province", "lat", "lon", f"gmv {belt_map.quarter or ''}".strip()]
    rows = [[b["id"], b["name"], b["category"], b["province"], b["lat"], b["lon"], b["gmv"]]
            for b in belt_map.to_dict()["items"]]
    return send_tables("belts-map", [Table(i18n.t("map.title"), cols, rows)], params.text("format") or "csv")
