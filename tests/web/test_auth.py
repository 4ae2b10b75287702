"""Web roles: login, API tokens, open single-user mode, CSRF, JSON-only writes to /api and rate limits.

The Cypher console, exports and uploads are built on other branches; where their blueprint is
missing, a stand-in with the same blueprint name and routes is registered, since the role an
endpoint needs comes from its blueprint's name alone.
"""

from __future__ import annotations

import io
import re
import tomllib

import pytest
from flask import Blueprint, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

from graph.config import Config
from graph.errors import ConfigError
from web import create_app, views
from web.auth import hash_token, required_role

from .conftest import csrf_headers, screenshot

PASSWORDS = {"vera": ("viewer", "vera-pass-1"), "ana": ("analyst", "ana-pass-22"), "adam": ("admin", "adam-pass-333")}
TOKENS = {"viewer-bot": ("viewer", "bgt_viewer_token_for_tests"), "ci": ("analyst", "bgt_analyst_token_for_tests"),
          "loader": ("admin", "bgt_admin_token_for_tests")}
QUERY = {"query": "MATCH (b:Belt) RETURN count(b) AS n"}


@pytest.fixture(scope="module")
def users() -> dict:
    # pbkdf2 with few rounds keeps the tests fast; `beltgraph user hash` makes scrypt hashes
    return {name: {"role": role, "password": generate_password_hash(pw, "pbkdf2:sha256:1000")}
            for name, (role, pw) in PASSWORDS.items()}


def tokens() -> dict:
    return {name: {"role": role, "hash": hash_token(token)} for name, (role, token) in TOKENS.items()}


def with_stand_ins(app):
    """The blueprints of other branches, by name and route, where this branch lacks them."""
    if "cypher" not in app.blueprints:
        bp = Blueprint("cypher", __name__)
        bp.add_url_rule("/cypher", "console", lambda: "console")
        bp.add_url_rule("/api/cypher", "run", lambda: jsonify(ok=True, got=request.get_json()), methods=["POST"])
        app.register_blueprint(bp)
    if "exports" not in app.blueprints:
        bp = Blueprint("exports", __name__)
        bp.add_url_rule("/export", "export", lambda: "export")
        app.register_blueprint(bp)
    if "admin" not in app.blueprints:
        bp = Blueprint("admin", __name__)
        bp.add_url_rule("/admin/load", "load_page", lambda: "upload form")
        bp.add_url_rule("/api/load", "load", lambda: jsonify(ok=True, files=sorted(request.files)), methods=["POST"])
        app.register_blueprint(bp)
    return app


def make_app(store, config: Config, **web):
    web = {"rate_limit": "100000/minute", **web}
    return with_stand_ins(create_app({"TESTING": True}, store=store, config=config.with_overrides(web=web)))


@pytest.fixture
def app(sample_store, sample_config, users):
    return make_app(sample_store, sample_config, users=users, tokens=tokens())


@pytest.fixture
def upload_app(loaded_store, config, users):
    """Over a store of its own: an upload may write."""
    return make_app(loaded_store, config, users=users, tokens=tokens())


@pytest.fixture
def open_app(sample_store, sample_config):
    return with_stand_ins(create_app({"TESTING": True}, store=sample_store, config=sample_config))


def allowed(r) -> bool:
    """Let through by the role check, CSRF and the rate limit (the view itself may still refuse a bad body)."""
    return r.status_code not in (401, 403, 415, 429) and "CSRF" not in r.get_data(as_text=True)


def login(client, name: str, password: str | None = None, next: str | None = None):
    token = csrf_token(client, "/login")
    form = {"username": name, "password": PASSWORDS[name][1] if password is None else password, "csrf_token": token}
    if next:
        form["next"] = next
    return client.post("/login", data=form)


def csrf_token(client, page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(as_text=True))[1]


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[name][1]}"}


def upload() -> dict:
    return {"bundle": (io.BytesIO(b"PK\x05\x06" + b"\0" * 18), "bundle.zip")}


# ---------------------------------------------------------------- open single-user mode

def test_with_no_users_on_loopback_everyone_here_is_admin(open_app):
    client = open_app.test_client()
    for url in ("/belts", "/api/belts", "/cypher", "/export?format=json&around=hz-sijiqing&depth=1", "/admin/load"):
        assert client.get(url).status_code == 200, url
    html = client.get("/belts").get_data(as_text=True)
    assert 'name="csrf-token"' in html and "/logout" not in html  # no one to log out
    assert client.get("/login").status_code == 302


def test_open_mode_still_needs_the_csrf_token(open_app):
    client = open_app.test_client()
    assert client.post("/api/cypher", json=QUERY).status_code == 400
    assert allowed(client.post("/api/cypher", json=QUERY, headers=csrf_headers(client)))


def test_open_mode_serves_only_this_machine(open_app):
    r = open_app.test_client().get("/api/belts", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert r.status_code == 403 and r.json["ok"] is False and "only its own machine" in r.json["error"]


def test_no_users_on_a_public_address_is_not_open(sample_store, sample_config):
    app = create_app({"TESTING": True, "BIND_HOST": "0.0.0.0"}, store=sample_store, config=sample_config)
    client = app.test_client()
    assert client.get("/api/belts").status_code == 401
    r = client.get("/belts")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert "[web.users]" in client.get("/login").get_data(as_text=True)


# ---------------------------------------------------------------- users and roles

def test_not_logged_in_pages_go_to_login_and_the_api_answers_401(app):
    client = app.test_client()
    r = client.get("/rank?quarter=2020Q4")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/rank?quarter%3D2020Q4"
    r = client.get("/api/belts")
    assert r.status_code == 401 and r.json == {"ok": False, "error": r.json["error"], "status": 401}
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/static/style.css").status_code == 200 and client.get("/login").status_code == 200


def test_login_goes_back_and_logout_ends_the_session(app):
    client = app.test_client()
    r = login(client, "vera", next="/rank?quarter=2020Q4")
    assert r.status_code == 302 and r.headers["Location"] == "/rank?quarter=2020Q4"
    html = client.get("/belts").get_data(as_text=True)
    assert "vera" in html and "浏览者" in html and 'action="/logout"' in html
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/belts")})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert client.get("/belts").status_code == 302


def test_login_never_sends_you_to_another_site(app):
    client = app.test_client()
    r = login(client, "vera", next="//evil.example/x")
    assert r.status_code == 302 and r.headers["Location"] == "/"


@pytest.mark.parametrize("name, password", [
    ("vera", "wrong-password"),   # a known user, a wrong password
    ("nobody", "vera-pass-1"),    # an unknown user: the same answer
    ("vera", ""),                 # no password
])
def test_a_wrong_password_is_refused(app, name, password):
    client = app.test_client()
    r = login(client, name, password)
    assert r.status_code == 401 and "用户名或密码不对" in r.get_data(as_text=True)
    assert client.get("/belts").status_code == 302


def test_viewer_browses_and_searches_but_cannot_open_cypher_exports_or_uploads(app):
    client = app.test_client()
    login(client, "vera")
    for url in ("/belts", "/api/belts", "/?q=杭州", "/api/search?q=杭州", "/api/suggest?q=杭州", "/paths"):
        assert client.get(url).status_code == 200, url
    for url in ("/cypher", "/export?format=json&around=hz-sijiqing&depth=1", "/admin/load"):
        r = client.get(url)
        assert r.status_code == 403 and "需要" in r.get_data(as_text=True), url
    r = client.post("/api/cypher", json=QUERY, headers=csrf_headers(client))
    assert r.status_code == 403 and r.json["status"] == 403 and "needs analyst" in r.json["error"]


def test_analyst_runs_cypher_and_exports_but_cannot_upload(app):
    client = app.test_client()
    login(client, "ana")
    assert client.get("/cypher").status_code == 200 and client.get("/export?format=json&around=hz-sijiqing&depth=1").status_code == 200
    assert allowed(client.post("/api/cypher", json=QUERY, headers=csrf_headers(client)))
    assert client.get("/admin/load").status_code == 403
    r = client.post("/api/load", data=upload(), headers=csrf_headers(client))  # refused before the view
    assert r.status_code == 403 and "needs admin" in r.json["error"]


def test_only_an_admin_runs_a_review(upload_app):
    for name in ("vera", "ana"):
        client = upload_app.test_client()
        login(client, name)
        assert client.get("/reviews/run").status_code == 403
        r = client.post("/api/review", json={"quarter": "2020Q1"}, headers=csrf_headers(client))
        assert r.status_code == 403 and "needs admin" in r.json["error"]
        assert 'id="review-run"' not in client.get("/reviews/run").get_data(as_text=True)
    client = upload_app.test_client()
    login(client, "adam")
    assert client.post("/api/review", json={"quarter": "2020Q1"}).status_code == 400  # no CSRF token
    r = client.post("/api/review", json={"quarter": "2020Q1"}, headers=csrf_headers(client))
    assert r.status_code == 200 and r.json["quarter"] == "2020Q1"
    assert 'id="review-run"' in client.get("/reviews").get_data(as_text=True)
    assert upload_app.test_client().post("/api/review", json={}, headers=bearer("loader")).status_code == 200


def test_admin_uploads_with_the_page_token(upload_app):
    client = upload_app.test_client()
    login(client, "adam")
    assert client.get("/admin/load").status_code == 200
    assert client.post("/api/load", data=upload()).status_code == 400  # no CSRF token
    assert allowed(client.post("/api/load", data=upload(), headers=csrf_headers(client)))


def test_the_menu_shows_only_what_the_role_may_open(app, monkeypatch):
    console = next(r.endpoint for r in app.url_map.iter_rules()
                   if r.endpoint.startswith("cypher.") and "GET" in r.methods and not r.arguments)
    monkeypatch.setattr(views, "NAV", [*views.NAV, (99, console, "auth.title")])
    href = f'href="{app.url_map.bind("x").build(console)}"'
    viewer, analyst = app.test_client(), app.test_client()
    login(viewer, "vera")
    login(analyst, "ana")
    assert href not in viewer.get("/belts").get_data(as_text=True)
    assert href in analyst.get("/belts").get_data(as_text=True)


def test_changing_a_password_in_config_ends_the_old_sessions(app, sample_store, sample_config, users):
    client = app.test_client()
    login(client, "vera")
    cookie = client.get_cookie("session").value
    new_hash = generate_password_hash("new-pass-9", "pbkdf2:sha256:1000")
    changed = dict(users, vera={"role": "viewer", "password": new_hash})
    other = make_app(sample_store, sample_config, users=changed).test_client()
    other.set_cookie("session", cookie)
    assert other.get("/belts").status_code == 302
    same = make_app(sample_store, sample_config, users=users).test_client()
    same.set_cookie("session", cookie)
    assert same.get("/belts").status_code == 200


def test_which_role_each_blueprint_needs(app):
    with app.test_request_context():
        assert [required_role(e) for e in ("search.index", "belts.index", "cypher.x", "exports.brief", "admin.load",
                                           "auth.login", "static")] == \
            ["viewer", "viewer", "analyst", "analyst", "admin", None, None]


# ---------------------------------------------------------------- CSRF and API tokens

def test_a_form_post_without_the_csrf_token_is_400(app):
    client = app.test_client()
    r = client.post("/login", data={"username": "vera", "password": PASSWORDS["vera"][1]})
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)
    login(client, "vera")
    assert client.post("/logout").status_code == 400
    assert client.get("/belts").status_code == 200  # still logged in


def test_a_script_posts_json_with_a_token_and_no_csrf(app, upload_app):
    client = app.test_client()
    assert allowed(client.post("/api/cypher", json=QUERY, headers=bearer("ci")))
    assert allowed(upload_app.test_client().post("/api/load", data=upload(), headers=bearer("loader")))
    r = client.post("/api/cypher", json=QUERY, headers=bearer("viewer-bot"))
    assert r.status_code == 403 and r.json["ok"] is False
    assert client.get("/api/belts", headers=bearer("viewer-bot")).status_code == 200


def test_a_bad_token_is_401(app):
    client = app.test_client()
    for headers in ({"Authorization": "Bearer bgt_not_a_token"}, {"Authorization": "Bearer "}):
        r = client.post("/api/cypher", json=QUERY, headers=headers)
        assert r.status_code == 401 and r.json == {"ok": False, "error": "unknown API token", "status": 401}
        assert "invalid_token" in r.headers["WWW-Authenticate"]


def test_a_token_opens_no_page(app):
    r = app.test_client().get("/belts", headers=bearer("loader"))
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_the_api_takes_only_json_or_multipart(app):
    client = app.test_client()
    for body in ({"data": "query=MATCH (n) RETURN n",                       # a form, as another site could post
                  "content_type": "application/x-www-form-urlencoded"},
                 {"data": "{}", "content_type": "text/plain"},                # text/plain, the same
                 {}):                                                         # no body at all
        r = client.post("/api/cypher", headers=bearer("ci"), **body)
        assert r.status_code == 415 and r.json["status"] == 415 and "application/json" in r.json["error"], body


# ---------------------------------------------------------------- rate limits

def test_the_path_endpoints_are_rate_limited_per_user(sample_store, sample_config, users):
    app = make_app(sample_store, sample_config, users=users, tokens=tokens(), rate_limit="3/minute")
    vera, ana = app.test_client(), app.test_client()
    login(vera, "vera")
    login(ana, "ana")
    url = "/api/path?from=anc-00002&to=hz-sijiqing"
    assert [vera.get(url).status_code for _ in range(3)] == [200, 200, 200]
    r = vera.get(url)
    assert r.status_code == 429 and r.json == {"ok": False, "error": r.json["error"], "status": 429}
    assert "3 per 1 minute" in r.json["error"] and "Retry-After" in r.headers
    assert vera.get("/paths").status_code == 200          # each endpoint has its own budget
    assert ana.get(url).status_code == 200                # and each user
    assert vera.get("/api/belts").status_code == 200      # browsing is not limited
    for _ in range(3):
        app.test_client().post("/api/cypher", json=QUERY, headers=bearer("ci"))
    assert app.test_client().post("/api/cypher", json=QUERY, headers=bearer("ci")).status_code == 429


def test_login_attempts_are_rate_limited(sample_store, sample_config, users):
    client = make_app(sample_store, sample_config, users=users, rate_limit="2/minute").test_client()
    assert [login(client, "vera", "guess").status_code for _ in range(3)] == [401, 401, 429]
    assert "请求太频繁" in login(client, "vera", "guess").get_data(as_text=True)


# ---------------------------------------------------------------- settings and the CLI

def test_users_and_tokens_are_checked_when_config_is_read(users):
    good = users["vera"]["password"]
    for web, message in [
        ({"users": {"x": {"role": "boss", "password": good}}}, "role 'boss' is not one of viewer, analyst, admin"),
        ({"users": {"x": {"role": "viewer", "password": "hunter22"}}}, "not the password itself"),
        ({"users": {"x": {"role": "viewer"}}}, "needs exactly role, password"),
        ({"tokens": {"x": {"role": "viewer", "hash": "bgt_abc"}}}, "not the token"),
        ({"rate_limit": "often"}, "30/minute"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(message)):
            Config.from_dict({"web": web}, env={})
    with pytest.raises(ConfigError) as e:
        Config.from_dict({"web": {"users": {"x": "hunter22"}}}, env={})
    assert "hunter22" not in str(e.value)  # a password typed in the wrong place is not echoed


def test_user_hash_and_token_print_what_config_accepts():
    from click.testing import CliRunner

    from beltgraph.cli import main

    def cli(*args, input=None, ok=True):
        result = CliRunner().invoke(main, list(args), input=input, env={"BELTGRAPH_CONFIG": ""})
        assert (result.exit_code == 0) == ok, result.output
        return result

    hashed = cli("user", "hash", input="s3cret-enough\ns3cret-enough\n").stdout.strip()
    assert check_password_hash(hashed, "s3cret-enough") and hashed.startswith("scrypt:")
    out = cli("user", "token", "ci", "--role", "analyst").stdout
    token = re.search(r"(bgt_\S+)", out)[1]
    user_lines = f'\n[web.users.alice]\nrole = "admin"\npassword = "{hashed}"\n'
    pasted = tomllib.loads(out[out.index("[web.tokens"):] + user_lines)
    config = Config.from_dict(pasted, env={})
    assert config.get("web", "tokens")["ci"] == {"role": "analyst", "hash": hash_token(token)}
    assert cli("user", "hash", input="short\nshort\n", ok=False).exit_code == 2


# ---------------------------------------------------------------- in Chromium

@pytest.fixture(scope="module")
def users_server(sample_store, users):
    import json

    from .conftest import serve

    proc, url = serve(sample_store.root, {"BELTGRAPH_WEB_USERS": json.dumps(users)})
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.browser
def test_login_page_header_and_page_posts_in_chromium(page, users_server):
    page.goto(users_server + "/rank")
    assert "/login" in page.url
    screenshot(page, "login")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORDS["ana"][1])
    page.click("button[type=submit]")
    page.wait_for_url("**/rank")
    assert page.locator("header .who").inner_text().startswith("ana · 分析师")
    screenshot(page, "header-logged-in")
    # page scripts' POSTs pass CSRF with the helpers of app.js (a wrong password: 401, not 400)
    statuses = page.evaluate("""async () => {
        const form = () => {
            const f = new FormData(); f.append('username', 'ana'); f.append('password', 'x'); return f;
        };
        const plain = await fetch('/login', {method: 'POST', body: form()});
        const helped = await window.BGpostForm('/login', form());
        const out = await window.BGpost('/logout', {});
        return [plain.status, helped.status, new URL(out.url).pathname];
    }""")
    assert statuses == [400, 401, "/login"]
    page.console_errors.clear()  # the browser logs the 400 and 401
    page.goto(users_server + "/rank")
    assert "/login" in page.url
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", PASSWORDS["ana"][1])
    page.click("button[type=submit]")
    page.wait_for_url("**/rank")
    page.click("header .who button")
    page.wait_for_url("**/login")
    assert page.locator("header .who").count() == 0
