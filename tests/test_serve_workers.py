"""``beltgraph serve --workers N``: N processes answer on one socket, see every new data version,
a dead one is replaced, and the server stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil

from .conftest import MINI, ROOT, write_bundle
from .test_serve_refuses import free_port

ENV = {**os.environ, "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"}


def start(data, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "beltgraph", "--data", str(data), "serve", "--port", str(port),
                             *args], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{port}"


def get(url: str) -> dict:
    """One request on a connection of its own (the kernel hands each to whichever worker accepts)."""
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def wait_until(check, seconds: float = 60.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {check}")


def workers_of(proc) -> set[int]:
    return {c.pid for c in psutil.Process(proc.pid).children()}


def test_workers_share_the_socket_see_new_versions_and_are_replaced(cli, tmp_path):
    cli("load", str(write_bundle(tmp_path / "b1", MINI)))
    proc, url = start(cli.data, "--workers", "2")
    try:
        wait_until(lambda: get(url + "/api/stats"))
        first = wait_until(lambda: len(workers_of(proc)) == 2 and workers_of(proc))
        answers = [get(url + "/api/stats")["nodes"]["TeamLeader"] for _ in range(30)]
        assert answers == [1] * 30
        # a load by another process: every worker answers from the new version on its next request
        more = {**MINI, "nodes/TeamLeader.csv": "id,name\nt1,王芳\nt2,李强\n"}
        cli("load", str(write_bundle(tmp_path / "b2", more)))
        assert [get(url + "/api/stats")["nodes"]["TeamLeader"] for _ in range(30)] == [2] * 30
        # a worker that dies is replaced, and the server goes on answering
        victim = sorted(first)[0]
        os.kill(victim, signal.SIGKILL)
        now = wait_until(lambda: (w := workers_of(proc)) and len(w) == 2 and victim not in w and w)
        assert len(now - first) == 1
        assert all(get(url + "/api/stats")["nodes"]["TeamLeader"] == 2 for _ in range(10))
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"worker {victim} was killed by SIGKILL: starting another" in err
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in now)


def test_workers_that_cannot_start_stop_the_server_with_the_reason(tmp_path):
    not_a_folder = tmp_path / "store"
    not_a_folder.write_text("a file where the store should be")
    proc, _ = start(not_a_folder, "--workers", "2")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    assert "times in a row: stopping" in err and "the web workers kept stopping as they started" in err
    assert err.count("stopped:") >= 3


def test_a_port_in_use_is_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "beltgraph", "--data", str(tmp_path / "s"), "serve",
                                 "--port", str(port), "--workers", "2"],
                                cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
