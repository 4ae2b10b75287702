"""``beltgraph serve`` on an address other machines reach, with no users configured, does not start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from graph.config import Config
from web.auth import serve_problem

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_all_addresses_without_users_exits_with_the_reason(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BELTGRAPH_")}
    result = subprocess.run([sys.executable, "-m", "beltgraph", "--data", str(tmp_path / "store"), "serve",
                             "--host", "0.0.0.0", "--port", str(free_port())],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to serve on 0.0.0.0 with no users configured" in lines[0]
    assert "[web.users" in lines[0] and "beltgraph user hash" in lines[0] and "127.0.0.1" in lines[0]
    assert not (tmp_path / "store").exists()  # refused before anything was opened


def test_which_addresses_need_users():
    open_config = Config.from_dict({}, env={})
    with_users = Config.from_dict({"web": {"users": {"ana": {"role": "admin", "password": "scrypt:1:2:3$salt$hash"}}}},
                                  env={})
    for host in ("127.0.0.1", "localhost", "::1"):
        assert serve_problem(open_config, host) is None, host
    for host in ("0.0.0.0", "::", "192.168.1.20", "beltgraph.example.com"):
        assert serve_problem(open_config, host) and serve_problem(with_users, host) is None, host
