"""Configuration: ``config.toml`` plus ``BELTGRAPH_*`` environment overrides.

>>> cfg = Config.from_dict({})
>>> cfg.get("cypher", "max_rows")
10000
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, dict[str, Any]] = {
    "store": {"data": "var/data", "backend": "embedded", "keep_versions": 1},
    "embedded": {"buffer_pool_mb": 1024, "max_threads": 2},
    "cypher": {"timeout_ms": 30000, "max_rows": 10000},
    "load": {"max_errors": 50, "progress_min_rows": 200000},
    "rank": {
        "gold_count": 10,
        "silver_count": 50,
        "min_anchors": 3,
        "weights": {"gmv": 0.30, "anchor_reach": 0.20, "fulfillment_rate": 0.20,
                    "return_rate": 0.15, "rating": 0.15},
    },
    "web": {"host": "127.0.0.1", "port": 5000},
    "neo4j": {"uri": "bolt://127.0.0.1:7687", "user": "neo4j", "password": "",
              "database": "neo4j", "batch_size": 5000, "timeout_s": 30},
}

#: Environment variables that override a config key, named BELTGRAPH_<SECTION>_<KEY>
#: for these, plus the short forms below.
_ENV_SHORT = {
    "BELTGRAPH_DATA": ("store", "data"),
    "BELTGRAPH_BACKEND": ("store", "backend"),
}


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


class Config:
    """Settings read once; sections and keys as in ``config.toml``."""

    def __init__(self, raw: dict, base_dir: Path, path: Path | None = None):
        self.raw = raw
        self.base_dir = base_dir
        self.path = path

    @classmethod
    def from_dict(cls, raw: dict, base_dir: Path | None = None, env: dict | None = None) -> "Config":
        merged = _merge(DEFAULTS, raw)
        env = os.environ if env is None else env
        for name, (section, key) in _ENV_SHORT.items():
            if env.get(name):
                merged[section][key] = env[name]
        for section, values in merged.items():
            if not isinstance(values, dict):
                continue
            for key, value in list(values.items()):
                name = f"BELTGRAPH_{section}_{key}".upper()
                if name in env and not isinstance(value, dict):
                    merged[section][key] = _coerce(env[name], value, name)
        return cls(merged, base_dir or ROOT)

    @classmethod
    def load(cls, path: str | Path | None = None, env: dict | None = None) -> "Config":
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
                cfg = cls.from_dict(raw, p.resolve().parent, env)
                cfg.path = p.resolve()
                return cfg
            if path:
                raise ConfigError(f"config file {p} does not exist")
        return cls.from_dict({}, ROOT, env)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.raw.get(section, {}).get(key, default)

    def section(self, section: str) -> dict:
        return dict(self.raw.get(section, {}))

    def data_dir(self, override: str | None = None) -> Path:
        value = override or self.get("store", "data")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def backend(self) -> str:
        b = str(self.get("store", "backend")).lower()
        if b not in ("embedded", "neo4j"):
            raise ConfigError(f"unknown backend {b!r}: use embedded or neo4j")
        return b

    def with_overrides(self, **sections: dict) -> "Config":
        return Config(_merge(self.raw, sections), self.base_dir, self.path)


def _coerce(text: str, like: Any, name: str) -> Any:
    try:
        if isinstance(like, bool):
            return text.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(like, int):
            return int(text)
        if isinstance(like, float):
            return float(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a number") from None
    return text
