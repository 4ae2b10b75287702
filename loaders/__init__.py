"""Bundle loaders: read (folder, .zip, .xlsx), validate against the model, hand to a store.

>>> callable(load_bundle)
True
"""

from __future__ import annotations

import time
from pathlib import Path

from graph.data import upsert
from graph.store import LoadSummary, ProgressFn, Store

from .read import Limits, read_bundle
from .validate import Validated, validate

__all__ = ["load_bundle", "read_bundle", "validate", "Validated", "Limits"]


def load_bundle(store: Store, path: str | Path, merge: bool = False, max_errors: int = 50,
                progress: ProgressFn | None = None, if_empty: bool = False,
                max_file_mb: float = Limits.max_file_mb, max_bundle_mb: float = Limits.max_bundle_mb,
                max_files: int = Limits.max_files) -> LoadSummary:
    """Check a whole bundle, then replace (or merge into) the store's graph atomically.

    Raises BundleError listing every problem (up to ``max_errors``); the store is
    then untouched. With ``if_empty``, a store that holds a graph is left as it is
    (mode ``skipped``). ``max_file_mb``, ``max_bundle_mb`` and ``max_files`` bound
    what the bundle may expand to (settings ``[load]``).
    """
    start = time.perf_counter()
    if if_empty and _has_graph(store):
        return LoadSummary("skipped", str(path), store.stats(), {}, seconds=time.perf_counter() - start,
                           reason="the store already holds a graph")
    raw = read_bundle(path, progress, Limits(max_file_mb, max_bundle_mb, max_files), max_errors)
    with store.writing():  # the base a merge reads is the one it replaces: no update is lost
        base = store.read_data() if merge else None
        checked = validate(raw, base, max_errors)
        data = upsert(base, checked.data, checked.present) if merge else checked.data
        if merge:
            data.reviews = base.reviews
        else:
            # Review history is a record of past decisions: a full load keeps it.
            data.reviews = store.graph().reviews if _has_graph(store) else data.reviews
        counts = store.replace(data, str(path), progress)
    facts = {name: t.num_rows for name, t in data.facts.items()}
    warnings = list(checked.warnings) + raw.warnings + [f"ignored {name}: not part of a bundle"
                                                        for name in raw.ignored if not Path(name).name.startswith(".")]
    return LoadSummary("merge" if merge else "replace", str(path), counts, facts,
                       checked.extra_columns, warnings, checked.files, time.perf_counter() - start)


def _has_graph(store: Store) -> bool:
    return any(store.stats()["nodes"].values())
