"""Supply-demand matching: ``/match?kind=anchor|supply-chain&id=`` and its JSON twin ``/api/match``
(= ``beltgraph match KIND ID --json``): suggested partners with their score, the score's parts
and the reasons.

The list is a macro, ``suggestions(result)`` in ``match/_suggestions.html``, so an anchor's or a
supply chain's profile can show the same list: ``{% from "match/_suggestions.html" import
suggestions %}{{ suggestions(usecases.match(...).to_dict()) }}``.
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request

from graph import usecases
from graph.errors import BadRequest, BeltGraphError, with_article
from graph.export.tables import Table

from . import i18n, params
from .downloads import send_tables
from .i18n import category_name, lang, money, t
from .paths import api_error, entity, is_api, node_href, page_message
from .views import View, get_config, get_store, menu, page

bp = Blueprint("match", __name__)
menu(80, "match.index", "nav.match")
i18n.add({
    "nav.match": ("供需匹配", "Matching"),
    "match.title": ("供需匹配", "Supply-demand matching"),
    "match.lede": ("为主播推荐还没有合作的供应链，或为供应链推荐还没有带过它的主播："
                   "按类目契合、排名与层级、实力和关系亲近打分。",
                   "Supply chains an anchor does not sell yet, or anchors that do not sell a supply chain yet, "
                   "scored by category fit, standing, strength and closeness."),
    "match.kind": ("匹配", "Match"), "match.kind.auto": ("按所选实体", "by the chosen party"),
    "match.kind.anchor": ("为主播找供应链", "supply chains for an anchor"),
    "match.kind.supply-chain": ("为供应链找主播", "anchors for a supply chain"),
    "match.for": ("主播或供应链", "Anchor or supply chain"),
    "match.pick": ("名称、拼音或 ID", "Name, pinyin or id"),
    "match.limit": ("条数", "How many"),
    "match.submit": ("匹配", "Match"),
    "match.hint": ("选择一位主播或一条供应链。", "Pick an anchor or a supply chain."),
    "match.heading.anchor": ("为 {name} 推荐的供应链", "Supply chains for {name}"),
    "match.heading.supply_chain": ("为 {name} 推荐的主播", "Anchors for {name}"),
    "match.score": ("匹配分", "Score"), "match.parts": ("得分构成", "Parts"), "match.reasons": ("理由", "Why"),
    "match.intro": ("引荐路径", "Introduction"),
    "match.none": ("没有可推荐的对象。", "Nothing to suggest."),
    "match.error": ("无法匹配", "Cannot match"),
    "match.part.category": ("类目契合", "Category fit"), "match.part.standing": ("排名与层级", "Standing"),
    "match.part.strength": ("实力", "Strength"), "match.part.closeness": ("关系亲近", "Closeness"),
    "match.not_matchable": ("只能为主播或供应链做匹配，“{id}”是{label}。",
                            "Matching is for anchors and supply chains; “{id}” is {label}."),
    # reasons in Chinese (graph/matching.py writes them in English)
    "match.reason.same": ("同类目（{c}）", "same category ({c})"),
    "match.reason.related": ("相近类目（供应链 {c}，主播 {a}）", "related category ({c} for a {a} anchor)"),
    "match.reason.tier": ("{q} {tier}第 {rank} 名（得分 {score}）", "{tier} #{rank} in {q} (score {score})"),
    "match.reason.ranked": ("{q} 排名第 {rank}（得分 {score}）", "ranked #{rank} in {q} (score {score})"),
    "match.reason.leader": ("招商团长 {name}（{id}）既撮合该主播，也招募该供应链",
                            "team leader {name} ({id}) matches the anchor and recruits the supply chain"),
    "match.reason.runs": ("主播的孵化服务商 {name}（{id}）经营该供应链",
                          "the anchor's incubator {name} ({id}) runs it"),
    "match.reason.serves": ("主播的孵化服务商 {name}（{id}）服务其所在产业带",
                            "the anchor's incubator {name} ({id}) serves its belt"),
    "match.reason.sells": ("带货{c}", "sells {c}"),
    "match.reason.sells_related": ("带货相近类目（{c}）", "sells {c}, a related category"),
    "match.reason.followers": ("{tier}主播，粉丝 {n}", "{tier} anchor, {n} followers"),
    "match.reason.gmv": ("{q} GMV {gmv}", "GMV {gmv} in {q}"),
})

KINDS = {"Anchor": "anchor", "SupplyChain": "supply-chain"}


def _kind(node_id: str) -> str:
    """``kind`` as given, or (when it is left out) from the chosen node's label."""
    kind = params.text("kind")
    if kind:
        return kind
    label = get_store().node(node_id)["label"]
    if label not in KINDS:
        raise BadRequest(f"matching is for anchors and supply chains; {node_id!r} is {with_article(label)}")
    return KINDS[label]


def _result():
    node_id = params.required("id")
    return usecases.match(get_store(), get_config(), _kind(node_id), node_id, params.integer("limit", 20, 1, 200))


def _form() -> dict:
    args = request.args
    return {"q": {"kind": (args.get("kind") or "").strip(), "id": (args.get("id") or "").strip(),
                  "limit": (args.get("limit") or "").strip() or "20"},
            "chosen": entity((args.get("id") or "").strip())}


@page(bp, "/match", "match/index.html", endpoint="index")
def match() -> View:
    """Partners for the anchor or supply chain ``id`` (``kind`` anchor or supply-chain; left out, from its label)."""
    data = _result().to_dict()
    return View(data, {**_form(), "result": data, "error": None})


@bp.get("/match/download")
def download():
    """The suggestions as CSV or Excel (``?format=csv|xlsx`` and the page's own parameters)."""
    data = _result().to_dict()
    parts = list(usecases.match_weights())
    rows = [[i, m["id"], m["name"], m["score"], *(m["parts"][p] for p in parts), "; ".join(m["reasons"])]
            for i, m in enumerate(data["items"], 1)]
    table = Table(f"{data['name']} ({data['id']})", ["rank", "id", "name", "score", *parts, "reasons"], rows)
    return send_tables(f"match-{data['id']}", [table], params.text("format") or "csv")


@bp.errorhandler(BeltGraphError)
def on_error(e: BeltGraphError):
    if is_api() or request.endpoint == "match.download":
        return api_error(e)
    form = _form()
    asked = bool(form["q"]["id"])
    status = e.status if asked else 200
    message = page_message(e) if asked else None
    if asked and form["chosen"] and form["chosen"]["label"] not in (None, *KINDS) and not form["q"]["kind"]:
        message = t("match.not_matchable", id=form["q"]["id"], label=i18n.label_name(form["chosen"]["label"]))
    return render_template("match/index.html", **form, items=None, error=message, status=status), status


# ---------------------------------------------------------------- reasons in Chinese

def _tier(name: str) -> str:
    return t(f"tier.{name}") if f"tier.{name}" in i18n.MESSAGES else name


_REASONS = [
    (r"same category \((?P<c>[^()]*)\)", lambda m: t("match.reason.same", c=category_name(m["c"]))),
    (r"related category \((?P<c>\S+) for an? (?P<a>\S+) anchor\)",
     lambda m: t("match.reason.related", c=category_name(m["c"]), a=category_name(m["a"]))),
    (r"ranked #(?P<rank>\d+) in (?P<q>\S+) \(score (?P<score>[\d.]+)\)",
     lambda m: t("match.reason.ranked", rank=m["rank"], q=m["q"], score=m["score"])),
    (r"(?P<tier>gold|silver) #(?P<rank>\d+) in (?P<q>\S+) \(score (?P<score>[\d.]+)\)",
     lambda m: t("match.reason.tier", tier=_tier(m["tier"]), rank=m["rank"], q=m["q"], score=m["score"])),
    (r"team leader (?P<name>.*) \((?P<id>[^()]*)\) matches the anchor and recruits the supply chain",
     lambda m: t("match.reason.leader", name=m["name"], id=m["id"])),
    (r"the anchor's incubator (?P<name>.*) \((?P<id>[^()]*)\) runs it",
     lambda m: t("match.reason.runs", name=m["name"], id=m["id"])),
    (r"the anchor's incubator (?P<name>.*) \((?P<id>[^()]*)\) serves its belt",
     lambda m: t("match.reason.serves", name=m["name"], id=m["id"])),
    (r"sells (?P<c>.*), a related category", lambda m: t("match.reason.sells_related", c=category_name(m["c"]))),
    (r"sells (?P<c>\S+)", lambda m: t("match.reason.sells", c=category_name(m["c"]))),
    (r"(?P<tier>head|mid|tail) anchor, (?P<n>[\d,]+) followers",
     lambda m: t("match.reason.followers", tier=_tier(m["tier"]), n=money(int(m["n"].replace(",", ""))))),
    (r"GMV (?P<gmv>[\d,]+) in (?P<q>\S+)",
     lambda m: t("match.reason.gmv", gmv=money(float(m["gmv"].replace(",", ""))), q=m["q"])),
]


def match_reason(text: str) -> str:
    """A match reason in the reader's language (as written when it has no known form)."""
    if lang() != "zh":
        return text
    for pattern, render in _REASONS:
        m = re.fullmatch(pattern, text)
        if m:
            return render(m)
    return text


@bp.app_template_global()
def match_ui() -> dict:
    """What the suggestions macro calls: the reasons in Chinese, the parts' weights, profile links."""
    return {"reason": match_reason, "weights": usecases.match_weights(), "href": node_href}
