"""The explorer, the Cypher console and the bundle upload in Chromium."""

from __future__ import annotations

import json
import urllib.request
import zipfile

import pytest

from ..conftest import MINI, ROOT
from .conftest import screenshot, serve

pytestmark = pytest.mark.browser


def wait_until(pg, script: str, arg=None, timeout: float = 30) -> None:
    """Poll ``script`` (a function of ``arg``) with page.evaluate: wait_for_function compiles its
    predicate in the page, which the pages' Content-Security-Policy (no eval) forbids."""
    import time

    deadline = time.monotonic() + timeout
    while not pg.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        pg.wait_for_timeout(50)


def renders(pg, n: int) -> None:
    wait_until(pg, "(n) => document.getElementById('explore-graph').dataset.renders === String(n)", n)


def sells(url: str, node_id: str) -> int:
    with urllib.request.urlopen(f"{url}/api/explore/groups?id={node_id}") as r:
        return sum(g["count"] for g in json.load(r)["relationships"] if g["type"] == "SELLS")


def on_canvas(pg) -> list[str]:
    return sorted(pg.evaluate("BGExplore.ids()"))


def select(pg, *ids: str) -> None:
    pg.evaluate("(ids) => BGExplore.select(ids)", list(ids))
    wait_until(pg, "(id) => !!(document.querySelector('#explore-side h2')?.textContent && "
                   "document.querySelector('#explore-side p.muted')?.textContent.endsWith(id))", ids[-1])


def test_explorer_expands_and_a_shared_link_restores_the_same_view(page, browser, sample_server):
    page.goto(sample_server + "/explore?focus=hz-sijiqing")
    renders(page, 1)
    assert on_canvas(page) == ["hz-sijiqing"]
    # the side panel lists the focus's relationship groups, biggest first, and adds the top 20
    groups = page.locator("#explore-side tbody tr")
    assert groups.first.get_attribute("data-label") == "Merchant"
    page.click("#explore-side tr[data-label=SupplyChain] button.add")
    renders(page, 2)
    chains = [i for i in on_canvas(page) if i.startswith("sc-")]
    assert len(chains) == 20 and len(on_canvas(page)) == 21
    chains.sort(key=lambda i: -sells(sample_server, i))  # one that sells first
    select(page, chains[0])
    page.click("#explore-side tr[data-type=SELLS] button.add")
    renders(page, 3)
    anchors = [i for i in on_canvas(page) if i.startswith("anc-")]
    assert anchors, "expanding a supply chain's SELLS adds its anchors"
    select(page, anchors[0])
    page.click("#explore-side .explore-actions button:has-text('隐藏')")
    renders(page, 4)
    assert anchors[0] not in on_canvas(page) and page.evaluate("BGExplore.state().hide") == [anchors[0]]
    select(page, chains[1])
    page.click("#explore-side .explore-actions button:has-text('固定')")
    select(page, chains[2], chains[3])
    page.click("#explore-side .explore-path button")
    renders(page, 5)
    page.click("#explore-fit")
    page.wait_for_timeout(400)
    screenshot(page, "explore")
    page.select_option("select[name=color]", "category")
    page.select_option("select[name=size]", "gmv")
    state = page.evaluate("BGExplore.state()")
    assert state["paths"] == [[chains[2], chains[3]]] and list(state["pin"]) == [chains[1]]
    assert "color=category" in page.url and "size=gmv" in page.url and "pin=" in page.url
    seen = on_canvas(page)
    pinned_at = page.evaluate(f"BGExplore.state().pin['{chains[1]}']")

    # someone else opens the link
    other = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    try:
        shared = other.new_page()
        errors: list[str] = []
        shared.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        shared.on("pageerror", lambda e: errors.append(str(e)))
        shared.goto(page.url)
        renders(shared, 1)
        assert on_canvas(shared) == seen
        assert shared.evaluate("BGExplore.state()") == page.evaluate("BGExplore.state()")
        assert shared.evaluate(f"BGExplore.positions(['{chains[1]}'])['{chains[1]}']") == \
            {"x": pinned_at[0], "y": pinned_at[1]}
        assert shared.input_value("select[name=color]") == "category"
        assert shared.input_value("select[name=size]") == "gmv"
        assert "服装" in shared.inner_text("#explore-legend")  # coloured by category, the legend says which
        assert not errors, errors
    finally:
        other.close()


def test_the_console_runs_an_example_as_a_table_and_a_graph(page, sample_server):
    page.goto(sample_server + "/cypher")
    page.click("button[data-example=belt_providers]")
    assert "$belt" in page.input_value("#cypher-query")
    assert page.input_value(".cypher-param .v") == "hz-sijiqing"
    page.press("#cypher-query", "Control+Enter")
    page.wait_for_selector("#cypher-table tbody tr")
    rows = page.locator("#cypher-table tbody tr").count()
    assert rows > 10 and "杭州四季青服装市场" in page.inner_text("#cypher-table")
    assert page.inner_text("#cypher-table thead").split() == ["p", "s", "b", "level", "plaque", "roles"]
    graph = page.locator("#cypher-graph")
    assert int(graph.get_attribute("data-nodes")) == rows + 1 and int(graph.get_attribute("data-rels")) == rows
    page.wait_for_timeout(1500)  # let the layout settle for the picture
    screenshot(page, "cypher")

    # the history keeps it; a refused write says why
    page.fill("#cypher-query", "MATCH (n:Belt) SET n.name = 'x'")
    page.click("#cypher-run")
    page.wait_for_selector("#cypher-error:not([hidden])")
    assert "SET" in page.inner_text("#cypher-error")
    page.console_errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")
    page.reload()
    history = page.locator("#cypher-history li button")
    assert history.count() == 2
    history.nth(1).click()
    assert "SERVES" in page.input_value("#cypher-query") and page.input_value(".cypher-param .k") == "belt"


def test_the_console_draws_paths(page, sample_server):
    page.goto(sample_server + "/cypher?example=anchor_belts")
    page.wait_for_selector("#cypher-table tbody tr")
    graph = page.locator("#cypher-graph")
    assert int(graph.get_attribute("data-nodes")) > 2 and int(graph.get_attribute("data-rels")) >= 2
    assert "→" in page.inner_text("#cypher-table tbody")


def test_a_big_console_graph_gets_its_positions_from_the_server(page, sample_server):
    """Above [web] layout_server_above nodes the console asks /api/layout and draws without physics."""
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/layout") else None)
    page.goto(sample_server + "/cypher")
    page.fill("#cypher-query", "MATCH (m:Merchant)-[r:SOURCES_FROM]->(s:SupplyChain) RETURN m, r, s LIMIT 1200")
    page.click("#cypher-run")
    wait_until(page, "() => { const g = document.getElementById('cypher-graph'); "
                     "return g.dataset.drawn && g.dataset.drawn === g.dataset.nodes; }")
    assert int(page.get_attribute("#cypher-graph", "data-nodes")) > 1000
    assert asked == [sample_server + "/api/layout"]
    screenshot(page, "cypher-big")


@pytest.fixture
def upload_server(tmp_path):
    """``beltgraph serve`` over a store of its own (uploads replace its graph)."""
    proc, url = serve(tmp_path / "store")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_uploading_the_sample_shows_its_summary(page, upload_server, tmp_path):
    bundle = tmp_path / "sample.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for p in sorted((ROOT / "data" / "sample").rglob("*")):
            if p.is_file():
                zf.write(p, "sample/" + str(p.relative_to(ROOT / "data" / "sample")))
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, text in MINI.items():
            zf.writestr(name, text.replace("sc1,b-hz", "sc1,nowhere"))

    page.goto(upload_server + "/admin/load")
    assert "还没有数据" in page.inner_text("main")
    page.set_input_files("input[name=bundle]", str(broken))
    page.click("#load-form button[type=submit]")
    page.wait_for_selector("#load-problems")
    assert "rels/IN_BELT.csv" in page.inner_text("#load-problems") and "nowhere" in page.inner_text("#load-problems")
    assert "还没有数据" in page.inner_text("main")  # nothing changed
    page.console_errors.remove("Failed to load resource: the server responded with a status of 400 (BAD REQUEST)")

    page.set_input_files("input[name=bundle]", str(bundle))
    page.click("#load-form button[type=submit]")
    page.wait_for_selector("#load-summary", timeout=120_000)
    summary = page.inner_text("#load-summary")
    assert "已导入 sample.zip（替换）" in summary and "20,000" in summary and "livestreams" in summary
    screenshot(page, "upload")


def test_the_explorer_links_its_view_as_exports(page, sample_server):
    page.goto(sample_server + "/explore?focus=hz-sijiqing")
    renders(page, 1)
    href = page.get_attribute("#explore-export a[data-format=svg]", "href")
    assert href.startswith("/export?format=svg&id=hz-sijiqing") and "view=explore" in href
    r = page.request.get(sample_server + href)
    assert r.status == 200 and "<svg" in r.text()[:2000]
