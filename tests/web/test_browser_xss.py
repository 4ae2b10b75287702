"""XSS sweep (issue 12, item 5): hostile names in every page and every exported file, in Chromium.

A copy of the sample bundle has a payload in every name-like and free-text value (names,
English names, places, categories, kinds, products, notes, sources, an extra column, even
an extra column's header), each with a readable Chinese prefix so search still finds rows.
Every HTML page of the app (enumerated from its url_map, so a new page must be added here or
the sweep fails) and every exported HTML/SVG file is opened in Chromium with the
Content-Security-Policy bypassed, so what is proven is the escaping, not the CSP. A page passes
when no script of a payload ran (no dialog, ``window.__xss`` unset in every frame) and no
element or attribute of a payload is in the DOM, after the page's graphs are drawn and a few
tooltips were shown.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import pytest

from ..conftest import ROOT
from .conftest import serve

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser fixture says what to install
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser

#: Each sets window.__xss or opens a dialog if it ever runs; none holds ";" (lists are ;-separated).
PAYLOADS = (
    '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
    '"><svg onload=window.__xss=1>',
    "</script><script>window.__xss=1</script>",
    "javascript:window.__xss=1",
    "' onmouseover='window.__xss=1' x='",
    "«{{7*7}}»",
    "«${7*7}»${alert(1)}",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<a href="javascript:window.__xss=1">点我</a>',
    "]]><script>window.__xss=1</script><![CDATA[",
    "</textarea></title></style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "\"'><script>alert(1)</script>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=window.__xss=1>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
)
#: Rendered by a template engine, these would read «49».
TEMPLATE_RESULT = "«49»"
#: A file name can hold neither "/" nor NUL: the hostile bundle folder's name.
FOLDER_PAYLOAD = "<img src=x onerror=window.__xss=1>"
#: An extra column whose header is itself a payload (extra columns are kept as text properties).
EXTRA_COLUMN = "备注<b onmouseover=alert(1)>"

#: Free-text columns of each node file: every row gets a payload (the value stays its prefix).
EVERY_ROW = {
    "Belt": ("name", "name_en", "products", "notes_en", "synthetic"),
    "Base": ("name", "synthetic"),
    "Provider": ("name", "synthetic"),
    "SupplyChain": ("name", "synthetic"),
    "Anchor": ("name", "synthetic"),
    "Merchant": ("name", "synthetic"),
    "TeamLeader": ("name", "synthetic"),
}
#: Columns that group rows (places, categories, kinds): the same value always gets the same
#: payload, so rows that shared a place or category still do.
BY_VALUE = {
    "Belt": ("province", "city", "county"),
    "Base": ("kind",),
    "Anchor": ("province",),
}
#: Category columns: one value in three becomes a hostile "other text" category; the rest stay
#: the known categories, so rankings, matching and colours still have their pools.
CATEGORY = {"Belt": "category", "SupplyChain": "category", "Anchor": "category"}


#: Nodes added with ids that are payloads too (an id is any unique text; none holds "/" so each
#: also fits a route's one-segment id), linked to the sample's nodes so pages show them.
HOSTILE_IDS = {
    "Belt": "b-<img src=x onerror=alert(1)>",
    "Base": "base-<body onload=alert(1)>",
    "Provider": 'p-"><svg onload=alert(1)>',
    "SupplyChain": "sc-{{7*7}}<svg onload=alert(1)>",
    "Anchor": "a-'onmouseover='alert(1)'",
    "Merchant": "javascript:alert(1)",
    "TeamLeader": "tl-<details open ontoggle=alert(1)>",
}


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def hostile_bundle(folder: Path) -> Path:
    """data/sample with payloads in every text a page or a file shows (ids, enums, numbers and
    dates untouched, so the loader takes it)."""
    dst = folder / FOLDER_PAYLOAD
    shutil.copytree(ROOT / "data" / "sample", dst)
    for label, free_text in EVERY_ROW.items():
        path = dst / "nodes" / f"{label}.csv"
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        columns = list(rows[0]) + [EXTRA_COLUMN]
        for i, row in enumerate(rows):
            for col in free_text:
                if col not in row:
                    continue
                if col == "products":  # a ;-list: a hostile item of its own
                    row[col] = f"{row[col]};货品{payload(i + 3)}"
                elif row[col]:
                    row[col] = row[col] + payload(i)
                else:
                    row[col] = "空" + payload(i)
            for col in BY_VALUE.get(label, ()):
                if row.get(col):
                    row[col] = row[col] + payload(_stable(row[col]))
            cat = CATEGORY.get(label)
            if cat and row.get(cat) and _stable(row[cat]) % 3 == 0:
                row[cat] = "其他" + payload(_stable(row[cat]) // 3)
            if label == "Belt":
                row["source"] = "javascript:window.__xss=1" if i % 2 else row["source"] + "#" + payload(i)
            row[EXTRA_COLUMN] = "附注" + payload(i + 7)
        rows.append(_hostile_row(label, columns))
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, columns)
            w.writeheader()
            w.writerows(rows)
    _link_hostile_ids(dst)
    return dst


def _hostile_row(label: str, columns: list[str]) -> dict:
    row = dict.fromkeys(columns, "")
    row.update({"id": HOSTILE_IDS[label], "name": f"恶意{label}{payload(len(label))}"})
    row.update({
        "Belt": {"category": "apparel", "division": "big_apparel", "province": "浙江省" + PAYLOADS[1],
                 "lat": "30.1", "lon": "120.1", "name_en": "Hostile Belt" + P},
        "Base": {"kind": "live_stream", "rooms": "3", "premium": "yes"},
        "Provider": {"roles": "belt;mcn", "level": "3", "plaque": "true"},
        "SupplyChain": {"category": "apparel", "fulfillment_rate": "0.99", "return_rate": "0.01", "rating": "5",
                        "sku_count": "10"},
        "Anchor": {"followers": "123456", "category": "apparel", "province": "浙江省" + PAYLOADS[1]},
        "Merchant": {"sales": "1000"},
        "TeamLeader": {},
    }[label])
    return row


def _append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _link_hostile_ids(dst: Path) -> None:
    """Relationships and facts for the nodes with hostile ids: the hostile provider serves every
    belt, the hostile anchor and supply chain sell in 2020Q4, and so on."""
    h = HOSTILE_IDS
    with (dst / "nodes" / "Belt.csv").open(encoding="utf-8", newline="") as f:
        belts = [r["id"] for r in csv.DictReader(f)]
    chains = ["sc-0001", "sc-0002", "sc-0003"]
    anchors = ["anc-00001", "anc-00002", "anc-00003"]
    rels = dst / "rels"
    _append(rels / "SERVES.csv", [[h["Provider"], b, "2019-01-01"] for b in belts])
    _append(rels / "IN_BELT.csv", [[h["SupplyChain"], h["Belt"]], [h["Merchant"], h["Belt"]], [h["Base"], h["Belt"]]])
    _append(rels / "OPERATES.csv", [[h["Provider"], h["Base"]]])
    _append(rels / "RUNS.csv", [[h["Provider"], h["SupplyChain"]]])
    _append(rels / "INCUBATES.csv", [[h["Provider"], h["Anchor"], "2019-05-01"]])
    _append(rels / "SOURCES_FROM.csv", [[h["Merchant"], c] for c in [h["SupplyChain"], *chains]])
    _append(rels / "RECRUITS.csv", [[h["TeamLeader"], c] for c in [h["SupplyChain"], *chains]])
    _append(rels / "MATCHES.csv", [[h["TeamLeader"], a] for a in [h["Anchor"], *anchors]])
    streams = [[f"ls-x{i}", a, c, h["Base"], f"2020-1{i % 3}-0{1 + i % 9}", "50000", "10", "1000", "5"]
               for i, (a, c) in enumerate([(a, h["SupplyChain"]) for a in anchors]
                                          + [(h["Anchor"], c) for c in [h["SupplyChain"], *chains]])]
    _append(dst / "facts" / "livestreams.csv", streams)
    _append(dst / "facts" / "provider_quarters.csv",
            [[h["Provider"], q, "900000", "3", "40", "0", "0"] for q in ("2020Q3", "2020Q4")])


# ---------------------------------------------------------------- what a page is checked for

#: Run in every page before its own scripts: records every vis.Network made (vis-network's UMD
#: build fills ``window.vis`` if it exists, assigning ``Network`` last), so the sweep can wait
#: for each drawing and point at its nodes.
HOOK = """
(() => {
  const nets = [];
  let Real = null;
  function Network(...args) {
    const n = new Real(...args);
    n.__drawn = false;
    n.once("afterDrawing", () => { n.__drawn = true; });
    nets.push(n);
    return n;
  }
  const vis = {};
  Object.defineProperty(vis, "Network", { configurable: true, enumerable: true,
    get() { return Real && Network; }, set(v) { Real = v; } });
  Object.defineProperty(window, "__bgNetworks", { value: nets });
  window.vis = vis;
})();
"""

#: Everything in a document that a payload could have made: event handler attributes,
#: javascript: URLs, srcdoc, frames, images of src "x", and scripts (inline executable ones are
#: returned apart: app pages may have none; an exported file only its own).
SCAN = r"""
(template) => {
  const bad = [], inline = [];
  const urlAttrs = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"]);
  const all = document.querySelectorAll("*");
  for (const el of all) {
    const tag = el.tagName.toLowerCase();
    for (const a of Array.from(el.attributes)) {
      const n = a.name.toLowerCase();
      if (n.startsWith("on")) bad.push(`<${tag} ${n}="${a.value}">`);
      if (urlAttrs.has(n) && /^\s*javascript:/i.test(a.value)) bad.push(`<${tag} ${n}="${a.value}">`);
      if (n === "srcdoc") bad.push(`<${tag} srcdoc>`);
    }
    if (tag === "iframe" || tag === "frame" || tag === "object" || tag === "embed") bad.push(`<${tag}>`);
    if (tag === "img" && el.getAttribute("src") === "x") bad.push("<img src=x>");
    if (tag === "script") {
      const type = (el.getAttribute("type") || "").toLowerCase();
      if (/json/.test(type)) {
        try { JSON.parse(el.textContent); } catch (e) { bad.push(`<script type=${type}> that is not JSON`); }
      } else if (!el.hasAttribute("src")) {
        inline.push(el.textContent.length);
        if (/__xss|alert\(1\)/.test(el.textContent)) bad.push(`<script>${el.textContent.slice(0, 80)}`);
      }
    }
  }
  const html = document.documentElement.outerHTML;
  if (html.includes(template)) bad.push(`${template}: a template expression was evaluated`);
  return { bad, inline, xss: window.__xss === undefined ? null : String(window.__xss) };
}
"""


#: Pages that show no names from the data (every other page must show some as text).
WITHOUT_NAMES = ("/reviews/run", "/cypher", "/admin/load", "/api/docs")


class Sweep:
    """One Chromium context (CSP bypassed) that opens pages and reports what a payload did."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", bypass_csp=True)
        self.context.add_init_script(HOOK)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.tooltips: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.inflight = 0
        self.page.on("request", lambda r: self._count(1))
        self.page.on("requestfinished", lambda r: self._count(-1))
        self.page.on("requestfailed", lambda r: self._count(-1))
        self.status: int | None = None
        self.shown = False

    def _count(self, n: int) -> None:
        self.inflight += n

    def _dialog(self, d) -> None:
        self.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def close(self) -> None:
        self.context.close()

    def open(self, url: str, inline_scripts: int = 0, then=None) -> list[str]:
        """Open ``url``, let it draw, show some tooltips, do ``then(page)``; what a payload did
        (empty if nothing)."""
        pg = self.page
        self.dialogs.clear()
        self.errors.clear()
        response = pg.goto(url, wait_until="load")
        self.status = response.status if response else None
        self._idle()
        problems = self._drawn()
        self._hover()
        if then is not None:
            then(self.page)
            self._idle()
            problems += self._drawn()
        self.shown = self.page.evaluate("""(ps) => {
            const text = document.body ? document.body.innerText : document.documentElement.textContent;
            return ps.some((p) => text.includes(p)); }""", list(PAYLOADS))
        return problems + self.check(inline_scripts)

    def check(self, inline_scripts: int = 0) -> list[str]:
        problems = [f"dialog {d}" for d in self.dialogs] + [f"page error {e}" for e in self.errors]
        for frame in self.page.frames:
            try:
                found = frame.evaluate(SCAN, TEMPLATE_RESULT)
            except Exception as e:  # noqa: BLE001 - a frame that went away
                problems.append(f"frame {frame.url}: {e}")
                continue
            problems += found["bad"]
            if found["xss"] is not None:
                problems.append(f"window.__xss = {found['xss']} in {frame.url}")
            if frame is self.page.main_frame and len(found["inline"]) != inline_scripts:
                problems.append(f"{len(found['inline'])} inline scripts, expected {inline_scripts}")
            elif frame is not self.page.main_frame:
                problems.append(f"a frame: {frame.url}")
        return problems

    def _idle(self, timeout: float = 30) -> None:
        """Until no request of the page has been open for 150 ms (Playwright's networkidle waits 500)."""
        deadline, quiet = time.monotonic() + timeout, 0
        while quiet < 3 and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)
            quiet = quiet + 1 if self.inflight <= 0 else 0

    def _drawn(self, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while not self.page.evaluate("() => (window.__bgNetworks || []).every((n) => n.__drawn)"):
            if time.monotonic() > deadline:
                return ["a graph was not drawn within 30 s"]
            self.page.wait_for_timeout(50)
        return []

    def _hover(self, per_network: int = 2) -> None:
        """Point at a few nodes of every drawing (vis shows the title as a tooltip), a few belts of the
        map and a path of the path list; keep what each tooltip said."""
        pg = self.page
        points = pg.evaluate("""(k) => (window.__bgNetworks || []).slice(0, 3).flatMap((net, i) => {
            const box = net.body.container;
            box.scrollIntoView({ block: "center" });
            const r = box.getBoundingClientRect();
            const pos = net.getPositions();
            return Object.keys(pos).slice(0, k).map((id) => {
              const p = net.canvasToDOM(pos[id]);
              return { net: i, x: r.left + p.x, y: r.top + p.y,
                       inside: p.x > 5 && p.y > 5 && p.x < r.width - 5 && p.y < r.height - 5 };
            });
          })""", per_network)
        for p in points:
            if not p["inside"]:
                continue
            pg.mouse.move(p["x"] + 1, p["y"] + 1)
            pg.mouse.move(p["x"], p["y"])
            pg.wait_for_timeout(350)
            tip = pg.evaluate("""(i) => {
                const t = window.__bgNetworks[i].body.container.querySelector("div.vis-tooltip");
                return t && t.style.visibility !== "hidden" ? t.textContent : null; }""", p["net"])
            if tip:
                self.tooltips.append(tip)
        for selector in ("svg#map a.belt", "#path-list li.path"):
            for el in pg.locator(selector).all()[:2]:
                try:
                    el.hover(timeout=2000, force=True)  # belts of the map overlap
                except PlaywrightTimeout:  # hidden or covered: the DOM scan still runs
                    continue
                pg.wait_for_timeout(100)
                tip = pg.evaluate("() => { const t = document.getElementById('map-tip'); "
                                  "return t && !t.hidden ? t.textContent : null; }")
                if tip:
                    self.tooltips.append(tip)
        pg.mouse.move(1, 1)


@pytest.fixture(scope="module")
def hostile(browser, tmp_path_factory):
    """The hostile bundle loaded into a store of its own, 2020Q3 and 2020Q4 reviewed; (store, config)."""
    from graph import usecases
    from graph.config import Config
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    folder = tmp_path_factory.mktemp("xss")
    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}, "web": {"rate_limit": "100000/minute"}},
                              base_dir=folder, env={})
    store = EmbeddedStore(folder / "store", config)
    load_bundle(store, hostile_bundle(folder))
    usecases.review(store, config, "2020Q3")
    usecases.review(store, config, "2020Q4")
    yield store, config
    store.close()


@pytest.fixture(scope="module")
def hostile_app(hostile):
    from web import create_app

    store, config = hostile
    return create_app({"TESTING": True}, store=store, config=config)


@pytest.fixture(scope="module")
def hostile_server(hostile):
    proc, url = serve(hostile[0].root)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def sweep(browser):
    s = Sweep(browser)
    yield s
    s.close()


def _one(store, query: str, params: dict | None = None) -> str:
    from graph import usecases

    rows = usecases.cypher(store, query, params).rows
    assert rows, f"the hostile store has nothing for {query}"
    return rows[0][0]


def ids_of(store, config) -> dict[str, str]:
    """Real ids of the hostile store for every kind of page: entities that have what their pages show."""
    q = {
        "belt": "MATCH (p:Provider)-[:SERVES]->(b:Belt) RETURN b.id, count(p) AS n ORDER BY n DESC, b.id LIMIT 1",
        "base": "MATCH (:Anchor)-[:STREAMS_AT]->(b:Base) RETURN b.id, count(*) AS n ORDER BY n DESC, b.id LIMIT 1",
        "provider": "MATCH (p:Provider)-[:SERVES]->(:Belt) MATCH (p)-[:INCUBATES]->(:Anchor) "
                    "RETURN p.id, count(*) AS n ORDER BY n DESC, p.id LIMIT 1",
        "chain": "MATCH (:Anchor)-[s:SELLS]->(c:SupplyChain) RETURN c.id, count(s) AS n ORDER BY n DESC, c.id LIMIT 1",
        "anchor": "MATCH (a:Anchor)-[s:SELLS]->(:SupplyChain) RETURN a.id, count(s) AS n ORDER BY n DESC, a.id LIMIT 1",
        "merchant": "MATCH (m:Merchant)-[:SOURCES_FROM]->(:SupplyChain) RETURN m.id ORDER BY m.id LIMIT 1",
        "leader": "MATCH (t:TeamLeader)-[:RECRUITS]->(:SupplyChain) RETURN t.id ORDER BY t.id LIMIT 1",
        "hostile_chain": "MATCH (:Anchor)-[s:SELLS]->(c:SupplyChain) WHERE c.category STARTS WITH '其他' "
                         "RETURN c.id, count(s) AS n ORDER BY n DESC, c.id LIMIT 1",
        "hostile_province": "MATCH (b:Belt) RETURN b.province ORDER BY b.province LIMIT 1",
    }
    out = {k: _one(store, v) for k, v in q.items()}
    out["hostile_category"] = _one(store, "MATCH (c:SupplyChain {id: $id}) RETURN c.category", {"id": out["hostile_chain"]})
    out["belt2"] = _one(store, "MATCH (b:Belt) WHERE b.id <> $b RETURN b.id ORDER BY b.id LIMIT 1", {"b": out["belt"]})
    from graph import usecases
    from graph.rank import Pool

    out["ranked"] = usecases.rank(store, config, None, Pool()).items[0].id
    out["unranked"] = _one(store, "MATCH (c:SupplyChain) WHERE NOT (c)<-[:SELLS]-() RETURN c.id ORDER BY c.id LIMIT 1")
    return out


# ---------------------------------------------------------------- the pages

def _q(route: str, **args) -> str:
    pairs = [(k, x) for k, v in args.items() for x in (v if isinstance(v, list | tuple) else [v])]
    return route + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


def _p(node_id: str) -> str:
    return urllib.parse.quote(node_id, safe="")


P = PAYLOADS[0]
#: A Cypher query that returns nodes, relationships and names (a table and a graph).
NODES_QUERY = ("MATCH (p:Provider)-[s:SERVES]->(b:Belt {id: $belt}) "
               "RETURN p, s, b, p.name AS name, b.province AS province LIMIT 12")


class Bad(str):
    """A URL that asks for something that is not there: its page is an error (4xx) that echoes it."""


def page_urls(ids: dict[str, str]) -> dict[str, list[str]]:
    """Every HTML page rule of the app -> the URLs that fill it with hostile names (real ids, and
    query variants that show names or echo what was asked)."""
    b, b2, sc, an = ids["belt"], ids["belt2"], ids["chain"], ids["anchor"]
    pr, cat, prov = ids["provider"], ids["hostile_category"], ids["hostile_province"]
    h = HOSTILE_IDS
    return {
        "/": ["/", _q("/", q="四季青"), _q("/", q=P), _q("/", q="供应链", label="SupplyChain", category=cat),
              _q("/", q="杭州", province=prov, lang="en")],
        "/search": [_q("/search", q=P)],
        "/belts": ["/belts", _q("/belts", q=P), _q("/belts", category=cat)],
        "/belts/<path:belt_id>": [f"/belts/{_p(b)}", f"/belts/{_p(b2)}?lang=en", f"/belts/{_p(h['Belt'])}",
                                  Bad(f"/belts/{_p(P)}")],
        "/nodes/<path:node_id>": [f"/nodes/{_p(i)}" for i in (ids["base"], pr, sc, an, ids["merchant"], ids["leader"])]
                                 + [_q(f"/nodes/{_p(sc)}", type="SELLS", per_type=30), Bad(f"/nodes/{_p(P)}")]
                                 + [f"/nodes/{_p(i)}" for label, i in h.items() if label != "Belt"],
        "/rank": ["/rank", _q("/rank", all=1, quarter="2020Q3"), _q("/rank", category=cat), _q("/rank", belt=b),
                  _q("/rank", division="big_apparel"), _q("/rank", category=P), _q("/rank", belt=h["Belt"])],
        "/rank/explain/<sc_id>": [f"/rank/explain/{_p(ids['ranked'])}", _q(f"/rank/explain/{_p(ids['hostile_chain'])}", category=cat),
                                  f"/rank/explain/{_p(ids['unranked'])}", Bad(f"/rank/explain/{_p(P)}"),
                                  _q(f"/rank/explain/{_p(h['SupplyChain'])}", belt=h["Belt"])],
        "/reviews": ["/reviews", _q("/reviews", quarter="2020Q3"), Bad(_q("/reviews", quarter=P))],
        "/reviews/<provider_id>": [f"/reviews/{_p(pr)}", Bad(f"/reviews/{_p(P)}"), f"/reviews/{_p(h['Provider'])}"],
        "/reviews/run": ["/reviews/run"],
        "/gaps": ["/gaps", _q("/gaps", quarter="2020Q3")],
        "/map": ["/map"],
        "/paths": ["/paths", _q("/paths", **{"from": an, "to": b}),
                   _q("/paths", **{"from": an, "to": b2, "k": 3, "via": "Provider", "only_plaqued": 1}),
                   _q("/paths", **{"from": ids["merchant"], "to": pr, "rank": "strength"}),
                   Bad(_q("/paths", **{"from": P, "to": b})),
                   _q("/paths", **{"from": h["Anchor"], "to": h["TeamLeader"], "k": 3}),
                   _q("/paths", **{"from": h["Merchant"], "to": b2, "rank": "strength"})],
        "/connect": ["/connect", _q("/connect", id=[an, b, pr]), Bad(_q("/connect", id=[an, P])),
                     _q("/connect", id=[h["Anchor"], h["Merchant"], h["Base"], b])],
        "/match": ["/match", _q("/match", id=an), _q("/match", id=sc), Bad(_q("/match", id=P)),
                   _q("/match", id=h["Anchor"]), _q("/match", id=h["SupplyChain"])],
        "/explore": ["/explore", _q("/explore", focus=b), _q("/explore", focus=sc, x=f"{sc}|*|*|10", path=f"{sc}|{b}"),
                     Bad(_q("/explore", focus=P)),
                     _q("/explore", focus=h["Provider"], x=f"{h['Provider']}|*|*|20", pin=f"{h['Anchor']}|10|20",
                        path=f"{h['Anchor']}|{h['TeamLeader']}", hide=h["Merchant"])],
        "/cypher": ["/cypher", _q("/cypher", query=NODES_QUERY, params=f'{{"belt": "{b}"}}')]
                   + [_q("/cypher", example=k) for k in ("belt_chains", "provider_anchors", "division_top",
                                                          "belt_providers", "merchant_chains", "anchor_belts")]
                   + [_q("/cypher", query=f"RETURN '{P}' AS x, $p AS y", params='{"p": "' + PAYLOADS[1].replace('"', '\\"') + '"}'),
                      _q("/cypher", query=P),
                      _q("/cypher", query="MATCH (n)-[r]-(m) WHERE n.id IN $ids RETURN n, r, m LIMIT 40",
                         params=json.dumps({"ids": list(h.values())}))],
        "/admin/load": ["/admin/load"],
        "/api/docs": ["/api/docs"],
    }


#: GET rules that answer something other than an HTML page, each with a URL that proves it (a
#: download must not be HTML) or None (files of the app itself). /export and the brief are
#: opened as files by test_no_payload_runs_in_any_exported_file.
NOT_HTML = {
    "/search/download": lambda i: _q("/search/download", q="四季青"),
    "/rank/download": lambda i: "/rank/download",
    "/reviews/download": lambda i: "/reviews/download",
    "/gaps/download": lambda i: "/gaps/download",
    "/map/download": lambda i: "/map/download",
    "/match/download": lambda i: _q("/match/download", id=i["anchor"]),
    "/download/belts/<path:belt_id>": lambda i: f"/download/belts/{_p(i['belt'])}",
    "/download/nodes/<path:node_id>": lambda i: f"/download/nodes/{_p(i['chain'])}",
    "/export": None,
    "/belts/<belt_id>/brief.<fmt>": None,
    "/static/<path:filename>": None,
    "/vendor/<path:filename>": None,
    "/api/docs/ui/<path:filename>": None,
    "/login": None,  # with no users configured it sends the browser on; test_no_payload_runs_at_login_... has users
}


#: Error pages of routes that answer files, and of no route at all: each echoes what was asked.
ERROR_PAGES = (
    Bad(_q("/export", format=P)),
    Bad(_q("/export", format="html", around=P)),
    Bad(_q("/export", format="svg", query=P)),
    Bad(f"/belts/{_p(P)}/brief.html"),
    Bad(f"/download/nodes/{_p(P)}"),
    Bad(_q("/search/download", q="四季青", format=P)),
    Bad(f"/no-such-page/{_p(P)}"),
)


def _get_rules(app) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods}


def _is_json_api(rule: str) -> bool:
    return rule.startswith("/api/") and rule not in ("/api/docs", "/api/docs/ui/<path:filename>")


def unswept(app, pages: dict) -> list[str]:
    """GET routes of ``app`` that the sweep neither opens nor knows not to be HTML pages."""
    return sorted(r for r in _get_rules(app) if not _is_json_api(r) and r not in pages and r not in NOT_HTML)


def test_the_sweep_knows_every_page_of_the_app(hostile, hostile_app):
    """A new GET route that is neither filled by page_urls nor known not to be HTML fails here."""
    ids = ids_of(*hostile)
    pages, rules = page_urls(ids), _get_rules(hostile_app)
    unknown = unswept(hostile_app, pages)
    assert not unknown, f"add these routes to page_urls (or NOT_HTML) in {__name__}: {unknown}"
    stale = sorted(r for r in [*pages, *NOT_HTML] if r not in rules)
    assert not stale, f"no longer routes of the app: {stale}"
    client = hostile_app.test_client()
    for rule, url in NOT_HTML.items():
        if url is None:
            continue
        r = client.get(url(ids))
        assert r.status_code == 200 and "html" not in r.content_type, (rule, r.status_code, r.content_type)
    for rule, urls in pages.items():
        r = client.get(urls[0])
        assert r.status_code == 200 and r.content_type.startswith("text/html"), (rule, urls[0], r.status_code)


def suggest(selector: str, text: str = "杭州", choose: bool = False):
    """Type into an entity picker until its suggestions (hostile names) show; ``choose`` takes the first."""

    def act(pg) -> None:
        box = pg.locator(selector).first
        box.fill(text)
        pg.wait_for_selector(".suggest:not([hidden]) > div", timeout=10_000)
        if choose:
            box.press("ArrowDown")
            box.press("Enter")

    return act


def explore_select(pg) -> None:
    """Select two nodes of the explorer: its side panel shows the last one's groups and both names."""
    ids = pg.evaluate("BGExplore.ids()")
    if len(ids) < 2:
        return
    pg.evaluate("(ids) => BGExplore.select(ids)", ids[-2:])
    pg.wait_for_selector("#explore-side .explore-path", timeout=10_000)


#: What to do on the first URL of a rule, besides pointing at nodes: pickers that suggest
#: names, a chip added from a suggestion, the explorer's side panel.
ACTIONS = {
    "/": suggest("main input[data-suggest]", "四季青"),
    "/belts": suggest("header input[data-suggest]"),
    "/paths": suggest("#path-form input[data-suggest]"),
    "/connect": suggest("#connect-pick", choose=True),
    "/match": suggest("#match-form input[data-suggest]"),
    "/explore": suggest("main input[data-suggest]"),
}
#: ... and on a later URL of a rule (one that has a drawing to act on).
LATER_ACTIONS = {"/explore": explore_select}


def test_a_new_page_is_not_swept_until_it_is_added(hostile):
    from web import create_app

    store, config = hostile
    app = create_app({"TESTING": True}, store=store, config=config)
    app.add_url_rule("/leaderboard/<belt_id>", "leaderboard", lambda belt_id: belt_id)
    app.add_url_rule("/api/leaderboard", "api_leaderboard", dict)  # JSON: nothing to open
    pages = page_urls(ids_of(store, config))
    assert unswept(app, pages) == ["/leaderboard/<belt_id>"]
    assert unswept(app, {**pages, "/leaderboard/<belt_id>": ["/leaderboard/x"]}) == []


def test_no_payload_runs_on_any_page(hostile, hostile_server, sweep):
    pages = page_urls(ids_of(*hostile))
    failures = {}
    for rule, urls in pages.items():
        for i, url in enumerate(urls):
            then = ACTIONS.get(rule) if i == 0 else LATER_ACTIONS.get(rule) if i == 2 else None
            problems = sweep.open(hostile_server + url, then=then)
            if (400 <= (sweep.status or 0) < 500) != isinstance(url, Bad):
                problems.append(f"answered {sweep.status}")
            if not sweep.shown and not isinstance(url, Bad) and url not in WITHOUT_NAMES:
                problems.append("no hostile name shown as text (dropped, or escaped twice?)")
            if problems:
                failures[url] = problems
    for url in ERROR_PAGES:
        problems = sweep.open(hostile_server + url)
        if not 400 <= (sweep.status or 0) < 500:
            problems.append(f"answered {sweep.status}")
        if problems:
            failures[url] = problems
    assert not failures, failures
    assert sweep.tooltips, "no tooltip was shown: the sweep did not point at any node"
    texts = [t for t in sweep.tooltips if any(p in t for p in PAYLOADS)]
    assert len(texts) >= len(sweep.tooltips) // 2, f"tooltips without the names as text: {sweep.tooltips}"


# ---------------------------------------------------------------- the exported files

#: Executable inline scripts of an exported network (graph/export/templates/network.html):
#: vis-network and the file's own; the brief and SVG pictures have none.
NETWORK_SCRIPTS = 2


def _download(url: str, out: Path) -> Path:
    with urllib.request.urlopen(url, timeout=120) as r:
        assert r.status == 200, (url, r.status)
        out.write_bytes(r.read())
    return out


def _cli(data: Path, *args: str) -> subprocess.Popen:
    """``beltgraph ARGS`` started in its own process (the exports run side by side)."""
    env = {**os.environ, "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"}
    return subprocess.Popen([sys.executable, "-m", "beltgraph", "--data", str(data), *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_no_payload_runs_in_any_exported_file(hostile, hostile_server, sweep, tmp_path):
    """Every export that a browser opens (html, svg, the belt brief), from the web's buttons and from
    the command line, opened from file:// with hostile names, a hostile title, view and query."""
    store, config = hostile
    ids = ids_of(store, config)
    b, b2, an = ids["belt"], ids["belt2"], ids["anchor"]
    query = f"MATCH (p:Provider)-[s:SERVES]->(b:Belt) WHERE b.id = '{b}' AND p.name <> '{P}' RETURN p, s, b"
    with urllib.request.urlopen(f"{hostile_server}/api/path?from={an}&to={b}&k=2", timeout=60) as r:
        path_ids = sorted({n["id"] for p in json.load(r)["paths"] for n in p["nodes"]})
    assert path_ids, "no path to export"
    cli = {
        "cli-query.html": ("export", "--format", "html", "--query", query, "--title", P, "--lang", "en"),
        "cli-around.svg": ("export", "--format", "svg", "--around", b2, "--title", PAYLOADS[10]),
        "cli-brief-hostile-id.html": ("brief", HOSTILE_IDS["Belt"]),
        "cli-hostile-ids.html": ("export", "--format", "html", *[x for i in HOSTILE_IDS.values() for x in ("--id", i)]),
    }
    running = {name: _cli(store.root, *args, "-o", str(tmp_path / name)) for name, args in cli.items()}
    web = {
        "around.html": _q("/export", format="html", around=b, depth=1, title=P),
        "query.html": _q("/export", format="html", query=query, title=PAYLOADS[2]),
        "path.html": _q("/export", format="html", id=path_ids, view=PAYLOADS[1]),
        "labels.html": _q("/export", format="html", label=["Belt", "Provider"], type="SERVES", lang="en"),
        "anchor.html": _q("/export", format="html", around=an, depth=2, view="explore"),
        "around.svg": _q("/export", format="svg", around=b, depth=1, title=P),
        "query.svg": _q("/export", format="svg", query=query, view=PAYLOADS[4]),
        "brief.html": f"/belts/{_p(b)}/brief.html",
        "brief-hostile-id.html": f"/belts/{_p(HOSTILE_IDS['Belt'])}/brief.html",
        "hostile-ids.html": _q("/export", format="html", around=HOSTILE_IDS["Provider"], depth=1, view="explore"),
        "hostile-ids.svg": _q("/export", format="svg", id=list(HOSTILE_IDS.values())),
        "brief-en.html": f"/belts/{_p(b2)}/brief.html?lang=en",
    }
    try:
        files = {name: _download(hostile_server + url, tmp_path / f"web-{name}") for name, url in web.items()}
        for name, proc in running.items():
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"beltgraph {' '.join(cli[name])}: {err}"
            files[name] = tmp_path / name
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    failures = {}
    for name, path in files.items():
        text = path.read_text(encoding="utf-8")
        assert any(p in text for p in ("&lt;img", "\\u003cimg", "&lt;svg", "\\u003csvg")), \
            f"{name} shows no hostile name: the sweep would prove nothing"
        scripts = NETWORK_SCRIPTS if name.endswith(".html") and "brief" not in name else 0
        problems = sweep.open(path.as_uri(), inline_scripts=scripts)
        if not sweep.shown:
            problems.append("no hostile name shown as text")
        if problems:
            failures[name] = problems
    assert not failures, failures
    assert any(any(p in t for p in PAYLOADS) for t in sweep.tooltips), f"no tooltip in the files: {sweep.tooltips}"


# ---------------------------------------------------------------- the sweep can fail

@pytest.mark.parametrize("markup", [
    # each line: what an unescaped payload makes, which the checks must see
    "<p>" + PAYLOADS[0] + "</p>",                       # an image whose onerror runs
    '<input value="' + PAYLOADS[1] + '">',              # a broken attribute, an svg whose onload runs
    "<script type='application/json'>" + PAYLOADS[2] + "</script>",  # JSON left by a </script>
    '<a href="' + PAYLOADS[3] + '">x</a>',              # a javascript: link nobody clicked
    "<p title='" + PAYLOADS[4] + "'>x</p>",             # an event attribute that did not fire
    "<p>«49»</p>",                                      # a template that was evaluated
    "<p>" + PAYLOADS[7] + "</p>",                       # a frame whose script ran
    "<p>" + PAYLOADS[12] + "</p>",                      # a dialog
])
def test_the_checks_see_a_payload_that_was_not_escaped(browser, markup):
    s = Sweep(browser)
    try:
        s.page.set_content(f"<!doctype html><html><body>{markup}</body></html>")
        s.page.wait_for_timeout(100)
        assert s.check(), f"the sweep saw nothing wrong in {markup}"
    finally:
        s.close()


# ---------------------------------------------------------------- what users type and upload

#: A configured user (config allows only letters, digits and . _ @ - in user names, so the name
#: cannot be a payload; what a visitor types as a name can).
USER = "xss-admin"
PASSWORD = "xss-sweep-pass"


@pytest.fixture(scope="module")
def login_server(hostile, tmp_path_factory):
    """``beltgraph serve`` over the hostile store with one admin user."""
    from werkzeug.security import generate_password_hash

    folder = tmp_path_factory.mktemp("xss-login")
    hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    (folder / "config.toml").write_text(
        f'[web]\nrate_limit = "100000/minute"\n\n[web.users.{json.dumps(USER)}]\nrole = "admin"\n'
        f"password = {json.dumps(hashed)}\n", encoding="utf-8")
    proc, url = serve(hostile[0].root, {"BELTGRAPH_CONFIG": str(folder / "config.toml")})
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_no_payload_runs_at_login_or_in_an_upload_s_problems(login_server, sweep, tmp_path):
    """The login form echoes a hostile user name and ``next``; an upload named with a payload, with hostile member names and values, lists its problems."""
    import zipfile

    pg = sweep.page
    failures = {}
    assert not sweep.open(login_server + _q("/login", next="/belts?q=" + P)), "the login page"
    pg.fill("input[name=username]", PAYLOADS[1])
    pg.fill("input[name=password]", "wrong")
    pg.click("form button[type=submit]")
    pg.wait_for_selector(".login-error")
    assert pg.input_value("input[name=username]") == PAYLOADS[1]
    failures["wrong password"] = sweep.check()
    pg.fill("input[name=username]", USER)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form button[type=submit]")
    pg.wait_for_selector("form.who")
    assert USER in pg.inner_text("form.who") and "/belts" in pg.url
    failures["logged in"] = sweep.check()

    bundle = tmp_path / (FOLDER_PAYLOAD + ".zip")
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr(f"nodes/{PAYLOADS[1]}.csv", "id,name\nx1,名字\n")  # not a label
        zf.writestr("nodes/Anchor.csv", f"id,name,followers,{EXTRA_COLUMN}\na1,主播{P},{PAYLOADS[2]},附注\n")
        zf.writestr("rels/IN_BELT.csv", f"from,to\na1,{PAYLOADS[10]}\n")
    failures["upload form"] = sweep.open(login_server + "/admin/load")
    pg.set_input_files("input[name=bundle]", str(bundle))
    pg.click("#load-form button[type=submit]")
    pg.wait_for_selector("#load-problems")
    shown = pg.inner_text("#load-problems")
    assert PAYLOADS[1] in shown and PAYLOADS[10] in shown, shown
    failures["upload problems"] = sweep.check()
    failures = {k: v for k, v in failures.items() if v}
    assert not failures, failures
