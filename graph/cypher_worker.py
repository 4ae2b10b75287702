"""Cypher on the embedded store runs in worker processes, so time and memory are bounded for real.

The engine's own query timeout is not checked inside every operator (a ``collect()`` of
a huge list ran on past it, growing to gigabytes), and its buffer pool does not bound
what a query allocates outside it. So each query runs in a child process
(``python -m graph.cypher_worker``) that keeps a store version's database open; the parent
watches the child's resident memory and the clock, and kills it when it passes
``[cypher] max_memory_mb`` or ``timeout_ms`` (plus a grace second for the engine's own
timeout to answer first). A killed worker is replaced on the next query. ``[cypher]
workers`` children serve queries at once (the web server's threads share them).

Messages are one JSON line each way: the request ``{"db", "query", "params", "max_rows",
"timeout_ms"}``; the answer ``{"ok": true, "columns", "rows", "truncated", "elapsed_ms"}`` or
``{"ok": false, "kind": "refused" | "query" | "store", "message"}``.
"""

from __future__ import annotations

import json
import os
import queue
import selectors
import subprocess
import sys
import threading
import time

from .config import Config
from .errors import QueryError, QueryRefused, StoreError
from .store import CypherResult

GRACE_S = 1.0
_PAGE = os.sysconf("SC_PAGE_SIZE")
_ERRORS = {"refused": QueryRefused, "query": QueryError, "store": StoreError}


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


class Worker:
    """One child process and its pipes."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, "-m", "graph.cypher_worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.buffer = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def ask(self, request: dict, timeout_s: float, max_memory_mb: float) -> dict:
        """Send one request and wait for its answer, killing the child past a limit."""
        self.proc.stdin.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                if _rss_mb(self.proc.pid) > max_memory_mb:
                    self.kill()
                    raise QueryError(f"query stopped: it used more than {max_memory_mb:,.0f} MB "
                                     "([cypher] max_memory_mb in config.toml)")
                if time.monotonic() > deadline:
                    self.kill()
                    raise QueryError(f"query stopped after {request['timeout_ms']} ms "
                                     "([cypher] timeout_ms in config.toml)")
                if sel.select(0.02):
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:
                        self.kill()
                        raise QueryError("the query's worker process ended without an answer "
                                         "(out of memory?); try a smaller query")
                    self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)


class WorkerPool:
    """Up to ``[cypher] workers`` children; a query waits for a free one."""

    def __init__(self, config: Config):
        self.config = config
        self.size = config.get("cypher", "workers")
        self.idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self.started = 0
        self.lock = threading.Lock()
        self.env = {**os.environ, "BELTGRAPH_WORKER_BUFFER_POOL_MB": str(config.get("embedded", "buffer_pool_mb")),
                    "BELTGRAPH_WORKER_THREADS": str(config.get("embedded", "max_threads"))}

    def _take(self, wait_s: float) -> Worker:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if self.started < self.size:
                self.started += 1
                return Worker(self.env)
        try:
            return self.idle.get(timeout=wait_s)
        except queue.Empty:
            raise QueryError(f"every Cypher worker is busy ([cypher] workers = {self.size}); try again") from None

    def run(self, db: str, query: str, params: dict, max_rows: int) -> CypherResult:
        timeout_ms = self.config.get("cypher", "timeout_ms")
        worker = self._take(timeout_ms / 1000)
        request = {"db": db, "query": query, "params": params, "max_rows": max_rows, "timeout_ms": timeout_ms}
        try:
            answer = worker.ask(request, timeout_ms / 1000 + GRACE_S, self.config.get("cypher", "max_memory_mb"))
        except BaseException:
            if worker.alive():
                worker.kill()
            with self.lock:
                self.started -= 1
            raise
        self.idle.put(worker)
        if not answer["ok"]:
            raise _ERRORS.get(answer["kind"], QueryError)(answer["message"])
        return CypherResult(answer["columns"], answer["rows"], answer["truncated"], answer["elapsed_ms"])

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().kill()
            except queue.Empty:
                break


def main() -> None:  # pragma: no cover - runs in the child; tested through WorkerPool
    """The child: answer one JSON request per line on stdin until it closes."""
    from .embedded import open_read_only, run_read
    from .errors import BeltGraphError

    config = Config.from_dict({"embedded": {"buffer_pool_mb": int(os.environ["BELTGRAPH_WORKER_BUFFER_POOL_MB"]),
                                            "max_threads": int(os.environ["BELTGRAPH_WORKER_THREADS"])}}, env={})
    db, db_path = None, None
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            if request["db"] != db_path:
                if db is not None:
                    db.close()
                db, db_path = None, None
                db = open_read_only(request["db"], config)
                db_path = request["db"]
            r = run_read(db, request["query"], request["params"], request["max_rows"], request["timeout_ms"])
            answer = {"ok": True, "columns": r.columns, "rows": r.rows, "truncated": r.truncated,
                      "elapsed_ms": r.elapsed_ms}
        except BeltGraphError as e:
            kind = "refused" if isinstance(e, QueryRefused) else "store" if isinstance(e, StoreError) else "query"
            answer = {"ok": False, "kind": kind, "message": str(e)}
        except Exception as e:  # an engine error this code does not know: still one line, the child lives
            answer = {"ok": False, "kind": "query", "message": f"{type(e).__name__}: {e}".replace("\n", " ")}
        sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
