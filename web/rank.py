"""Rankings of supply chains (SPEC §3): the gold and silver table, movers, the what-if view,
downloads, and their JSON twins (``/api/rank`` is ``beltgraph rank --json``)."""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify

from graph import usecases
from graph.export.tables import Table
from graph.model import DIVISIONS
from graph.rank import LOWER_IS_BETTER, METRICS, Pool

from . import i18n, params
from .downloads import send_tables
from .i18n import money, number, t
from .views import Lazy, View, get_config, get_store, menu, page

bp = Blueprint("rank", __name__)
menu(40, "rank.index", "nav.rank")

#: One colour per metric for the stacked points bars and their legend.
METRIC_COLORS = {"gmv": "#2e86de", "anchor_reach": "#27ae60", "fulfillment_rate": "#8e44ad",
                 "return_rate": "#e67e22", "rating": "#16a085"}
#: Rows shown before "show all": the gold and silver ones.
SHOWN = 60

i18n.add({
    "nav.rank": ("排名", "Rankings"),
    "rank.title": ("金银牌供应链排名", "Gold and silver supply chains"),
    "rank.lede": ("{quarter} · {pool} · {eligible} 条供应链参与排名，{ineligible} 条本季带货主播少于 {min} 位未参与",
                  "{quarter} · {pool} · {eligible} supply chains ranked, {ineligible} with fewer than {min} anchors this quarter left out"),
    "rank.pool.all": ("全部供应链", "All supply chains"),
    "rank.pool.division": ("事业部：{name}", "Division: {name}"),
    "rank.pool.category": ("类目：{name}", "Category: {name}"),
    "rank.pool.belt": ("产业带：{name}", "Belt: {name}"),
    "rank.quarter": ("季度", "Quarter"),
    "rank.any_division": ("全部事业部", "All divisions"),
    "rank.any_category": ("全部类目", "All categories"),
    "rank.any_belt": ("全部产业带", "All belts"),
    "rank.show": ("查看", "Show"),
    "rank.pool_hint": ("事业部、类目、产业带一次选一个", "Pick one of division, category or belt"),
    "rank.no_sales": ("{quarter} 没有销售数据，无法排名。", "No sales in {quarter}: nothing to rank."),
    "rank.no_quarter": ("还没有直播销售数据。", "There are no live-stream sales yet."),
    "rank.empty_pool": ("这个范围内没有供应链达到参与排名的条件。", "No supply chain in this pool qualifies."),
    "rank.kpi.gold": ("金牌", "Gold"), "rank.kpi.silver": ("银牌", "Silver"),
    "rank.kpi.eligible": ("参与排名", "Ranked"), "rank.kpi.top_score": ("最高分", "Top score"),
    "rank.col.rank": ("排名", "Rank"), "rank.col.tier": ("等级", "Tier"), "rank.col.name": ("供应链", "Supply chain"),
    "rank.col.score": ("得分", "Score"), "rank.col.points": ("得分构成", "Points by metric"),
    "rank.col.change": ("较上季", "vs last quarter"), "rank.col.explain": ("差距分析", "What-if"),
    "rank.explain_link": ("差多少", "Gap"),
    "rank.change.new": ("新上榜", "new"),
    "metric.gmv": ("GMV", "GMV"), "metric.anchor_reach": ("带货主播", "Anchors"),
    "metric.fulfillment_rate": ("履约率", "Fulfilment"), "metric.return_rate": ("退货率", "Returns"),
    "metric.rating": ("评分", "Rating"),
    "rank.weight": ("{metric} 权重 {weight}", "{metric} weight {weight}"),
    "rank.points_title": ("{metric}：{points} 分（{value}）", "{metric}: {points} points ({value})"),
    "rank.show_all": ("显示全部 {n} 条（含未获等级的）", "Show all {n} (including those without a tier)"),
    "rank.show_tiered": ("只看金银牌", "Only gold and silver"),
    "rank.movers": ("与上季度 {previous} 相比", "Against last quarter ({previous})"),
    "rank.movers.no_previous": ("上季度 {previous} 没有销售数据，无从比较。", "No sales in {previous}: nothing to compare with."),
    "rank.movers.new_gold": ("新晋金牌", "New gold"), "rank.movers.new_silver": ("新晋银牌", "New silver"),
    "rank.movers.dropped": ("跌出金银牌", "Dropped out"), "rank.movers.biggest": ("名次变化最大", "Biggest moves"),
    "rank.movers.was": ("上季第 {rank} 名", "was #{rank}"), "rank.movers.was_none": ("上季未上榜", "not ranked before"),
    "rank.movers.now": ("现第 {rank} 名", "now #{rank}"), "rank.movers.gone": ("本季未参与排名", "not ranked now"),
    "rank.movers.more": ("另有 {n} 条", "{n} more"), "rank.movers.none": ("无", "none"),
    "rank.csv.ranking": ("排名", "Ranking"),
    "rank.col.id": ("ID", "ID"), "rank.col.points_of": ("{metric}得分", "{metric} points"),
    # the what-if page
    "explain.title": ("{name} 差多少能上金银牌", "What {name} needs for gold and silver"),
    "explain.where": ("{quarter} · {pool}：第 {rank} 名，{tier}，得分 {score}",
                      "{quarter} · {pool}: rank {rank}, {tier}, score {score}"),
    "explain.no_tier": ("未获等级", "no tier"),
    "explain.not_eligible": ("本季度只有 {reach} 位主播带货，至少 {min} 位才参与排名，还差 {n} 位。下面按它已参与排名来算。",
                             ("Only {reach} anchors sold it this quarter; {min} are needed to be ranked, {n} more. "
                              "The figures below assume it were ranked.")),
    "explain.already": ("已在{tier}区间（前 {rank} 名）。", "Already {tier} (top {rank})."),
    "explain.gap": ("距{tier}（第 {rank} 名）还差 {gap} 分。其他指标不变，单靠一项做到：",
                    "{gap} points short of {tier} (rank {rank}). With everything else as it is, any one of:"),
    "explain.raise": ("{metric} 从 {now} 提到 {value}", "{metric} from {now} up to {value}"),
    "explain.lower": ("{metric} 从 {now} 降到 {value}", "{metric} from {now} down to {value}"),
    "explain.cannot": ("{metric} 单靠这一项做不到（现为 {now}）", "{metric} alone cannot do it (now {now})"),
    "explain.metrics": ("各项指标与得分", "Metrics and points"),
    "explain.col.metric": ("指标", "Metric"), "explain.col.value": ("本季数值", "This quarter"),
    "explain.col.points": ("得分", "Points"), "explain.col.weight": ("权重", "Weight"),
    "explain.back": ("返回排名", "Back to the ranking"),
    "explain.how": ("每项指标按它在同一范围内参与排名的供应链中的百分位计分（退货率越低越好），乘以权重后相加。",
                    ("Each metric scores its percentile among the ranked supply chains of the same pool "
                     "(lower returns are better), times its weight; the points add up to the score.")),
    "explain.profile": ("查看供应链详情", "Supply chain profile"),
})


def metric_value(metric: str, v) -> str:
    """A metric's value as a reader reads it: money, a count, a percentage or a rating."""
    if v is None:
        return "–"
    if metric == "gmv":
        return money(v)
    if metric == "anchor_reach":
        return number(int(v))
    if metric in ("fulfillment_rate", "return_rate"):
        return f"{float(v) * 100:.1f}%"
    return f"{float(v):.2f}"


def pool_name(pool: Pool, belt_names: dict[str, str]) -> str:
    if pool.division:
        return t("rank.pool.division", name=t(f"division.{pool.division}"))
    if pool.category:
        return t("rank.pool.category", name=i18n.category_name(pool.category))
    if pool.belt:
        return t("rank.pool.belt", name=belt_names.get(pool.belt, pool.belt))
    return t("rank.pool.all")


def _choices(store) -> dict:
    belts = usecases.belts(store)
    return {"divisions": DIVISIONS, "categories": belts.categories,
            "belts": sorted(belts.items, key=lambda b: (b.category, b.id)),
            "belt_names": {b.id: b.name for b in belts.items}}


def _shared(store, config, pool: Pool) -> dict:
    """What the ranking and the what-if pages both show: choices, colours, weights, helpers."""
    choices = _choices(store)
    rank_settings = config.section("rank")
    return {**choices, "pool": pool, "pool_name": pool_name(pool, choices["belt_names"]),
            "quarters": usecases.quarters_with_sales(store), "metric_names": METRICS,
            "lower_is_better": LOWER_IS_BETTER, "metric_colors": METRIC_COLORS,
            "weights": dict(rank_settings["weights"]), "min_anchors": rank_settings["min_anchors"],
            "metric_value": metric_value}


@page(bp, "/rank", "rank/index.html", endpoint="index")
def ranking() -> View:
    """The ranking of a pool in a quarter; ``?all=1`` shows the rows without a tier too."""
    store, config = get_store(), get_config()
    pool = params.pool()
    result = usecases.rank(store, config, params.text("quarter"), pool)

    @functools.cache
    def movers():  # the page's, not the API's
        return usecases.rank_movers(store, config, result.quarter, pool) if result.quarter else None

    show_all = params.flag("all")
    return View(result.to_dict(), {
        **_shared(store, config, pool), "ranking": result, "movers": Lazy(movers),
        "changes": Lazy(lambda: {m.id: m for m in movers().moves} if movers() else {}),
        "had_previous": Lazy(lambda: bool(movers() and any(m.previous_rank is not None for m in movers().moves))),
        "show_all": show_all, "shown": result.items if show_all else result.items[:SHOWN],
        "biggest": Lazy(lambda: _biggest(movers()))})


def _biggest(movers, n: int = 5) -> list:
    """The supply chains with a tier now whose rank moved most, up and down."""
    if movers is None:
        return []
    moved = [m for m in movers.moves if m.tier and m.change]
    ups = sorted((m for m in moved if m.change > 0), key=lambda m: (-m.change, m.rank))[:n]
    downs = sorted((m for m in moved if m.change < 0), key=lambda m: (m.change, m.rank))[:n]
    return ups + downs


@bp.get("/api/rank/movers")
def api_movers():
    """``beltgraph rank --movers --json``."""
    return jsonify(usecases.rank_movers(get_store(), get_config(), params.text("quarter"), params.pool()).to_dict())


@page(bp, "/rank/explain/<sc_id>", "rank/explain.html", endpoint="explain")
def explain(sc_id: str) -> View:
    """What a supply chain lacks for gold and for silver (``beltgraph rank --explain ID --json``)."""
    store, config = get_store(), get_config()
    pool = params.pool()
    e = usecases.rank_explain(store, config, sc_id, params.text("quarter"), pool)
    shared = _shared(store, config, pool)
    now = dict(e.metrics)
    if not e.eligible:  # the what-if counts it as ranked; the page shows its real anchors
        now["anchor_reach"] = max(0, shared["min_anchors"] - e.anchors_needed)
    return View(e.to_dict(), {**shared, "explanation": e, "now": now, "advice": _advice(e, now)})


def _advice(e, now: dict) -> list[dict]:
    """Per target (gold, silver): one sentence for the gap, one per metric, in the reader's words."""
    out = []
    for target in e.targets:
        tier = t(f"tier.{target.tier}")
        if target.gap == 0 and e.rank is not None and e.rank <= target.rank:
            out.append({"tier": target.tier, "headline": t("explain.already", tier=tier, rank=target.rank), "lines": []})
            continue
        lines = []
        for m in METRICS:
            name, v = t(f"metric.{m}"), target.values.get(m)
            was = metric_value(m, now.get(m))
            if v is None:
                lines.append({"ok": False, "text": t("explain.cannot", metric=name, now=was)})
            else:
                key = "explain.lower" if m in LOWER_IS_BETTER else "explain.raise"
                lines.append({"ok": True, "text": t(key, metric=name, now=was, value=metric_value(m, v))})
        out.append({"tier": target.tier, "lines": lines,
                    "headline": t("explain.gap", tier=tier, rank=target.rank, gap=f"{target.gap:.2f}")})
    return out


@bp.get("/rank/download")
def download():
    """The ranking as ``?format=csv`` (UTF-8 with BOM) or ``xlsx``, for the same quarter and pool."""
    fmt = params.text("format") or "csv"
    pool = params.pool()
    data = usecases.rank(get_store(), get_config(), params.text("quarter"), pool).to_dict()
    names = [t(f"metric.{m}") for m in METRICS]
    columns = [t("rank.col.rank"), t("rank.col.tier"), t("rank.col.id"), t("rank.col.name"), t("rank.col.score"),
               *names, *[t("rank.col.points_of", metric=n) for n in names]]
    rows = [[i["rank"], t(f"tier.{i['tier']}") if i["tier"] else "", i["id"], i["name"], round(i["score"], 4),
             *[i["metrics"][m] for m in METRICS], *[round(i["points"][m], 4) for m in METRICS]] for i in data["items"]]
    where = "-".join(f"{k}-{v}" for k, v in pool.to_dict().items())
    name = "-".join(x for x in ("rank", data["quarter"] or "", where) if x)
    return send_tables(name, [Table(f"{t('rank.csv.ranking')} {data['quarter'] or ''}".strip(), columns, rows)], fmt)
