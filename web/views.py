"""What every blueprint shares: the store and settings of the app, and pages with a JSON twin.

A page is one view function returning a :class:`View`: ``data`` is what its ``/api``
twin returns as JSON (the same dict the CLI's ``--json`` prints), ``context`` is what
only the page needs besides (choices for a form, labels). :func:`page` registers both
routes from the one function, so the two can never compute different answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, current_app, jsonify, render_template

from graph.config import Config
from graph.store import Store

STORE_KEY = "beltgraph.store"
CONFIG_KEY = "beltgraph.config"


def get_store() -> Store:
    """The app's store (embedded or Neo4j), opened once by the application factory."""
    return current_app.extensions[STORE_KEY]


def get_config() -> Config:
    """The app's settings (config.toml and the environment)."""
    return current_app.extensions[CONFIG_KEY]


#: The site's menu: (order, endpoint, message key), added by each blueprint with :func:`menu`.
NAV: list[tuple[int, str, str]] = []


def menu(order: int, endpoint: str, key: str) -> None:
    """Put a page in the top menu (ordered by ``order``), titled by message ``key``."""
    if (order, endpoint, key) not in NAV:
        NAV.append((order, endpoint, key))
        NAV.sort()


def nav_for(can_open: Callable[[str], bool]) -> list[tuple[int, str, str]]:
    """The menu entries whose page ``can_open`` allows (each entry's endpoint names its blueprint,
    whose role web.auth knows)."""
    return [entry for entry in NAV if can_open(entry[1])]


@dataclass(frozen=True)
class View:
    data: dict
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lazy:
    """A context value computed only when the page is rendered, never for its ``/api`` twin
    (what only the page shows and costs time, such as the search page's top hits per label)."""

    compute: Callable[[], object]


def page(bp: Blueprint, rule: str, template: str | None, api_rule: str | None = None, endpoint: str | None = None,
         also: tuple[str, ...] = ()):
    """Register ``fn`` (returning a View) as the page ``rule`` and as ``/api`` + ``api_rule``
    (with ``template`` None, only the ``/api`` route); ``also``: more rules of the same page
    (``url_for`` builds ``rule``)."""

    def register(fn: Callable[..., View]):
        name = endpoint or fn.__name__

        def html(**kwargs):
            v = fn(**kwargs)
            context = {k: x.compute() if isinstance(x, Lazy) else x for k, x in v.context.items()}
            return render_template(template, **v.data, **context)

        def api(**kwargs):
            return jsonify(fn(**kwargs).data)

        if template is not None:
            for r in (rule, *also):
                bp.add_url_rule(r, name, html, methods=["GET"])
        bp.add_url_rule("/api" + (api_rule or rule), f"api_{name}", api, methods=["GET"])
        return fn

    return register
