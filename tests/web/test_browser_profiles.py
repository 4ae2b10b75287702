"""The map, the belt profile and an entity's page in Chromium."""

from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_map_draws_every_belt_and_opens_one(page, sample_server):
    page.goto(sample_server + "/map")
    dots = page.locator("svg#map a.belt")
    assert dots.count() == 60
    assert page.locator("svg#map g.labels text:visible").count() >= 5  # the biggest are labelled
    dot = page.locator('svg#map a.belt[data-id="ht-hetian-jade"]')
    dot.hover()
    assert "和田玉(和田市)" in page.inner_text("#map-tip")
    screenshot(page, "map")
    page.locator('#map-legend button.cat[data-category="jade"]').click()  # the filter hides a category
    assert not dot.is_visible()
    page.locator('#map-legend button.cat[data-category="jade"]').click()
    dot.click()
    page.wait_for_url("**/belts/ht-hetian-jade")
    assert page.locator("h1").inner_text().startswith("和田玉(和田市)")


def test_map_zooms_into_a_crowded_delta(page, sample_server):
    page.goto(sample_server + "/map")
    before = page.get_attribute("svg#map", "viewBox")
    box = page.locator('svg#map a.belt[data-id="sz-shuibei"] circle').bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):  # the wheel zooms around the pointer
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(50)
    assert page.get_attribute("svg#map", "viewBox") != before
    page.locator('svg#map a.belt[data-id="sz-shuibei"]').hover()
    assert "深圳水贝黄金珠宝" in page.inner_text("#map-tip")
    page.click("button[data-zoom=reset]")
    assert page.get_attribute("svg#map", "viewBox") == before


def test_belt_profile_shows_its_sections_and_draws_its_neighbourhood(page, sample_server):
    page.goto(sample_server + "/belts/hz-sijiqing")
    for section in ("#quarters", "#providers", "#chains", "#anchors", "#bases", "#gaps", "#locator"):
        assert page.locator(section).is_visible(), section
    page.wait_for_selector("#graph canvas")
    assert page.locator("#graph-legend span").count() >= 4
    assert page.locator('#locator a.belt.here[data-id="hz-sijiqing"]').count() == 1
    page.click('.chart-tabs button[data-metric="anchors"]')
    assert page.locator('svg.bars[data-metric="anchors"]').is_visible()
    assert not page.locator('svg.bars[data-metric="gmv"]').is_visible()
    page.click('.chart-tabs button[data-metric="gmv"]')
    page.wait_for_timeout(500)  # the drawing settles
    screenshot(page, "belt")


def test_node_profile_pages_a_big_group(page, sample_server):
    page.goto(sample_server + "/nodes/hz-sijiqing")
    group = page.locator("#group-IN_BELT-Merchant")
    first = group.locator("tbody tr").first.inner_text()
    assert "第 1–10 个" in group.locator(".pager").inner_text()
    group.locator(".pager a.next").click()
    page.wait_for_url("**offset=10**")
    group = page.locator("#group-IN_BELT-Merchant")
    assert "第 11–20 个" in group.locator(".pager").inner_text()
    assert group.locator("tbody tr").first.inner_text() != first


def test_provider_profile(page, sample_server):
    page.goto(sample_server + "/nodes/prov-0001")
    assert page.locator("#history tbody tr").count() == 2
    page.wait_for_selector("#graph canvas")
    page.wait_for_timeout(500)
    screenshot(page, "node")
