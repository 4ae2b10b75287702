"""Group relations: ``/connect?id=a&id=b&id=c`` and its JSON twin ``/api/connect`` (= ``beltgraph
connect ... --json``): the small tree that connects a set of parties, and the hops between each pair."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from graph import usecases
from graph.errors import BeltGraphError

from . import i18n, params
from .paths import api_error, entity, is_api, oriented, page_message, rel_names
from .views import View, get_store, menu, page

bp = Blueprint("connect", __name__)
menu(75, "connect.index", "nav.connect")
i18n.add({
    "nav.connect": ("群体关系", "Connect"),
    "connect.title": ("群体关系", "How a group connects"),
    "connect.lede": ("选择几个实体（主播、供应链、服务商、产业带……），"
                     "查看把它们连在一起的最小关系树，以及两两之间相隔几跳。",
                     "Pick several parties (anchors, supply chains, providers, belts…) to see the small tree that "
                     "connects them all and how many hops lie between each pair."),
    "connect.add": ("添加", "Add"), "connect.remove": ("移除", "Remove"),
    "connect.pick": ("输入名称、拼音或 ID 后添加", "Type a name, pinyin or id, then add"),
    "connect.max_hops": ("最多跳数", "Max hops"),
    "connect.submit": ("查看关系", "Connect"),
    "connect.hint": ("至少选择两个实体。", "Pick at least two parties."),
    "connect.tree": ("连接树：{nodes} 个实体、{rels} 条关系", "Connecting tree: {nodes} nodes, {rels} relationships"),
    "connect.caption": ("所选实体加粗；其余是连接它们所经过的实体。双击节点打开其档案。",
                        "The chosen parties in bold; the others are those the connections pass through. "
                        "Double-click a node to open it."),
    "connect.pairs": ("两两相隔的跳数", "Hops between each pair"),
    "connect.pairs_note": ("点击跳数查看这两者之间的路径；“–”表示在最多跳数内不相连。",
                           "Click a number to see the paths between the two; "
                           "“–” means not connected within the max hops."),
    "connect.error": ("无法连接", "Cannot connect them"),
})


def _form() -> dict:
    """The chosen parties as chips (names looked up, unknown ids shown as typed) and the options."""
    ids = []
    for v in request.args.getlist("id"):
        ids += [x.strip() for x in v.split(",") if x.strip()]
    return {"chosen": [entity(i) for i in dict.fromkeys(ids)],
            "max_hops": (request.args.get("max_hops") or "").strip() or "6", "rel_names": rel_names()}


def _drawing(group: dict, spacing: int = 170, row: int = 90) -> dict:
    """The tree for BGGraph.draw, laid out left to right from the first party (depth as x; leaves
    one row apart, a parent level with the middle of its children), each relationship in its own
    direction (the use case lists each with its ends sorted)."""
    by_id = {n["id"]: dict(n) for n in group["nodes"]}
    rels, near = [], {i: [] for i in by_id}
    for r in group["rels"]:
        src, dst = oriented(by_id[r["from"]], by_id[r["to"]], r["type"])
        rels.append({"from": src["id"], "to": dst["id"], "type": r["type"]})
        near[r["from"]].append(r["to"])
        near[r["to"]].append(r["from"])
    leaves = 0

    def place(node: str, parent: str | None, depth: int) -> float:
        nonlocal leaves
        kids = sorted(k for k in near[node] if k != parent)
        if kids:
            ys = [place(k, node, depth + 1) for k in kids]
            y = (min(ys) + max(ys)) / 2
        else:
            y, leaves = leaves * row, leaves + 1
        by_id[node].update(x=depth * spacing, y=round(y))
        return y

    if group["terminals"]:
        place(group["terminals"][0], None, 0)
    return {"nodes": list(by_id.values()), "rels": rels}


def _matrix(group: dict) -> list[list[int | None | str]]:
    """Hops between the terminals, row by row; "self" on the diagonal."""
    hops = {}
    for p in group["pairs"]:
        hops[p["from"], p["to"]] = hops[p["to"], p["from"]] = p["hops"]
    return [["self" if a == b else hops.get((a, b)) for b in group["terminals"]] for a in group["terminals"]]


@page(bp, "/connect", "connect/index.html", endpoint="index")
def connect_group() -> View:
    """How the parties ``id`` (repeated, or comma-separated) relate, within ``max_hops`` for each pair."""
    group = usecases.connect(get_store(), list(params.many("id")), params.integer("max_hops", 6, 1, 12))
    data = group.to_dict()
    return View(data, {**_form(), "drawing": _drawing(data), "matrix": _matrix(data), "error": None})


@bp.errorhandler(BeltGraphError)
def on_error(e: BeltGraphError):
    if is_api():
        return api_error(e)
    form = _form()
    asked = len(form["chosen"]) >= 2
    status = e.status if asked else 200
    return render_template("connect/index.html", **form, terminals=None, error=page_message(e) if asked else None,
                           status=status), status
