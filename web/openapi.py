"""The API's OpenAPI 3 document (``/api/openapi.json``, generated with apispec) and its docs page.

Every ``/api`` endpoint is described once in :data:`OPERATIONS`; a test checks that the
app has no ``/api`` route missing here. The docs page (``/api/docs``) is Swagger UI served
from the swagger-ui-bundle package: no CDN.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from apispec import APISpec
from flask import Blueprint, jsonify, render_template, send_from_directory

from graph import usecases

from . import i18n
from .views import menu

bp = Blueprint("openapi", __name__)
menu(99, "openapi.docs", "nav.api")
i18n.add({"nav.api": ("API", "API"), "api.title": ("API 文档", "API documentation")})

SWAGGER = Path(swagger_ui_bundle.swagger_ui_path)

# ---------------------------------------------------------------- shapes (SPEC §6)

OBJ = {"type": "object"}
NODE = {"type": "object", "required": ["id", "label", "name"],
        "properties": {"id": {"type": "string"}, "label": {"type": "string"}, "name": {"type": "string"}}}
SCHEMAS = {
    "Error": {"type": "object", "required": ["ok", "error", "status"],
              "properties": {"ok": {"type": "boolean", "enum": [False]}, "error": {"type": "string"},
                             "status": {"type": "integer"}}},
    "Stats": {"type": "object", "required": ["nodes", "relationships"],
              "properties": {"nodes": {"type": "object", "additionalProperties": {"type": "integer"}},
                             "relationships": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    "Ranking": {"type": "object", "required": ["quarter", "items"], "properties": {
        "quarter": {"type": "string", "nullable": True},
        "items": {"type": "array", "items": {"type": "object", "required": ["rank", "id", "name", "tier", "score",
                                                                          "metrics", "points"], "properties": {
            "rank": {"type": "integer"}, "id": {"type": "string"}, "name": {"type": "string"},
            "tier": {"type": "string", "nullable": True, "enum": ["gold", "silver", None]},
            "score": {"type": "number"}, "metrics": OBJ, "points": OBJ}}}}},
    "Paths": {"type": "object", "required": ["from", "to", "paths"], "properties": {
        "from": {"type": "string"}, "to": {"type": "string"},
        "paths": {"type": "array", "items": {"type": "object", "required": ["hops", "nodes", "rels"], "properties": {
            "hops": {"type": "integer"}, "nodes": {"type": "array", "items": NODE},
            "rels": {"type": "array", "items": {"type": "string"}}}}}}},
    "CypherResult": {"type": "object", "required": ["columns", "rows"], "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "array", "items": {}}}}},
    "Search": {"type": "object", "required": ["query", "total", "hits", "groups", "facets"], "properties": {
        "query": {"type": "string"}, "total": {"type": "integer"}, "offset": {"type": "integer"},
        "limit": {"type": "integer"}, "hits": {"type": "array", "items": NODE},
        "groups": {"type": "array", "items": OBJ}, "facets": OBJ, "filters": OBJ}},
    "Suggestions": {"type": "object", "required": ["query", "items"], "properties": {
        "query": {"type": "string"}, "items": {"type": "array", "items": NODE}}},
    "Review": {"type": "object", "required": ["quarter", "summary", "items"], "properties": {
        "quarter": {"type": "string"}, "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
        "items": {"type": "array", "items": OBJ}}},
}


def _p(name: str, where: str = "query", kind: str = "string", required: bool = False, about: str = "",
       many: bool = False, low: int | None = None, high: int | None = None, choices: tuple | None = None) -> dict:
    """A parameter; ``low`` and ``high`` bound an integer, ``choices`` a word, as the endpoint checks them
    (else a 400). A blank optional parameter (``?limit=``, as a form with an empty field sends it) means
    its default (web.params), so the document allows the empty value."""
    schema = {"type": "array", "items": {"type": kind}} if many else {"type": kind}
    schema.update({k: v for k, v in (("minimum", low), ("maximum", high)) if v is not None})
    if choices:
        schema["enum"] = list(choices)
    out = {"name": name, "in": where, "required": required or where == "path", "schema": schema, "description": about}
    if where == "query" and not (required or many):
        out["allowEmptyValue"] = True
    if many:
        out.update(style="form", explode=True)
    return out


QUARTER = _p("quarter", about="e.g. 2020Q4 (default: the latest)")
POOL = [QUARTER, _p("division", about="big_apparel, premium_consumer or home_living"),
        _p("category", about="a supply-chain category"), _p("belt", about="a belt id")]
PATH_OPTIONS = [_p("k", kind="integer", about="how many shortest simple paths (1..50)", low=1, high=50),
                _p("max_hops", kind="integer", about="1..12, default 6", low=1, high=12),
                _p("exclude", many=True, about="labels or relationship types not to pass through"),
                _p("only_plaqued", kind="boolean", about="pass only through providers with a plaque"),
                _p("via", about="a label the path must pass through")]

#: (path, method, tag, summary, parameters, response schema name or None for a plain object[, request body])
OPERATIONS: list[tuple] = [
    ("/api/stats", "get", "graph", "Nodes per label and relationships per type", [], "Stats"),
    ("/api/search", "get", "search", "Find any entity: hits by relevance, grouped by label, with facets",
     [_p("q", about="Chinese, English, pinyin, initials, id or a typo (absent or blank: no hits)"),
      _p("label", many=True), _p("category", many=True), _p("division", many=True), _p("province", many=True),
      _p("limit", kind="integer", low=1, high=200), _p("offset", kind="integer", low=0, high=1_000_000)], "Search"),
    ("/api/suggest", "get", "search", "Autocomplete for entity pickers",
     [_p("q", about="what was typed so far (absent or blank: no items)"), _p("label"),
      _p("limit", kind="integer", low=1, high=50)], "Suggestions"),
    ("/api/belts", "get", "belts", "Every belt with its counts", [_p("q"), _p("category")], None),
    ("/api/rank", "get", "rankings", "Gold and silver supply chains (SPEC §3), as `beltgraph rank --json`",
     POOL, "Ranking"),
    ("/api/rank/movers", "get", "rankings", "Against the previous quarter: new gold, new silver, dropped", POOL, None),
    ("/api/rank/explain/{sc_id}", "get", "rankings", "What a supply chain lacks for gold and silver (what-if)",
     [_p("sc_id", "path"), *POOL], None),
    ("/api/review", "get", "reviews", "A reviewed quarter's outcomes (read from the recorded history)",
     [QUARTER], "Review"),
    ("/api/reviews/{provider_id}", "get", "reviews", "One provider's reviewed quarters",
     [_p("provider_id", "path")], None),
    ("/api/gaps", "get", "coverage", "Belts x provider roles, belts without gold or silver supply chains",
     [QUARTER], None),
    ("/api/anchors", "get", "coverage", "Anchor tiers by followers and by GMV", [QUARTER], None),
    ("/api/merchants/plan", "get", "coverage", "New merchants on the reduced-fee plan", [], None),
    ("/api/path", "get", "paths", "Paths between two entities (SPEC §5), as `beltgraph path --json`",
     [_p("from", required=True), _p("to", required=True), *PATH_OPTIONS,
      _p("rank", about="hops (default) or strength: warm introductions with reasons", choices=("hops", "strength"))],
     "Paths"),
    ("/api/connect", "get", "paths", "How a group relates: a connecting tree and pairwise hops",
     [_p("id", many=True, required=True), _p("max_hops", kind="integer", low=1, high=12)], None),
    ("/api/belts/{belt_id}", "get", "belts", ("A belt's profile: place, numbers per quarter, bases, providers by "
     "role, supply chains with tiers, top anchors, gaps, a neighbourhood to draw"), [_p("belt_id", "path")], None),
    ("/api/map", "get", "belts", "Every belt with its coordinates, category and GMV of the latest quarter", [], None),
    ("/api/nodes/{node_id}", "get", "graph", ("Any entity: properties, neighbours by type (paged), figures per "
     "quarter, history"), [_p("node_id", "path"), _p("type", about="page one relationship type"),
                          _p("label", about="...and one label of its other end"),
                          _p("offset", kind="integer", low=0, high=10**9),
                          _p("per_type", kind="integer", low=1, high=200)], None),
    ("/api/explore", "get", "explore", ("An explorer view (focus, expansions, hidden, paths, pins) as nodes and "
     "relationships"), [_p("focus", required=True), _p("x", many=True, about="ID|TYPE|Label|N expansions"),
                       _p("hide", many=True), _p("path", many=True, about="A|B"), _p("pin", many=True)], None),
    ("/api/explore/expand", "get", "explore", "One expansion: the top N neighbours of a node by one type",
     [_p("id", required=True), _p("type", required=True), _p("label"),
      _p("limit", kind="integer", low=1, high=usecases.MAX_STEP), _p("offset", kind="integer", low=0, high=10**9)],
     None),
    ("/api/explore/groups", "get", "explore", "A node's relationship groups with counts", [_p("id", required=True)],
     None),
    ("/api/cypher/examples", "get", "cypher", "Named example queries with their parameters", [], None),
    ("/api/cypher", "post", "cypher", "A read-only Cypher query, as `beltgraph cypher --json` (a write: 400)", [],
     "CypherResult", {"application/json": {"schema": {"type": "object", "required": ["query"], "properties": {
         "query": {"type": "string"}, "params": {"type": "object"}}}}}),
    ("/api/load", "get", "admin", "What the upload accepts (loopback only until roles are configured)", [], None),
    ("/api/load", "post", "admin", "Load an uploaded .zip or .xlsx bundle, all or nothing", [], None,
     {"multipart/form-data": {"schema": {"type": "object", "required": ["bundle"], "properties": {
         "bundle": {"type": "string", "format": "binary"}, "merge": {"type": "boolean"}}}}}),
    ("/api/match", "get", "paths", "Supply-demand matching with scores and reasons",
     [_p("kind", about="anchor or supply-chain (default: from the id's label)", choices=("anchor", "supply-chain")),
      _p("id", required=True),
      _p("limit", kind="integer", low=1, high=200)], None),
]


def build_spec(extra: list | None = None) -> dict:
    """The OpenAPI 3 document of :data:`OPERATIONS` (plus ``extra`` operations)."""
    spec = APISpec(title="BeltGraph API", version="1", openapi_version="3.0.3",
                   info={"description": "Industry belts, supply chains, providers and anchors as a graph. "
                                        "Errors: {\"ok\": false, \"error\": \"...\", \"status\": N}."})
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, schema)
    by_path: dict[str, dict] = {}
    for path, method, tag, summary, params, response, *body in OPERATIONS + (extra or []):
        ok = {"$ref": f"#/components/schemas/{response}"} if response else OBJ
        op = {"tags": [tag], "summary": summary, "parameters": params,
              "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}},
                            "default": {"description": "An error",
                                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
        if body and body[0]:
            op["requestBody"] = {"required": True, "content": body[0]}
        by_path.setdefault(path, {})[method] = op
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


#: Operations other blueprints add (``register``), so each feature documents its own endpoints.
EXTRA: list = []


def register(path: str, method: str, tag: str, summary: str, params: list[dict], response: str | None = None,
             body: dict | None = None) -> None:
    """Document an endpoint from its own blueprint; ``body`` maps media types to schemas."""
    EXTRA.append((path, method, tag, summary, params, response, body))


@bp.get("/api/openapi.json")
def openapi_json():
    return jsonify(build_spec(EXTRA))


@bp.get("/api/docs")
def docs():
    return render_template("openapi/docs.html")


@bp.get("/api/docs/ui/<path:filename>")
def swagger_file(filename):
    return send_from_directory(SWAGGER, filename, max_age=86400)
