"""The store protocol: what callers (CLI, web, loaders) get instead of a driver.

One small protocol, one module per backend: ``graph.embedded`` (Ladybug, the
default) and ``graph.neo4j_store`` (a Neo4j server). Only those modules import
their engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Protocol

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
    reason: str | None = None     # why nothing was loaded (mode "skipped")

    def to_dict(self) -> dict:
        if self.mode == "skipped":
            return {"ok": True, "mode": "skipped", "reason": self.reason}
        return {"ok": True, "mode": self.mode, "source": self.source, **self.counts,
                "facts": self.facts, "extra_columns": self.extra_columns,
                "warnings": self.warnings, "files": self.files, "seconds": round(self.seconds, 3)}


class Store(Protocol):
    """What a backend gives the use cases (graph.usecases): data, and the answers its server
    can compute itself (rank metrics, shortest paths). Everything else is computed once, in
    the shared code, on what these return."""

    backend: str

    def graph(self) -> BeltGraph:
        """The current graph, read-only, for algorithms that run in this process."""

    def read_data(self) -> GraphData:
        """The current graph's data as loaded (for --merge and push)."""

    def replace(self, data: GraphData, source: str, progress: ProgressFn | None = None) -> dict:
        """Atomically make ``data`` the store's graph; returns the counts."""

    def writing(self) -> ContextManager:
        """Hold the store's write lock from reading a base to writing the result (merge, review)."""

    def record_review(self, state: dict[str, tuple[bool, int]], reviews) -> None:
        """Record a review: providers' plaque and level, and the whole review history."""

    def cypher(self, query: str, params: dict | None = None) -> CypherResult:
        """Run a read-only Cypher query."""

    def stats(self) -> dict:
        """{"nodes": {Label: n}, "relationships": {TYPE: n}}"""

    def version(self) -> str | None:
        """A name for the data now served (changes with every load or review), or None if empty."""

    def node(self, node_id: str) -> dict:
        """A node's properties and ``label``; NodeNotFound if absent."""

    def sales_quarters(self) -> list[str]:
        """The quarters that have SELLS."""

    def metric_rows(self, quarter: str | None, pool) -> list[dict]:
        """Every supply chain of a ranking pool with its five metrics in the quarter
        (graph.rank.metric_rows); Neo4j aggregates them in the server."""

    def paths(self, source: str, target: str, options):
        """SPEC §5 paths (graph.paths.PathResult); Neo4j runs them as Cypher shortest paths."""

    def describe(self) -> str:
        """Where the data lives, for messages."""

    def close(self) -> None: ...
