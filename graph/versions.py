"""The data folder: immutable store versions swapped in atomically.

::

    DATA/
      CURRENT              the name of the live version (replaced with os.replace)
      .lock                held by a writer (load, merge, review)
      versions/<name>/     one complete store:
        meta.json          counts, extra columns, source, created
        nodes/<Label>.arrow  rels/<TYPE>.arrow  given/<TYPE>.arrow  facts/<name>.arrow
        reviews.arrow
        adj/               the compact adjacency (see graph.adjacency)
        db.lbug            the embedded Cypher engine's database

A writer builds a new version in ``versions/<name>.tmp``, renames it into place
and only then points CURRENT at it, so a crash or kill at any moment leaves
either the old graph or the new one. Readers resolve CURRENT once and read a
version that never changes under them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from .adjacency import Adjacency
from .data import REVIEW_SCHEMA, GraphData, fact_schema, node_schema, rel_schema
from .errors import StoreError
from .graph import BeltGraph, LazyTables, build_adjacency
from .model import FACT_LIST, LABEL_LIST, REL_LIST, REL_TYPES
from .search import SearchIndex, build_search_index


def write_arrow(table: pa.Table, path: Path) -> None:
    """Write an Arrow file as a new inode (write beside, then rename): files of a
    version may be hard links shared with the version before it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with pa.OSFile(str(tmp), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    os.replace(tmp, path)


def read_arrow(path: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def _fsync_dir(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


class DataDir:
    """A store folder: its versions, the CURRENT pointer and the writers' lock (see the module)."""

    def __init__(self, root: Path, keep: int = 1, lock_wait_s: float = 30.0):
        self.root = Path(root)
        self.versions = self.root / "versions"
        self.keep = keep  # superseded versions kept for readers still on them
        self.lock_wait_s = lock_wait_s  # a second writer waits this long for the first
        self._threads = threading.Lock()  # writers in this process; flock keeps other processes out
        self._local = threading.local()   # this thread's nesting of writer() (load_bundle -> replace)

    # ------------------------------------------------------------ reading
    def current(self) -> Path | None:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        path = self.versions / name
        if not (path / "meta.json").is_file():
            raise StoreError(f"store {self.root} is damaged: CURRENT names {name!r}, which is missing")
        return path

    # ------------------------------------------------------------ writing
    @contextmanager
    def writer(self):
        """Hold the data folder's write lock (one load, merge, review or upload at a time).

        A writer holds it from reading its base to swapping in the new version, so two merges
        cannot both start from the same base and lose one's rows. Re-entrant within a thread;
        another writer (thread or process) waits up to ``lock_wait_s``, then gets a clear
        StoreError."""
        if getattr(self._local, "depth", 0):
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1
            return
        deadline = time.monotonic() + self.lock_wait_s
        if not self._threads.acquire(timeout=self.lock_wait_s):
            raise self._busy()
        try:
            try:
                self.versions.mkdir(parents=True, exist_ok=True)
                fd = os.open(str(self.root / ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise StoreError(f"cannot write to the store folder {self.root}: {e.strerror}") from None
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise self._busy() from None
                        time.sleep(0.05)
                self._local.depth = 1
                try:
                    self._sweep()
                    yield self
                finally:
                    self._local.depth = 0
            finally:
                os.close(fd)
        finally:
            self._threads.release()

    def _busy(self) -> StoreError:
        return StoreError(f"another load or review is writing to {self.root}; waited {self.lock_wait_s:g} s "
                          "([store] lock_wait_s): try again when it ends")

    def new_version(self) -> tuple[str, Path]:
        name = dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        tmp = self.versions / (name + ".tmp")
        tmp.mkdir(parents=True)
        return name, tmp

    def derive_version(self, base: Path, copy: tuple[str, ...] = ()) -> tuple[str, Path]:
        """A new version that starts as the files of ``base``: hard links, except the
        ``copy`` files, which are copied because they will be changed in place."""
        name, tmp = self.new_version()
        for src in base.rglob("*"):
            dst = tmp / src.relative_to(base)
            if src.is_dir():
                dst.mkdir(parents=True, exist_ok=True)
            elif str(src.relative_to(base)) in copy:
                shutil.copy2(src, dst)
            else:
                os.link(src, dst)
        return name, tmp

    def commit(self, name: str, tmp: Path) -> Path:
        """Make a finished version live: rename it into place, then swap CURRENT."""
        _fsync_tree(tmp)
        final = self.versions / name
        os.rename(tmp, final)
        _fsync_dir(self.versions)
        pointer = self.root / "CURRENT.tmp"
        with open(pointer, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer, self.root / "CURRENT")
        _fsync_dir(self.root)
        self._sweep()
        return final

    def _sweep(self) -> None:
        """Remove unfinished versions and all but ``keep`` superseded ones (never the live one)."""
        try:
            live = (self.root / "CURRENT").read_text().strip()
        except FileNotFoundError:
            live = None
        if not self.versions.is_dir():
            return
        done = sorted((p for p in self.versions.iterdir() if not p.name.endswith(".tmp") and p.name != live),
                      key=lambda p: p.name, reverse=True)
        stale = [p for p in self.versions.iterdir() if p.name.endswith(".tmp")] + done[self.keep:]
        for p in stale:
            shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------- snapshot files

def write_snapshot(data: GraphData, rels: dict[str, pa.Table], folder: Path, meta: dict,
                   progress=None) -> Adjacency:
    """Write the tables and adjacency of a version (``rels``: from :func:`derive_rels`)."""
    steps = len(LABEL_LIST) + len(REL_LIST) + len(FACT_LIST) + 3
    done = 0

    def tick(what):
        nonlocal done
        done += 1
        if progress:
            progress(what, done, steps)

    for lab in LABEL_LIST:
        write_arrow(data.nodes[lab.name], folder / "nodes" / f"{lab.name}.arrow")
        tick(f"writing {lab.name}")
    for rel in REL_LIST:
        write_arrow(rels[rel.name], folder / "rels" / f"{rel.name}.arrow")
        if rel.derived:
            write_arrow(data.rels[rel.name], folder / "given" / f"{rel.name}.arrow")
        tick(f"writing {rel.name}")
    for fact in FACT_LIST:
        write_arrow(data.facts[fact.name], folder / "facts" / f"{fact.name}.arrow")
        tick(f"writing {fact.name}")
    write_arrow(data.reviews, folder / "reviews.arrow")
    adj = build_adjacency(data.nodes, rels)
    adj.save(folder / "adj")
    tick("adjacency")
    build_search_index(data.nodes, folder / "search")
    counts = {
        "nodes": {lab.name: data.nodes[lab.name].num_rows for lab in LABEL_LIST},
        "relationships": {r.name: rels[r.name].num_rows for r in REL_LIST},
    }
    meta = {**meta, "counts": counts, "facts": {f.name: data.facts[f.name].num_rows for f in FACT_LIST},
            "extra_node_props": data.extra_node_props(), "extra_rel_props": data.extra_rel_props(),
            "created": dt.datetime.now().isoformat(timespec="seconds"), "format": 1}
    write_meta(folder, meta)
    tick("meta")
    return adj


def _schema_table(path: Path, schema: pa.Schema) -> pa.Table:
    return read_arrow(path) if path.exists() else schema.empty_table()


def write_meta(folder: Path, meta: dict) -> None:
    part = folder / "meta.json.part"
    part.write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    os.replace(part, folder / "meta.json")


def read_meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text())


def open_snapshot(folder: Path) -> BeltGraph:
    """A BeltGraph over a version's files: tables and adjacency are memory-mapped on first use."""
    meta = read_meta(folder)
    nodes = LazyTables([lab.name for lab in LABEL_LIST],
                       lambda n: _schema_table(folder / "nodes" / f"{n}.arrow", node_schema(n)))
    rels = LazyTables([r.name for r in REL_LIST],
                      lambda n: _schema_table(folder / "rels" / f"{n}.arrow", rel_schema(n)))
    facts = LazyTables([f.name for f in FACT_LIST],
                       lambda n: _schema_table(folder / "facts" / f"{n}.arrow", fact_schema(n)))
    return BeltGraph(nodes, rels, facts, lambda: _schema_table(folder / "reviews.arrow", REVIEW_SCHEMA),
                     lambda: Adjacency.open(folder / "adj"), meta, search=lambda: SearchIndex.open(folder / "search"))


def read_data(folder: Path) -> GraphData:
    """The GraphData a version was built from (relationships as given; facts), for --merge."""
    data = GraphData.empty()
    for lab in LABEL_LIST:
        data.nodes[lab.name] = _schema_table(folder / "nodes" / f"{lab.name}.arrow", node_schema(lab.name))
    for rel in REL_LIST:
        sub = "given" if REL_TYPES[rel.name].derived else "rels"
        data.rels[rel.name] = _schema_table(folder / sub / f"{rel.name}.arrow", rel_schema(rel.name))
    for fact in FACT_LIST:
        data.facts[fact.name] = _schema_table(folder / "facts" / f"{fact.name}.arrow", fact_schema(fact.name))
    data.reviews = _schema_table(folder / "reviews.arrow", REVIEW_SCHEMA)
    return data
