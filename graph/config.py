"""Settings: one table of every setting, overridden by ``config.toml`` and the environment.

Each :class:`Setting` has a dotted name (``rank.gold_count`` is key ``gold_count`` of
``[rank]`` in config.toml), a default, a kind, a check and a line of help; it is the one
place a number such as the gold quota is written. ``BELTGRAPH_<SECTION>_<KEY>`` in the
environment overrides the file (``BELTGRAPH_RANK_GOLD_COUNT=20``); ``BELTGRAPH_DATA`` and
``BELTGRAPH_BACKEND`` are short forms for ``store.data`` and ``store.backend``. A bad
value is refused with one line naming the key. ``beltgraph config`` prints every
effective value and where it came from.

>>> cfg = Config.from_dict({"rank": {"gold_count": 20}}, env={"BELTGRAPH_CYPHER_MAX_ROWS": "500"})
>>> cfg.get("rank", "gold_count"), cfg.source("rank.gold_count"), cfg.get("cypher", "max_rows")
(20, 'file', 500)
>>> Config.from_dict({"rank": {"gold_count": "ten"}}, env={})
Traceback (most recent call last):
...
graph.errors.ConfigError: [rank] gold_count = 'ten': expected a whole number
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import FACTS

ROOT = Path(__file__).resolve().parent.parent

#: The numeric columns of provider_quarters, which review thresholds may name.
REVIEW_COLUMNS = tuple(p.name for p in FACTS["provider_quarters"].props if p.kind in ("int", "float"))

Check = Callable[[Any], "str | None"]


YES = ("1", "true", "yes", "on")
NO = ("0", "false", "no", "off")


def yes_or_no(text: str | None) -> bool | None:
    """A yes or no word (config, a form's or a query's flag) as a bool; None for anything else.

    >>> [yes_or_no(v) for v in ("On", " yes", "0", "", "mrege")]
    [True, True, False, None, None]
    """
    low = (text or "").strip().lower()
    return True if low in YES else False if low in NO else None


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` is ``section.key`` (sections may nest: ``review.mcn.min``)."""

    name: str
    default: Any
    kind: str          # int, float, str, bool, date, choice, numbers (a table of numbers), records (below)
    help: str
    check: Check | None = None
    choices: tuple[str, ...] = ()
    secret: bool = False

    @property
    def section(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def key(self) -> str:
        return self.name.rsplit(".", 1)[1]

    @property
    def env(self) -> str:
        return "BELTGRAPH_" + self.name.replace(".", "_").upper()

    def where(self) -> str:
        """How config.toml spells it: ``[rank] gold_count``, or ``[rank.weights]`` for a table."""
        return f"[{self.name}]" if self.kind in TABLE_KINDS else f"[{self.section}] {self.key}"


#: Kinds whose value is a whole TOML table: ``numbers`` ({name: number}) and ``records``, a table of
#: tables of text ({name: {field: text}}, e.g. ``[web.users.alice] role = "viewer"``).
TABLE_KINDS = ("numbers", "records")


def at_least(low: float) -> Check:
    return lambda v: None if v >= low else f"must be at least {low:g}"


def between(low: float, high: float) -> Check:
    return lambda v: None if low <= v <= high else f"must be between {low:g} and {high:g}"


def _weights(v: dict) -> str | None:
    unknown = sorted(set(v) - set(DEFAULT_WEIGHTS))
    if unknown:
        return f"names unknown metric {', '.join(map(repr, unknown))}: use {', '.join(DEFAULT_WEIGHTS)}"
    if any(w < 0 for w in v.values()):
        return "must not be negative"
    total = sum(v.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        return f"must sum to 1, not {total:g}"
    return None


def _columns(v: dict) -> str | None:
    bad = sorted(set(v) - set(REVIEW_COLUMNS))
    return f"names unknown column {', '.join(bad)}: use {', '.join(REVIEW_COLUMNS)}" if bad else None


#: Web roles, each allowed what the ones before it are (viewer < analyst < admin).
WEB_ROLES = ("viewer", "analyst", "admin")
#: Names of users and tokens.
RECORD_NAME = re.compile(r"^[\w.@-]{1,64}$")
_PERIOD = r"(second|minute|hour|day)s?"
_RATE = re.compile(rf"^\s*\d+\s*(/|per)\s*(\d+\s*)?{_PERIOD}\s*$")


def _records(fields: tuple[str, ...], valid: Callable[[str, str], "str | None"]) -> Check:
    """Check a table of records: names of letters and digits, exactly ``fields``, each passing ``valid``."""
    def check(v: dict) -> str | None:
        for name, rec in v.items():
            if not RECORD_NAME.match(name):
                return f"{name!r}: a name of letters, digits, '.', '_', '@' or '-' (at most 64)"
            missing, unknown = [f for f in fields if f not in rec], sorted(set(rec) - set(fields))
            if missing or unknown:
                return f"{name}: needs exactly {', '.join(fields)}" + \
                    (f" (unknown {', '.join(unknown)})" if unknown else f" (missing {', '.join(missing)})")
            for f in fields:
                problem = valid(f, rec[f])
                if problem:
                    return f"{name}: {f} {problem}"
        return None
    return check


def _credential(field: str, value: str) -> str | None:
    if field == "role":
        return None if value in WEB_ROLES else f"{value!r} is not one of {', '.join(WEB_ROLES)}"
    if field == "password":  # a werkzeug.security hash, never the password itself
        ok = value.startswith(("scrypt:", "pbkdf2:")) and value.count("$") == 2
        return None if ok else "must be a hash printed by `beltgraph user hash`, not the password itself"
    if field == "hash":  # sha256 of an API token
        ok = re.fullmatch(r"sha256:[0-9a-f]{64}", value) is not None
        return None if ok else "must be the sha256:... line printed by `beltgraph user token`, not the token"
    return None


def _rate(v: str) -> str | None:
    ok = all(_RATE.match(part) for part in v.split(";"))
    return None if ok else "expected a rate such as 30/minute or 1000 per hour (several joined by ;)"


#: Ranking weights per metric (SPEC §3); the metrics are these keys.
DEFAULT_WEIGHTS = {"gmv": 0.30, "anchor_reach": 0.20, "fulfillment_rate": 0.20, "return_rate": 0.15, "rating": 0.15}

#: Review thresholds per role: the main metric (top share moves up a level), minimums, maximums.
_REVIEW = {
    "training": ("trainees", {"trainees": 30, "sessions": 20}, {"complaints": 3},
                 "training providers: people trained and sessions run"),
    "mcn": ("anchors_incubated", {"anchors_incubated": 3, "gmv": 300000}, {"complaints": 3},
            "MCN: anchors incubated and the GMV they bring"),
    "belt": ("gmv", {"gmv": 500000, "sessions": 40}, {"complaints": 3},
             "industry-belt providers: GMV of the belt's merchants and live sessions organised"),
    "supply_chain": ("gmv", {"gmv": 400000}, {"complaints": 3},
                     "supply-chain providers: GMV through their supply chains"),
}

SETTINGS: tuple[Setting, ...] = (
    Setting("store.data", "var/data", "str", "the store folder, relative to config.toml (or --data DIR)"),
    Setting("store.backend", "embedded", "choice", "embedded (Ladybug, nothing to start) or neo4j",
            choices=("embedded", "neo4j")),
    Setting("store.keep_versions", 1, "int", "superseded store versions kept for readers still using them",
            at_least(0)),
    Setting("store.lock_wait_s", 30.0, "float", "a second writer (load, review, upload) waits this long for the first",
            at_least(0)),
    Setting("embedded.buffer_pool_mb", 1024, "int", "Ladybug's buffer pool (its own default takes most of RAM)",
            at_least(16)),
    Setting("embedded.max_threads", 2, "int", "threads Ladybug may use for one query", at_least(1)),
    Setting("cypher.timeout_ms", 30000, "int", "a Cypher query is stopped after this long", at_least(1)),
    Setting("cypher.max_rows", 10000, "int", "rows a Cypher answer holds at most", at_least(1)),
    Setting("cypher.max_memory_mb", 2048, "int", "a Cypher query's worker process is stopped past this memory",
            at_least(64)),
    Setting("cypher.workers", 2, "int", "Cypher queries that run at once (one worker process each)", at_least(1)),
    Setting("load.max_errors", 50, "int", "problems listed before '... and N more'", at_least(1)),
    Setting("load.max_file_mb", 2048, "int", "one bundle file may expand to at most this many MB", at_least(1)),
    Setting("load.max_bundle_mb", 8192, "int", "all files of a bundle together, uncompressed, in MB", at_least(1)),
    Setting("load.max_files", 1000, "int", "files a bundle (folder, .zip or .xlsx) may hold", at_least(1)),
    Setting("web.users", {}, "records",
            "web users: [web.users.NAME] role (viewer, analyst or admin) and password (from beltgraph user hash); "
            "with none, serve runs open as a single-user tool on 127.0.0.1 only",
            _records(("role", "password"), _credential), secret=True),
    Setting("web.tokens", {}, "records",
            "API tokens for scripts: [web.tokens.NAME] role and hash (from beltgraph user token NAME)",
            _records(("role", "hash"), _credential), secret=True),
    Setting("web.rate_limit", "30/minute", "str",
            "requests per user (or address) to each Cypher, path, export and upload endpoint", _rate),
    Setting("web.host", "127.0.0.1", "str", "address beltgraph serve listens on"),
    Setting("web.port", 5000, "int", "port beltgraph serve listens on", between(1, 65535)),
    Setting("web.workers", 1, "int", "processes beltgraph serve answers with on one socket (more answer more "
            "requests at once on a machine with more cores; each holds its own memory)", between(1, 64)),
    Setting("web.upload_max_mb", 200, "int", "largest bundle the web upload (/admin/load) accepts, in MB", at_least(1)),
    Setting("web.draw_max_nodes", 2000, "int", "a graph drawn on a page (Cypher console, explorer) holds at most "
            "this many nodes", at_least(1)),
    Setting("web.layout_server_above", 300, "int", "drawings of more nodes get their positions from the server "
            "and are drawn without physics", at_least(0)),
    Setting("rank.gold_count", 10, "int", "ranks 1..gold_count are gold (SPEC §3)", at_least(0)),
    Setting("rank.silver_count", 50, "int", "the next silver_count ranks are silver", at_least(0)),
    Setting("rank.min_anchors", 3, "int", "distinct anchors selling in the quarter to be eligible", at_least(0)),
    Setting("rank.weights", DEFAULT_WEIGHTS, "numbers",
            "weight of each metric in the score; a [rank.weights] table replaces all of them", _weights),
    Setting("review.top_share", 0.2, "float", "the top share of a role's pool by its main metric moves up a level",
            between(0, 1)),
    *(s for role, (main, low, high, about) in _REVIEW.items() for s in (
        Setting(f"review.{role}.main", main, "choice", f"{about}: the main metric", choices=REVIEW_COLUMNS),
        Setting(f"review.{role}.min", low, "numbers", f"{role}: minimum per provider_quarters column", _columns),
        Setting(f"review.{role}.max", high, "numbers", f"{role}: maximum per provider_quarters column", _columns),
    )),
    Setting("anchors.head_followers", 1_000_000, "float", "head anchors have at least this many followers",
            at_least(0)),
    Setting("anchors.mid_followers", 100_000, "float", "mid anchors at least this many (else tail)", at_least(0)),
    Setting("anchors.head_gmv", 5_000_000, "float", "head anchors by GMV: CNY in the quarter", at_least(0)),
    Setting("anchors.mid_gmv", 500_000, "float", "mid anchors by GMV: CNY in the quarter", at_least(0)),
    Setting("merchant_plan.joined_from", dt.date(2020, 9, 1), "date", "new-merchant plan: joined on or after"),
    Setting("merchant_plan.joined_to", dt.date(2020, 10, 31), "date", "new-merchant plan: joined on or before"),
    Setting("merchant_plan.fee_rate", 0.01, "float", "the plan's fee rate", between(0, 1)),
    Setting("merchant_plan.cap", 100_000.0, "float", "the rate applies until this much cumulative sales (CNY)",
            at_least(0)),
    Setting("merchant_plan.near_share", 0.10, "float", "'near the cap': within this share of it", between(0, 1)),
    Setting("neo4j.uri", "bolt://127.0.0.1:7687", "str", "the Neo4j server (bolt:// or neo4j://)"),
    Setting("neo4j.user", "neo4j", "str", "Neo4j user"),
    Setting("neo4j.password", "", "str", "Neo4j password: set BELTGRAPH_NEO4J_PASSWORD, never in the file",
            secret=True),
    Setting("neo4j.database", "neo4j", "str", "Neo4j database"),
    Setting("neo4j.batch_size", 5000, "int", "rows per UNWIND batch of a push", at_least(1)),
    Setting("neo4j.push_workers", 2, "int", "sessions writing a push's batches at the same time", at_least(1)),
    Setting("neo4j.timeout_s", 30, "float", "a Neo4j transaction is stopped after this long", at_least(0.001)),
    Setting("export.max_nodes_interactive", 2000, "int",
            "an html export (and every export button of the web) refuses a selection of more nodes", at_least(1)),
    Setting("export.max_nodes", 20000, "int", "svg, pdf, png, graphml, gexf, json and csv exports refuse more nodes",
            at_least(1)),
    Setting("export.chromium", "", "str", "Chromium for PDF and PNG exports (default: chromium on the PATH)"),
    Setting("export.render_timeout_s", 120.0, "float", "a PDF or PNG rendering is stopped after this long",
            at_least(1)),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

#: Checks across settings: (names, test on their values, message).
CROSS_CHECKS: tuple[tuple[tuple[str, ...], Callable[..., bool], str], ...] = (
    (("anchors.head_followers", "anchors.mid_followers"), lambda h, m: h >= m,
     "[anchors] head thresholds must not be below the mid ones"),
    (("anchors.head_gmv", "anchors.mid_gmv"), lambda h, m: h >= m,
     "[anchors] head thresholds must not be below the mid ones"),
    (("merchant_plan.joined_from", "merchant_plan.joined_to"), lambda a, b: b >= a,
     "[merchant_plan] joined_to is before joined_from"),
)

#: Short environment names.
ENV_SHORT = {"BELTGRAPH_DATA": "store.data", "BELTGRAPH_BACKEND": "store.backend"}
#: What the tables below a section are, for messages ("[review] has unknown role").
TABLE_NOUNS = {"review": "role"}


def _coerce(s: Setting, value: Any, where: str) -> Any:
    """A value from the file or the environment as the setting's kind; ConfigError naming it."""
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where} = {value!r}: expected {expected}")

    kind = s.kind
    if kind == "int":
        if isinstance(value, bool):
            raise bad("a whole number")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise bad("a whole number") from None
        if not isinstance(value, int):
            raise bad("a whole number")
    elif kind == "float":
        if isinstance(value, bool):
            raise bad("a number")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise bad("a number") from None
        if not math.isfinite(value):
            raise bad("a finite number")
    elif kind == "bool":
        if isinstance(value, str):
            value = yes_or_no(value)
            if value is None:
                raise bad("true or false")
        elif not isinstance(value, bool):
            raise bad("true or false")
    elif kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        elif isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise bad("a date YYYY-MM-DD") from None
        elif not isinstance(value, dt.date):
            raise bad("a date YYYY-MM-DD")
    elif kind in ("str", "choice"):
        if not isinstance(value, str):
            raise bad("text")
        if kind == "choice" and value not in s.choices:
            raise ConfigError(f"{where} = {value!r}: expected one of {', '.join(s.choices)}")
    elif kind == "numbers":
        if isinstance(value, str):  # from the environment: JSON, or k=v,k=v
            text = value.strip()
            try:
                value = json.loads(text) if text.startswith("{") else \
                    {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in text.split(",") if p.strip())}
            except ValueError:
                raise bad('a table of numbers, e.g. {"gmv": 0.5} or gmv=0.5,rating=0.5') from None
        if not isinstance(value, dict):
            raise bad("a table of numbers")
        out = {}
        for k, v in value.items():
            try:
                if isinstance(v, bool):
                    raise ValueError
                out[str(k)] = float(v)
            except (TypeError, ValueError):
                raise ConfigError(f"{where}.{k} = {v!r}: expected a number") from None
            if not math.isfinite(out[str(k)]):
                raise ConfigError(f"{where}.{k} = {v!r}: expected a finite number")
        value = out
    elif kind == "records":  # messages never repeat the value: it may hold a password typed by mistake
        if isinstance(value, str):  # from the environment: JSON
            try:
                value = json.loads(value)
            except ValueError:
                raise ConfigError(f'{where}: expected a table of tables as JSON, e.g. {{"alice": {{"role": ...}}}}') \
                    from None
        if not isinstance(value, dict) or not all(isinstance(r, dict) for r in value.values()):
            raise ConfigError(f"{where}: expected a table of tables, e.g. [{s.name}.alice]")
        for name, rec in value.items():
            for k, v in rec.items():
                if not isinstance(v, str):
                    raise ConfigError(f"{where} {name}: {k} must be text")
        value = {str(name): dict(rec) for name, rec in value.items()}
    if s.check is not None:
        problem = s.check(value)
        if problem:
            shown = where if kind in TABLE_KINDS else f"{where} = {value!r}:"
            raise ConfigError(f"{shown} {problem}")
    return value


def _flatten(raw: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted name, value) pairs of a TOML document; a ``numbers`` setting takes its table whole."""
    out = []
    for k, v in raw.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and not (name in BY_NAME and BY_NAME[name].kind in TABLE_KINDS):
            known = any(s.startswith(name + ".") for s in BY_NAME)
            if not known:
                section = prefix[:-1]
                noun = TABLE_NOUNS.get(section, "section") if section else "section"
                raise ConfigError(_unknown(section, k, noun))
            out += _flatten(v, name + ".")
        else:
            if name not in BY_NAME:
                raise ConfigError(_unknown(prefix[:-1], k, "key"))
            out.append((name, v))
    return out


def _unknown(section: str, key: str, noun: str) -> str:
    children = sorted({n[len(section) + 1:].split(".")[0] for n in BY_NAME if n.startswith(section + ".")}) \
        if section else sorted({n.split(".")[0] for n in BY_NAME})
    where = f"[{section}]" if section else "config.toml"
    return f"{where} has unknown {noun} {key!r}: use {', '.join(children)}"


class Config:
    """The effective settings: every :data:`SETTINGS` entry, with where its value came from."""

    def __init__(self, values: dict[str, Any], sources: dict[str, str], base_dir: Path, path: Path | None = None):
        self.values = values
        self.sources = sources
        self.base_dir = base_dir
        self.path = path

    @classmethod
    def from_dict(cls, raw: dict, base_dir: Path | None = None, env: dict | None = None,
                  path: Path | None = None) -> "Config":
        """Settings from a parsed config.toml (``raw``) and the environment (default ``os.environ``)."""
        env = os.environ if env is None else env
        values = {s.name: s.default for s in SETTINGS}
        sources = dict.fromkeys(values, "default")
        for name, value in _flatten(raw):
            s = BY_NAME[name]
            values[name] = _coerce(s, value, s.where())
            sources[name] = "file"
        for s in SETTINGS:
            if env.get(s.env) not in (None, ""):
                values[s.name] = _coerce(s, env[s.env], s.env)
                sources[s.name] = f"env {s.env}"
        for var, name in ENV_SHORT.items():
            if env.get(var):
                values[name] = _coerce(BY_NAME[name], env[var], var)
                sources[name] = f"env {var}"
        for names, ok, message in CROSS_CHECKS:
            if not ok(*(values[n] for n in names)):
                raise ConfigError(message)
        return cls(values, sources, base_dir or ROOT, path)

    @classmethod
    def defaults(cls) -> "Config":
        return cls.from_dict({}, env={})

    @classmethod
    def load(cls, path: str | Path | None = None, env: dict | None = None) -> "Config":
        """config.toml from ``path``, BELTGRAPH_CONFIG, the working folder or the project, then the environment."""
        env = os.environ if env is None else env
        path = path or env.get("BELTGRAPH_CONFIG")
        candidates = [Path(path)] if path else [Path.cwd() / "config.toml", ROOT / "config.toml"]
        for p in candidates:
            if p.is_file():
                try:
                    with open(p, "rb") as f:
                        raw = tomllib.load(f)
                except tomllib.TOMLDecodeError as e:
                    raise ConfigError(f"{p}: {e}") from None
                return cls.from_dict(raw, p.resolve().parent, env, p.resolve())
            if path:
                raise ConfigError(f"config file {p} does not exist")
        return cls.from_dict({}, ROOT, env)

    def get(self, section: str, key: str) -> Any:
        return self.values[f"{section}.{key}"]

    def section(self, section: str) -> dict[str, Any]:
        """The settings directly in a section, by key."""
        return {s.key: self.values[s.name] for s in SETTINGS if s.section == section}

    def source(self, name: str) -> str:
        """Where a setting's value came from: default, file, or ``env NAME``."""
        return self.sources[name]

    def with_overrides(self, **sections: dict) -> "Config":
        """The same settings with some replaced as if written in the file (for tests and tools)."""
        raw: dict = {}
        for section, values in sections.items():
            node = raw
            for part in section.split("."):
                node = node.setdefault(part, {})
            node.update(values)
        out = Config(dict(self.values), dict(self.sources), self.base_dir, self.path)
        changed = Config.from_dict(raw, self.base_dir, env={})
        for name, source in changed.sources.items():
            if source != "default":
                out.values[name] = changed.values[name]
                out.sources[name] = "override"
        for names, ok, message in CROSS_CHECKS:
            if not ok(*(out.values[n] for n in names)):
                raise ConfigError(message)
        return out

    def data_dir(self, override: str | None = None) -> Path:
        p = Path(override or self.get("store", "data")).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def backend(self) -> str:
        return self.get("store", "backend")

    def describe(self) -> list[dict]:
        """Every setting with its effective value, default, source and help (``beltgraph config``)."""
        def shown(s: Setting, v: Any) -> Any:
            if s.secret and s.kind == "records":  # names only: no hashes on the screen
                return ", ".join(sorted(v))
            if s.secret:
                return "(set)" if v else ""
            return v.isoformat() if isinstance(v, dt.date) else v

        return [{"name": s.name, "value": shown(s, self.values[s.name]), "default": shown(s, s.default),
                 "source": self.sources[s.name], "kind": s.kind, "help": s.help} for s in SETTINGS]
