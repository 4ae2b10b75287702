"""Fixtures for the web tests: the sample store (loaded once, two quarters reviewed), the app,
a client, Chromium, and ``beltgraph serve`` in its own process.

Browser tests skip on a machine without /usr/bin/chromium, saying what to install; in CI
(CI=true) they must run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from flask.testing import FlaskClient

from graph.config import Config

from ..conftest import ROOT, need

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def sample_config(tmp_path_factory) -> Config:
    return Config.from_dict({"embedded": {"buffer_pool_mb": 128}, "web": {"rate_limit": "100000/minute"}},
                            base_dir=tmp_path_factory.mktemp("cfg"), env={})


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, sample_config):
    """The committed sample, loaded once for the session, with 2020Q3 and 2020Q4 reviewed. Read-only: a
    test that writes makes its own store."""
    from graph import usecases
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    store = EmbeddedStore(tmp_path_factory.mktemp("sample") / "store", sample_config)
    load_bundle(store, ROOT / "data" / "sample")
    usecases.review(store, sample_config, "2020Q3")
    usecases.review(store, sample_config, "2020Q4")
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_app(sample_store, sample_config):
    from web import create_app

    return create_app({"TESTING": True}, store=sample_store, config=sample_config)


@pytest.fixture
def sample_client(sample_app):
    return sample_app.test_client()


@pytest.fixture(scope="session")
def browser():
    need(os.path.exists(CHROMIUM), "browser tests need Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def serve(data_dir, extra_env: dict | None = None):
    """Start ``beltgraph serve`` on a free loopback port; returns (process, url)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128", "BELTGRAPH_WEB_RATE_LIMIT": "100000/minute",
           **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "beltgraph", "--data", str(data_dir), "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/stats", timeout=1)
            return proc, url
        except urllib.error.HTTPError:  # it answers (401 when users are configured)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("beltgraph serve exited")
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("beltgraph serve did not answer within 60 s")


@pytest.fixture(scope="session")
def sample_server(sample_store):
    """``beltgraph serve`` itself over the reviewed sample store, in its own process."""
    proc, url = serve(sample_store.root)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def page(browser):
    """A fresh page whose JavaScript console errors and page errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # a test that expects an error status clears it
    yield pg
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def csrf_headers(client, page: str = "/belts") -> dict:
    """The X-CSRFToken header a page's script sends (the token of the client's session, from the page's
    <meta name="csrf-token">): JSON POSTs from a test client need it as page scripts do (BGpost in app.js)."""
    html = client.get(page).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, f"{page} has no csrf-token meta"
    return {"X-CSRFToken": match.group(1)}


def screenshot(pg, name: str) -> None:
    """Save a screenshot for docs/screenshots (the README shows them)."""
    folder = ROOT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(folder / f"{name}.png"), full_page=False)


class CsrfClient(FlaskClient):
    """A test client that sends its session's CSRF token with every POST, as the pages' forms and
    scripts do (for modules that test what a POST does, not the CSRF check itself)."""

    def open(self, *args, **kwargs):
        method = kwargs.get("method") or (args[0].method if args and hasattr(args[0], "method") else "GET")
        if method.upper() == "POST":
            if not getattr(self, "_csrf", None):
                self._csrf = csrf_headers(self)["X-CSRFToken"]
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self._csrf)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def posting_with_csrf(monkeypatch):
    """Apps made in the test hand out CsrfClient test clients."""
    from flask import Flask

    monkeypatch.setattr(Flask, "test_client_class", CsrfClient)
