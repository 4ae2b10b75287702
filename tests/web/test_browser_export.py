"""An exported html opened in Chromium from a file: the network is drawn, nothing is fetched,
there is no console error, and a name that is HTML stays text."""

from __future__ import annotations

import pytest

from graph import usecases

from ..graph.test_export_formats import SCRIPT, XSS, xss_store  # noqa: F401  (fixture)
from .conftest import screenshot

pytestmark = pytest.mark.browser


def _open(page, path):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-drawn='1']", timeout=20000)
    return requests, dialogs


def test_exported_html_draws_the_network_offline(page, sample_store, sample_config, tmp_path):
    f = usecases.export(sample_store, sample_config, "html", around="hz-sijiqing", depth=1,
                        labels=("SupplyChain", "Provider", "Base"))
    path = tmp_path / f.filename
    path.write_bytes(f.body)
    requests, _ = _open(page, path)
    assert [u for u in requests if not u.startswith("file:")] == []
    assert page.locator("#network canvas").count() == 1
    drawn = page.evaluate("window.beltgraphNetwork.body.data.nodes.length")
    assert drawn == f.nodes
    # the canvas is not blank: some pixels differ from the white background
    painted = page.evaluate("""() => { const c = document.querySelector('#network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) n++;
        return n; }""")
    assert painted > 1000
    assert "杭州四季青服装市场" in page.text_content("header") or page.title()
    screenshot(page, "export-html")


def test_an_xss_name_stays_text_in_the_opened_file(page, xss_store, config, tmp_path):  # noqa: F811
    f = usecases.export(xss_store, config, "html", title=XSS)
    path = tmp_path / "xss.html"
    path.write_bytes(f.body)
    _, dialogs = _open(page, path)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.locator("img").count() == 0
    assert page.text_content("h1") == XSS
    names = page.evaluate("window.beltgraphNetwork.body.data.nodes.get().map(n => n.label)")
    assert XSS in names and SCRIPT in names
    # the tooltip of a node is a text element holding the name
    tip = page.evaluate("window.beltgraphNetwork.body.data.nodes.get('a1').title.textContent")
    assert tip.startswith(XSS)
