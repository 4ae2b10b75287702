"""Search in Chromium: initials find the belt, the autocomplete opens a profile."""

from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_hzsjq_finds_hangzhou_sijiqing(page, sample_server):
    page.goto(sample_server + "/")
    page.fill(".searchbox input[name=q]", "hzsjq")
    page.click(".searchbox button")
    page.wait_for_url("**q=hzsjq**")
    first = page.locator(".group[data-label=Belt] ul.hits li").first
    assert first.get_attribute("data-id") == "hz-sijiqing" and "杭州四季青" in first.inner_text()
    page.goto(sample_server + "/?q=杭州")
    screenshot(page, "search")


def test_autocomplete_suggests_and_opens(page, sample_server):
    page.goto(sample_server + "/")
    page.type(".searchbox input[name=q]", "shuibei", delay=30)
    page.wait_for_selector(".suggest div")
    assert "水贝" in page.locator(".suggest div").first.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/belts/**")
