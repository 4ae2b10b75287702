"""Counts and read-only Cypher."""

from __future__ import annotations

from ..store import CypherResult, Store


def stats(store: Store) -> dict:
    """Nodes per label and relationships per type."""
    counts = store.stats()
    return {"nodes": counts["nodes"], "relationships": counts["relationships"]}


def cypher(store: Store, query: str, params: dict | None = None) -> CypherResult:
    """A read-only Cypher query (writes and file access are refused; timeout and row cap from settings)."""
    return store.cypher(query, params or {})


__all__ = ["stats", "cypher"]
