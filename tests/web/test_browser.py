"""The web app in a real browser: Debian's Chromium driven by Playwright.

On a machine without /usr/bin/chromium these skip saying what to install; in CI
(CI=true) they must run.
"""

from __future__ import annotations

import os
import socket

import pytest

from ..conftest import need

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    need(os.path.exists(CHROMIUM), "browser tests need Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def server(loaded_store):
    """``beltgraph serve`` itself, in its own process, on a free port."""
    import subprocess
    import sys
    import time
    import urllib.request

    from ..conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"}
    proc = subprocess.Popen([sys.executable, "-m", "beltgraph", "--data", str(loaded_store.root), "serve",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/stats", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_belts_page_lists_and_filters(browser, server):
    page = browser.new_page()
    page.goto(server + "/")
    assert page.title() == "Belts · BeltGraph"
    rows = page.locator("#belts tbody tr")
    assert rows.count() == 3
    assert "杭州四季青服装市场" in page.locator("#belts").inner_text()
    page.select_option("select[name=category]", "jewelry")
    page.click("button[type=submit]")
    assert rows.count() == 1 and rows.first.get_attribute("data-id") == "b-sb"
    page.close()


def test_pinyin_search_in_the_browser(browser, server):
    page = browser.new_page()
    page.goto(server + "/")
    page.fill("input[name=q]", "shuibei")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=shuibei**")
    assert [r.get_attribute("data-id") for r in page.locator("#belts tbody tr").all()] == ["b-sb"]
    page.fill("input[name=q]", "xy")          # initials of 仙游
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=xy**")
    assert [r.get_attribute("data-id") for r in page.locator("#belts tbody tr").all()] == ["b-xy"]
    page.close()


def test_unknown_page_shows_the_error_page(browser, server):
    page = browser.new_page()
    response = page.goto(server + "/no/such/page")
    assert response.status == 404
    assert "no such page" in page.locator(".error").inner_text()
    page.close()
