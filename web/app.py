"""Application factory: config, the store, blueprints and one error shape per surface."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Flask, jsonify, make_response, render_template, request, send_from_directory

from graph.config import Config
from graph.errors import BeltGraphError

from .views import CONFIG_KEY, STORE_KEY


def create_app(test_config: dict | None = None, store=None, config: Config | None = None) -> Flask:
    app = Flask(__name__)
    config = config or Config.load((test_config or {}).get("CONFIG_FILE"))
    app.config.from_mapping(JSON_AS_ASCII=False, BELTGRAPH=config,
                            MAX_CONTENT_LENGTH=config.get("web", "upload_max_mb") * 1024 * 1024)
    app.config.from_prefixed_env("BELTGRAPH_FLASK")  # BELTGRAPH_FLASK_SECRET_KEY
    if test_config:
        app.config.update(test_config)
    if store is None:
        from graph.backends import open_store

        store = open_store(config, app.config.get("DATA"), app.config.get("BACKEND"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(getattr(store, "root", None) or config.data_dir(app.config.get("DATA")))
    app.extensions[STORE_KEY] = store
    app.extensions[CONFIG_KEY] = config
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # the same key order as the CLI's --json

    from . import auth, i18n

    i18n.init_app(app)
    auth.init_app(app)  # login, roles, CSRF and rate limits, before any blueprint's own hooks
    for module in _blueprints():
        app.register_blueprint(module.bp)
    _register_shared(app)
    _register_errors(app)
    return app


def _blueprints():
    """Every module of this package that defines a blueprint ``bp`` (one per feature)."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        module = importlib.import_module(f"{__package__}.{info.name}")
        if hasattr(module, "bp"):
            yield module


def _register_shared(app: Flask) -> None:
    """What every page's template can use, and vis-network served from the pyvis wheel."""
    import pyvis

    from graph.model import LABELS
    from graph.palette import CATEGORY_COLORS, LABEL_COLORS, OTHER_COLOR, TIER_COLORS

    from .auth import can_open
    from .i18n import label_name
    from .views import get_config, get_store, nav_for

    vendor = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"

    @app.get("/vendor/<path:filename>", endpoint="vendor")
    def vendor_file(filename):
        return send_from_directory(vendor, filename, max_age=86400)

    def query_with(**changes) -> str:
        args = request.args.to_dict(flat=False)
        for k, v in changes.items():
            args[k] = [v]
        return urlencode(args, doseq=True)

    def palette() -> dict:
        return {"colors": LABEL_COLORS, "categories": CATEGORY_COLORS, "other": OTHER_COLOR, "tiers": TIER_COLORS,
                "labels": {lab: label_name(lab) for lab in LABELS},
                "draw": {"max": get_config().get("web", "draw_max_nodes"),
                         "server_above": get_config().get("web", "layout_server_above")}}

    @app.context_processor
    def shared():
        try:
            version = get_store().version()
        except BeltGraphError:
            version = None
        return {"nav": nav_for(can_open), "endpoints": app.view_functions, "query_with": query_with, "palette": palette,
                "data_version": version, "profile_url": profile_url}

    def profile_url(label: str, node_id: str) -> str:
        """Where an entity's page is: belts have their own profile."""
        return f"/belts/{quote(node_id, safe='')}" if label == "Belt" else f"/nodes/{quote(node_id, safe='')}"


def _secret_key(folder: Path) -> str:
    """A random secret kept in the data folder (0600), made on first use: sessions survive a restart
    and no two installations share one. BELTGRAPH_FLASK_SECRET_KEY overrides it."""
    path = folder / ".secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # written whole under another name and linked into place: workers starting at once all
    # end up with the key of the one that linked first, never with a half-written file
    tmp = folder / f".secret_key.{os.getpid()}"
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key


#: Sent with every response. No inline script may run; styles may be inline (vis-network sets them).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

#: An absolute file path in a message (not the // of a URI): the web shows where data lives to no one.
_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s'\"/]+/)*[^\s'\")/,;]*")


def public_message(message: str) -> str:
    """A message fit for a browser: file paths of the server replaced.

    >>> public_message("the store at /srv/beltgraph/var/data is empty; Neo4j at bolt://127.0.0.1:7687")
    'the store at [path] is empty; Neo4j at bolt://127.0.0.1:7687'
    """
    return _PATH.sub("[path]", message)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, action: tuple[str, str] | None = None):
    """The one error shape: JSON under /api, the error page elsewhere (with ``action``, a link
    (url, text) to what would help); server paths removed."""
    message = public_message(message)
    if _wants_json():
        return make_response(jsonify({"ok": False, "error": message, "status": status}), status)
    return make_response(render_template("error.html", status=status, message=message, action=action), status)


def _register_errors(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    render = error_response

    @app.errorhandler(BeltGraphError)
    def beltgraph_error(e: BeltGraphError):
        return render(e.status, str(e))

    @app.errorhandler(404)
    def not_found(e):
        return render(404, "no such page")

    @app.errorhandler(405)
    def bad_method(e):
        return render(405, "method not allowed")

    @app.errorhandler(413)
    def too_large(e):
        mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return render(413, f"the upload is larger than {mb:g} MB ([web] upload_max_mb in config.toml)")

    @app.errorhandler(500)
    def server_error(e):
        return render(500, "internal error: the server log has the details")
