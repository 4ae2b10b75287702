"""Neo4j faults: the server stopped (SIGKILL) in the middle of a push or a query.

A failure is one clear line with no traceback; a push stopped half-way says what it wrote
and the next push resumes from there; the embedded store keeps working; the web app answers
503 while the server is down and recovers by itself when it is back.

These tests run their own Neo4j 5.26 server (scripts/neo4j-local) in their own state folder,
.cache/neo4j-faults, from an empty database, so that killing it disturbs no other test; it
is stopped at the end whatever happens. The tests are ordered to restart it as few times
as possible (each restart takes 10-40 s), but each one starts it if it needs it. On a
machine without Java and Maven they skip saying so; in CI (CI=true) they must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import usecases
from graph.config import Config
from graph.embedded import EmbeddedStore
from graph.neo4j_store import Neo4jStore, push
from graph.paths import PathOptions
from loaders import load_bundle
from loaders.synthetic import generate

from .conftest import ROOT, need

pytestmark = pytest.mark.neo4j

SCRIPT = ROOT / "scripts" / "neo4j-local"
STATE = ROOT / ".cache" / "neo4j-faults"
#: A read that runs for many seconds (two billion numbers), touching no data.
SLOW_QUERY = "UNWIND range(1, 2000000000) AS x WITH x WHERE x % 3 = 0 RETURN count(x) AS n"


class Server:
    """This module's Neo4j server: started, SIGKILLed and started again on the same port
    over the same files."""

    def __init__(self, state: Path):
        self.state = state
        self.port: int | None = None
        self.uri = self.password = ""
        self._starting: subprocess.Popen | None = None

    def begin(self, fresh: bool = False) -> None:
        """Start it in the background (the first start overlaps making the test graph)."""
        args = [str(SCRIPT), "start", "--state", str(self.state), "--heap", "1g"]
        if fresh:
            args.append("--fresh")
        if self.port:
            args += ["--port", str(self.port)]
        self._starting = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start(self, fresh: bool = False) -> None:
        self.begin(fresh)
        self.wait()

    def wait(self) -> None:
        """Until a start begun is done."""
        if self._starting is None:
            return
        proc, self._starting = self._starting, None
        out, err = proc.communicate(timeout=900)
        need(proc.returncode == 0, f"scripts/neo4j-local start failed: {err[-2000:]}")
        self.uri = out.strip().splitlines()[-1]
        self.port = int(self.uri.rsplit(":", 1)[1])
        self.password = (self.state / "password").read_text().strip()

    def pid(self) -> int | None:
        """The Java process's pid while it runs."""
        try:
            pid = int((self.state / "pid").read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ValueError):
            return None
        return pid if b"beltgraph.Launcher" in cmdline else None

    def ensure_up(self) -> None:
        self.wait()
        if self.pid() is None:
            self.start()

    def kill(self) -> None:
        """SIGKILL the server (no shutdown: as a crash or a pulled plug) and wait until it is gone."""
        self.wait()
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while self.pid() is not None:
            assert time.monotonic() < deadline, f"Neo4j (pid {pid}) still runs 30 s after SIGKILL"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._starting is not None:
            self._starting.communicate(timeout=900)
        subprocess.run([str(SCRIPT), "stop", "--state", str(self.state)], check=False, capture_output=True,
                       timeout=120)

    def config(self, folder: Path, **neo4j) -> Config:
        return Config.from_dict({"embedded": {"buffer_pool_mb": 128},
                                 "neo4j": {"uri": self.uri, "password": self.password, **neo4j}},
                                base_dir=folder, env={})

    def env(self) -> dict[str, str]:
        return {"BELTGRAPH_NEO4J_URI": self.uri, "BELTGRAPH_NEO4J_PASSWORD": self.password}


@pytest.fixture(scope="module")
def neo4j():
    need(shutil.which("java") is not None and shutil.which("mvn") is not None,
         "Neo4j tests need Java 17 and Maven (Debian: apt-get install openjdk-17-jre-headless maven)")
    server = Server(STATE)
    try:
        server.begin(fresh=True)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    """An embedded store folder holding a generated graph (about 18,000 rows), closed: the
    CLI subprocesses open it."""
    root = tmp_path_factory.mktemp("faults")
    generate(root / "bundle", scale=0.005, seed=11)
    store = EmbeddedStore(root / "store", _embedded_config(root))
    try:
        load_bundle(store, root / "bundle")
    finally:
        store.close()
    return root / "store"


def _embedded_config(folder: Path) -> Config:
    return Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=folder, env={})


def _read_embedded(folder: Path):
    store = EmbeddedStore(folder, _embedded_config(folder.parent))
    try:
        return store.read_data(), store.stats()
    finally:
        store.close()


def _cli_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BELTGRAPH_")}
    return {**env, "BELTGRAPH_DATA": str(data), "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128", **extra}


def beltgraph(*args: str, env: dict[str, str], **kw) -> subprocess.Popen:
    """``beltgraph ARGS`` in its own process (it can be cut off as a user's would be)."""
    return subprocess.Popen([sys.executable, "-m", "beltgraph", *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, **kw)


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = beltgraph(*args, env=env)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def one_clear_line(result: subprocess.CompletedProcess | tuple[int, str, str], *words: str) -> str:
    """A failure's stderr: non-zero exit, one line, no traceback, saying ``words``."""
    code, out, err = (result.returncode, result.stdout, result.stderr) if isinstance(
        result, subprocess.CompletedProcess) else result
    assert code != 0, (out, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{err}"
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def _wipe(server: Neo4jStore) -> None:
    """An empty database (fingerprints too), deleted in slices that fit the transaction memory."""
    while server._run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*)")[1][0][0]:
        pass


def _recorded(server: Neo4jStore) -> tuple[int, int]:
    """Batch fingerprints the server holds: (all, of relationships)."""
    rows = server._run("MATCH (b:BeltGraphBatch) RETURN count(b), "
                       "sum(CASE WHEN b.part STARTS WITH 'r|' THEN 1 ELSE 0 END)", access="READ")[1]
    return rows[0][0], rows[0][1]


def _kill_server_once(neo4j, proc: subprocess.Popen, ready, seconds: float, late: str,
                      before_kill=None) -> tuple[str, str]:
    """SIGKILL the server as soon as ``ready()`` while ``proc`` still runs; ``proc``'s (stdout, stderr)."""
    deadline = time.monotonic() + seconds
    try:
        while not ready():
            assert proc.poll() is None, f"it ended before the server could be killed: {proc.communicate()}"
            assert time.monotonic() < deadline, f"{late} in {seconds:g} s"
            time.sleep(0.05)
        if before_kill:
            before_kill()
        neo4j.kill()
        return proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# ---------------------------------------------------------------- a push killed mid-way

def test_a_push_killed_midway_says_what_it_wrote_and_the_next_push_resumes(neo4j, big, tmp_path):
    neo4j.ensure_up()
    server = Neo4jStore(neo4j.config(tmp_path))
    _wipe(server)
    env = _cli_env(big, **neo4j.env())
    # small transactions: the push takes seconds, with many commits to cut in between
    proc = beltgraph("neo4j", "push", env={**env, "BELTGRAPH_NEO4J_BATCH_SIZE": "500"})
    # kill once every node and some relationships are written: the push's fingerprints show how
    # far it is (nodes go first)
    out, err = _kill_server_once(neo4j, proc, lambda: _recorded(server)[1] > 0, 240,
                                 "the push recorded no batch of relationships")
    server.close()
    assert proc.returncode != 0, f"the push ended before the kill (make it longer): {err}"
    line = one_clear_line((proc.returncode, out, err), "cannot reach Neo4j", "run `beltgraph neo4j push` again to resume")
    found = re.search(r"wrote and recorded ([\d,]+) of ([\d,]+) batches \(([\d,]+) of ([\d,]+) rows\)", line)
    assert found, line
    written, total, rows, all_rows = (int(g.replace(",", "")) for g in found.groups())
    assert 0 < written < total and 0 < rows < all_rows, line

    neo4j.start()  # the same port, over the same files
    server = Neo4jStore(neo4j.config(tmp_path))
    recorded, _ = _recorded(server)
    # what the push said it wrote survived the crash; at most one more batch per writer
    # ([neo4j] push_workers, 2) may have been committed just as the server died
    assert written <= recorded <= written + 2, (written, recorded)
    again = run("neo4j", "push", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    result = json.loads(again.stdout)
    # it resumed: the batches recorded were kept, only the rest written
    assert result["batches"] == {"batches": total, "kept": recorded, "written": total - recorded}, result

    data, embedded_stats = _read_embedded(big)
    assert server.stats() == embedded_stats
    assert {k: v for k, v in result.items() if k in ("nodes", "relationships")} == embedded_stats
    # nothing half-pushed: every row and property as the embedded store has it
    from loaders.neo4j_pull import pull_bundle

    from .test_neo4j import _same_rows

    pulled, _ = pull_bundle(server)
    assert _same_rows(pulled) == _same_rows(data)
    # and the answers agree
    embedded = EmbeddedStore(big, _embedded_config(big.parent))
    try:
        config = embedded.config.with_overrides(rank={"gold_count": 3, "silver_count": 5})
        mine, theirs = usecases.rank(embedded, config).to_dict(), usecases.rank(server, config).to_dict()
        assert mine["items"] and [(i["id"], i["rank"], i["tier"]) for i in mine["items"]] == \
            [(i["id"], i["rank"], i["tier"]) for i in theirs["items"]]
        g = embedded.graph()
        anchor, chain = g.nodes["Anchor"].column("id")[0].as_py(), g.nodes["SupplyChain"].column("id")[-1].as_py()
        a, b = embedded.paths(anchor, chain, PathOptions(k=3)), server.paths(anchor, chain, PathOptions(k=3))
        assert a.paths and a.to_dict() == b.to_dict()
    finally:
        embedded.close()
        server.close()
    # and a push now has nothing to write
    assert json.loads(run("neo4j", "push", "--json", env=env).stdout)["batches"]["written"] == 0


# ---------------------------------------------------------------- the web app

def test_the_web_app_answers_503_while_neo4j_is_down_and_recovers_by_itself(neo4j, big, tmp_path):
    from web import create_app

    neo4j.ensure_up()
    config = neo4j.config(tmp_path)
    server = Neo4jStore(config)
    push(server, _read_embedded(big)[0])  # quick when the test above left the graph there
    app = create_app({"TESTING": True}, store=server, config=config)
    client = app.test_client()
    assert client.get("/belts").status_code == 200
    before = client.get("/api/belts")
    assert before.status_code == 200 and before.json["items"]

    neo4j.kill()
    page = client.get("/belts")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.mimetype == "text/html", html[:500]
    assert "cannot reach Neo4j" in html
    for path in {str(ROOT), str(STATE), str(tmp_path), str(big), str(Path.home())}:  # no server paths shown
        assert path not in html
    start = time.monotonic()
    api = client.get("/api/belts")
    # at once: not after the driver's seconds of retries ([neo4j] keeps no dead connection)
    assert time.monotonic() - start < 4
    assert api.status_code == 503 and api.mimetype == "application/json"
    assert set(api.json) == {"ok", "error", "status"}
    assert api.json["ok"] is False and api.json["status"] == 503 and "cannot reach Neo4j" in api.json["error"]
    assert str(ROOT) not in api.json["error"]

    neo4j.start()  # same port: the same app object answers again, no restart
    assert client.get("/belts").status_code == 200
    after = client.get("/api/belts")
    assert after.status_code == 200 and after.json["items"] == before.json["items"]
    server.close()


# ---------------------------------------------------------------- a query killed mid-way

def test_a_query_killed_midway_is_one_clear_line(neo4j, big, tmp_path):
    neo4j.ensure_up()
    watcher = Neo4jStore(neo4j.config(tmp_path))
    proc = beltgraph("--backend", "neo4j", "cypher", SLOW_QUERY, env=_cli_env(big, **neo4j.env()))

    def running() -> bool:  # the server runs it (EXPLAIN, which the CLI sends first, does not count)
        queries = watcher._run("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery", access="READ")[1]
        return any(q.startswith("UNWIND range(1, 2000000000)") for (q,) in queries)

    out, err = _kill_server_once(neo4j, proc, running, 60, "the query did not start", before_kill=watcher.close)
    one_clear_line((proc.returncode, out, err), "cannot reach Neo4j")
    assert out == ""


# ---------------------------------------------------------------- the embedded store meanwhile

def test_the_embedded_store_keeps_working_while_neo4j_is_down(neo4j, big):
    neo4j.kill()  # down (the tests above leave it so; run alone, this kills it)
    env = _cli_env(big, **neo4j.env())
    stats = run("stats", "--json", env=env)
    assert stats.returncode == 0, stats.stderr
    data, expected = _read_embedded(big)
    assert json.loads(stats.stdout) == expected
    anchor, chain = data.nodes["Anchor"].column("id")[0].as_py(), data.nodes["SupplyChain"].column("id")[-1].as_py()
    path = run("path", anchor, chain, "--json", env=env)
    assert path.returncode == 0, path.stderr
    found = json.loads(path.stdout)["paths"][0]["nodes"]
    assert (found[0]["id"], found[-1]["id"]) == (anchor, chain)
    # while the Neo4j backend says, in one line, that its server is down
    one_clear_line(run("--backend", "neo4j", "stats", env=env), "cannot reach Neo4j")
