"""Mirroring the embedded store into Neo4j."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..config import Config
from ..store import ProgressFn


@dataclass(frozen=True)
class Sync:
    """A push to Neo4j or a pull from it: where from, where to, the counts now there."""

    direction: str      # push or pull
    source: str
    target: str
    counts: dict
    seconds: float
    batches: dict | None = None  # a push's batches: how many there are, kept as they were, written

    def to_dict(self) -> dict:
        end = {"to": self.target} if self.direction == "push" else {"from": self.source}
        out = {"ok": True, **end, **self.counts}
        if self.direction == "push":
            out["seconds"] = round(self.seconds, 3)
            if self.batches is not None:
                out["batches"] = self.batches
        return out


def neo4j_push(config: Config, data: str | None = None, progress: ProgressFn | None = None,
               adopt: bool = False) -> Sync:
    """Make the configured Neo4j hold exactly the embedded store's graph (idempotent); with
    ``adopt``, only record the fingerprints of a graph the server already holds whole (loaded
    by Neo4j's bulk importer from this store's files), so the next push is incremental."""
    from ..embedded import EmbeddedStore
    from ..neo4j_store import Neo4jStore
    from ..neo4j_store import adopt as adopt_graph
    from ..neo4j_store import push

    local, server = EmbeddedStore(config.data_dir(data), config), Neo4jStore(config)
    try:
        start = time.perf_counter()
        counts = adopt_graph(server, local.read_data()) if adopt else push(server, local.read_data(), progress)
        return Sync("push", local.describe(), server.describe(), counts, time.perf_counter() - start,
                    None if adopt else server.pushed)
    finally:
        local.close()
        server.close()


__all__ = ["Sync", "neo4j_push"]
