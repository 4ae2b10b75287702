"""The csv export imported by Neo4j's own bulk importer (neo4j-admin database import full, run by
scripts/neo4j-local import from the launcher's classpath) into a fresh database, then counted
through Bolt: the same nodes and relationships, with typed properties.

Skips without Java and Maven, saying what to install; in CI it must run.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from graph import usecases
from graph.export.neo4j_csv import import_args

from .conftest import ROOT, need

pytestmark = pytest.mark.neo4j
SCRIPT = ROOT / "scripts" / "neo4j-local"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The committed sample, loaded (store, config)."""
    from graph.config import Config
    from graph.embedded import EmbeddedStore
    from loaders import load_bundle

    config = Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp_path_factory.mktemp("cfg"), env={})
    store = EmbeddedStore(tmp_path_factory.mktemp("sample") / "store", config)
    load_bundle(store, ROOT / "data" / "sample")
    yield store, config
    store.close()


def test_csv_folder_imports_with_neo4j_admin_and_counts_match(sample, tmp_path):
    sample_store, sample_config = sample
    need(shutil.which("java") is not None and shutil.which("mvn") is not None,
         "the import test needs Java 17 and Maven (Debian: apt-get install openjdk-17-jre-headless maven)")
    f = usecases.export(sample_store, sample_config, "csv", around="hz-sijiqing", depth=2)
    folder = tmp_path / "export"
    for rel, body in f.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(body)
    paths = sorted(rel for rel in f.files if rel.endswith(".csv"))
    state = tmp_path / "neo4j"
    done = subprocess.run([str(SCRIPT), "import", "--state", str(state), "--heap", "1g", "--", "full",
                           *import_args(paths)], cwd=folder, capture_output=True, text=True, timeout=900)
    need(done.returncode == 0, f"neo4j-admin import failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    assert "IMPORT DONE" in done.stdout + done.stderr
    started = subprocess.run([str(SCRIPT), "start", "--state", str(state), "--heap", "1g"], capture_output=True,
                             text=True, timeout=900)
    need(started.returncode == 0, f"scripts/neo4j-local start failed: {started.stderr[-2000:]}")
    uri = started.stdout.strip().splitlines()[-1]
    try:
        from neo4j import GraphDatabase

        password = (state / "password").read_text().strip()
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            with driver.session(database="neo4j", default_access_mode="READ") as s:
                labels = {r["l"]: r["n"] for r in s.run("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS n")}
                types = {r["t"]: r["n"] for r in s.run("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n")}
                belt = s.run("MATCH (b:Belt {id: 'hz-sijiqing'}) RETURN b").single()["b"]
                prov = s.run("MATCH (p:Provider)-[:SERVES]->(:Belt {id: 'hz-sijiqing'}) RETURN p LIMIT 1").single()["p"]
                sells = s.run("MATCH ()-[r:SELLS]->() RETURN r LIMIT 1").single()["r"]
    finally:
        subprocess.run([str(SCRIPT), "stop", "--state", str(state)], capture_output=True, timeout=120)
    sub = usecases.select_for_export(sample_store, sample_config, "csv", around="hz-sijiqing", depth=2)
    want_labels, want_types = {}, {}
    for n in sub.nodes:
        want_labels[n["label"]] = want_labels.get(n["label"], 0) + 1
    for r in sub.rels:
        want_types[r["type"]] = want_types.get(r["type"], 0) + 1
    assert labels == want_labels and sum(labels.values()) == f.nodes
    assert types == want_types and sum(types.values()) == f.rels
    assert belt["name"] == "杭州四季青服装市场" and isinstance(belt["lat"], float)
    assert isinstance(prov["roles"], list) and isinstance(prov["level"], int) and isinstance(prov["plaque"], bool)
    assert isinstance(sells["gmv"], float) and isinstance(sells["quarter"], str)
