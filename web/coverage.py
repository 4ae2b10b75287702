"""Coverage: belts x provider roles, belts without gold or silver supply chains, categories
missing a role, anchor tiers and the new-merchant plan; downloads, and the JSON twins
(``/api/gaps``, ``/api/anchors``, ``/api/merchants/plan`` are ``beltgraph gaps --json``,
``beltgraph anchors --json`` and ``beltgraph merchants --plan --json``)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from graph import usecases
from graph.export.tables import Table
from graph.model import ROLES

from . import i18n, params
from .downloads import send_tables
from .i18n import t
from .views import View, get_config, get_store, menu, page

bp = Blueprint("coverage", __name__)
menu(60, "coverage.index", "nav.gaps")

TIERS = ("head", "mid", "tail")

i18n.add({
    "nav.gaps": ("覆盖缺口", "Coverage"),
    "gaps.title": ("服务覆盖缺口", "Coverage gaps"),
    "gaps.lede": ("{belts} 个产业带 × 4 类服务商：哪里没人服务、哪里没有金银牌供应链（按 {quarter} 排名）。",
                  "{belts} belts × 4 provider roles: where nobody serves, where no gold or silver supply chain is ({quarter} ranking)."),
    "gaps.quarter": ("排名季度", "Ranking quarter"), "gaps.show": ("查看", "Show"),
    "gaps.kpi.missing_role": ("缺少某类服务商的产业带", "Belts missing a role"),
    "gaps.kpi.without_tier": ("没有金银牌供应链的产业带", "Belts without gold or silver"),
    "gaps.kpi.categories": ("缺少某类服务商的类目", "Categories missing a role"),
    "gaps.kpi.plan": ("新商家扶持计划内的商家", "Merchants in the new-merchant plan"),
    "gaps.matrix": ("产业带 × 服务商角色", "Belts × provider roles"),
    "gaps.matrix_hint": ("数字是服务该产业带的服务商数；红色为空缺，缺口多的排在前面。",
                         "Providers serving each belt; red cells are gaps, the belts with most gaps first."),
    "gaps.col.belt": ("产业带", "Belt"), "gaps.col.category": ("类目", "Category"),
    "gaps.col.tier": ("金银牌供应链", "Gold / silver"), "gaps.col.missing": ("缺少的角色", "Missing roles"),
    "gaps.has_tier": ("有", "yes"), "gaps.no_tier": ("无", "none"),
    "gaps.without_tier": ("没有金银牌供应链的产业带", "Belts without a gold or silver supply chain"),
    "gaps.categories": ("缺少某类服务商的类目", "Categories missing a role"),
    "gaps.categories_hint": ("该类目下所有产业带都没有这类服务商。", "No belt of the category has a provider of the role."),
    "gaps.none": ("无", "none"),
    "gaps.anchors": ("主播分层", "Anchor tiers"),
    "gaps.anchors_hint": ("粉丝：头部 ≥ {head_f}，腰部 ≥ {mid_f}；{quarter} GMV：头部 ≥ {head_g}，腰部 ≥ {mid_g}",
                          "Followers: head ≥ {head_f}, mid ≥ {mid_f}; {quarter} GMV: head ≥ {head_g}, mid ≥ {mid_g}"),
    "gaps.col.tier_name": ("层级", "Tier"), "gaps.col.by_followers": ("按粉丝", "By followers"),
    "gaps.col.by_gmv": ("按 {quarter} GMV", "By {quarter} GMV"),
    "gaps.plan": ("新商家扶持计划", "New-merchant plan"),
    "gaps.plan_hint": ("{start} 至 {end} 入驻的商家，累计销售额 {cap} 以内按 {rate} 收费；距上限 {near} 以内为“临近上限”。",
                       "Merchants who joined {start} to {end} pay {rate} until {cap} of sales; within {near} of the cap is “near the cap”."),
    "gaps.col.eligible": ("计划内商家", "In the plan"), "gaps.col.on_fee": ("按 {rate} 收费中", "Paying {rate}"), "gaps.col.near_cap": ("临近上限", "Near the cap"),
    "gaps.col.over_cap": ("已超上限", "Over the cap"),
    "gaps.no_belt": ("（未关联产业带）", "(no belt)"),
    "gaps.near_cap": ("临近上限的商家", "Merchants near the cap"),
    "gaps.col.merchant": ("商家", "Merchant"), "gaps.col.joined": ("入驻日期", "Joined"),
    "gaps.col.sales": ("累计销售额", "Sales"), "gaps.col.remaining": ("距上限", "Left to the cap"),
    "gaps.col.fee": ("已收费用", "Fee so far"), "gaps.col.id": ("ID", "ID"), "gaps.col.name": ("名称", "Name"),
    "gaps.more": ("另有 {n} 个", "{n} more"),
    "gaps.sheet.matrix": ("覆盖矩阵", "Coverage"), "gaps.sheet.without_tier": ("无金银牌产业带", "No gold or silver"),
    "gaps.sheet.categories": ("缺角色类目", "Categories missing a role"), "gaps.sheet.anchors": ("主播分层", "Anchor tiers"),
    "gaps.sheet.plan": ("新商家计划", "New-merchant plan"), "gaps.sheet.near_cap": ("临近上限商家", "Near the cap"),
})


def fee_rate(rate: float) -> str:
    """0.01 -> 1%."""
    return f"{rate * 100:g}%"


def _view() -> tuple:
    store, config = get_store(), get_config()
    cov = usecases.gaps(store, config, params.text("quarter"))
    return store, config, cov


@page(bp, "/gaps", "coverage/index.html", endpoint="index")
def gaps() -> View:
    """Coverage gaps for a quarter's ranking (default: the latest), with anchor tiers and the
    new-merchant plan on the page."""
    store, config, cov = _view()
    belts = {b.id: b for b in usecases.belts(store).items}
    missing, without = cov.belts_missing_role, set(cov.belts_without_tier)
    rows = sorted(cov.to_dict()["matrix"],  # the most gaps first, then by category
                  key=lambda r: (-len(missing.get(r["id"], ())), r["id"] not in without,
                                 getattr(belts.get(r["id"]), "category", ""), r["id"]))
    tiers = usecases.anchors(store, config, cov.quarter)
    return View(cov.to_dict(), {
        "coverage": cov, "belt_info": belts, "rows": rows, "role_names": ROLES, "tiers": TIERS,
        "quarters": usecases.quarters_with_sales(store), "without_tier_set": without,
        "anchor_counts": tiers.counts(), "anchor_settings": config.section("anchors"),
        "plan": usecases.merchant_plan(store, config), "fee_rate": fee_rate})


@bp.get("/api/anchors")
def api_anchors():
    """``beltgraph anchors --json``: every anchor's tier by followers and by the quarter's GMV."""
    return jsonify(usecases.anchors(get_store(), get_config(), params.text("quarter")).to_dict())


@bp.get("/api/merchants/plan")
def api_merchant_plan():
    """``beltgraph merchants --plan --json``."""
    return jsonify(usecases.merchant_plan(get_store(), get_config()).to_dict())


@bp.get("/gaps/download")
def download():
    """``?format=csv`` (the belts × roles matrix) or ``xlsx`` (every table of the page, a sheet each)."""
    fmt = params.text("format") or "csv"
    store, config, cov = _view()
    data = cov.to_dict()
    without = set(data["belts_without_tier"])
    category = {b.id: b.category for b in usecases.belts(store).items}
    roles = [t(f"role.{r}") for r in data["roles"]]
    matrix = Table(t("gaps.sheet.matrix"),
                   [t("gaps.col.id"), t("gaps.col.belt"), t("gaps.col.category"), *roles, t("gaps.col.tier")],
                   [[r["id"], r["name"], i18n.category_name(category.get(r["id"])), *[r[x] for x in data["roles"]],
                     t("gaps.no_tier") if r["id"] in without else t("gaps.has_tier")] for r in data["matrix"]])
    tables = [matrix]
    if fmt == "xlsx":
        tiers = usecases.anchors(store, config, cov.quarter)
        plan = usecases.merchant_plan(store, config).to_dict()
        tables += [
            Table(t("gaps.sheet.without_tier"), [t("gaps.col.id"), t("gaps.col.belt")],
                  [[b, cov.names.get(b, b)] for b in data["belts_without_tier"]]),
            Table(t("gaps.sheet.categories"), [t("gaps.col.category"), t("gaps.col.missing")],
                  [[i18n.category_name(c), "、".join(t(f"role.{r}") for r in missing)]
                   for c, missing in data["categories_missing_role"].items()]),
            Table(t("gaps.sheet.anchors"), [t("gaps.col.tier_name"), t("gaps.col.by_followers"),
                                            t("gaps.col.by_gmv", quarter=tiers.quarter or "")],
                  [[t(f"tier.{k}"), c["followers"], c["gmv"]] for k, c in tiers.counts().items()]),
            Table(t("gaps.sheet.plan"), [t("gaps.col.id"), t("gaps.col.belt"), t("gaps.col.eligible"),
                                         t("gaps.col.on_fee", rate=fee_rate(plan["fee_rate"])),
                                         t("gaps.col.near_cap"), t("gaps.col.over_cap")],
                  [[b["belt"] or "", b["name"] or t("gaps.no_belt"), b["eligible"], b["eligible"] - b["over_cap"],
                    b["near_cap"], b["over_cap"]] for b in plan["belts"]]),
            Table(t("gaps.sheet.near_cap"), [t("gaps.col.id"), t("gaps.col.merchant"), t("gaps.col.belt"),
                                             t("gaps.col.joined"), t("gaps.col.sales"), t("gaps.col.remaining"),
                                             t("gaps.col.fee")],
                  [[m["id"], m["name"], cov.names.get(m["belt"], m["belt"] or ""), m["joined"], m["sales"],
                    m["remaining"], m["fee_so_far"]] for m in plan["near_cap"]]),
        ]
    return send_tables("gaps-" + (data["quarter"] or "none"), tables, fmt)
