"""Belts: the list of industry belts with what is in each, and its JSON twin."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from graph import usecases

from . import i18n
from .views import View, get_store, menu, page

bp = Blueprint("belts", __name__)
menu(30, "belts.index", "nav.belts")
i18n.add({
    "nav.belts": ("产业带", "Belts"),
    "belts.title": ("产业带", "Industry belts"),
    "belts.lede": ("{belts} 个产业带 · {chains} 条供应链 · {merchants} 家商家 · {providers} 家服务商 · {anchors} 位主播",
                   "{belts} belts · {chains} supply chains · {merchants} merchants · {providers} providers · {anchors} anchors"),
    "belts.search": ("名称、拼音、省份或城市（如 shuibei / hz）", "Name, pinyin, province or city (e.g. shuibei / hz)"),
    "belts.all_categories": ("全部类目", "All categories"),
    "belts.filter": ("筛选", "Filter"),
    "belts.col.belt": ("产业带", "Belt"), "belts.col.category": ("类目", "Category"),
    "belts.col.division": ("事业部", "Division"), "belts.col.place": ("省份 / 城市", "Province / city"),
    "belts.col.bases": ("基地", "Bases"), "belts.col.chains": ("供应链", "Supply chains"),
    "belts.col.merchants": ("商家", "Merchants"), "belts.col.providers": ("服务商", "Providers"),
    "belts.none": ("没有符合条件的产业带。", "No belt matches these filters."),
})


@page(bp, "/belts", "belts/index.html", endpoint="index")
def belts() -> View:
    """The belts, filtered by ?category= and ?q= (name, English name, place, id, pinyin or initials)."""
    result = usecases.belts(get_store(), request.args.get("category", ""), request.args.get("q", ""))
    return View(result.to_dict(), {"category": result.category, "q": request.args.get("q") or "",
                                   "stats": usecases.stats(get_store())})


@bp.get("/api/stats")
def api_stats():
    return jsonify(usecases.stats(get_store()))
