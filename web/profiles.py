"""Profiles: a belt's page (/belts/<id>) and any entity's page (/nodes/<id>), with their JSON twins."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from graph import usecases
from graph.errors import BadRequest, NodeNotFound
from graph.export.tables import Table
from graph.model import ROLES

from . import i18n, params
from .downloads import send_tables
from .map import drawing
from .views import Lazy, View, get_config, get_store, page

bp = Blueprint("profiles", __name__)

REL_NAMES = {
    "IN_BELT": ("属于", "in belt"), "SERVES": ("服务", "serves"), "OPERATES": ("运营基地", "operates"),
    "RUNS": ("运营供应链", "runs"), "INCUBATES": ("孵化", "incubates"), "SOURCES_FROM": ("采购自", "sources from"),
    "RECRUITS": ("招募", "recruits"), "MATCHES": ("撮合", "matches"), "SELLS": ("带货", "sells"),
    "STREAMS_AT": ("直播于", "streams at"),
}
i18n.add({f"profiles.rel.{k}": v for k, v in REL_NAMES.items()})
i18n.add({
    "profiles.no_entity": ("没有这个实体：{id}", "No entity with id {id}"),
    "profiles.not_a_belt": ("{id} 不是产业带", "{id} is not a belt"),
    # belt page
    "profiles.place": ("所在地", "Location"),
    "profiles.products": ("主营产品", "Products"),
    "profiles.kpi.gmv": ("{q} GMV", "GMV {q}"), "profiles.kpi.sessions": ("{q} 直播场次", "Sessions {q}"),
    "profiles.kpi.anchors": ("{q} 带货主播", "Anchors {q}"),
    "profiles.kpi.merchants": ("商家", "Merchants"), "profiles.kpi.chains": ("供应链", "Supply chains"),
    "profiles.kpi.bases": ("基地", "Bases"), "profiles.kpi.providers": ("服务商", "Providers"),
    "profiles.kpi.change": ("环比 {pct}", "{pct} on the quarter before"),
    "profiles.quarters": ("季度指标", "Figures per quarter"),
    "profiles.quarters.note": ("GMV、场次和主播为本带供应链的带货数据；商家为季度末已入驻的本带商家。",
                               "GMV, sessions and anchors: sales of the belt's supply chains; merchants: the belt's merchants joined by the quarter's end."),
    "profiles.col.quarter": ("季度", "Quarter"), "profiles.col.gmv": ("GMV", "GMV"),
    "profiles.col.sessions": ("直播场次", "Sessions"), "profiles.col.merchants": ("商家", "Merchants"),
    "profiles.col.anchors": ("带货主播", "Anchors"),
    "profiles.bases": ("基地", "Bases"),
    "profiles.premium": ("精品基地", "Premium base"),
    "profiles.col.base": ("基地", "Base"), "profiles.col.kind": ("类型", "Kind"), "profiles.col.rooms": ("直播间", "Rooms"),
    "profiles.col.opened": ("开业", "Opened"), "profiles.col.operators": ("运营方", "Operated by"),
    "profiles.col.base_sessions": ("{q} 场次", "Sessions {q}"), "profiles.col.base_anchors": ("{q} 主播", "Anchors {q}"),
    "profiles.kind.live_stream": ("直播基地", "Live-stream base"), "profiles.kind.warehouse": ("云仓", "Warehouse"),
    "profiles.kind.showroom": ("选品展厅", "Showroom"),
    "profiles.providers": ("服务商（按角色）", "Providers by role"),
    "profiles.no_provider": ("本带没有这类服务商", "No provider of this role here"),
    "profiles.chains": ("供应链排名", "Supply chain ranking"),
    "profiles.chains.note": ("按本产业带内的排名（{q}）；金牌、银牌为全平台排名。",
                             "Ranked within this belt ({q}); gold and silver are the platform-wide tiers."),
    "profiles.chains.all": ("完整排名", "Full ranking"),
    "profiles.chains.unranked": ("另有 {n} 条供应链带货主播不足 {min} 人，未参与排名。",
                                 "{n} more supply chains had fewer than {min} anchors and are not ranked."),
    "profiles.col.rank": ("本带排名", "Rank here"), "profiles.col.chain": ("供应链", "Supply chain"),
    "profiles.col.score": ("得分", "Score"), "profiles.col.reach": ("带货主播", "Anchors"),
    "profiles.col.platform": ("全平台", "Platform"),
    "profiles.anchors": ("头部带货主播", "Top anchors"),
    "profiles.anchors.note": ("按 {q} 带本带供应链的 GMV", "By GMV of this belt's supply chains in {q}"),
    "profiles.col.anchor": ("主播", "Anchor"), "profiles.col.followers": ("粉丝", "Followers"),
    "profiles.col.follower_tier": ("粉丝层级", "Follower tier"), "profiles.col.chains_sold": ("带货供应链", "Supply chains"),
    "profiles.gaps": ("覆盖缺口", "Coverage gaps"),
    "profiles.gaps.missing": ("缺少服务商角色：", "No provider of these roles:"),
    "profiles.gaps.all_roles": ("四类服务商齐全", "All four provider roles are served"),
    "profiles.gaps.unplaqued": ("以下角色的服务商都没有牌匾：", "Providers of these roles all lack a plaque:"),
    "profiles.gaps.tiers": ("全平台金牌供应链 {gold} 条、银牌 {silver} 条（{q}）",
                            "{gold} gold and {silver} silver supply chains platform-wide ({q})"),
    "profiles.gaps.no_tier": ("没有金牌或银牌供应链（{q}）", "No gold or silver supply chain ({q})"),
    "profiles.gaps.premium": ("精品基地 {n} 个", "{n} premium bases"),
    "profiles.gaps.no_premium": ("没有精品基地", "No premium base"),
    "profiles.graph": ("关系图", "Neighbourhood"),
    "profiles.graph.note": ("本带、基地、服务商、排名靠前的供应链和主播；双击节点打开它的页面。",
                            "The belt, its bases, providers, top supply chains and anchors; double-click a node to open it."),
    "profiles.download.all": ("下载全部表格（Excel）", "Download every table (Excel)"),
    "profiles.node_page": ("实体详情", "Entity page"),
    # any node
    "profiles.belt_page": ("查看产业带画像", "Open the belt profile"),
    "profiles.properties": ("属性", "Properties"),
    "profiles.relationships": ("关系", "Relationships"),
    "profiles.metrics": ("季度数据", "Per quarter"),
    "profiles.history": ("季度考核记录", "Review history"),
    "profiles.no_relationships": ("没有关系。", "No relationships."),
    "profiles.no_metrics": ("没有季度数据。", "No figures per quarter."),
    "profiles.showing": ("第 {a}–{b} 个，共 {n} 个", "{a}–{b} of {n}"),
    "profiles.col.name": ("名称", "Name"), "profiles.col.id": ("ID", "ID"),
    "profiles.outcome.kept": ("保牌", "Kept"), "profiles.outcome.regained": ("恢复", "Regained"),
    "profiles.outcome.revoked": ("摘牌", "Revoked"), "profiles.outcome.still_revoked": ("仍无牌", "Still revoked"),
    "profiles.col.outcome": ("结果", "Outcome"), "profiles.col.plaque": ("牌匾", "Plaque"),
    "profiles.col.level": ("等级", "Level"), "profiles.col.reasons": ("原因", "Reasons"),
    "profiles.yes": ("是", "yes"), "profiles.no": ("否", "no"),
})
#: Column names of the figures per quarter and of properties, with the neighbours' size columns.
FIELDS = {
    "gmv": ("GMV", "GMV"), "sessions": ("直播场次", "Sessions"), "orders": ("订单", "Orders"),
    "viewers": ("观看", "Viewers"), "supply_chains": ("供应链", "Supply chains"), "anchor_reach": ("带货主播", "Anchors"),
    "rank": ("全平台排名", "Platform rank"), "tier": ("等级", "Tier"), "score": ("得分", "Score"),
    "anchors_incubated": ("孵化主播", "Anchors incubated"), "trainees": ("培训学员", "Trainees"),
    "complaints": ("投诉", "Complaints"), "anchors": ("主播", "Anchors"), "merchants": ("商家", "Merchants"),
    "id": ("ID", "ID"), "name": ("名称", "Name"), "name_en": ("英文名", "English name"), "category": ("类目", "Category"),
    "division": ("事业部", "Division"), "province": ("省份", "Province"), "city": ("城市", "City"),
    "county": ("区县", "County"), "lat": ("纬度", "Latitude"), "lon": ("经度", "Longitude"),
    "products": ("主营产品", "Products"), "kind": ("类型", "Kind"), "rooms": ("直播间", "Rooms"),
    "premium": ("精品基地", "Premium base"), "opened": ("开业", "Opened"), "roles": ("角色", "Roles"),
    "level": ("等级", "Level"), "plaque": ("牌匾", "Plaque"), "joined": ("入驻", "Joined"),
    "fulfillment_rate": ("履约率", "Fulfilment rate"), "return_rate": ("退货率", "Return rate"),
    "rating": ("评分", "Rating"), "sku_count": ("SKU 数", "SKUs"), "followers": ("粉丝", "Followers"),
    "sales": ("累计销售额", "Sales to date"), "since": ("起始", "Since"),
}
i18n.add({f"profiles.field.{k}": v for k, v in FIELDS.items()})
MONEY = {"gmv", "sales"}
RATES = {"fulfillment_rate", "return_rate"}


def field_name(name: str) -> str:
    """A property's or figure's name in the reader's language; extra columns as written."""
    return i18n.t(f"profiles.field.{name}") if name in FIELDS else name


def field_value(name: str, value) -> str:
    """A property or figure as text for the page."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return i18n.t("profiles.yes" if value else "profiles.no")
    if name in MONEY:
        return i18n.money(value)
    if name in RATES:
        return f"{value:.1%}"
    if name == "category":
        return i18n.category_name(value)
    if name == "division":
        return i18n.t(f"division.{value}") if f"division.{value}" in i18n.MESSAGES else value
    if name == "roles" and isinstance(value, list):
        return "、".join(i18n.t(f"role.{r}") if f"role.{r}" in i18n.MESSAGES else r for r in value)
    if name == "kind" and f"profiles.kind.{value}" in i18n.MESSAGES:
        return i18n.t(f"profiles.kind.{value}")
    if name == "tier" and f"tier.{value}" in i18n.MESSAGES:
        return i18n.t(f"tier.{value}")
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, float):
        return i18n.number(value, 2 if name in ("rating", "score") else 4 if name in ("lat", "lon") else 2)
    if isinstance(value, int):
        return i18n.number(value)
    return str(value)


@bp.app_template_global()
def node_url(label: str, node_id: str) -> str:
    """An entity's page: belts have their profile."""
    if label == "Belt":
        return url_for("profiles.belt", belt_id=node_id)
    return url_for("profiles.node", node_id=node_id)


@bp.app_context_processor
def helpers():
    return {"field_name": field_name, "field_value": field_value, "ROLES": ROLES}


@bp.errorhandler(NodeNotFound)
def no_entity(e: NodeNotFound):
    """Unknown id: the JSON error shape under /api, the error page (with its search box) elsewhere."""
    if request.path.startswith("/api/"):
        return jsonify({"ok": False, "error": str(e), "status": 404}), 404
    return render_template("error.html", status=404, message=i18n.t("profiles.no_entity", id=e.node_id)), 404


def _graph_for_page(graph: dict) -> dict:
    """The neighbourhood with its tooltip fields named in the reader's language."""
    nodes = []
    for n in graph["nodes"]:
        props = {field_name(k): field_value(k, v) for k, v in (n.get("props") or {}).items()}
        nodes.append({**n, "props": props})
    return {"nodes": nodes, "rels": graph["rels"]}


@page(bp, "/belts/<path:belt_id>", "profiles/belt.html", endpoint="belt")
def belt(belt_id: str) -> View:
    """A belt's profile; an id of another label opens its entity page (the API says 400)."""
    node = get_store().node(belt_id)
    if node["label"] != "Belt" and not request.path.startswith("/api/"):
        abort(redirect(url_for("profiles.node", node_id=belt_id)))
    profile = usecases.belt_profile(get_store(), get_config(), belt_id)
    qs = profile.quarters
    change = None
    if len(qs) >= 2 and qs[-1].gmv is not None and qs[-2].gmv:
        change = qs[-1].gmv / qs[-2].gmv - 1
    return View(profile.to_dict(), {
        "locator": Lazy(lambda: drawing(usecases.belt_map(get_store(), with_gmv=False), 360, highlight=belt_id,
                                        small=True)),
        "page_graph": _graph_for_page(profile.graph), "gmv_change": change,
        "latest": qs[-1] if qs else None, "min_anchors": get_config().get("rank", "min_anchors")})


BELT_TABLES = ("quarters", "bases", "providers", "supply_chains", "anchors")


def belt_tables(d: dict) -> dict[str, Table]:
    """The belt page's tables for download, from the same dict as /api/belts/<id>."""
    providers = [[role, p["id"], p["name"], p["level"], p["plaque"]] for role in ROLES for p in d["providers"][role]]
    return {
        "quarters": Table("quarters", ["quarter", "gmv", "sessions", "merchants", "anchors"],
                          [[q["quarter"], q["gmv"], q["sessions"], q["merchants"], q["anchors"]] for q in d["quarters"]]),
        "bases": Table("bases", ["id", "name", "kind", "rooms", "premium", "opened", "operators", "sessions", "anchors"],
                       [[b["id"], b["name"], b["kind"], b["rooms"], b["premium"], b["opened"],
                         [o["name"] for o in b["operators"]], b["sessions"], b["anchors"]] for b in d["bases"]]),
        "providers": Table("providers", ["role", "id", "name", "level", "plaque"], providers),
        "supply_chains": Table("supply_chains", ["rank", "id", "name", "score", "gmv", "anchor_reach", "platform_rank",
                                                 "platform_tier"],
                               [[c["rank"], c["id"], c["name"], c["score"], c["gmv"], c["anchor_reach"],
                                 c["platform_rank"], c["platform_tier"]] for c in d["supply_chains"]]),
        "anchors": Table("anchors", ["id", "name", "followers", "follower_tier", "gmv", "sessions", "supply_chains"],
                         [[a["id"], a["name"], a["followers"], a["follower_tier"], a["gmv"], a["sessions"],
                           a["supply_chains"]] for a in d["anchors"]]),
    }


@bp.get("/download/belts/<path:belt_id>")
def belt_download(belt_id: str):
    """?format=csv&table=quarters|bases|providers|supply_chains|anchors, or ?format=xlsx (every table)."""
    tables = belt_tables(usecases.belt_profile(get_store(), get_config(), belt_id).to_dict())
    fmt = params.text("format") or "xlsx"
    name = params.text("table")
    if name is not None and name not in tables:
        raise BadRequest(f"table must be one of {', '.join(BELT_TABLES)}, not {name!r}")
    chosen = [tables[name]] if name else list(tables.values())
    return send_tables(f"{belt_id}-{name}" if name else belt_id, chosen, fmt)


@page(bp, "/nodes/<path:node_id>", "profiles/node.html", endpoint="node")
def node(node_id: str) -> View:
    """Any entity: properties, neighbours by type (``?type=IN_BELT&label=Merchant&offset=20``
    pages one group; ``per_type`` sets the page size), figures per quarter and history."""
    profile = usecases.entity_profile(get_store(), get_config(), node_id, params.integer("per_type", 10, 1, 200),
                                      params.text("type"), params.text("label"), params.integer("offset", 0, 0, 10**9))
    data = profile.to_dict()
    context = {"node_graph": node_graph(data)}
    if data["label"] in ("Anchor", "SupplyChain"):  # suggested partners, as on /match
        kind = "anchor" if data["label"] == "Anchor" else "supply-chain"
        context["match"] = Lazy(lambda: usecases.match(get_store(), get_config(), kind, node_id, 8).to_dict())
        context["match_kind"] = kind
    return View(data, context)


def node_graph(d: dict, per_group: int = 10) -> dict:
    """The entity and the first few neighbours of each group, to draw."""
    nodes = {d["id"]: {"id": d["id"], "label": d["label"], "name": d["name"]}}
    rels = []
    for gr in d["relationships"]:
        for it in gr["items"][:per_group]:
            nodes.setdefault(it["id"], {"id": it["id"], "label": it["label"], "name": it["name"]})
            ends = (d["id"], it["id"]) if gr["direction"] == "out" else (it["id"], d["id"])
            rels.append({"from": ends[0], "to": ends[1], "type": gr["type"]})
    return {"nodes": list(nodes.values()), "rels": rels}


@bp.get("/download/nodes/<path:node_id>")
def node_download(node_id: str):
    """The entity's figures per quarter (and its review history, in the xlsx)."""
    m = usecases.node_quarters(get_store(), get_config(), node_id).to_dict()
    tables = [Table("quarters", ["quarter", *m["columns"]], [[r["quarter"], *[r.get(c) for c in m["columns"]]]
                                                               for r in m["rows"]])]
    if m["history"]:
        cols = list(m["history"][0])
        tables.append(Table("history", cols, [[h[c] for c in cols] for h in m["history"]]))
    return send_tables(node_id, tables, params.text("format") or "csv")
