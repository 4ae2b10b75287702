"""Application factory: config, the store, blueprints and one error shape per surface."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from graph.config import Config
from graph.errors import BeltGraphError

from .views import CONFIG_KEY, STORE_KEY


def create_app(test_config: dict | None = None, store=None, config: Config | None = None) -> Flask:
    app = Flask(__name__)
    config = config or Config.load((test_config or {}).get("CONFIG_FILE"))
    app.config.from_mapping(SECRET_KEY="dev", JSON_AS_ASCII=False, BELTGRAPH=config)
    app.config.from_prefixed_env("BELTGRAPH_FLASK")
    if test_config:
        app.config.update(test_config)
    if store is None:
        from graph.backends import open_store

        store = open_store(config, app.config.get("DATA"), app.config.get("BACKEND"))
    app.extensions[STORE_KEY] = store
    app.extensions[CONFIG_KEY] = config
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # the same key order as the CLI's --json

    from . import belts, paths, rank

    for module in (belts, rank, paths):
        app.register_blueprint(module.bp)
    _register_errors(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    def render(status: int, message: str):
        if _wants_json():
            return jsonify({"ok": False, "error": message, "status": status}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(BeltGraphError)
    def beltgraph_error(e: BeltGraphError):
        return render(e.status, str(e))

    @app.errorhandler(404)
    def not_found(e):
        return render(404, "no such page")

    @app.errorhandler(405)
    def bad_method(e):
        return render(405, "method not allowed")

    @app.errorhandler(500)
    def server_error(e):
        return render(500, "internal error: the server log has the details")
