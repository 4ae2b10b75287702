"""Rankings of supply chains (SPEC §3): the JSON twin of ``beltgraph rank --json``."""

from __future__ import annotations

from flask import Blueprint, jsonify

from graph import usecases

from . import params
from .views import get_config, get_store

bp = Blueprint("rank", __name__)


@bp.get("/api/rank")
def api_rank():
    ranking = usecases.rank(get_store(), get_config(), params.text("quarter"), params.pool())
    return jsonify(ranking.to_dict())
