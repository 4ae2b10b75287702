"""The path finder (SPEC §5): ``/paths`` and its JSON twin ``/api/path`` (= ``beltgraph path --json``).

One view function serves both. The page keeps the whole query in its URL (a link reopens it),
draws the found paths together, and lists them hop by hop; ranked by strength, each hop says
why it is warm. A mistake in the query (unknown id, bad option) is shown on the page above
the form, with its status, so the user can correct it there.

Also shared by the connect and match pages (same package, same kind of form): the names of the
relationship types, drawing a set of nodes and relationships left to right, and the error
handler that puts a message on the page but keeps ``/api`` in the one JSON error shape.
"""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, render_template, request

from graph import usecases
from graph.errors import BadRequest, BeltGraphError, NodeNotFound
from graph.model import LABELS, REL_TYPES

from . import i18n, params
from .i18n import lang, t
from .views import View, get_store, menu, page

bp = Blueprint("paths", __name__)
menu(70, "paths.index", "nav.paths")
i18n.add({
    "nav.paths": ("关系路径", "Paths"),
    "paths.title": ("关系路径", "Paths"),
    "paths.lede": ("查找任意两个实体之间怎样连接：主播、供应链、服务商、产业带、团长……"
                   "按关系强度排序时，给出每一跳的引荐理由。",
                   "How any two parties connect: anchors, supply chains, providers, belts, team leaders… "
                   "Ranked by strength, each hop says why it makes a warm introduction."),
    "paths.from": ("起点", "From"), "paths.to": ("终点", "To"),
    "paths.pick": ("名称、拼音或 ID", "Name, pinyin or id"),
    "paths.k": ("路径条数", "Paths"), "paths.max_hops": ("最多跳数", "Max hops"),
    "paths.exclude_labels": ("不经过这些实体", "Not through"),
    "paths.exclude_types": ("不经过这些关系", "Not along"),
    "paths.only_plaqued": ("只经过有牌匾的服务商", "Only through providers with a plaque"),
    "paths.via": ("必须经过", "Via"), "paths.via_any": ("不限", "any"),
    "paths.rank": ("按关系强度排序（暖引荐）", "Rank by strength (warm introductions)"),
    "paths.options": ("更多条件", "More options"),
    "paths.submit": ("查找路径", "Find paths"),
    "paths.hint": ("选择起点和终点（输入名称或拼音后从列表中选择，也可以直接输入 ID）。",
                   "Pick both ends (type a name or pinyin and choose from the list, or type an id)."),
    "paths.found": ("{source} → {target}：{n} 条路径", "{source} → {target}: {n} paths"),
    "paths.found_one": ("{source} → {target}：1 条路径", "{source} → {target}: 1 path"),
    "paths.none": ("{hops} 跳以内没有找到路径。可以增加最多跳数，或减少排除条件。",
                   "No path within {hops} hops. Allow more hops or exclude less."),
    "paths.incomplete": ("为满足“必须经过”，检查了 2000 条路径后停止；可能还有更多。",
                         "Stopped after examining 2,000 paths for “via”; there may be more."),
    "paths.hops": ("{n} 跳", "{n} hops"), "paths.hop": ("1 跳", "1 hop"), "paths.same": ("同一实体", "the same node"),
    "paths.strength": ("强度", "Strength"), "paths.reason": ("引荐理由", "Why this hop"),
    "paths.note": ("经过", "Passes"),
    "paths.graph_caption": ("所有结果路径；起点和终点加粗。双击节点打开其档案。",
                            "All the paths found; both ends in bold. Double-click a node to open it."),
    "paths.json": ("JSON", "JSON"),
    "paths.error": ("查询有误", "The query cannot be answered"),
    "paths.not_found": ("图中没有 ID 为“{id}”的实体。", "There is no node with id “{id}”."),
    # relationship types, shown on edges, in lists and in the exclusion checkboxes
    "paths.rel.IN_BELT": ("属于", "in belt"), "paths.rel.SERVES": ("服务", "serves"),
    "paths.rel.OPERATES": ("运营", "operates"), "paths.rel.RUNS": ("经营", "runs"),
    "paths.rel.INCUBATES": ("孵化", "incubates"), "paths.rel.SOURCES_FROM": ("采购自", "sources from"),
    "paths.rel.RECRUITS": ("招募", "recruits"), "paths.rel.MATCHES": ("撮合", "matches"),
    "paths.rel.SELLS": ("带货", "sells"), "paths.rel.STREAMS_AT": ("直播于", "streams at"),
    # warm-introduction reasons in Chinese (graph/introductions.py writes them in English)
    "paths.reason.sold": ("{src} 带货 {dst}，累计{gmv}", "{src} sold {gmv} of {dst}"),
    "paths.reason.streamed": ("{src} 在 {dst} 直播 {n} 场", "{src} streamed {n} sessions at {dst}"),
    "paths.reason.last": ("，最近一次在 {last}", ", last in {last}"),
    "paths.reason.since": ("{src} 自 {since} 起{verb} {dst}", "{src} {verb} {dst} since {since}"),
    "paths.reason.plain": ("{src} {verb} {dst}", "{src} {verb} {dst}"),
    "paths.reason.provider": ("{name}：{level} 级服务商，{plaque}", "{name}: level {level}, {plaque}"),
})

#: The reason verbs of graph/introductions.py, by relationship type.
_VERBS = {"SERVES": "serves", "INCUBATES": "incubated", "RUNS": "runs", "OPERATES": "operates",
          "MATCHES": "matches", "RECRUITS": "recruits", "IN_BELT": "is in", "SOURCES_FROM": "sources from"}
_UNITS = {"K": 1e3, "M": 1e6, "亿": 1e8}


# ---------------------------------------------------------------- shared with connect and match

def rel_name(rel_type: str) -> str:
    return t(f"paths.rel.{rel_type}") if rel_type in REL_TYPES else rel_type


def node_href(node_id: str, label: str | None) -> str:
    """The profile of a node: belts have their own page."""
    from urllib.parse import quote

    return ("/belts/" if label == "Belt" else "/nodes/") + quote(node_id, safe="")


def oriented(a: dict, b: dict, rel_type: str) -> tuple[dict, dict]:
    """The two ends of a relationship in its direction (paths and trees list them in walking order)."""
    rt = REL_TYPES.get(rel_type)
    if rt is not None and not rt.allows(a["label"], b["label"]) and rt.allows(b["label"], a["label"]):
        return b, a
    return a, b


def drawing(chains: list[tuple[list[dict], list[str]]], spacing: int = 190, lane: int = 110) -> dict:
    """Nodes and relationships for BGGraph.draw, laid out left to right: every chain (its nodes in
    walking order and the types between them) runs from x = 0 to the same right edge, one lane
    each, alternating below and above the first; a node shared by chains keeps its first place, and
    a relationship that would pass through another node is marked ``curved`` (``up`` or ``down``,
    toward the side with fewer nodes)."""
    width = spacing * max((len(rels) for _, rels in chains), default=1)
    nodes: dict[str, dict] = {}
    rels: list[dict] = []
    seen = set()
    for i, (chain, types) in enumerate(chains):
        y = lane * ((i + 1) // 2) * (1 if i % 2 else -1)
        hops = max(1, len(types))
        for j, n in enumerate(chain):
            if n["id"] not in nodes:
                nodes[n["id"]] = {"id": n["id"], "label": n["label"], "name": n["name"],
                                  "x": round(j * width / hops), "y": y if 0 < j < len(chain) - 1 else 0}
        for a, b, ty in zip(chain, chain[1:], types):
            src, dst = oriented(a, b, ty)
            key = (src["id"], dst["id"], ty)
            if key not in seen:
                seen.add(key)
                rels.append({"from": src["id"], "to": dst["id"], "type": ty})
    for r in rels:   # a relationship that would run straight through another node is drawn as an arc
        a, b = nodes[r["from"]], nodes[r["to"]]
        low, high = sorted((a["x"], b["x"]))
        between = [n for n in nodes.values() if low < n["x"] < high]
        if a["y"] == b["y"] and any(n["y"] == a["y"] for n in between):
            above, below = sum(n["y"] < a["y"] for n in between), sum(n["y"] > a["y"] for n in between)
            r["curved"] = "down" if below <= above else "up"   # toward the emptier side (y grows downward)
    return {"nodes": list(nodes.values()), "rels": rels}


def rel_names() -> dict[str, str]:
    return {ty: rel_name(ty) for ty in REL_TYPES}


def entity(node_id: str | None) -> dict | None:
    """A picked node as the page shows it: id, name and label, or just the id when it is unknown."""
    if not node_id:
        return None
    try:
        node = get_store().node(node_id)
    except BeltGraphError:
        return {"id": node_id, "name": node_id, "label": None}
    return {"id": node_id, "name": node.get("name", node_id), "label": node["label"]}


def api_error(e: BeltGraphError):
    """The JSON error shape of web/app.py, for the /api twin of a page with its own page handler."""
    return jsonify({"ok": False, "error": str(e), "status": e.status}), e.status


def page_message(e: BeltGraphError) -> str:
    """An error as the page says it (an unknown id in the reader's language)."""
    if isinstance(e, NodeNotFound):
        return t("paths.not_found", id=e.node_id)
    return str(e)


def is_api() -> bool:
    return request.path.startswith("/api/")


# ---------------------------------------------------------------- the page

def _rank_by() -> str:
    by = params.text("rank") or "hops"
    if by not in ("hops", "strength"):
        raise BadRequest(f"rank must be hops or strength, not {by!r}")
    return by


def _form() -> dict:
    """The query as the form shows it, read without judging it (so a bad query can be shown and fixed)."""
    args = request.args
    exclude = []
    for v in args.getlist("exclude"):
        exclude += [x.strip() for x in v.split(",") if x.strip()]
    q = {"from": (args.get("from") or "").strip(), "to": (args.get("to") or "").strip(),
         "k": (args.get("k") or "").strip() or "1", "max_hops": (args.get("max_hops") or "").strip() or "6",
         "exclude": [x.lower() for x in exclude], "only_plaqued": params.flag("only_plaqued"),
         "via": (args.get("via") or "").strip(), "rank": (args.get("rank") or "").strip()}
    return {"q": q, "ends": {"from": entity(q["from"]), "to": entity(q["to"])}, "labels": list(LABELS),
            "types": list(REL_TYPES), "rel_names": rel_names()}


@page(bp, "/paths", "paths/index.html", api_rule="/path", endpoint="index")
def find_paths() -> View:
    """Paths between ``from`` and ``to``: the k shortest, or (``rank=strength``) the strongest."""
    source, target = params.required("from"), params.required("to")
    options = params.path_options()
    if _rank_by() == "strength":
        result = usecases.introductions(get_store(), source, target, options)
    else:
        result = usecases.paths(get_store(), source, target, options)
    data = result.to_dict()
    chains = [(p["nodes"], p["rels"]) for p in data["paths"]]
    return View(data, {**_form(), "complete": result.complete, "drawing": drawing(chains),
                       "highlight": [source, target], "error": None})


@bp.errorhandler(BeltGraphError)
def on_error(e: BeltGraphError):
    if is_api():
        return api_error(e)
    form = _form()
    asked = form["q"]["from"] and form["q"]["to"]
    status = e.status if asked else 200
    return render_template("paths/index.html", **form, paths=None, error=page_message(e) if asked else None,
                           status=status), status


# ---------------------------------------------------------------- reasons in Chinese

def _amount(text: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)(K|M|亿)?", text)
    return float(m[1]) * _UNITS.get(m[2] or "", 1) if m else None


def _about(v: float) -> str:
    """A rounded amount (the reasons say 6.1M, 264K) in 万 or 亿, without claiming more digits."""
    if v >= 1e8:
        return f"约 {v / 1e8:g}亿元"
    if v >= 1e4:
        return f"约 {v / 1e4:g}万元"
    return f"约 {v:g} 元"


def _tail(m: re.Match) -> str:
    return t("paths.reason.last", last=m["last"]) if m["last"] else ""


def hop_reason(hop: dict, names: dict[str, str]) -> str:
    """A warm-introduction hop's reason in the reader's language (the English text as written
    when it does not match a known form)."""
    text = hop["reason"]
    if lang() != "zh":
        return text
    a, b = names.get(hop["from"], hop["from"]), names.get(hop["to"], hop["to"])
    last = r"(?:, last in (?P<last>\S+))?"
    for src, dst in ((a, b), (b, a)):
        s, d = re.escape(src), re.escape(dst)
        m = re.fullmatch(s + r" sold (?P<gmv>\S+) CNY of " + d + last, text)
        if m and _amount(m["gmv"]) is not None:
            return t("paths.reason.sold", src=src, dst=dst, gmv=_about(_amount(m["gmv"]))) + _tail(m)
        m = re.fullmatch(s + r" streamed (?P<n>\d+) sessions at " + d + last, text)
        if m:
            return t("paths.reason.streamed", src=src, dst=dst, n=m["n"]) + _tail(m)
        verb = _VERBS.get(hop["type"])
        m = verb and re.fullmatch(s + " " + re.escape(verb) + " " + d + r"(?: since (?P<since>\S+))?", text)
        if m:
            if m["since"]:
                return t("paths.reason.since", src=src, dst=dst, verb=rel_name(hop["type"]), since=m["since"])
            return t("paths.reason.plain", src=src, dst=dst, verb=rel_name(hop["type"]))
    return text


def provider_note(note: str) -> str:
    """A path's note about a provider on the way (level, plaque) in the reader's language."""
    m = re.fullmatch(r"(?P<name>.*): level (?P<level>\d+), (?P<plaque>plaque|no plaque)", note)
    if lang() != "zh" or not m:
        return note
    return t("paths.reason.provider", name=m["name"], level=m["level"],
             plaque=t("plaque.yes" if m["plaque"] == "plaque" else "plaque.no"))


@bp.app_template_global()
def paths_ui() -> dict:
    """What the path templates call: hop reasons, provider notes, relationship names, links."""
    return {"hop_reason": hop_reason, "provider_note": provider_note, "rel_name": rel_name, "href": node_href,
            "oriented": oriented}
