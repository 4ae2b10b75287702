"""The belt brief: one printable A4 page about a belt for a manager — the belt on the map, key
numbers by quarter, providers by role with plaques, supply chains with tiers and points, top
anchors, gaps, a picture of the neighbourhood, and the data date. HTML (self-contained, no
script) and PDF (that HTML printed by headless Chromium).

:func:`brief_data` gathers the numbers from the graph, a ranking and the coverage;
:func:`to_html` renders them with ``templates/brief.html`` (autoescape on).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..model import ROLES
from ..palette import LABEL_COLORS, TIER_COLORS
from .svg import text as xml_text
from .words import word

TEMPLATES = Path(__file__).parent / "templates"
#: Rows per table on the one page (the rest are counted, "and N more").
ROWS = 8
ANCHOR_ROWS = 6


@dataclass(frozen=True)
class QuarterNumbers:
    quarter: str
    gmv: float
    sessions: int
    orders: int
    anchors: int
    supply_chains: int


@dataclass(frozen=True)
class BriefData:
    belt: dict                       # the Belt's properties
    counts: dict                     # bases, supply_chains, merchants, providers
    quarters: list[QuarterNumbers]   # oldest first
    providers: dict[str, list[dict]]  # role -> [{id, name, level, plaque}]
    chains: list[dict]               # [{rank, id, name, tier, score, points}] of this belt, by rank
    chains_total: int                # this belt's supply chains
    chains_unranked: int
    ranking_quarter: str | None
    anchors: list[dict]              # [{id, name, followers, gmv}] top by GMV in the latest quarter
    anchors_quarter: str | None
    missing_roles: list[str]
    without_tier: bool
    version: str | None
    date: str
    others: list[dict] = field(default_factory=list)  # every belt {id, lat, lon}, for the map

    def to_dict(self) -> dict:
        return asdict(self)


def _ids(t: pa.Table, column: str) -> list[str]:
    return t.column(column).to_pylist()


def brief_data(g, belt_id: str, ranking, coverage, version: str | None, date: str) -> BriefData:
    """What the brief shows, from the graph ``g``, the all-pool ``ranking`` of the latest quarter
    and the ``coverage`` (graph.coverage.Coverage) of the same quarter."""
    belt = g.expect(belt_id, "Belt")
    in_belt = g.rels["IN_BELT"]
    members = in_belt.filter(pc.equal(in_belt.column("to"), belt_id))
    member_ids = pa.array(_ids(members, "from"), pa.string())
    chains_t = g.nodes["SupplyChain"].filter(pc.is_in(g.nodes["SupplyChain"].column("id"), value_set=member_ids))
    chain_ids = pa.array(_ids(chains_t, "id"), pa.string())
    counts = {"bases": int(pc.sum(pc.is_in(g.nodes["Base"].column("id"), value_set=member_ids)).as_py() or 0),
              "supply_chains": chains_t.num_rows,
              "merchants": int(pc.sum(pc.is_in(g.nodes["Merchant"].column("id"), value_set=member_ids)).as_py() or 0)}
    # quarters: SELLS of this belt's supply chains
    sells = g.rels["SELLS"]
    sells = sells.filter(pc.is_in(sells.column("to"), value_set=chain_ids)) if sells.num_rows else sells
    quarters = []
    if sells.num_rows:
        agg = sells.group_by("quarter", use_threads=False).aggregate(
            [("gmv", "sum"), ("sessions", "sum"), ("orders", "sum"), ("from", "count_distinct"),
             ("to", "count_distinct")]).sort_by("quarter")
        for r in agg.to_pylist():
            quarters.append(QuarterNumbers(r["quarter"], float(r["gmv_sum"] or 0), int(r["sessions_sum"] or 0),
                                           int(r["orders_sum"] or 0), int(r["from_count_distinct"]),
                                           int(r["to_count_distinct"])))
    # providers serving the belt, by role
    serves = g.rels["SERVES"]
    serving = set(_ids(serves.filter(pc.equal(serves.column("to"), belt_id)), "from")) if serves.num_rows else set()
    prov = g.nodes["Provider"]
    prov = prov.filter(pc.is_in(prov.column("id"), value_set=pa.array(sorted(serving), pa.string())))
    providers: dict[str, list[dict]] = {r: [] for r in ROLES}
    for p in prov.select(["id", "name", "roles", "level", "plaque"]).to_pylist():
        for role in p["roles"] or []:
            providers.setdefault(role, []).append({"id": p["id"], "name": p["name"], "level": p["level"],
                                                   "plaque": bool(p["plaque"])})
    for role in providers:
        providers[role].sort(key=lambda p: (not p["plaque"], -(p["level"] or 0), p["id"]))
    counts["providers"] = len(serving)
    # supply chains in the platform-wide ranking
    mine = set(chain_ids.to_pylist())
    chains = [{"rank": i.rank, "id": i.id, "name": i.name, "tier": i.tier, "score": i.score, "points": i.points}
              for i in ranking.items if i.id in mine]
    # top anchors by GMV on this belt's supply chains in the latest quarter
    anchors, anchors_quarter = [], (quarters[-1].quarter if quarters else None)
    if anchors_quarter:
        last = sells.filter(pc.equal(sells.column("quarter"), anchors_quarter))
        top = last.group_by("from", use_threads=False).aggregate([("gmv", "sum")]).sort_by(
            [("gmv_sum", "descending"), ("from", "ascending")]).slice(0, ANCHOR_ROWS).to_pylist()
        for r in top:
            a = g.node(r["from"])
            anchors.append({"id": r["from"], "name": a.get("name", r["from"]), "followers": a.get("followers"),
                            "gmv": float(r["gmv_sum"] or 0)})
    others = [b for b in g.nodes["Belt"].select(["id", "lat", "lon"]).to_pylist()
              if b["lat"] is not None and b["lon"] is not None]
    plain = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in belt.items() if k != "label"}
    return BriefData(plain, counts, quarters, providers, chains, chains_t.num_rows, chains_t.num_rows - len(chains),
                     ranking.quarter, anchors, anchors_quarter, list(coverage.belts_missing_role.get(belt_id, [])),
                     belt_id in coverage.belts_without_tier, version, date, others)


def map_svg(data: BriefData, width: int = 300, height: int = 220) -> str:
    """Every belt as a dot on a longitude/latitude frame of China, this one red and named."""
    lon0, lon1, lat0, lat1 = 73.0, 135.0, 17.0, 54.0
    kx = math.cos(math.radians(35))
    sx = width / ((lon1 - lon0) * kx)
    sy = height / (lat1 - lat0)
    s = min(sx, sy)

    def xy(lon, lat):
        return (lon - lon0) * kx * s, (lat1 - lat) * s

    w, h = (lon1 - lon0) * kx * s, (lat1 - lat0) * s
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {w:.0f} {h:.0f}" '
           f'width="{w:.0f}" height="{h:.0f}" role="img">',
           f'<rect width="{w:.0f}" height="{h:.0f}" fill="#f4f7fb" stroke="#d5dce6"/>']
    for lon in range(80, 135, 10):
        x, _ = xy(lon, lat0)
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{h:.0f}" stroke="#e3e8ef"/>'
                   f'<text x="{x + 2:.1f}" y="{h - 3:.0f}" font-size="7" fill="#8a94a3">{lon}°E</text>')
    for lat in range(20, 55, 10):
        _, y = xy(lon0, lat)
        out.append(f'<line x1="0" y1="{y:.1f}" x2="{w:.0f}" y2="{y:.1f}" stroke="#e3e8ef"/>'
                   f'<text x="2" y="{y - 2:.1f}" font-size="7" fill="#8a94a3">{lat}°N</text>')
    me = data.belt
    for b in data.others:
        if b["id"] != me["id"]:
            x, y = xy(b["lon"], b["lat"])
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#9aa5b1"/>')
    if me.get("lat") is not None and me.get("lon") is not None:
        x, y = xy(me["lon"], me["lat"])
        anchor = "end" if x > w * 0.65 else "start"
        dx = -8 if anchor == "end" else 8
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{LABEL_COLORS["Belt"]}" stroke="#fff" '
                   f'stroke-width="2"/><text x="{x + dx:.1f}" y="{y + 4:.1f}" font-size="11" font-weight="bold" '
                   f'text-anchor="{anchor}" fill="#1d2430">{xml_text(me.get("name", me["id"]))}</text>')
    out.append("</svg>")
    return "".join(out)


def _money(v: float | None, lang: str) -> str:
    if v is None:
        return ""
    if lang != "en":
        if abs(v) >= 1e8:
            return f"{v / 1e8:,.2f} 亿"
        if abs(v) >= 1e4:
            return f"{v / 1e4:,.1f} 万"
    return f"{v:,.0f}"


def to_html(data: BriefData, picture_svg: str, lang: str = "zh") -> str:
    """The brief as one self-contained HTML page (A4, no script, no outside resource)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(w=lambda key, **kw: word(key, lang, **kw), money=lambda v: _money(v, lang),
                       tier_colors=TIER_COLORS)
    picture = picture_svg.split("?>", 1)[1] if picture_svg.startswith("<?xml") else picture_svg
    return env.get_template("brief.html").render(
        d=data, lang="en" if lang == "en" else "zh-CN", roles=ROLES, rows=ROWS,
        map_svg=Markup(map_svg(data)), picture_svg=Markup(picture))
