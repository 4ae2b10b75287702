"""Belts: the list of industry belts with what is in each, and its JSON twin."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from graph import usecases

from .views import View, get_store, page

bp = Blueprint("belts", __name__)


@page(bp, "/", "belts/index.html", api_rule="/belts", endpoint="index")
def belts() -> View:
    """The belts, filtered by ?category= and ?q= (name, English name, place, id, pinyin or initials)."""
    result = usecases.belts(get_store(), request.args.get("category", ""), request.args.get("q", ""))
    return View(result.to_dict(), {"category": result.category, "q": request.args.get("q") or "",
                                   "stats": usecases.stats(get_store())})


@bp.get("/api/stats")
def api_stats():
    return jsonify(usecases.stats(get_store()))
