"""Anchor and supply-chain profiles show their suggested partners, as /match does."""

from __future__ import annotations

import re


def test_anchor_and_supply_chain_profiles_list_matches(sample_client):
    for node_id, kind in (("anc-01180", "anchor"), ("sc-0010", "supply-chain")):
        html = sample_client.get(f"/nodes/{node_id}").get_data(as_text=True)
        expected = sample_client.get(f"/api/match?kind={kind}&id={node_id}&limit=8").json["items"]
        shown = re.findall(r'<tr data-id="([^"]+)"', html.split('id="matches"')[1].split("</section>")[0])
        assert shown == [m["id"] for m in expected]


def test_other_profiles_have_no_matches(sample_client):
    assert 'id="matches"' not in sample_client.get("/nodes/prov-0001").get_data(as_text=True)
