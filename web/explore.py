"""The graph explorer: start at any entity, add its neighbours a group at a time, hide, pin,
find paths; the whole view lives in the URL, so a link opens the same picture.

The URL holds the view (``/explore?focus=ID&x=ID|TYPE|Label|N&hide=ID&path=A|B&pin=ID|X|Y
&color=label&size=degree``); ``/api/explore`` with the same query returns its nodes and
relationships, and ``/api/explore/expand`` one expansion.
"""

from __future__ import annotations

import math

from flask import Blueprint, jsonify, request

from graph import usecases
from graph.errors import BadRequest

from . import i18n, openapi, params
from .auth import limited
from .views import View, get_config, get_store, menu, page

bp = Blueprint("explore", __name__)
menu(85, "explore.index", "nav.explore")

COLORS = ("label", "category")
SIZES = ("none", "degree", "followers", "gmv")
#: Most entries of each kind a URL may hold.
MAX_STEPS, MAX_PATHS, MAX_LISTED = 100, 20, usecases.MAX_VIEW

i18n.add({
    "nav.explore": ("图谱探索", "Explore"),
    "explore.title": ("图谱探索", "Graph explorer"),
    "explore.lede": ("从任一实体出发，按关系逐组展开邻居；隐藏、固定节点，查找两点之间的路径。链接即视图，可直接分享。",
                     ("Start at any entity and add its neighbours a group at a time; hide and pin nodes, find "
                     "the path between two. The link is the view: share it.")),
    "explore.pick": ("输入产业带、供应链、主播、服务商或商家的名称或编号",
                     "Name or id of a belt, supply chain, anchor, provider or merchant"),
    "explore.start": ("开始探索", "Explore"),
    "explore.start_from": ("从产业带开始", "Start from a belt"),
    "explore.color": ("颜色", "Colour"), "explore.color.label": ("按类型", "By label"),
    "explore.color.category": ("按类目", "By category"),
    "explore.size": ("大小", "Size"), "explore.size.none": ("统一", "Same"),
    "explore.size.degree": ("连接数", "Connections"), "explore.size.followers": ("粉丝数", "Followers"),
    "explore.size.gmv": ("GMV", "GMV"),
    "explore.fit": ("适应画布", "Fit"), "explore.reset": ("重置", "Reset"),
    "explore.copy": ("复制链接", "Copy link"), "explore.copied": ("链接已复制", "Link copied"),
    "explore.hidden": ("已隐藏 {n} 个", "{n} hidden"), "explore.unhide": ("全部显示", "Show all"),
    "explore.select_hint": ("点击节点查看其关系；按住 Ctrl 点击选中两个节点以查找路径；拖动节点即固定其位置。",
                            ("Click a node to see its relationships; Ctrl+click a second node to find the path "
                            "between them; a node you drag stays where you put it.")),
    "explore.groups": ("关系", "Relationships"),
    "explore.col.rel": ("关系", "Relationship"), "explore.col.count": ("数量", "Count"),
    "explore.col.shown": ("已显示", "Shown"),
    "explore.add_top": ("添加前 {n} 个", "Add top {n}"), "explore.add_next": ("再添加 {n} 个", "Add next {n}"),
    "explore.n": ("每次数量", "How many"),
    "explore.hide": ("隐藏", "Hide"), "explore.pin": ("固定", "Pin"), "explore.unpin": ("取消固定", "Unpin"),
    "explore.refocus": ("以此为起点", "Start here"), "explore.profile": ("详情", "Profile"),
    "explore.path": ("查找路径", "Find path"), "explore.path_between": ("{a} 与 {b} 之间", "between {a} and {b}"),
    "explore.no_path": ("{a} 与 {b} 在 6 跳之内没有路径。", "No path between {a} and {b} within 6 hops."),
    "explore.path_found": ("路径：{hops} 跳", "Path: {hops} hops"),
    "explore.legend": ("图例", "Legend"),
    "explore.nodes": ("{n} 个节点 · {r} 条关系", "{n} nodes · {r} relationships"),
    "explore.too_many": ("画布最多容纳 {n} 个节点。", "The canvas holds at most {n} nodes."),
    "explore.loading": ("加载中…", "Loading…"),
    "explore.dir.out": ("→", "→"), "explore.dir.in": ("←", "←"),
    "explore.degree": ("连接数", "Connections"), "explore.followers": ("粉丝数", "Followers"),
    "explore.gmv": ("GMV", "GMV"), "explore.category": ("类目", "Category"),
    "explore.other": ("其他", "Other"),
})

#: Messages the page's script shows, in the reader's language.
_SCRIPT_TEXTS = ("explore.add_top", "explore.add_next", "explore.hide", "explore.pin", "explore.unpin",
                 "explore.refocus", "explore.profile", "explore.path", "explore.path_between", "explore.no_path",
                 "explore.path_found", "explore.nodes", "explore.too_many", "explore.loading", "explore.hidden",
                 "explore.copied", "explore.col.rel", "explore.col.count", "explore.col.shown", "explore.groups",
                 "explore.select_hint", "explore.degree", "explore.followers", "explore.gmv", "explore.category",
                 "explore.other", "explore.n", "explore.unhide")


# ---------------------------------------------------------------- the view in a URL

def _steps() -> list[usecases.Expansion]:
    """``x=ID|TYPE|Label|N``, repeated: ``*`` for every type or label (an id may hold ``|``)."""
    raw = request.args.getlist("x")
    if len(raw) > MAX_STEPS:
        raise BadRequest(f"a view holds at most {MAX_STEPS} expansions")
    out = []
    for text in raw:
        parts = text.rsplit("|", 3)
        if len(parts) != 4 or not parts[0]:
            raise BadRequest(f"x must be ID|TYPE|Label|N, not {text!r}")
        try:
            n = int(parts[3])
        except ValueError:
            raise BadRequest(f"x: N must be a whole number, not {parts[3]!r}") from None
        out.append(usecases.Expansion(parts[0], parts[1], parts[2], n).checked())
    return out


def _paths() -> list[tuple[str, str]]:
    raw = request.args.getlist("path")
    if len(raw) > MAX_PATHS:
        raise BadRequest(f"a view holds at most {MAX_PATHS} paths")
    out = []
    for text in raw:
        a, _, b = text.partition("|")
        if not a or not b:
            raise BadRequest(f"path must be FROM|TO, not {text!r}")
        out.append((a, b))
    return out


def _pins() -> dict[str, list[float]]:
    """``pin=ID|X|Y``, repeated: a node fixed where the user put it."""
    out = {}
    for text in request.args.getlist("pin")[:MAX_LISTED]:
        parts = text.rsplit("|", 2)
        try:
            x, y = float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            raise BadRequest(f"pin must be ID|X|Y, not {text!r}") from None
        if not (parts[0] and math.isfinite(x) and math.isfinite(y)):
            raise BadRequest(f"pin must be ID|X|Y, not {text!r}")
        out[parts[0]] = [round(x, 1), round(y, 1)]
    return out


def _choice(name: str, choices: tuple[str, ...], default: str) -> str:
    v = params.text(name) or default
    if v not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}, not {v!r}")
    return v


def _view(focus: str) -> dict:
    view = usecases.explore_view(get_store(), focus, _steps(), request.args.getlist("hide")[:MAX_LISTED],
                                 _paths())
    return {**view.to_dict(), "pin": _pins(), "color": _choice("color", COLORS, "label"),
            "size": _choice("size", SIZES, "degree")}


@page(bp, "/explore", "explore/index.html", endpoint="index")
def explore() -> View:
    """The view the URL describes; without ``focus``, a picker (the API then asks for one)."""
    focus = params.text("focus")
    if focus is None:
        if request.path.startswith("/api/"):
            raise BadRequest("focus is required: /api/explore?focus=ID")
        belts = sorted(usecases.belts(get_store()).items, key=lambda b: (-b.supply_chains, b.id))[:12]
        return View({"focus": None}, {"belts": belts, "texts": _texts()})
    return View(_view(focus), {"texts": _texts()})


@bp.get("/api/explore/expand")
def api_expand():
    """One expansion: ``{"nodes": [the node, then its neighbours], "rels": [...], "count": N}``."""
    result = usecases.explore_expand(get_store(), params.required("id"), params.text("type"), params.text("label"),
                                     params.integer("limit", 20, 1, usecases.MAX_STEP),
                                     params.integer("offset", 0, 0, 10**9))
    return jsonify(result.to_dict())


@bp.get("/api/explore/groups")
def api_groups():
    """A node, its properties and its relationship groups with counts (biggest group first)."""
    profile = usecases.node_profile(get_store(), params.required("id"), per_type=0)
    data = profile.to_dict()
    for group in data["relationships"]:
        del group["items"], group["offset"]
    data["relationships"].sort(key=lambda r: -r["count"])
    return jsonify(data)


@bp.post("/api/layout")
@limited
def api_layout():
    """Positions for a big drawing (``{"nodes": [ids], "rels": [[from, to], ...]}`` ->
    ``{"positions": {id: [x, y]}}``): pages ask for them above ``[web] layout_server_above``
    nodes and draw without physics (static/graph.js ``BGGraph.drawLaidOut``)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be JSON: {\"nodes\": [ids], \"rels\": [[from, to], ...]}")
    positions = usecases.drawing_positions(get_config(), body.get("nodes"), body.get("rels", []))
    return jsonify({"positions": {k: list(v) for k, v in positions.items()}})


openapi.register(
    "/api/layout", "post", "explore", "Server-computed positions for drawing many nodes without physics", [], None,
    {"application/json": {"schema": {"type": "object", "required": ["nodes"], "properties": {
        "nodes": {"type": "array", "items": {"type": "string"}},
        "rels": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2,
                                             "maxItems": 2}}}}}})


def _texts() -> dict:
    out = {k: i18n.t(k) for k in _SCRIPT_TEXTS}
    out["categories"] = {k.split(".", 1)[1]: v[i18n.LANGS.index(i18n.lang())]
                         for k, v in i18n.MESSAGES.items() if k.startswith("category.")}
    out["max_view"] = usecases.MAX_VIEW
    out["max_step"] = usecases.MAX_STEP
    out["max_shown"] = usecases.MAX_SHOWN
    return out
