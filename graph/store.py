"""The store protocol: what callers (CLI, web, loaders) get instead of a driver.

One small protocol, one module per backend: ``graph.embedded`` (Ladybug, the
default) and ``graph.neo4j_store`` (a Neo4j server). Only those modules import
their engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from .config import Config
from .data import GraphData
from .graph import BeltGraph

ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CypherResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"columns": self.columns, "rows": self.rows}


@dataclass(frozen=True)
class LoadSummary:
    mode: str
    source: str
    counts: dict
    facts: dict
    extra_columns: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"ok": True, "mode": self.mode, "source": self.source, **self.counts,
                "facts": self.facts, "extra_columns": self.extra_columns,
                "warnings": self.warnings, "files": self.files, "seconds": round(self.seconds, 3)}


class Store(Protocol):
    backend: str

    def graph(self) -> BeltGraph:
        """The current graph, read-only, for algorithms."""

    def read_data(self) -> GraphData:
        """The current graph's data as loaded (for --merge)."""

    def replace(self, data: GraphData, source: str, progress: ProgressFn | None = None) -> dict:
        """Atomically make ``data`` the store's graph; returns the counts."""

    def cypher(self, query: str, params: dict | None = None) -> CypherResult:
        """Run a read-only Cypher query."""

    def stats(self) -> dict:
        """{"nodes": {Label: n}, "relationships": {TYPE: n}}"""

    def rank(self, quarter, pool, settings):
        """SPEC §3 ranking (graph.rank.Ranking); Neo4j computes it in the server."""

    def paths(self, source: str, target: str, options):
        """SPEC §5 paths (graph.paths.PathResult); Neo4j runs them as Cypher shortest paths."""

    def update_providers(self, state: dict[str, tuple[bool, int]], reviews) -> None:
        """Record a review: providers' plaque and level, and the whole review history."""

    def describe(self) -> str:
        """Where the data lives, for messages."""

    def close(self) -> None: ...


def open_store(config: Config, data: str | Path | None = None, backend: str | None = None) -> Store:
    backend = (backend or config.backend).lower()
    if backend == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(config.data_dir(data), config)
    if backend == "neo4j":
        from .neo4j_store import Neo4jStore

        return Neo4jStore(config)
    from .errors import ConfigError

    raise ConfigError(f"unknown backend {backend!r}: use embedded or neo4j")
