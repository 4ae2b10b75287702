"""Reading query parameters the same way on every page and endpoint: a bad one is a 400."""

from __future__ import annotations

from flask import request

from graph.config import yes_or_no
from graph.errors import BadRequest
from graph.paths import PathOptions
from graph.rank import Pool


def text(name: str) -> str | None:
    v = (request.args.get(name) or "").strip()
    return v or None


def integer(name: str, default: int, low: int = 0, high: int = 10_000) -> int:
    raw = text(name)
    if raw is None:
        return default
    try:
        v = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= v <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return v


def flag(name: str) -> bool:
    return yes_or_no(request.args.get(name)) is True


def many(name: str) -> tuple[str, ...]:
    """A repeated or comma-separated parameter: ?exclude=Merchant&exclude=SELLS or ?exclude=Merchant,SELLS."""
    out = []
    for v in request.args.getlist(name):
        out += [x.strip() for x in v.split(",") if x.strip()]
    return tuple(dict.fromkeys(out))


def pool() -> Pool:
    return Pool(text("division"), text("category"), text("belt"))


def path_options() -> PathOptions:
    return PathOptions(integer("k", 1, 1, 50), integer("max_hops", 6, 1, 12), many("exclude"),
                       flag("only_plaqued"), text("via"))


def required(name: str) -> str:
    v = text(name)
    if v is None:
        raise BadRequest(f"{name} is required")
    return v
