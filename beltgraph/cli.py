"""The ``beltgraph`` command line: thin click commands that delegate to graph/ and loaders/."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import click

from graph import usecases
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
            from graph.backends import open_store

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
    with Progress(enabled=not as_json) as progress:
        summary = load_bundle(store, bundle, merge=merge, **obj.config.section("load"),
                              progress=progress, if_empty=if_empty)
    if as_json:
        return emit_json(summary.to_dict())
    if summary.mode == "skipped":
        return click.echo(f"{store.describe()} already holds a graph; not loading {bundle}", err=True)
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
    counts = usecases.stats(obj.store())
    if as_json:
        return emit_json(counts)
    print_counts(counts)


@main.command()
def schema():
    """Print the graph model (labels, properties, relationship types)."""
    from graph.model import describe

    click.echo(describe())


@main.command("config")
@json_option
@click.pass_obj
def config_cmd(obj: Ctx, as_json: bool):
    """Every effective setting, its default and where it came from (default, file, environment)."""
    cfg = obj.config
    items = cfg.describe()
    if as_json:
        return emit_json({"file": str(cfg.path) if cfg.path else None, "settings": items})
    click.echo(f"config file: {cfg.path or '(none: defaults)'}", err=True)
    print_table(["setting", "value", "source", "help"],
                [[i["name"], _cell(i["value"]), i["source"], i["help"]] for i in items])


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
    result = usecases.cypher(obj.store(), query, dict(parse_param(p) for p in params))
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


# ---------------------------------------------------------------- rankings and reviews

TIER_STYLE = {"gold": "bold yellow", "silver": "bright_white", None: "dim"}


def pool_options(f):
    f = click.option("--belt", metavar="ID", help="Rank the supply chains IN_BELT this belt.")(f)
    f = click.option("--category", metavar="C", help="Rank the supply chains of one category.")(f)
    f = click.option("--division", metavar="D", help="big_apparel, premium_consumer or home_living.")(f)
    f = click.option("--quarter", metavar="Q", help="e.g. 2020Q4 (default: the latest in the facts).")(f)
    return f


def _money(v) -> str:
    return "" if v is None else f"{v:,.0f}"


def _num(v, digits=3) -> str:
    return "" if v is None else f"{v:.{digits}f}".rstrip("0").rstrip(".")


@main.command()
@pool_options
@click.option("--movers", is_flag=True, help="Compare with the previous quarter: new gold, new silver, dropped.")
@click.option("--explain", "explain_id", metavar="ID", help="What this supply chain lacks for gold and silver.")
@click.option("--top", type=int, default=None, help="Show only the first N rows on a terminal.")
@json_option
@common
def rank(obj: Ctx, quarter, division, category, belt, movers, explain_id, top, as_json):
    """Rank supply chains into gold and silver (SPEC §3)."""
    from graph.rank import Pool

    if sum(x is not None for x in (division, category, belt)) > 1:
        raise CliError("choose one of --division, --category and --belt", 2)
    pool = Pool(division, category, belt)
    if explain_id:
        result = usecases.rank_explain(obj.store(), obj.config, explain_id, quarter, pool)
        return emit_json(result.to_dict()) if as_json else _print_explanation(result)
    if movers:
        result = usecases.rank_movers(obj.store(), obj.config, quarter, pool)
        return emit_json(result.to_dict()) if as_json else _print_movers(result)
    ranking = usecases.rank(obj.store(), obj.config, quarter, pool)
    if as_json:
        return emit_json(ranking.to_dict())
    items = ranking.items[:top] if top else ranking.items
    rows = [[i.rank, i.tier or "", i.id, i.name, f"{i.score:.2f}", _money(i.metrics["gmv"]),
             i.metrics["anchor_reach"], _num(i.metrics["fulfillment_rate"]), _num(i.metrics["return_rate"]),
             _num(i.metrics["rating"], 2)] for i in items]
    print_table(["rank", "tier", "id", "name", "score", "gmv", "anchors", "fulfil", "return", "rating"], rows,
                title=f"{ranking.quarter or 'no quarter'} · {ranking.pool.describe()}",
                styles=[TIER_STYLE[i.tier] for i in items])
    click.echo(f"{len(ranking.items)} eligible, {ranking.ineligible} with fewer than "
               f"{obj.config.get('rank', 'min_anchors')} anchors left out", err=True)


def _print_movers(m) -> None:
    c = console()
    c.print(f"{m.quarter} against {m.previous}: {len(m.new_gold)} new gold, {len(m.new_silver)} new silver, "
            f"{len(m.dropped)} dropped")
    rows = [[x.rank, x.tier or "", x.id, x.name, x.previous_rank or "", x.previous_tier or "",
             "" if x.change is None else (f"+{x.change}" if x.change > 0 else str(x.change))]
            for x in m.moves if x.rank is not None]
    print_table(["rank", "tier", "id", "name", "was", "was tier", "change"], rows,
                styles=[TIER_STYLE[x.tier] for x in m.moves if x.rank is not None])
    if m.dropped:
        print_table(["dropped", "name", "was", "was tier"],
                    [[x.id, x.name, x.previous_rank, x.previous_tier] for x in m.dropped])


def _print_explanation(e) -> None:
    c = console()
    where = f"rank {e.rank} ({e.tier or 'no tier'}), score {e.score:.2f}" if e.rank else \
        f"not ranked: {e.anchors_needed} more anchor(s) needed to be eligible"
    c.print(f"{e.id} {e.name} in {e.quarter}: {where}")
    for t in e.targets:
        if t.gap == 0 and e.rank and e.rank <= t.rank:
            c.print(f"  {t.tier} (rank {t.rank}): already there")
            continue
        c.print(f"  {t.tier} (rank {t.rank}): {t.gap:.2f} points short; alone, each metric would need:")
        for m, v in t.values.items():
            c.print(f"    {m:<17} {'cannot close the gap' if v is None else _num(v, 3)}"
                    f"  (now {_num(e.metrics.get(m), 3) or 'missing'})")


@main.command()
@click.option("--quarter", metavar="Q", help="The quarter to review (default: the latest in provider_quarters).")
@click.option("--history", "history_id", metavar="ID", help="List one provider's reviewed quarters.")
@click.option("--as-of", "as_of", metavar="Q", help="Plaques and levels as they stood after Q.")
@json_option
@common
def review(obj: Ctx, quarter, history_id, as_of, as_json):
    """Run (and record) the provider quarterly review (SPEC §4)."""
    if history_id:
        hist = usecases.review_history(obj.store(), history_id)
        if as_json:
            return emit_json(hist.to_dict())
        if not hist.items:
            click.echo(f"{history_id} has not been reviewed yet", err=True)
        return print_table(["quarter", "outcome", "plaque", "level", "reasons"],
                           [[r.quarter, r.outcome, f"{_yn(r.plaque_before)} -> {_yn(r.plaque_after)}",
                             f"{r.level_before} -> {r.level_after}", r.reasons] for r in hist.items])
    if as_of:
        standings = usecases.review_standings(obj.store(), as_of)
        if as_json:
            return emit_json(standings.to_dict())
        return print_table(["id", "name", "roles", "plaque", "level", "reviewed"],
                           [[s.provider, s.name, ";".join(s.roles), _yn(s.plaque), s.level, s.reviewed or ""]
                            for s in standings.items])
    result = usecases.review(obj.store(), obj.config, quarter)
    if as_json:
        return emit_json(result.to_dict())
    styles = {"kept": None, "regained": "green", "revoked": "red", "still_revoked": "dim red"}
    print_table(["provider", "outcome", "plaque", "level", "reasons"],
                [[r.provider, r.outcome, f"{_yn(r.plaque_before)} -> {_yn(r.plaque_after)}",
                  f"{r.level_before} -> {r.level_after}", r.reasons] for r in result.records],
                title=f"review {result.quarter}", styles=[styles[r.outcome] for r in result.records])
    click.echo("; ".join(f"{k} {v}" for k, v in result.to_dict()["summary"].items()) + " — recorded", err=True)


def _yn(b: bool) -> str:
    return "plaque" if b else "none"


@main.command()
@click.option("--quarter", metavar="Q", help="GMV quarter (default: the latest).")
@click.option("--incubated", is_flag=True, help="Per provider, the mid-tier anchors it incubated.")
@json_option
@common
def anchors(obj: Ctx, quarter, incubated, as_json):
    """Anchor tiers (head / mid / tail) by followers and by quarter GMV."""
    if incubated:
        result = usecases.incubated(obj.store(), obj.config, quarter)
        if as_json:
            return emit_json(result.to_dict())
        return print_table(["provider", "name", "incubated", "mid by followers", f"mid by gmv {result.quarter}"],
                           [[i.provider, i.name, i.incubated, len(i.mid_by_followers), len(i.mid_by_gmv)]
                            for i in result.items])
    tiers = usecases.anchors(obj.store(), obj.config, quarter)
    if as_json:
        return emit_json(tiers.to_dict())
    counts = tiers.counts()
    print_table(["tier", "by followers", f"by gmv {tiers.quarter}"],
                [[t, c["followers"], c["gmv"]] for t, c in counts.items()])


@main.command()
@click.option("--quarter", metavar="Q", help="Quarter of the ranking used for gold/silver (default: the latest).")
@json_option
@common
def gaps(obj: Ctx, quarter, as_json):
    """Coverage gaps: belts x provider roles, belts without gold or silver supply chains."""
    from graph.model import ROLES

    cov = usecases.gaps(obj.store(), obj.config, quarter)
    if as_json:
        return emit_json(cov.to_dict())
    print_table(["belt", "name", *ROLES], [[b, cov.names[b], *[row[r] or "-" for r in ROLES]]
                                          for b, row in cov.matrix.items()], title="providers serving each belt")
    c = console()
    c.print(f"{len(cov.belts_missing_role)} belts lack at least one role; "
            f"{len(cov.belts_without_tier)} belts have no gold or silver supply chain in {cov.quarter}")
    for cat, roles in cov.categories_missing_role.items():
        c.print(f"  category {cat}: no belt has a {' / '.join(roles)} provider")


@main.command()
@click.option("--plan", is_flag=True, required=True, help="The new-merchant fee plan (dates, rate and cap in config).")
@json_option
@common
def merchants(obj: Ctx, plan, as_json):
    """New merchants on the reduced-fee plan, per belt, and those near the cap."""
    result = usecases.merchant_plan(obj.store(), obj.config)
    if as_json:
        return emit_json(result.to_dict())
    s = result.settings
    console().print(f"joined {s.joined_from}..{s.joined_to}: {s.fee_rate:.0%} fee until {s.cap:,.0f} CNY of sales")
    print_table(["belt", "name", "eligible", f"within {s.near_share:.0%} of cap", "over cap"],
                [[b.belt or "", b.name or "", b.eligible, b.near_cap, b.over_cap] for b in result.belts])
    if result.near_cap:
        print_table(["near cap", "name", "belt", "sales", "remaining"],
                    [[m.id, m.name, m.belt or "", _money(m.sales), _money(m.remaining)] for m in result.near_cap[:50]])


# ---------------------------------------------------------------- paths and matching

def _path_line(p) -> str:
    out = p.nodes[0].name + f" ({p.nodes[0].id})"
    for rel, n in zip(p.rels, p.nodes[1:]):
        out += f" -[{rel}]- {n.name} ({n.id})"
    return out


@main.command()
@click.argument("source", metavar="FROM_ID")
@click.argument("target", metavar="TO_ID")
@click.option("--k", "k", type=int, default=1, show_default=True, help="How many shortest simple paths.")
@click.option("--max-hops", type=int, default=6, show_default=True)
@click.option("--exclude", multiple=True, metavar="LABEL_OR_TYPE", help="Do not pass through (repeatable).")
@click.option("--only-plaqued", is_flag=True, help="Pass only through providers with a plaque.")
@click.option("--via", metavar="LABEL", help="Pass through a node of this label.")
@click.option("--rank", "rank_by", type=click.Choice(["hops", "strength"]), default="hops", show_default=True,
              help="strength: warm introductions, strongest relationships first.")
@json_option
@common
def path(obj: Ctx, source, target, k, max_hops, exclude, only_plaqued, via, rank_by, as_json):
    """Paths between two nodes (SPEC §5)."""
    from graph.paths import PathOptions

    options = PathOptions(k, max_hops, tuple(exclude), only_plaqued, via)
    if rank_by == "strength":
        intro = usecases.introductions(obj.store(), source, target, options)
        if as_json:
            return emit_json(intro.to_dict())
        if not intro.paths:
            return click.echo(f"No path from {source} to {target} within {max_hops} hops.")
        for i, w in enumerate(intro.paths, 1):
            click.echo(f"{i}. strength {w.strength:.3f}, {w.path.hops} hops: {_path_line(w.path)}")
            for h in w.hops:
                click.echo(f"     {h.strength:.2f}  {h.reason}")
            for note in w.notes:
                click.echo(f"     note: {note}")
        return
    result = usecases.paths(obj.store(), source, target, options)
    if not result.complete:
        click.echo("warning: stopped after examining 2000 paths for --via; there may be more", err=True)
    if as_json:
        return emit_json(result.to_dict())
    if not result.paths:
        return click.echo(f"No path from {source} to {target} within {max_hops} hops.")
    for i, p in enumerate(result.paths, 1):
        click.echo(f"{i}. {p.hops} hop{'s' if p.hops != 1 else ''}: {_path_line(p)}")


@main.command()
@click.argument("source", metavar="ID")
@click.option("--label", required=True, metavar="LABEL", help="The label of the nodes to reach.")
@click.option("--max-hops", type=int, default=3, show_default=True)
@click.option("--exclude", multiple=True, metavar="LABEL_OR_TYPE")
@click.option("--only-plaqued", is_flag=True)
@click.option("--tier", type=click.Choice(["gold", "silver", "any"]), default=None,
              help="Only supply chains with this tier in the latest ranking.")
@json_option
@common
def reach(obj: Ctx, source, label, max_hops, exclude, only_plaqued, tier, as_json):
    """Every node of a label within N hops, nearest first."""
    from graph.paths import PathOptions

    result = usecases.reach(obj.store(), obj.config, source, label, max_hops,
                            PathOptions(exclude=tuple(exclude), only_plaqued=only_plaqued), tier)
    if as_json:
        return emit_json(result.to_dict())
    print_table(["hops", "id", "name"], [[r.hops, r.node.id, r.node.name] for r in result.items])


@main.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID ID [ID...]")
@click.option("--max-hops", type=int, default=6, show_default=True)
@json_option
@common
def connect(obj: Ctx, ids, max_hops, as_json):
    """How a set of parties relate: a small connecting tree and pairwise hops."""
    group = usecases.connect(obj.store(), list(ids), max_hops)
    if as_json:
        return emit_json(group.to_dict())
    names = {n["id"]: n["name"] for n in group.nodes}
    click.echo(f"A tree of {len(group.nodes)} nodes connects {', '.join(ids)}:")
    for r in group.rels:
        click.echo(f"  {names[r['from']]} ({r['from']}) -[{r['type']}]- {names[r['to']]} ({r['to']})")
    print_table(["from", "to", "hops"], [[p["from"], p["to"], "-" if p["hops"] is None else p["hops"]]
                                         for p in group.pairs])


@main.command()
@click.argument("kind", type=click.Choice(["anchor", "supply-chain"]))
@click.argument("node_id", metavar="ID")
@click.option("--limit", type=int, default=20, show_default=True)
@json_option
@common
def match(obj: Ctx, kind, node_id, limit, as_json):
    """Supply-demand matching: supply chains for an anchor, or anchors for a supply chain."""
    result = usecases.match(obj.store(), obj.config, kind, node_id, limit)
    if as_json:
        return emit_json(result.to_dict())
    click.echo(f"For {result.name} ({result.id}):")
    print_table(["score", "id", "name", "why"], [[f"{m.score:.1f}", m.id, m.name, "; ".join(m.reasons)]
                                                 for m in result.items])


# ---------------------------------------------------------------- exports

@main.command("export")
@click.option("--format", "fmt", required=True, type=click.Choice(list(usecases.FORMATS)),
              help="html (opens offline), svg/pdf/png (vector drawing), graphml/gexf (Gephi), json (node-link), "
                   "cytoscape (Cytoscape.js), csv (a folder for neo4j-admin database import).")
@click.option("--around", metavar="ID", help="The neighbourhood of this node...")
@click.option("--depth", type=int, default=1, show_default=True, help="...within this many hops.")
@click.option("--label", "labels", multiple=True, metavar="LABEL", help="Only nodes of this label (repeatable).")
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Only relationships of this type (repeatable).")
@click.option("--query", metavar="CYPHER",
              help="The nodes a read-only query returns, and the relationships between them.")
@click.option("--id", "ids", multiple=True, metavar="ID", help="These nodes and the relationships between them.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Legend language.")
@click.option("--title", help="Heading of the picture.")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path),
              help="File to write (csv: a new folder, or a .zip).")
@json_option
@common
def export_cmd(obj: Ctx, fmt, around, depth, labels, types, query, ids, lang, title, out: Path, as_json):
    """Export a selection of the graph (default: all of it) as a picture or a data file."""
    if fmt == "csv" and out.suffix != ".zip" and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CliError(f"{out} exists; the csv export writes a new folder (or name a .zip)", 2)
    result = usecases.export(obj.store(), obj.config, fmt, around, depth, tuple(labels), tuple(types), query,
                             tuple(ids), lang=lang, title=title)
    if fmt == "csv" and out.suffix != ".zip":
        for rel, body in result.files.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(body)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.body)
    if as_json:
        return emit_json({"ok": True, "out": str(out), **result.to_dict()})
    click.echo(f"wrote {out}: {result.nodes:,} nodes, {result.rels:,} relationships, data {result.version}", err=True)


@main.command()
@click.argument("belt_id", metavar="BELT_ID")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path), help="FILE.html or FILE.pdf")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@json_option
@common
def brief(obj: Ctx, belt_id, out: Path, lang, as_json):
    """One printable page about a belt (A4): map, quarters, providers, supply chains, anchors, gaps."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("html", "pdf"):
        raise CliError("-o must end in .html or .pdf", 2)
    result = usecases.brief_file(obj.store(), obj.config, belt_id, fmt, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.body)
    if as_json:
        return emit_json({"ok": True, "out": str(out), **result.to_dict()})
    click.echo(f"wrote {out}", err=True)


# ---------------------------------------------------------------- neo4j

@main.group()
def neo4j():
    """Push the embedded store to the configured Neo4j, or pull it back."""


@neo4j.command("push")
@click.option("--adopt", is_flag=True, help="The server already holds this graph (bulk-imported): only record "
                                            "the batch fingerprints that make the next push incremental.")
@json_option
@common
def neo4j_push(obj: Ctx, adopt, as_json):
    """Mirror the embedded store into Neo4j (idempotent; counts checked at the end)."""
    with Progress(enabled=not as_json) as progress:
        sync = usecases.neo4j_push(obj.config, obj.data, progress, adopt=adopt)
    if as_json:
        return emit_json(sync.to_dict())
    kept = f" ({sync.batches['kept']:,} of {sync.batches['batches']:,} batches already there)" \
        if sync.batches and sync.batches["kept"] else ""
    click.echo(f"pushed {sync.source} to {sync.target} in {sync.seconds:.1f} s{kept}", err=True)
    print_counts(sync.counts)


@neo4j.command("pull")
@json_option
@common
def neo4j_pull(obj: Ctx, as_json):
    """Build the embedded store from Neo4j, checked like a bundle."""
    from loaders.neo4j_pull import pull

    with Progress(enabled=not as_json) as progress:
        sync = pull(obj.config, obj.data, progress)
    if as_json:
        return emit_json(sync.to_dict())
    click.echo(f"pulled {sync.source} into {sync.target}", err=True)
    print_counts(sync.counts)


# ---------------------------------------------------------------- generate / serve

@main.command()
@click.option("--scale", type=float, default=0.01, show_default=True,
              help="1 is the platform's scale: 1M merchants, 1M live streams.")
@click.option("--entities", type=click.FloatRange(0, min_open=True), default=None,
              help="Scale of bases, providers, supply chains, anchors, team leaders (default: --scale).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path), help="Folder to write.")
@json_option
@common
def generate(obj: Ctx, scale: float, entities: float | None, seed: int, out: Path, as_json: bool):
    """Write a synthetic bundle of realistic shape around the 60 real belts."""
    from loaders.synthetic import generate as gen

    if scale <= 0:
        raise CliError("--scale must be a positive number, e.g. 0.01 or 1", 2)
    if out.exists() and any(out.iterdir()):
        raise CliError(f"{out} exists and is not empty; choose a new folder", 2)
    with Progress(enabled=not as_json) as progress:
        written = gen(out, scale, seed, progress, entities=entities)
    if as_json:
        emit_json({"ok": True, "out": str(out), "scale": scale, "seed": seed, "rows": written})
        return
    print_table(["file", "rows"], [[k, f"{v:,}"] for k, v in written.items()])
    click.echo(f"wrote {out}: load it with  beltgraph load {out}", err=True)


@main.command()
@click.option("--host", default=None, help="Default from config.toml [web] host.")
@click.option("--port", type=int, default=None, help="Default from config.toml [web] port.")
@click.option("--threads", type=int, default=4, show_default=True, help="Threads per worker.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes answering on one socket (default from config.toml [web] workers).")
@common
def serve(obj: Ctx, host: str | None, port: int | None, threads: int, workers: int | None):
    """Serve the web app (waitress)."""
    from web import create_app, serving
    from web.auth import serve_problem

    host = host or obj.config.get("web", "host")
    port = port or obj.config.get("web", "port")
    workers = workers or obj.config.get("web", "workers")
    problem = serve_problem(obj.config, host)
    if problem:
        raise CliError(problem, 2)

    def make_app():
        app = create_app({"BIND_HOST": host}, store=obj.store(), config=obj.config)
        app.debug = False  # never the debugger on a server, whatever BELTGRAPH_FLASK_DEBUG says
        assert app.debug is False
        obj.store().graph()  # open the snapshot before the first request
        return app

    if workers == 1:
        app = make_app()
        click.echo(f"BeltGraph on http://{host}:{port}  ({obj.store().describe()})", err=True)
        serving.run_waitress(app, threads, host=host, port=port)
        return
    try:
        sock = serving.listen(host, port)
    except OSError as e:
        raise CliError(f"cannot listen on {host}:{port}: {e.strerror or e}", 1) from None
    # the store is opened in each worker, never in this process before it forks
    click.echo(f"BeltGraph on http://{host}:{port}  ({workers} workers)", err=True)
    code = serving.serve_workers(make_app, sock, workers, threads, lambda m: click.echo(m, err=True))
    if code:
        raise CliError("the web workers kept stopping as they started (see above)", code)


# ---------------------------------------------------------------- web users and API tokens

@main.group()
def user():
    """Web users and API tokens: print the lines to paste into config.toml."""


@user.command("hash")
def user_hash():
    """Ask for a password (twice) and print its hash for [web.users.NAME] password."""
    from werkzeug.security import generate_password_hash

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    if len(password) < 8:
        raise CliError("choose a password of at least 8 characters", 2)
    click.echo(generate_password_hash(password))
    click.echo('paste it into config.toml:\n[web.users.NAME]\nrole = "viewer"    # or analyst, admin\n'
               'password = "<the line above>"', err=True)


@user.command("token")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "analyst", "admin"]), default="viewer", show_default=True,
              help="What scripts using the token may do.")
def user_token(name: str, role: str):
    """Make a new API token for scripts (Authorization: Bearer TOKEN on /api); shown once."""
    from graph.config import RECORD_NAME
    from web.auth import hash_token, new_token

    if not RECORD_NAME.match(name):
        raise CliError(f"{name!r}: a name of letters, digits, '.', '_', '@' or '-' (at most 64)", 2)
    token = new_token()
    click.echo(f"token (shown once; give it to the script, keep it secret): {token}")
    click.echo("paste into config.toml (only a hash of the token is kept):")
    key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'  # a TOML bare key, else quoted
    click.echo(f'[web.tokens.{key}]\nrole = "{role}"\nhash = "{hash_token(token)}"')


if __name__ == "__main__":  # pragma: no cover
    main()
