"""Errors that BeltGraph raises for a user's mistake or an unusable store.

Each carries a message fit to print as one line; the CLI turns them into
``click.ClickException`` and the web app into its error page or JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass


class BeltGraphError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` is the CLI's."""

    exit_code = 1
    status = 400


class NodeNotFound(BeltGraphError):
    exit_code = 2
    status = 404

    def __init__(self, node_id: str):
        super().__init__(f"node {node_id!r} is not in the graph")
        self.node_id = node_id


class BadRequest(BeltGraphError):
    """An argument that cannot be used: a bad quarter, an unknown option, a node of the wrong label."""

    exit_code = 2


def with_article(noun: str) -> str:
    """A noun with its article.

    >>> with_article("Anchor"), with_article("Belt")
    ('an Anchor', 'a Belt')
    """
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def expect_label(node: dict, node_id: str, label: str) -> dict:
    """The node (properties with ``label``) if it has ``label``; else BadRequest naming both.

    >>> expect_label({"label": "Anchor"}, "a1", "Belt")
    Traceback (most recent call last):
    ...
    graph.errors.BadRequest: 'a1' is an Anchor, not a Belt
    """
    if node["label"] != label:
        raise BadRequest(f"{node_id!r} is {with_article(node['label'])}, not {with_article(label)}")
    return node


class StoreError(BeltGraphError):
    """The store cannot be opened, is locked, or the backend is unreachable."""

    status = 503


class QueryRefused(BeltGraphError):
    """A Cypher query that writes or touches files, refused before it runs."""

    status = 403


class QueryError(BeltGraphError):
    """The engine rejected or interrupted a query."""


class ConfigError(BeltGraphError):
    """config.toml holds a value BeltGraph cannot use."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a bundle: printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


class BundleError(BeltGraphError):
    """A bundle that cannot be loaded; nothing was changed."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(problems)
        more = self.total - len(self.problems)
        lines = [str(p) for p in self.problems]
        if more > 0:
            lines.append(f"... and {more} more problem{'s' if more != 1 else ''}")
        noun = "problem" if self.total == 1 else "problems"
        lines.append(f"{self.total} {noun} found; nothing was loaded and the store is unchanged")
        super().__init__("\n".join(lines))
