"""The path finder, group relations and matching in Chromium."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

# Two sample parties with 3- and 4-hop warm introductions between them.
FROM, FROM_NAME, FROM_TYPED = "anc-00002", "胖霞和田玉工坊", "胖霞和田"
TO, TO_NAME, TO_TYPED = "prov-0001", "南阳素锦产业园运营有限公司", "nanyangsujin"


def suggest_works(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/api/suggest?q=" + urllib.parse.quote(FROM_TYPED), timeout=5)
        return True
    except urllib.error.HTTPError as e:
        if e.code == 404:   # /api/suggest is built by another branch
            return False
        raise


def pick(page, target: str, typed: str, node_id: str, name: str, suggest: bool) -> None:
    box = page.locator(f'input[data-suggest][data-target="{target}"]')
    if suggest:
        box.fill(typed)
        choice = page.locator(".suggest div", has_text=node_id).first
        choice.wait_for()
        choice.dispatch_event("mousedown")
    else:   # no /api/suggest here: pick as the list would (typing would ask it and get a 404)
        box.evaluate("(el, v) => { el.value = v; }", name)
        page.eval_on_selector(f'input[type=hidden][name="{target}"]', "(el, v) => { el.value = v; }", node_id)
    assert page.input_value(f'input[type=hidden][name="{target}"]') == node_id


def forgive_missing_suggest(page, suggest: bool) -> None:
    """Typing into a picker asks /api/suggest; where that is not built yet, its 404s are expected."""
    if not suggest:
        missing = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
        page.console_errors[:] = [e for e in page.console_errors if e != missing]


def test_path_finder_draws_the_paths_and_a_link_reopens_the_query(page, browser, sample_server):
    suggest = suggest_works(sample_server)
    page.goto(sample_server + "/paths")
    assert page.title() == "关系路径 · BeltGraph"
    pick(page, "from", FROM_TYPED, FROM, FROM_NAME, suggest)
    pick(page, "to", TO_TYPED, TO, TO_NAME, suggest)
    page.check("input[name=rank][value=strength]")
    page.fill("input[name=k]", "3")
    page.click("#path-form button[type=submit]")
    page.wait_for_url("**rank=strength**")
    assert f"from={FROM}" in page.url and f"to={TO}" in page.url and "k=3" in page.url
    assert "max_hops" not in page.url and "via=" not in page.url      # defaults stay out of the link
    page.locator("#path-graph canvas").wait_for()
    items = page.locator("#path-list li.path")
    assert items.count() == 3
    first = items.first.inner_text()
    assert FROM_NAME in first and TO_NAME in first and "直播" in first and "强度" in first
    assert {items.nth(i).locator(".pnode").count() - 1 for i in range(3)} <= {3, 4}   # 3- and 4-hop paths
    page.wait_for_timeout(400)
    items.first.hover()   # the first path is selected on the graph
    page.set_viewport_size({"width": 1280, "height": 1280})   # the query, the drawing and the first path
    page.mouse.move(5, 5)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    screenshot(page, "paths")

    # The same URL, opened again, restores the query and gives the same answer.
    url, listed = page.url, page.inner_text("#path-list")
    again = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN").new_page()
    errors = []
    again.on("pageerror", lambda e: errors.append(str(e)))
    again.goto(url)
    assert again.input_value('input[type=hidden][name="from"]') == FROM
    assert again.input_value('input[data-target="from"]') == FROM_NAME
    assert again.input_value('input[data-target="to"]') == TO_NAME
    assert again.is_checked("input[name=rank][value=strength]") and again.input_value("input[name=k]") == "3"
    again.locator("#path-graph canvas").wait_for()
    assert again.inner_text("#path-list") == listed and not errors
    again.context.close()


def test_a_typed_id_counts_as_picked_and_a_bad_one_is_a_message(page, sample_server):
    page.goto(sample_server + "/paths")
    page.fill('input[data-target="from"]', FROM)
    page.fill('input[data-target="to"]', "nobody-here")
    page.click("#path-form button[type=submit]")
    page.wait_for_url("**to=nobody-here**")
    assert "nobody-here" in page.inner_text("#path-error")
    assert page.is_visible("#path-form")
    page.console_errors.clear()   # the 404 status of the page itself (and of /api/suggest while typing)


def test_connect_draws_a_tree_for_three_parties(page, sample_server):
    suggest = suggest_works(sample_server)
    page.goto(sample_server + "/connect?id=anc-00002&id=hz-sijiqing")
    # a third party added through the picker (its id typed, Enter adds the chip)
    page.fill("#connect-pick", "tl-0002")
    page.press("#connect-pick", "Enter")
    assert page.locator("#chips .chip").count() == 3
    page.click("#connect-form button[type=submit]")
    page.wait_for_url("**id=tl-0002**")
    page.locator("#connect-graph canvas").wait_for()
    assert page.locator("#connect-pairs tbody tr").count() == 3
    assert "崔秀" in page.inner_text("#connect-pairs thead")
    # removing a chip
    page.locator("#chips .chip button[data-remove]").first.click()
    assert page.locator("#chips .chip").count() == 2
    # five parties make a branching tree for the screenshot
    page.set_viewport_size({"width": 1280, "height": 1180})
    page.goto(sample_server + "/connect?id=anc-00002&id=hz-sijiqing&id=tl-0002&id=prov-0001&id=sc-0010")
    page.locator("#connect-graph canvas").wait_for()
    assert page.locator("#connect-pairs tbody tr").count() == 5
    page.wait_for_timeout(500)
    screenshot(page, "connect")
    forgive_missing_suggest(page, suggest)


def test_matching_lists_suggestions(page, sample_server):
    suggest = suggest_works(sample_server)
    page.goto(sample_server + "/match?id=sc-0010&limit=10")
    rows = page.locator("table.match tbody tr")
    assert rows.count() == 10
    assert "头部主播" in rows.first.inner_text() and page.locator("table.match .bar.parts span").count() == 40
    screenshot(page, "match")   # anchors for a supply chain: all four parts of the score at work
    page.select_option("select[name=kind]", "anchor")
    page.fill('input[data-target="id"]', "anc-00002")   # a typed id
    page.click("#match-form button[type=submit]")
    page.wait_for_url("**kind=anchor**")
    assert "为 胖霞和田玉工坊 推荐的供应链" in page.inner_text("#match-heading")
    assert rows.count() == 10
    forgive_missing_suggest(page, suggest)
