"""The ``beltgraph`` command line: thin click commands that delegate to graph/ and loaders/."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from graph.config import Config
from graph.errors import BeltGraphError, BundleError

from . import __version__
from .output import Progress, console, emit_json, print_table


class CliError(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class Ctx:
    def __init__(self, config: Config, data: str | None, backend: str | None):
        self.config = config
        self.data = data
        self.backend = backend
        self._store = None

    def store(self):
        if self._store is None:
            from graph.store import open_store

            self._store = open_store(self.config, self.data, self.backend)
        return self._store


def common(f):
    """--data and --backend on every command (they may also come before the command)."""

    @click.option("--data", "data_opt", metavar="DIR",
                  help="Store folder (env BELTGRAPH_DATA; default from config.toml).")
    @click.option("--backend", "backend_opt", type=click.Choice(["embedded", "neo4j"]), default=None,
                  help="Store backend (env BELTGRAPH_BACKEND).")
    @click.pass_context
    @functools.wraps(f)
    def wrapper(ctx, *args, data_opt=None, backend_opt=None, **kwargs):
        obj: Ctx = ctx.obj
        if data_opt:
            obj.data = data_opt
        if backend_opt:
            obj.backend = backend_opt
        try:
            return f(obj, *args, **kwargs)
        except BundleError as e:
            if kwargs.get("as_json"):
                emit_json({"ok": False, "problems": [p.to_dict() for p in e.problems], "total": e.total})
            for line in str(e).splitlines():
                click.echo(line, err=True)
            sys.exit(e.exit_code)
        except BeltGraphError as e:
            raise CliError(str(e), e.exit_code) from None
        finally:
            if obj._store is not None:
                obj._store.close()
                obj._store = None

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="beltgraph")
@click.option("--config", "config_path", metavar="FILE", envvar="BELTGRAPH_CONFIG",
              help="config.toml to use (env BELTGRAPH_CONFIG).")
@click.option("--data", metavar="DIR", help="Store folder (env BELTGRAPH_DATA).")
@click.option("--backend", type=click.Choice(["embedded", "neo4j"]), default=None,
              help="Store backend (env BELTGRAPH_BACKEND).")
@click.pass_context
def main(ctx, config_path, data, backend):
    """BeltGraph: explore industry belts, supply chains, providers and anchors as a graph."""
    try:
        config = Config.load(config_path)
    except BeltGraphError as e:
        raise CliError(str(e)) from None
    ctx.obj = Ctx(config, data, backend)


# ---------------------------------------------------------------- load / stats / schema

@main.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--merge", is_flag=True, help="Upsert by id into the loaded graph instead of replacing it.")
@click.option("--if-empty", is_flag=True, help="Load only when the store holds no graph yet.")
@json_option
@common
def load(obj: Ctx, bundle: Path, merge: bool, if_empty: bool, as_json: bool):
    """Load a bundle (folder, .zip or .xlsx): all or nothing."""
    from loaders import load_bundle

    store = obj.store()
    if if_empty and any(store.stats()["nodes"].values()):
        if as_json:
            emit_json({"ok": True, "mode": "skipped", "reason": "the store already holds a graph"})
        else:
            click.echo(f"{store.describe()} already holds a graph; not loading {bundle}", err=True)
        return
    with Progress(enabled=not as_json) as progress:
        summary = load_bundle(store, bundle, merge=merge,
                              max_errors=int(obj.config.get("load", "max_errors")), progress=progress)
    if as_json:
        emit_json(summary.to_dict())
        return
    c = console()
    c.print(f"[green]Loaded[/green] {bundle} ({summary.mode}) into the {store.describe()} "
            f"in {summary.seconds:.1f} s")
    print_counts(summary.counts)
    if any(summary.facts.values()):
        c.print("facts: " + ", ".join(f"{k} {v:,}" for k, v in summary.facts.items()))
    if summary.extra_columns:
        c.print("kept as extra text properties: " + "; ".join(
            f"{f}: {', '.join(cols)}" for f, cols in summary.extra_columns.items()))
    for w in summary.warnings:
        c.print(f"[yellow]warning:[/yellow] {w}")


def print_counts(counts: dict) -> None:
    rows = [[k, f"{v:,}"] for k, v in counts["nodes"].items()]
    rows += [[k, f"{v:,}"] for k, v in counts["relationships"].items()]
    print_table(["label / type", "count"], rows, title=None)


@main.command()
@json_option
@common
def stats(obj: Ctx, as_json: bool):
    """Count nodes per label and relationships per type."""
    counts = obj.store().stats()
    if as_json:
        emit_json({"nodes": counts["nodes"], "relationships": counts["relationships"]})
    else:
        print_counts(counts)


@main.command()
def schema():
    """Print the graph model (labels, properties, relationship types)."""
    from graph.model import describe

    click.echo(describe())


# ---------------------------------------------------------------- cypher

def parse_param(text: str) -> tuple[str, object]:
    """k=v; v is read as JSON when it parses (3, 0.5, true, "x", [1,2]), else as text."""
    if "=" not in text:
        raise click.BadParameter(f"{text!r}: expected k=v", param_hint="--param")
    k, v = text.split("=", 1)
    k = k.strip().lstrip("$")
    try:
        return k, json.loads(v)
    except ValueError:
        return k, v


@main.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="K=V", help="A $parameter (repeatable).")
@json_option
@common
def cypher(obj: Ctx, query: str, params: tuple[str, ...], as_json: bool):
    """Run a read-only Cypher query."""
    values = dict(parse_param(p) for p in params)
    result = obj.store().cypher(query, values)
    if result.truncated:
        click.echo(f"warning: only the first {len(result.rows)} rows are shown "
                   "([cypher] max_rows in config.toml)", err=True)
    if as_json:
        emit_json(result.to_dict())
        return
    print_table(result.columns, [[_cell(v) for v in row] for row in result.rows])
    click.echo(f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}"
               f" ({result.elapsed_ms:.0f} ms)", err=True)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


# ---------------------------------------------------------------- generate / serve

@main.command()
@click.option("--scale", type=float, default=0.01, show_default=True,
              help="1 is the platform's scale: 1M merchants, 1M live streams.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path), help="Folder to write.")
@json_option
@common
def generate(obj: Ctx, scale: float, seed: int, out: Path, as_json: bool):
    """Write a synthetic bundle of realistic shape around the 60 real belts."""
    from loaders.synthetic import generate as gen

    if scale <= 0:
        raise CliError("--scale must be a positive number, e.g. 0.01 or 1", 2)
    if out.exists() and any(out.iterdir()):
        raise CliError(f"{out} exists and is not empty; choose a new folder", 2)
    with Progress(enabled=not as_json) as progress:
        written = gen(out, scale, seed, progress)
    if as_json:
        emit_json({"ok": True, "out": str(out), "scale": scale, "seed": seed, "rows": written})
        return
    print_table(["file", "rows"], [[k, f"{v:,}"] for k, v in written.items()])
    click.echo(f"wrote {out}: load it with  beltgraph load {out}", err=True)


@main.command()
@click.option("--host", default=None, help="Default from config.toml [web] host.")
@click.option("--port", type=int, default=None, help="Default from config.toml [web] port.")
@click.option("--threads", type=int, default=4, show_default=True)
@common
def serve(obj: Ctx, host: str | None, port: int | None, threads: int):
    """Serve the web app (waitress)."""
    import waitress

    from web import create_app

    host = host or obj.config.get("web", "host")
    port = port or int(obj.config.get("web", "port"))
    app = create_app(store=obj.store(), config=obj.config)
    app.extensions["beltgraph_store"].graph()  # open the snapshot before the first request
    click.echo(f"BeltGraph on http://{host}:{port}  ({obj.store().describe()})", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="beltgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
