"""How ``beltgraph serve`` runs the app: waitress in this process, or ``workers`` processes
answering on one listening socket.

Each worker opens its own store and keeps its own memo; a data version never changes, so
they answer alike, and a load or review (by the CLI or by any worker) is seen by every worker
on its next request, as the store switches versions under a lock. Python answers one request
at a time per process, so on a machine with more cores, more workers answer more requests
at once. Rate limits are counted per worker.

The parent only listens, starts the workers, starts another when one dies (unless they keep
dying at once), and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from collections.abc import Callable

#: A worker that dies within this many seconds of starting counts as failing to start.
QUICK_S = 10.0
#: After this many such deaths in a row the server stops instead of starting another.
QUICK_DEATHS = 3


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (an IPv6 address has a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


def run_waitress(app, threads: int, sock: socket.socket | None = None, host: str | None = None,
                 port: int | None = None) -> None:
    import waitress

    where = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    waitress.serve(app, threads=threads, ident="beltgraph", **where)


def how_it_ended(status: int) -> str:
    """A child's wait status in words.

    >>> how_it_ended(9), how_it_ended(256)
    ('was killed by SIGKILL', 'exited with status 1')
    """
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def serve_workers(make_app: Callable[[], object], sock: socket.socket, workers: int, threads: int,
                  say: Callable[[str], None]) -> int:
    """Fork ``workers`` processes that each build ``make_app()`` and serve it on ``sock``; start
    another when one dies; stop all on SIGTERM or SIGINT. Returns the exit status: 0 when
    stopped, 1 when workers kept dying as they started."""
    children: dict[int, float] = {}  # pid -> when it started
    state = {"stopping": False, "quick": 0}

    def start() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                run_waitress(make_app(), threads, sock)
            except BaseException as e:  # noqa: BLE001 - said in one line, then the parent decides
                say(f"worker {os.getpid()} stopped: {e}")
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(*_) -> None:
        state["stopping"] = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start()
    failed = False
    while children:
        try:
            pid, status = os.wait()  # retried after a signal's handler runs (PEP 475)
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or state["stopping"]:
            continue
        quick = time.monotonic() - started < QUICK_S
        state["quick"] = state["quick"] + 1 if quick else 0
        if state["quick"] >= QUICK_DEATHS:
            say(f"worker {pid} {how_it_ended(status)} within {QUICK_S:g} s of starting, {QUICK_DEATHS} times "
                "in a row: stopping")
            failed = True
            stop()
            continue
        say(f"worker {pid} {how_it_ended(status)}: starting another")
        start()
    return 1 if failed else 0
