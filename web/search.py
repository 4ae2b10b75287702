"""Search: one box finding any entity, results grouped by label with facets; autocomplete."""

from __future__ import annotations

from flask import Blueprint, request

from graph import usecases
from graph.export.tables import Table
from graph.model import LABELS

from . import i18n, params
from .downloads import send_tables
from .views import Lazy, View, get_store, menu, page

bp = Blueprint("search", __name__)
menu(10, "search.index", "nav.search")
i18n.add({
    "nav.search": ("搜索", "Search"),
    "search.title": ("搜索", "Search"),
    "search.placeholder": ("产业带、服务商、供应链、主播、商家……支持中文、拼音、首字母、英文和 ID",
                           "Belts, providers, supply chains, anchors, merchants… Chinese, pinyin, initials, English or id"),
    "search.placeholder.short": ("搜索任意实体（拼音、首字母也可）", "Search anything (pinyin works)"),
    "search.go": ("搜索", "Search"),
    "search.examples": ("试试：", "Try:"),
    "search.total": ("共 {n} 个结果", "{n} results"),
    "search.none": ("没有找到“{q}”。换个写法试试：中文名、拼音（hangzhou）、首字母（hzsjq）或 ID。",
                    "Nothing found for “{q}”. Try a Chinese name, pinyin (hangzhou), initials (hzsjq) or an id."),
    "search.facet.label": ("类型", "Type"), "search.facet.category": ("类目", "Category"),
    "search.facet.division": ("事业部", "Division"), "search.facet.province": ("省份", "Province"),
    "search.clear": ("清除筛选", "Clear filters"),
    "search.all_of": ("查看全部 {n} 个{label}", "All {n} {label}"),
    "search.match.exact": ("完全匹配", "exact"), "search.match.prefix": ("前缀", "prefix"),
    "search.match.substring": ("包含", "contains"), "search.match.pinyin": ("拼音", "pinyin"),
    "search.match.initials": ("首字母", "initials"), "search.match.fuzzy": ("近似", "similar"),
    "search.stats": ("图谱规模", "The graph"),
    "search.csv.title": ("搜索结果", "Search results"),
    "search.col.label": ("类型", "Type"), "search.col.id": ("ID", "Id"), "search.col.name": ("名称", "Name"),
    "search.col.name_en": ("英文名", "English name"), "search.col.category": ("类目", "Category"),
    "search.col.division": ("事业部", "Division"), "search.col.province": ("省份", "Province"),
    "search.col.match": ("匹配方式", "Match"),
})

FACETS = ("label", "category", "division", "province")


def _filters() -> dict:
    return {k: list(params.many(k)) for k in FACETS if params.many(k)}


@page(bp, "/", "search/index.html", api_rule="/search", endpoint="index", also=("/search",))  # SPEC §6: / and /search?q=
def search() -> View:
    """Search results for ?q= (with label, category, division, province filters and paging)."""
    q = (request.args.get("q") or "").strip()
    filters = _filters()
    limit, offset = params.integer("limit", 20, 1, 200), params.integer("offset", 0, 0, 1_000_000)
    result = usecases.search(get_store(), q, None, limit, offset, filters) if q else None
    data = result.to_dict() if result else {"query": "", "total": 0, "offset": 0, "limit": limit, "hits": [],
                                             "groups": [], "facets": {}, "filters": {}}
    return View(data, {"q": q, "stats": Lazy(lambda: usecases.stats(get_store())), "facet_names": FACETS,
                       "tops": Lazy(lambda: _tops(q, filters, result))})


def _tops(q: str, filters: dict, result) -> list[dict]:
    """For the page without a label filter: the best few hits of every label that matches, so
    each group shows names, not only a count (the API's groups hold the page's hits)."""
    if result is None or filters.get("label") or result.offset:
        return [g.to_dict() for g in result.groups] if result else []
    out = []
    for label, n in result.facets.get("label", {}).items():
        top = usecases.search(get_store(), q, label, 6, 0, filters)
        out.append({"label": label, "total": n, "hits": [h.to_dict() for h in top.hits]})
    order = {g.label: i for i, g in enumerate(result.groups)}
    return sorted(out, key=lambda g: order.get(g["label"], len(order)))


@page(bp, "/suggest", None, endpoint="suggest")
def suggest() -> View:
    """Autocomplete for entity pickers: ?q= and optionally ?label= and ?limit=."""
    label = params.text("label")
    result = usecases.suggest(get_store(), request.args.get("q") or "", params.integer("limit", 10, 1, 50), label)
    items = [{**i, "label_name": i18n.label_name(i["label"]) if i["label"] in LABELS else i["label"]}
             for i in result.items]
    return View({"query": result.query, "items": items})


#: Hits in one download at most (the most one search answers).
DOWNLOAD_LIMIT = 500


@bp.get("/search/download")
def download():
    """Search results for ?q= (with the page's filters) as ?format=csv (UTF-8 with BOM) or xlsx."""
    fmt = params.text("format") or "csv"
    q = params.required("q")
    result = usecases.search(get_store(), q, None, DOWNLOAD_LIMIT, 0, _filters())
    keys = ("label", "id", "name", "name_en", "category", "division", "province", "match")
    rows = []
    for h in result.hits:
        d = h.to_dict()
        rows.append([i18n.label_name(d["label"]) if d["label"] in LABELS else d["label"], d["id"], d["name"],
                     d.get("name_en"), d.get("category"), d.get("division"), d.get("province"),
                     i18n.t(f"search.match.{d['match']}")])
    title = f"{i18n.t('search.csv.title')} {q}"
    return send_tables("search", [Table(title, [i18n.t(f"search.col.{k}") for k in keys], rows)], fmt)
