"""Who may do what on the web: users and roles from config, API tokens, CSRF and rate limits.

Roles are ordered viewer < analyst < admin. What a request needs is decided in one place,
:func:`required_role`, from the blueprint of its endpoint (:data:`BLUEPRINT_ROLES`; every
other blueprint needs viewer) or a view marked with :func:`requires`; one ``before_request``
(:func:`_guard`) checks it for every page and ``/api`` endpoint, so a new blueprint needs no
code of its own. Pages send a visitor who is not logged in to ``/login``; ``/api`` answers
401 or 403 in the JSON error shape.

* Users: ``[web.users.NAME] role = "analyst"``, ``password = "scrypt:..."`` (``beltgraph user
  hash``), logged in with Flask-Login. A session ends when the user's password hash changes
  or the user is removed from config.
* Scripts: ``Authorization: Bearer <token>`` on ``/api`` only; config keeps only the token's
  sha256 (``beltgraph user token NAME --role analyst``). A request with a token needs no CSRF
  token; an unknown token is a 401.
* Open mode: with no users configured and the server on a loopback address (the ``make run``
  default), every request from this machine is the single local user with the admin role.
  ``beltgraph serve`` refuses any other address with no users (:func:`serve_problem`).
* CSRF (Flask-WTF) on every POST, PUT, PATCH and DELETE not carrying an API token: forms send
  the ``csrf_token`` field, page scripts the ``X-CSRFToken`` header (``BGpost`` in app.js).
  A write to ``/api`` must be JSON, or multipart (an upload); anything else is a 415.
* Rate limits (Flask-Limiter, in memory): ``[web] rate_limit`` per user (or address when no one
  is logged in) on each endpoint of :data:`LIMITED_BLUEPRINTS`, views marked :func:`limited`,
  and login attempts.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from graph.config import WEB_ROLES, Config

from . import i18n
from .i18n import t
from .views import CONFIG_KEY, get_config

bp = Blueprint("auth", __name__)

ROLE_RANK = {role: i for i, role in enumerate(WEB_ROLES)}
#: The role each blueprint's endpoints need; every other blueprint needs viewer.
BLUEPRINT_ROLES = {"cypher": "analyst", "exports": "analyst", "admin": "admin"}
#: Blueprints whose endpoints are rate-limited: Cypher, paths, exports and uploads.
LIMITED_BLUEPRINTS = frozenset({"cypher", "paths", "connect", "exports", "admin"})
#: Endpoints anyone may open: the login page and the files it uses.
PUBLIC = frozenset({"static", "vendor", "auth.login"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATE_KEY = "beltgraph.auth"
TOKEN_PREFIX = "bgt_"

i18n.add({
    "auth.title": ("登录", "Log in"),
    "auth.username": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.submit": ("登录", "Log in"),
    "auth.logout": ("退出", "Log out"),
    "auth.wrong": ("用户名或密码不对", "Wrong user name or password"),
    "auth.no_users": ("还没有配置用户：请在 config.toml 的 [web.users] 中添加（beltgraph user hash 生成密码哈希）。",
                      ("No users are configured: add one under [web.users] in config.toml "
                       "(beltgraph user hash makes the password hash).")),
    "auth.forbidden": ("你的角色（{role}）不能打开此页：需要{need}。",
                       "Your role ({role}) cannot open this page: it needs {need}."),
    "auth.local_only": ("此服务器没有配置用户，只服务本机。",
                        "This server has no users configured and serves only its own machine."),
    "auth.csrf": ("表单已过期或缺少安全令牌：请刷新页面后重试。",
                  "The form has expired or lacks its security token: reload the page and try again."),
    "auth.too_many": ("请求太频繁（上限 {limit}），请稍后再试。",
                      "Too many requests (at most {limit}): wait a moment and try again."),
    "webrole.viewer": ("浏览者", "viewer"),
    "webrole.analyst": ("分析师", "analyst"),
    "webrole.admin": ("管理员", "admin"),
})


# ---------------------------------------------------------------- who is asking

@dataclass(frozen=True)
class Principal:
    """Someone a request acts for: a logged-in ``user``, a script's ``token``, or the ``local`` user
    of open mode."""

    name: str
    role: str
    kind: str
    session_id: str = ""

    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return self.session_id

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class Anonymous(AnonymousUserMixin):
    name = role = None
    kind = "anonymous"

    def can(self, role: str) -> bool:
        return False


LOCAL = Principal("local", "admin", "local")


@dataclass(frozen=True)
class AuthState:
    users: dict[str, dict]          # name -> {"role", "password"}
    tokens: dict[str, Principal]    # "sha256:..." -> the token's principal
    open: bool                      # no users and a loopback address: everyone local is admin


def _state() -> AuthState:
    return current_app.extensions[STATE_KEY]


def _session_id(name: str, password_hash: str) -> str:
    """What the session keeps: the name and a fingerprint of the password hash, so that changing
    the password in config (or removing the user) ends the user's sessions."""
    return f"{name}|{hashlib.sha256(password_hash.encode()).hexdigest()[:16]}"


def _user(name: str) -> Principal | None:
    record = _state().users.get(name)
    if record is None:
        return None
    return Principal(name, record["role"], "user", _session_id(name, record["password"]))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def check_login(name: str, password: str) -> Principal | None:
    """The user if ``password`` is theirs; an unknown name costs the same time as a wrong password."""
    user = _user(name)
    stored = _state().users[name]["password"] if user else _dummy_hash()
    ok = check_password_hash(stored, password)
    return user if ok and user else None


def new_token() -> str:
    """A random API token (shown once; config keeps only :func:`hash_token` of it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The form config keeps a token in. Tokens are long and random, so one sha256 is enough.

    >>> hash_token("bgt_example")[:15]
    'sha256:ac8c5e3b'
    """
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def _bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _token_user(token: str) -> Principal | None:
    return _state().tokens.get(hash_token(token))


def is_loopback(host: str | None) -> bool:
    """Whether an address is this machine only.

    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "0.0.0.0", "")]
    [True, True, True, True, True, False, False]
    """
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


def serve_problem(config: Config, host: str) -> str | None:
    """Why ``beltgraph serve`` must not start on ``host`` (None if it may): with no users configured
    the app is open, which is fine for this machine only."""
    if config.get("web", "users") or is_loopback(host):
        return None
    return (f"refusing to serve on {host} with no users configured ([web.users] in config.toml): anyone who "
            f"can reach it would have full access. Add a user as [web.users.NAME] with role = \"viewer\", "
            f"\"analyst\" or \"admin\" and password = the line `beltgraph user hash` prints, or serve on 127.0.0.1")


# ---------------------------------------------------------------- what each endpoint needs

def requires(role: str) -> Callable:
    """Mark a view outside :data:`BLUEPRINT_ROLES` as needing ``role`` (e.g. running a review: admin)."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}: use {', '.join(WEB_ROLES)}")

    def mark(view):
        view.required_role = role
        return view

    return mark


def limited(view):
    """Mark a view outside :data:`LIMITED_BLUEPRINTS` as rate-limited."""
    view.rate_limited = True
    return view


def _blueprint(endpoint: str) -> str:
    """The top blueprint of an endpoint ('' for the app's own, such as static)."""
    return endpoint.split(".", 1)[0] if "." in endpoint else ""


def required_role(endpoint: str | None) -> str | None:
    """The role an endpoint needs (None: anyone, even not logged in)."""
    if not endpoint or endpoint in PUBLIC:
        return None if endpoint else "viewer"
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "required_role", None) or BLUEPRINT_ROLES.get(_blueprint(endpoint), "viewer")


def can_open(endpoint: str) -> bool:
    """Whether the current user may open ``endpoint`` (the menu shows only those)."""
    need = required_role(endpoint)
    return need is None or current_user.can(need)


def _rate_limited() -> bool:
    endpoint = request.endpoint
    if not endpoint:
        return False
    if endpoint == "auth.login":
        return request.method == "POST"
    view = current_app.view_functions.get(endpoint)
    return _blueprint(endpoint) in LIMITED_BLUEPRINTS or getattr(view, "rate_limited", False)


def _rate_key() -> str:
    user = current_user
    if user.is_authenticated and user.kind in ("user", "token"):
        return f"{user.kind}:{user.name}"
    return request.remote_addr or "-"


# ---------------------------------------------------------------- the app

def init_app(app: Flask) -> None:
    """Login, the role check, CSRF and rate limits for every endpoint of ``app``."""
    config: Config = app.extensions[CONFIG_KEY]
    users = config.get("web", "users")
    tokens = {rec["hash"]: Principal(name, rec["role"], "token") for name, rec in config.get("web", "tokens").items()}
    host = app.config.get("BIND_HOST") or config.get("web", "host")
    app.extensions[STATE_KEY] = AuthState(users, tokens, open=not users and is_loopback(host))
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session: a console left open works
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False        # checked in _guard, after API tokens are known

    logins = LoginManager(app)
    logins.session_protection = "basic"  # "strong" would drop the CSRF token of a visitor not logged in
    logins.anonymous_user = Anonymous

    @logins.user_loader
    def load_user(session_id: str) -> Principal | None:
        user = _user(session_id.rpartition("|")[0])
        return user if user and user.session_id == session_id else None

    @logins.request_loader
    def load_from_request(req) -> Principal | None:
        token = _bearer_token() if req.path.startswith("/api/") else None
        if token is not None:
            return _token_user(token)
        return LOCAL if _state().open and is_loopback(req.remote_addr) else None

    csrf = CSRFProtect(app)
    app.before_request(functools.partial(_guard, csrf))
    Limiter(_rate_key, app=app, storage_uri="memory://", strategy="fixed-window", headers_enabled=True,
            default_limits=[lambda: get_config().get("web", "rate_limit")],
            default_limits_exempt_when=lambda: not _rate_limited())

    from .app import error_response

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_response(400, _says("auth.csrf", "missing or invalid CSRF token: send the page's csrf-token "
                                                       "in X-CSRFToken, or use an API token"))

    @app.errorhandler(429)
    def too_many(e):
        limit = getattr(e, "description", "") or ""
        return error_response(429, _says("auth.too_many", f"too many requests (at most {limit}): wait and retry",
                                         limit=limit))

    @app.context_processor
    def who():
        return {"can_open": can_open}


def _api() -> bool:
    return request.path.startswith("/api/")


def _says(key: str, api_message: str, **values) -> str:
    """The message for this request: English under /api, the page's language elsewhere."""
    return api_message if _api() else t(key, **values)


def _guard(csrf: CSRFProtect):
    """Every request: who is asking, may they open this endpoint, CSRF and body kind of writes."""
    from .app import error_response

    state = _state()
    if state.open and not is_loopback(request.remote_addr):
        return error_response(403, _says("auth.local_only", "this server has no users configured and serves "
                                                            "only its own machine"))
    token = _bearer_token() if _api() else None
    if token is not None and _token_user(token) is None:
        response = error_response(401, "unknown API token")
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    endpoint = request.endpoint
    need = required_role(endpoint)
    if need is not None:
        if not current_user.is_authenticated:
            if _api():
                response = error_response(401, "log in first, or send Authorization: Bearer <token> "
                                               "(beltgraph user token)")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not current_user.can(need):
            return error_response(403, _says(
                "auth.forbidden", f"your role ({current_user.role}) cannot do this: it needs {need}",
                role=t(f"webrole.{current_user.role}"), need=t(f"webrole.{need}")))
    if request.method in UNSAFE_METHODS and request.routing_exception is None:  # else 404 or 405 follows
        if _api() and not (request.is_json or request.mimetype == "multipart/form-data"):
            return error_response(415, "send a JSON body (Content-Type: application/json)")
        if current_user.kind != "token":
            csrf.protect()
    return None


def _safe_next(target: str | None) -> str | None:
    """A path on this site to go back to after login (never another site).

    >>> [_safe_next(u) for u in ("/rank?q=1", "//evil.example", "https://evil.example/", "/\\\\evil", None)]
    ['/rank?q=1', None, None, None, None]
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _home() -> str:
    return url_for("search.index") if "search.index" in current_app.view_functions else url_for("belts.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _safe_next(request.values.get("next"))
    if _state().open or (current_user.is_authenticated and request.method == "GET"):
        return redirect(target or _home())
    error, name = None, ""
    if request.method == "POST":
        name = request.form.get("username", "").strip()
        user = check_login(name, request.form.get("password", ""))
        if user is not None:
            session.clear()  # a fresh session (and CSRF token) for the logged-in user
            login_user(user)
            return redirect(target or _home())
        error = t("auth.wrong")
    page = render_template("auth/login.html", error=error, next=target, username=name,
                           no_users=not _state().users)
    return page, 401 if error else 200


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
