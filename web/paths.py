"""Paths between two parties (SPEC §5): the JSON twin of ``beltgraph path --json``."""

from __future__ import annotations

from flask import Blueprint, jsonify

from graph import usecases
from graph.errors import BadRequest

from . import params
from .views import get_store

bp = Blueprint("paths", __name__)


@bp.get("/api/path")
def api_path():
    source, target = params.required("from"), params.required("to")
    options = params.path_options()
    by = params.text("rank") or "hops"
    if by == "strength":
        return jsonify(usecases.introductions(get_store(), source, target, options).to_dict())
    if by != "hops":
        raise BadRequest(f"rank must be hops or strength, not {by!r}")
    return jsonify(usecases.paths(get_store(), source, target, options).to_dict())
