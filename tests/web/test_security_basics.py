"""Headers on every response, a secret key of the installation's own, no server paths in errors."""

from __future__ import annotations

from web import create_app


def test_every_response_has_the_security_headers(sample_client):
    for url in ("/belts", "/api/belts", "/api/nope", "/static/style.css"):
        h = sample_client.get(url).headers
        assert "script-src 'self'" in h["Content-Security-Policy"] and "unsafe-inline" not in h["Content-Security-Policy"].split("style-src")[0]
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"


def test_secret_key_is_generated_kept_and_private(store, config):
    a = create_app({"TESTING": True}, store=store, config=config)
    key_file = store.root / ".secret_key"
    assert len(a.config["SECRET_KEY"]) == 64 and key_file.stat().st_mode & 0o777 == 0o600
    assert create_app({"TESTING": True}, store=store, config=config).config["SECRET_KEY"] == a.config["SECRET_KEY"]
    assert a.config["SECRET_KEY"] != "dev"


def test_a_store_error_page_hides_the_server_path(store, config, monkeypatch):
    from graph.errors import StoreError

    def broken():
        raise StoreError(f"cannot open the embedded database in {store.root}/versions/x: disk I/O error")

    client = create_app({"TESTING": True}, store=store, config=config).test_client()
    monkeypatch.setattr(store, "graph", broken)
    for url in ("/belts", "/api/belts"):
        r = client.get(url)
        text = r.get_data(as_text=True)
        assert r.status_code == 503 and "disk I/O error" in text and str(store.root) not in text and "[path]" in text
