"""Terminal output for the CLI: JSON, tables and progress bars (rich)."""

from __future__ import annotations

import json
import sys

import click

# rich is imported where a terminal is drawn on: a --json command never pays for it.
_console = None


def console():
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(highlight=False, soft_wrap=True)
    return _console


def _default(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "to_dict"):
        return v.to_dict()
    raise TypeError(f"{type(v).__name__} is not JSON serializable")


def emit_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=_default))


def print_table(columns, rows, title=None, styles=None) -> None:
    """A table on a terminal; plain tab-separated lines when stdout is a pipe."""
    if not sys.stdout.isatty():
        click.echo("\t".join(str(c) for c in columns))
        for r in rows:
            click.echo("\t".join("" if v is None else str(v) for v in r))
        return
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    for c in columns:
        t.add_column(str(c))
    for i, r in enumerate(rows):
        style = styles[i] if styles else None
        t.add_row(*("" if v is None else str(v) for v in r), style=style)
    console().print(t)


class Progress:
    """A progress callback ``(what, done, total)`` drawn as a bar on a terminal's stderr."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._bar.__enter__()
        return self if self.enabled else None

    def __call__(self, what: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        key = what.split(" ", 1)[0] if what.startswith(("storing", "writing")) else what
        if key not in self._tasks:
            self._tasks[key] = self._bar.add_task(what, total=total or None)
        self._bar.update(self._tasks[key], completed=done, total=total or None, description=what)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)
        return False
