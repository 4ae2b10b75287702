"""Belts: the list of industry belts with what is in each, and its JSON twin."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from graph.summary import belt_summaries

bp = Blueprint("belts", __name__)


def store():
    return current_app.extensions["beltgraph_store"]


def belts_view(args) -> dict:
    """The belts, filtered by ?category= and ?q= (name, English name, province or city)."""
    g = store().graph()
    items = belt_summaries(g)
    category = (args.get("category") or "").strip()
    q = (args.get("q") or "").strip().lower()
    if category:
        items = [b for b in items if b.category == category]
    if q:
        items = [b for b in items if any(q in (v or "").lower() for v in (b.name, b.name_en, b.province, b.city, b.id))]
    categories = sorted({b.category for b in belt_summaries(g)})
    return {"items": [b.to_dict() for b in items], "categories": categories,
            "category": category, "q": args.get("q") or "", "stats": g.stats()}


@bp.get("/")
def index():
    return render_template("belts/index.html", **belts_view(request.args))


@bp.get("/api/belts")
def api_belts():
    view = belts_view(request.args)
    return jsonify({"items": view["items"], "categories": view["categories"]})


@bp.get("/api/stats")
def api_stats():
    return jsonify(store().stats())
