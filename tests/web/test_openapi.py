"""The OpenAPI document covers every /api endpoint; the docs page works offline."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from .conftest import screenshot


def api_routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and not rule.rule.startswith(("/api/openapi.json", "/api/docs")):
            for m in rule.methods - {"HEAD", "OPTIONS"}:
                out.add((re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), m.lower()))
    return out


def test_every_api_endpoint_is_documented_and_the_document_is_valid(sample_app, sample_client):
    spec = sample_client.get("/api/openapi.json").json
    validate(spec)
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    missing = api_routes(sample_app) - documented
    assert not missing, f"undocumented: {sorted(missing)}"
    assert not documented - api_routes(sample_app), "documents a route the app does not have"
    assert spec["paths"]["/api/rank"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/Ranking"}


def test_docs_are_served_without_a_cdn(sample_client):
    html = sample_client.get("/api/docs").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert sample_client.get("/api/docs/ui/swagger-ui-bundle.js").status_code == 200


@pytest.mark.browser
def test_docs_page_renders_in_chromium(page, sample_server):
    page.goto(sample_server + "/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert "/api/rank" in page.inner_text("#swagger-ui")
    screenshot(page, "api-docs")
