"""Belts: the list of industry belts with what is in each, and its JSON twin."""

from __future__ import annotations

import functools

from flask import Blueprint, current_app, jsonify, render_template, request
from pypinyin import lazy_pinyin

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
        items = [b for b in items if matches(q, b)]
    categories = sorted({b.category for b in belt_summaries(g)})
    return {"items": [b.to_dict() for b in items], "categories": categories,
            "category": category, "q": args.get("q") or "", "stats": g.stats()}


@functools.lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name: 杭州四季青 -> ("hangzhousijiqing", "hzsjq")."""
    syllables = lazy_pinyin(text, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def matches(q: str, b) -> bool:
    """A search term against a belt: its names, place, id, or the pinyin (or initials) of its name."""
    term = q.lower().replace(" ", "")
    if any(q in (v or "").lower() for v in (b.name, b.name_en, b.province, b.city, b.id)):
        return True
    full, initials = pinyin_keys(b.name)
    return term in full or (len(term) >= 2 and term in initials)


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
