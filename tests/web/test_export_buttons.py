"""Every graph on a page has export links that give the same selection as a file."""

from __future__ import annotations

import html as htmlmod
import re

import pytest


@pytest.mark.parametrize("url", ["/belts/hz-sijiqing", "/nodes/prov-0001", "/paths?from=anc-00002&to=hz-sijiqing",
                                 "/connect?id=anc-00002&id=hz-sijiqing&id=sc-0010"])
def test_graph_pages_link_their_exports(sample_client, url):
    page = sample_client.get(url).get_data(as_text=True)
    links = [htmlmod.unescape(x) for x in re.findall(r'href="(/export\?format=[^"]+)"', page)]
    assert {re.search(r"format=(\w+)", x).group(1) for x in links} >= {"html", "svg", "pdf", "png", "gexf", "csv"}
    svg = next(x for x in links if "format=svg" in x)
    assert "&amp;" not in svg
    r = sample_client.get(svg)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data[:2000]


def test_the_belt_page_links_its_brief(sample_client):
    page = sample_client.get("/belts/hz-sijiqing").get_data(as_text=True)
    assert 'href="/belts/hz-sijiqing/brief.pdf"' in page and 'href="/belts/hz-sijiqing/brief.html"' in page
    assert sample_client.get("/belts/hz-sijiqing/brief.html").status_code == 200
