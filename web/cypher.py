"""The Cypher console: a read-only query with $parameters, as a table and (when it returns
nodes, relationships or paths) a graph; named example queries; CSV, Excel and JSON downloads.

``POST /api/cypher`` with ``{"query": "...", "params": {...}}`` answers exactly what
``beltgraph cypher --json`` prints (``{"columns", "rows"}``); a result cut at
``[cypher] max_rows`` says so in the header ``X-BeltGraph-Truncated: 1``. A query that
would write is refused with 400 and the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, request

from graph import usecases
from graph.errors import BadRequest, QueryRefused
from graph.export.tables import Table
from graph.model import REL_TYPES

from . import i18n, params
from .downloads import send_tables
from .views import View, get_config, get_store, menu, page

bp = Blueprint("cypher", __name__)
menu(90, "cypher.index", "nav.cypher")

i18n.add({
    "nav.cypher": ("Cypher 查询", "Cypher"),
    "cypher.title": ("Cypher 查询", "Cypher console"),
    "cypher.lede": ("只读查询：写入（CREATE、SET、DELETE 等）会被拒绝。最多返回 {rows} 行，{seconds} 秒超时。",
                    ("Read-only: writes (CREATE, SET, DELETE...) are refused. At most {rows} rows; a query stops "
                    "after {seconds} s.")),
    "cypher.run": ("运行", "Run"), "cypher.run_hint": ("Ctrl+Enter 运行", "Ctrl+Enter runs"),
    "cypher.params": ("参数", "Parameters"), "cypher.param.add": ("添加参数", "Add parameter"),
    "cypher.param.name": ("名称", "name"), "cypher.param.value": ("值（数字、true/false、文本）",
                                                                 "value (number, true/false or text)"),
    "cypher.param.remove": ("删除", "Remove"),
    "cypher.examples": ("示例查询", "Example queries"), "cypher.history": ("历史记录", "History"),
    "cypher.history.empty": ("运行过的查询会保存在这个浏览器里（最近 50 条）。",
                             "Queries you run are kept in this browser (the last 50)."),
    "cypher.history.clear": ("清空", "Clear"),
    "cypher.rows": ("{n} 行 · {ms} 毫秒", "{n} rows · {ms} ms"),
    "cypher.truncated": ("只显示前 {n} 行（config.toml 中的 [cypher] max_rows）。",
                         "Only the first {n} rows are shown ([cypher] max_rows in config.toml)."),
    "cypher.graph": ("图", "Graph"), "cypher.table": ("表格", "Table"),
    "cypher.graph_cut": ("图中只画出前 {n} 个节点。", "The graph shows the first {n} nodes."),
    "cypher.no_rows": ("查询没有返回任何行。", "The query returned no rows."),
    "cypher.running": ("运行中…", "Running…"),
    "cypher.bad_params": ("参数名不能为空，也不能重复。", "Parameter names must be given and differ."),
    "cypher.ex.belt_chains": ("产业带的供应链", "Supply chains of a belt"),
    "cypher.ex.belt_chains.about": ("一个产业带里的供应链，按 SKU 数排序。", "A belt's supply chains, most SKUs first."),
    "cypher.ex.provider_anchors": ("服务商孵化的主播", "Anchors a provider incubated"),
    "cypher.ex.provider_anchors.about": ("按粉丝数排序，附孵化起始日期。", "Most followers first, with the date since."),
    "cypher.ex.division_top": ("事业部 GMV 最高的供应链", "Top supply chains of a division by GMV"),
    "cypher.ex.division_top.about": ("某季度按 GMV 排序。金牌/银牌还看主播数、履约率、退货率和评分：见排名页。",
                                     ("In one quarter, by GMV. The gold/silver ranking also weighs anchors, "
                                     "fulfilment, returns and rating: see the ranking page.")),
    "cypher.ex.belt_providers": ("谁在服务这个产业带", "Who serves a belt"),
    "cypher.ex.belt_providers.about": ("服务商、等级、牌匾与角色。", "Providers with level, plaque and roles."),
    "cypher.ex.merchant_chains": ("商家的供应链", "A merchant's supply chains"),
    "cypher.ex.merchant_chains.about": ("商家进货的供应链及其所在产业带。", "Where a merchant sources, and the belts."),
    "cypher.ex.anchor_belts": ("主播经供应链连到的产业带", "Belts an anchor sells from"),
    "cypher.ex.anchor_belts.about": ("以路径返回：主播 → 供应链 → 产业带。", "As paths: anchor → supply chain → belt."),
})


@dataclass(frozen=True)
class Example:
    """A named query with its parameters and their example values (Bloom's search phrases)."""

    key: str
    query: str
    params: dict

    def to_dict(self) -> dict:
        return {"key": self.key, "name": i18n.t(f"cypher.ex.{self.key}"),
                "about": i18n.t(f"cypher.ex.{self.key}.about"), "query": self.query, "params": self.params}


#: The example library; the values are from the committed sample (data/sample).
EXAMPLES = (
    Example("belt_chains", "MATCH (sc:SupplyChain)-[r:IN_BELT]->(b:Belt {id: $belt})\n"
                           "RETURN sc, r, b, sc.sku_count AS skus, sc.rating AS rating\n"
                           "ORDER BY skus DESC LIMIT 50", {"belt": "hz-sijiqing"}),
    Example("provider_anchors", "MATCH (p:Provider {id: $provider})-[i:INCUBATES]->(a:Anchor)\n"
                                "RETURN p, i, a, a.followers AS followers, i.since AS since\n"
                                "ORDER BY followers DESC LIMIT 100", {"provider": "prov-0135"}),
    Example("division_top", "MATCH (a:Anchor)-[s:SELLS]->(sc:SupplyChain)-[:IN_BELT]->(b:Belt)\n"
                            "WHERE b.division = $division AND s.quarter = $quarter\n"
                            "RETURN sc.id AS id, sc.name AS supply_chain, b.name AS belt,\n"
                            "       sum(s.gmv) AS gmv, count(DISTINCT a) AS anchors\n"
                            "ORDER BY gmv DESC LIMIT 20", {"division": "big_apparel", "quarter": "2020Q4"}),
    Example("belt_providers", "MATCH (p:Provider)-[s:SERVES]->(b:Belt {id: $belt})\n"
                              "RETURN p, s, b, p.level AS level, p.plaque AS plaque, p.roles AS roles\n"
                              "ORDER BY level DESC, p.id", {"belt": "hz-sijiqing"}),
    Example("merchant_chains", "MATCH (m:Merchant {id: $merchant})-[r:SOURCES_FROM]->(sc:SupplyChain)\n"
                               "OPTIONAL MATCH (sc)-[:IN_BELT]->(b:Belt)\n"
                               "RETURN m, r, sc, b.name AS belt", {"merchant": "m-09132"}),
    Example("anchor_belts", "MATCH p = (a:Anchor {id: $anchor})-[:SELLS]->(:SupplyChain)-[:IN_BELT]->(:Belt)\n"
                            "RETURN DISTINCT p LIMIT 100", {"anchor": "anc-00002"}),
)

#: Messages the page's script shows.
_SCRIPT_TEXTS = ("cypher.rows", "cypher.truncated", "cypher.graph_cut", "cypher.no_rows", "cypher.running",
                 "cypher.history.empty", "cypher.param.name", "cypher.param.value", "cypher.param.remove",
                 "cypher.bad_params")


def _examples() -> list[dict]:
    out = [e.to_dict() for e in EXAMPLES]
    quarters = get_store().sales_quarters()
    if quarters:  # the example's quarter: the latest with sales
        for e in out:
            if "quarter" in e["params"]:
                e["params"] = {**e["params"], "quarter": max(quarters)}
    return out


@page(bp, "/cypher", "cypher/index.html", api_rule="/cypher/examples", endpoint="index")
def console() -> View:
    """The console; ``?query=`` and ``?params=`` (JSON) fill the editor, ``?example=KEY`` an example."""
    config = get_config()
    examples = _examples()
    query, given = params.text("query") or "", _params_arg(request.args.get("params"))
    chosen = params.text("example")
    if chosen:
        found = [e for e in examples if e["key"] == chosen]
        if not found:
            raise BadRequest(f"no example {chosen!r}: expected one of {', '.join(e['key'] for e in examples)}")
        query, given = found[0]["query"], found[0]["params"]
    data = {"examples": examples, "max_rows": config.get("cypher", "max_rows"),
            "timeout_ms": config.get("cypher", "timeout_ms")}
    schema = {t: [list(end) for end in r.ends] for t, r in REL_TYPES.items()}
    texts = {k: i18n.t(k) for k in _SCRIPT_TEXTS}
    return View(data, {"query": query, "params": given, "schema": schema, "texts": texts})


def _params_arg(text: str | None) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise BadRequest("params must be a JSON object, e.g. {\"belt\": \"hz-sijiqing\"}") from None
    if not isinstance(value, dict):
        raise BadRequest("params must be a JSON object, e.g. {\"belt\": \"hz-sijiqing\"}")
    return value


def _run(query, given):
    """The use case, with a refused write reported as 400 (a bad request, not a permission)."""
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("query is required: {\"query\": \"MATCH ...\", \"params\": {...}}")
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise BadRequest("params must be a JSON object")
    try:
        return usecases.cypher(get_store(), query, given)
    except QueryRefused as e:
        raise BadRequest(str(e)) from None


@bp.post("/api/cypher")
def api_cypher():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be JSON: {\"query\": \"MATCH ...\", \"params\": {...}}")
    result = _run(body.get("query"), body.get("params"))
    response = jsonify(result.to_dict())
    response.headers["X-BeltGraph-Elapsed-Ms"] = f"{result.elapsed_ms:.0f}"
    if result.truncated:
        response.headers["X-BeltGraph-Truncated"] = "1"
    return response


@bp.post("/cypher/download")
def download():
    """The result of the form's query as CSV (UTF-8 with BOM), Excel or JSON."""
    fmt = request.form.get("format", "csv")
    if fmt not in ("csv", "xlsx", "json"):
        raise BadRequest(f"format must be csv, xlsx or json, not {fmt!r}")
    result = _run(request.form.get("query"), _params_arg(request.form.get("params")))
    if fmt == "json":
        body = json.dumps(result.to_dict(), ensure_ascii=False, indent=1)
        headers = {"Content-Disposition": "attachment; filename=\"cypher.json\""}
        if result.truncated:
            headers["X-BeltGraph-Truncated"] = "1"
        return Response(body, mimetype="application/json", headers=headers)
    response = send_tables("cypher", [Table("Cypher", result.columns, result.rows)], fmt)
    if result.truncated:
        response.headers["X-BeltGraph-Truncated"] = "1"
    return response
