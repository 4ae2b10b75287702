"""The belts list in Chromium: filters, pinyin search, the English switch, the error page."""

from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_belts_page_lists_filters_and_switches_language(page, sample_server):
    page.goto(sample_server + "/belts")
    assert page.title() == "产业带 · BeltGraph"
    rows = page.locator("#belts tbody tr")
    assert rows.count() == 60
    page.select_option("select[name=category]", "jade")
    page.click("button[type=submit]")
    page.wait_for_url("**category=jade**")
    assert 0 < rows.count() < 60
    screenshot(page, "belts")
    page.click("header a.lang")
    page.wait_for_url("**lang=en**")
    assert page.title() == "Industry belts · BeltGraph" and "Province / city" in page.inner_text("#belts thead")
    page.goto(sample_server + "/belts")  # the choice is remembered
    assert page.title() == "Industry belts · BeltGraph"


def test_pinyin_and_initials_search(page, sample_server):
    page.goto(sample_server + "/belts")
    page.fill("form.filters input[name=q]", "shuibei")
    page.press("form.filters input[name=q]", "Enter")
    page.wait_for_url("**q=shuibei**")
    assert "水贝" in page.inner_text("#belts tbody")
    page.fill("form.filters input[name=q]", "hzsjq")
    page.press("form.filters input[name=q]", "Enter")
    page.wait_for_url("**q=hzsjq**")
    assert [r.get_attribute("data-id") for r in page.locator("#belts tbody tr").all()] == ["hz-sijiqing"]


def test_unknown_page_shows_the_error_page(page, sample_server):
    response = page.goto(sample_server + "/no/such/page")
    assert response.status == 404
    assert "no such page" in page.locator(".error").inner_text()
    page.console_errors.remove("Failed to load resource: the server responded with a status of 404 (NOT FOUND)")
