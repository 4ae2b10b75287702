"""Provider reviews (SPEC §4) as recorded: a quarter's outcomes with reasons, each provider's
history, downloads, and the JSON twins (``/api/review`` reads the recorded review, it never
runs one; running a review is ``beltgraph review``)."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from graph import usecases
from graph.errors import BadRequest
from graph.export.tables import Table
from graph.model import ROLES

from . import i18n, openapi, params
from .auth import can_open, limited, requires
from .downloads import send_tables
from .i18n import t
from .views import View, get_config, get_store, menu, page

bp = Blueprint("reviews", __name__)
menu(50, "reviews.index", "nav.reviews")

i18n.add({
    "nav.reviews": ("服务商考核", "Reviews"),
    "reviews.title": ("服务商季度考核", "Provider quarterly review"),
    "reviews.lede": ("{quarter} 共考核 {n} 家服务商。考核由管理员在此页或用 beltgraph review 运行并记录。",
                     ("{n} providers reviewed in {quarter}. An admin runs and records a review here or with "
                      "beltgraph review.")),
    "reviews.run": ("运行考核", "Run a review"),
    "reviews.run_quarter": ("考核季度", "Quarter"),
    "reviews.run_note": ("按该季度的服务商数据重新评定牌匾与等级，并记录为新的数据版本。",
                         ("Decides plaques and levels from that quarter's provider figures and records them "
                          "as a new data version.")),
    "reviews.nothing_to_review": ("没有可考核的季度：先导入含 facts/provider_quarters.csv 的数据。",
                                  "No quarter to review: load a bundle with facts/provider_quarters.csv first."),
    "reviews.ran": ("已记录 {quarter} 的考核。", "The {quarter} review is recorded."),
    "reviews.quarter": ("考核季度", "Quarter"),
    "reviews.any_outcome": ("全部结果", "All outcomes"), "reviews.any_role": ("全部角色", "All roles"),
    "reviews.any_level": ("等级不限", "Any level change"),
    "reviews.filter": ("筛选", "Filter"), "reviews.clear": ("清除筛选", "Clear filters"),
    "outcome.kept": ("保留牌匾", "Kept"), "outcome.regained": ("重获牌匾", "Regained"),
    "outcome.revoked": ("摘牌", "Revoked"), "outcome.still_revoked": ("仍无牌匾", "Still revoked"),
    "level.up": ("升级", "Level up"), "level.down": ("降级", "Level down"), "level.same": ("等级不变", "Level unchanged"),
    "reviews.by_role": ("按角色统计", "By role"),
    "reviews.col.role": ("角色", "Role"), "reviews.col.providers": ("服务商数", "Providers"),
    "reviews.col.provider": ("服务商", "Provider"), "reviews.col.roles": ("角色", "Roles"),
    "reviews.col.outcome": ("结果", "Outcome"), "reviews.col.plaque": ("牌匾", "Plaque"),
    "reviews.col.level": ("等级", "Level"), "reviews.col.reasons": ("原因", "Reasons"),
    "reviews.col.quarter": ("季度", "Quarter"), "reviews.col.id": ("ID", "ID"),
    "reviews.col.plaque_before": ("考核前牌匾", "Plaque before"), "reviews.col.plaque_after": ("考核后牌匾", "Plaque after"),
    "reviews.col.level_before": ("考核前等级", "Level before"), "reviews.col.level_after": ("考核后等级", "Level after"),
    "reviews.shown": ("显示 {n} / {total} 家", "Showing {n} of {total}"),
    "reviews.none": ("没有符合筛选条件的服务商。", "No provider matches these filters."),
    "reviews.yes": ("有", "yes"), "reviews.no": ("无", "no"),
    "reviews.sheet": ("考核 {quarter}", "Review {quarter}"),
    # one provider's history
    "history.title": ("{name} 的考核记录", "Review history of {name}"),
    "history.now": ("当前：{plaque}，{level} 级", "Now: {plaque}, level {level}"),
    "history.none": ("这家服务商还没有被考核过。", "This provider has not been reviewed yet."),
    "history.back": ("返回 {quarter} 考核", "Back to the {quarter} review"),
    "history.profile": ("查看服务商详情", "Provider profile"),
    # the reasons, as the review writes them, in Chinese
    "reason.meets": ("各项指标均达标", "meets every threshold"),
    "reason.top": ("{roles}中按{metrics}排名前 {share}，升一级", "top {share} of {roles} by {metrics}: one level up"),
    "reason.below": ("{role}：{metric} {value}，低于要求 {threshold}", "{role}: {metric} {value} below {threshold}"),
    "reason.above": ("{role}：{metric} {value}，超过上限 {threshold}", "{role}: {metric} {value} above {threshold}"),
    "reason.no_figures": ("（{quarter} 无考核数据）", " (no figures for {quarter})"),
    "figure.gmv": ("GMV", "GMV"), "figure.anchors_incubated": ("孵化主播数", "anchors incubated"),
    "figure.sessions": ("直播场次", "sessions"), "figure.trainees": ("培训人数", "trainees"),
    "figure.complaints": ("投诉数", "complaints"),
})

_FAILURE = re.compile(r"^(?P<role>\w+): (?P<col>\w+) (?P<value>[\d,.\-]+) (?P<op>[<>]) (?P<threshold>[\d,.\-]+)$")
_NO_FIGURES = re.compile(r" \(no figures for (?P<quarter>\d{4}Q[1-4])\)$")
_TOP = re.compile(r"^top (?P<share>\d+%) of (?P<roles>[\w, ]+) by (?P<metrics>[\w, ]+)$")


def _name(prefix: str, key: str) -> str:
    return t(f"{prefix}.{key}") if f"{prefix}.{key}" in i18n.MESSAGES else key


def reason_text(reasons: str) -> str:
    """The review's one-line reasons in the reader's language; text it does not recognise as written."""
    if i18n.lang() == "en" or not reasons:
        return reasons
    tail = ""
    m = _NO_FIGURES.search(reasons)
    if m:
        reasons, tail = reasons[:m.start()], t("reason.no_figures", quarter=m.group("quarter"))
    parts = []
    for part in reasons.split("; "):
        f, top = _FAILURE.match(part), _TOP.match(part)
        if part == "meets every threshold":
            parts.append(t("reason.meets"))
        elif f:
            parts.append(t("reason.below" if f.group("op") == "<" else "reason.above", role=_name("role", f.group("role")),
                           metric=_name("figure", f.group("col")), value=f.group("value"),
                           threshold=f.group("threshold")))
        elif top:
            parts.append(t("reason.top", share=top.group("share"),
                           roles="、".join(_name("role", r) for r in top.group("roles").split(", ")),
                           metrics="、".join(dict.fromkeys(_name("figure", x) for x in top.group("metrics").split(", ")))))
        else:
            return reasons + tail
    return "；".join(parts) + tail


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    v = params.text(name)
    if v is not None and v not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, not {v!r}")
    return v


def _filters() -> dict:
    return {"outcome": _choice("outcome", usecases.OUTCOMES), "role": _choice("role", ROLES),
            "level": _choice("level", ("up", "down", "same"))}


@page(bp, "/reviews", "reviews/index.html", api_rule="/review", endpoint="index")
def reviews() -> View:
    """A quarter's recorded review (default: the latest reviewed); the page filters its rows by
    ``?outcome=``, ``?role=`` and ``?level=up|down``; ``/api/review`` is the whole quarter, as
    ``beltgraph review --quarter Q --json`` printed it."""
    filters = _filters()
    recorded = usecases.recorded_review(get_store(), params.text("quarter"))
    can_run = can_open("reviews.run")
    return View(recorded.to_dict(), {
        "recorded": recorded, "filters": filters, "rows": recorded.select(**filters), "roles": ROLES,
        "outcomes": usecases.OUTCOMES, "level_move": usecases.level_move, "reason_text": reason_text,
        "can_run": can_run, "reviewable": usecases.reviewable_quarters(get_store()) if can_run else [],
        "ran": params.text("ran") == "1"})


def _run_review(quarter):
    """Run and record a review (admin): the same use case as ``beltgraph review``."""
    if quarter is not None and not isinstance(quarter, str):
        raise BadRequest("quarter must be a quarter like 2020Q4 (or absent: the latest with figures)")
    return usecases.review(get_store(), get_config(), quarter or None)


@bp.post("/api/review")
@requires("admin")
@limited
def api_run():
    """Run and record the review of ``{"quarter": "2020Q4"}`` (default: the latest quarter with
    figures); the answer is ``beltgraph review --json``'s."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be JSON: {\"quarter\": \"2020Q4\"} (quarter optional)")
    return jsonify(_run_review(body.get("quarter")).to_dict())


@bp.post("/reviews/run")
@requires("admin")
@limited
def run():
    """The page's form: run the review, then show it."""
    result = _run_review(request.form.get("quarter"))
    return redirect(url_for("reviews.index", quarter=result.quarter, ran=1))


@bp.errorhandler(usecases.NotReviewed)
def not_reviewed(e: usecases.NotReviewed):
    """Nothing recorded for that quarter: the error, and for an admin the review's form."""
    from .app import error_response

    if request.path.startswith("/api/") or not can_open("reviews.run"):
        return error_response(e.status, str(e))
    return error_response(e.status, str(e), (url_for("reviews.run_form"), t("reviews.run")))


@bp.get("/reviews/run")
@requires("admin")
def run_form():
    """The review's form on its own (before any review is recorded, the reviews page has none)."""
    return render_template("reviews/run.html", reviewable=usecases.reviewable_quarters(get_store()))


openapi.register("/api/review", "post", "reviews", "Run and record a quarter's provider review (admin), as "
                 "`beltgraph review --json`", [], "Review",
                 {"application/json": {"schema": {"type": "object", "properties": {
                     "quarter": {"type": "string", "nullable": True,
                                 "description": "e.g. 2020Q4 (absent or null: the latest with figures)"}}}}})


@page(bp, "/reviews/<provider_id>", "reviews/provider.html", endpoint="provider")
def provider(provider_id: str) -> View:
    """One provider's reviewed quarters, oldest first (``beltgraph review --history ID --json``)."""
    store = get_store()
    history = usecases.review_history(store, provider_id)
    profile = usecases.node_profile(store, provider_id, per_type=0)
    reviewed = usecases.reviewed_quarters(store)
    return View(history.to_dict(), {"profile": profile, "reason_text": reason_text,
                                    "level_move": usecases.level_move, "history": history,
                                    "latest": reviewed[0] if reviewed else None})


@bp.get("/reviews/download")
def download():
    """The rows the page shows (a quarter, filtered) as ``?format=csv`` or ``xlsx``."""
    fmt = params.text("format") or "csv"
    filters = _filters()
    recorded = usecases.recorded_review(get_store(), params.text("quarter"))
    keep = {id(r) for r in recorded.select(**filters)}
    items = [d for r, d in zip(recorded.records, recorded.to_dict()["items"]) if id(r) in keep]
    columns = [t("reviews.col.quarter"), t("reviews.col.id"), t("reviews.col.provider"), t("reviews.col.roles"),
               t("reviews.col.outcome"), t("reviews.col.plaque_before"), t("reviews.col.plaque_after"),
               t("reviews.col.level_before"), t("reviews.col.level_after"), t("reviews.col.reasons")]
    yes_no = {True: t("reviews.yes"), False: t("reviews.no")}
    rows = [[d["quarter"], d["provider"], recorded.names.get(d["provider"], ""),
             _roles(recorded.roles.get(d["provider"], [])), t(f"outcome.{d['outcome']}"),
             yes_no[d["plaque_before"]], yes_no[d["plaque_after"]], d["level_before"], d["level_after"],
             reason_text(d["reasons"])] for d in items]
    name = "-".join(["review", recorded.quarter, *[f"{k}-{v}" for k, v in filters.items() if v]])
    return send_tables(name, [Table(t("reviews.sheet", quarter=recorded.quarter), columns, rows)], fmt)


def _roles(roles: list[str]) -> str:
    return ("、" if i18n.lang() == "zh" else "; ").join(t(f"role.{r}") for r in roles)
