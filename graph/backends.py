"""Open the configured store: the one place that chooses a backend."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .errors import ConfigError
from .store import Store


def open_store(config: Config, data: str | Path | None = None, backend: str | None = None) -> Store:
    """The embedded store in ``data`` (default: the configured folder), or the configured Neo4j."""
    backend = (backend or config.backend).lower()
    if backend == "embedded":
        from .embedded import EmbeddedStore

        return EmbeddedStore(config.data_dir(data), config)
    if backend == "neo4j":
        from .neo4j_store import Neo4jStore

        return Neo4jStore(config)
    raise ConfigError(f"unknown backend {backend!r}: use embedded or neo4j")
