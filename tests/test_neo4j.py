"""The Neo4j backend against a real Neo4j 5.26 server (scripts/neo4j-local).

On a machine without Java and Maven these skip with a message saying so; in CI
(CI=true) a server that cannot start fails the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from graph import usecases
from graph.config import Config
from graph.errors import QueryRefused, StoreError
from graph.neo4j_store import Neo4jStore, push
from graph.paths import PathOptions
from graph.rank import Pool
from loaders import load_bundle
from loaders.neo4j_pull import pull_bundle
from loaders.synthetic import generate

from .conftest import MINI_COUNTS, ROOT, need

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="session")
def neo4j_server():
    """(uri, password) of a running server: BELTGRAPH_TEST_NEO4J_URI, or one we start."""
    if os.environ.get("BELTGRAPH_TEST_NEO4J_URI"):
        yield os.environ["BELTGRAPH_TEST_NEO4J_URI"], os.environ.get("BELTGRAPH_TEST_NEO4J_PASSWORD", "")
        return
    need(shutil.which("java") is not None and shutil.which("mvn") is not None,
         "Neo4j tests need Java 17 and Maven (Debian: apt-get install openjdk-17-jre-headless maven)")
    script = ROOT / "scripts" / "neo4j-local"
    # a server of the tests' own, from an empty database, apart from any trial server of the user's
    state = ROOT / ".cache" / "neo4j-test"
    started = subprocess.run([str(script), "start", "--state", str(state), "--fresh"], capture_output=True,
                             text=True, timeout=900)
    need(started.returncode == 0, f"scripts/neo4j-local start failed: {started.stderr[-2000:]}")
    uri = started.stdout.strip().splitlines()[-1]
    password = (state / "password").read_text().strip()
    try:
        yield uri, password
    finally:
        subprocess.run([str(script), "stop", "--state", str(state)], capture_output=True, timeout=120)


def _config(tmp_path, uri, password, **neo4j):
    return Config.from_dict({"embedded": {"buffer_pool_mb": 128},
                             "neo4j": {"uri": uri, "password": password, "batch_size": 2000, **neo4j}},
                            base_dir=tmp_path, env={})


@pytest.fixture
def server(neo4j_server, tmp_path):
    uri, password = neo4j_server
    store = Neo4jStore(_config(tmp_path, uri, password))
    # a clean database for each test, deleted in slices that fit the server's transaction memory
    while store._run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*)")[1][0][0]:
        pass
    yield store
    store.close()


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("syn") / "bundle"
    generate(out, scale=0.004, seed=3)
    return out


@pytest.fixture
def rich_store(store, synthetic):
    load_bundle(store, synthetic)
    return store


def _tables(data):
    out = {f"nodes/{k}": sorted(map(repr, t.to_pylist())) for k, t in data.nodes.items()}
    from graph.data import derive_rels

    for k, t in derive_rels(data).items():
        out[f"rels/{k}"] = sorted(map(repr, t.to_pylist()))
    out["facts/provider_quarters"] = sorted(map(repr, data.facts["provider_quarters"].to_pylist()))
    return out


def test_push_then_pull_round_trips(server, loaded_store, tmp_path, config):
    from graph.embedded import EmbeddedStore

    counts = push(server, loaded_store.read_data())
    assert counts == MINI_COUNTS == server.stats()
    data, files = pull_bundle(server)
    assert files["nodes/Belt.csv"] == 3
    original = _tables(loaded_store.read_data())
    pulled = _tables(data)
    for key in original:
        assert pulled[key] == original[key], key
    back = EmbeddedStore(tmp_path / "back", config)
    back.replace(data, "neo4j")
    assert back.stats() == MINI_COUNTS
    assert back.graph().node("p2")["plaque"] is False


def test_push_twice_changes_nothing(server, loaded_store):
    push(server, loaded_store.read_data())
    before = server._run("MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n), count(r), "
                         "collect(DISTINCT properties(n)) AS props", access="READ")[1][0]
    push(server, loaded_store.read_data())
    after = server._run("MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n), count(r), "
                        "collect(DISTINCT properties(n)) AS props", access="READ")[1][0]
    assert before[:2] == after[:2]
    assert sorted(map(repr, before[2])) == sorted(map(repr, after[2]))


def test_push_removes_what_the_graph_no_longer_has(server, loaded_store, tmp_path):
    push(server, loaded_store.read_data())
    smaller = tmp_path / "small"
    (smaller / "nodes").mkdir(parents=True)
    (smaller / "nodes" / "Belt.csv").write_text("id,name,category,province\nb-hz,杭州,apparel,浙江省\n", encoding="utf-8")
    load_bundle(loaded_store, smaller)
    push(server, loaded_store.read_data())
    assert server.stats() == loaded_store.stats()


def test_rank_parity_for_every_pool(server, rich_store):
    push(server, rich_store.read_data())
    config = rich_store.config.with_overrides(rank={"gold_count": 3, "silver_count": 5})
    g = rich_store.graph()
    belt = g.rels["IN_BELT"].column("to")[0].as_py()
    pools = [Pool(), Pool(category="apparel"), Pool(division="premium_consumer"), Pool(belt=belt)]
    for quarter in (None, "2020Q2"):
        for pool in pools:
            a = usecases.rank(rich_store, config, quarter, pool).to_dict()
            b = usecases.rank(server, config, quarter, pool).to_dict()
            assert a["quarter"] == b["quarter"]
            assert [(i["id"], i["rank"], i["tier"]) for i in a["items"]] == \
                [(i["id"], i["rank"], i["tier"]) for i in b["items"]], (quarter, pool)
            for x, y in zip(a["items"], b["items"]):
                assert x["score"] == pytest.approx(y["score"], abs=1e-6)
    assert any(usecases.rank(rich_store, config).items)
    # the rows the server aggregates are the rows the embedded store computes
    for pool in pools:
        theirs, mine = server.metric_rows("2020Q2", pool), rich_store.metric_rows("2020Q2", pool)
        assert [{**r, "gmv": None} for r in theirs] == [{**r, "gmv": None} for r in mine]
        assert [r["gmv"] for r in theirs] == pytest.approx([r["gmv"] for r in mine])


PATH_OPTIONS = [
    PathOptions(),
    PathOptions(k=4),
    PathOptions(k=3, max_hops=3),
    PathOptions(k=3, exclude=("Merchant",)),
    PathOptions(k=3, exclude=("SELLS", "STREAMS_AT")),
    PathOptions(k=2, only_plaqued=True),
    PathOptions(k=2, via="TeamLeader"),
    PathOptions(k=2, via="Provider", only_plaqued=True, exclude=("Merchant",)),
]


def test_path_parity_for_every_option(server, rich_store):
    push(server, rich_store.read_data())
    g = rich_store.graph()
    anchors = g.nodes["Anchor"].column("id").to_pylist()
    chains = g.nodes["SupplyChain"].column("id").to_pylist()
    belts = g.nodes["Belt"].column("id").to_pylist()
    providers = g.nodes["Provider"].column("id").to_pylist()
    pairs = [(anchors[0], chains[-1]), (providers[0], belts[5]), (anchors[1], anchors[2]), (anchors[4], anchors[4])]
    # --via is a BD question about reaching a party through a kind of intermediary: who can
    # introduce an anchor to a supply chain or to another anchor
    via_pairs = [(anchors[0], chains[-1]), (anchors[3], chains[1])]
    for options in PATH_OPTIONS:
        for a, b in (via_pairs if options.via else pairs):
            mine = rich_store.paths(a, b, options)
            theirs = server.paths(a, b, options)
            assert mine.complete and theirs.complete
            assert [p.hops for p in mine.paths] == [p.hops for p in theirs.paths], (a, b, options)
            assert mine.to_dict() == theirs.to_dict(), (a, b, options)


def test_cypher_reads_and_refuses_writes(server, loaded_store):
    push(server, loaded_store.read_data())
    r = server.cypher("MATCH (b:Belt) WHERE b.province = $p RETURN b.name AS name", {"p": "广东省"})
    assert r.to_dict() == {"columns": ["name"], "rows": [["深圳水贝黄金珠宝"]]}
    node = server.cypher("MATCH (m:Merchant) RETURN m")
    assert node.rows[0][0] == {"_label": "Merchant", "id": "m1", "name": "锦绣女装旗舰店", "joined": "2020-09-15",
                               "sales": 52000.5}
    for q in ("CREATE (n:Belt {id: 'x'})", "MATCH (n) DETACH DELETE n", "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l"):
        with pytest.raises(QueryRefused):
            server.cypher(q)
    assert server.stats() == MINI_COUNTS


def test_review_on_the_neo4j_backend(server, loaded_store):
    from graph.review import ReviewSettings, run_review

    push(server, loaded_store.read_data())
    records, history, state = run_review(server.graph(), "2020Q1", ReviewSettings.default())
    server.record_review(state, history)
    rows = server.cypher("MATCH (p:Provider) RETURN p.id, p.plaque, p.level ORDER BY p.id").rows
    assert rows == [[pid, *state[pid]] for pid in ("p1", "p2")]
    assert len(server.graph().reviews) == 2


# ---------------------------------------------------------------- push: fingerprints of batches

def _same_rows(data) -> dict:
    """_tables with each row's keys sorted: a pull may order extra columns differently."""
    from graph.data import derive_rels

    tables = {f"nodes/{k}": t for k, t in data.nodes.items()}
    tables.update({f"rels/{k}": t for k, t in derive_rels(data).items()})
    tables["facts/provider_quarters"] = data.facts["provider_quarters"]
    return {k: sorted(repr(sorted(r.items())) for r in t.to_pylist()) for k, t in tables.items()}


def _server_tables(server):
    data, _ = pull_bundle(server)
    return _same_rows(data)


def _count_range_reads(server, monkeypatch) -> list[str]:
    """Record the queries that read a batch's rows back."""
    seen, run = [], server._run

    def counting(query, params=None, **kw):
        if "RETURN properties(n) AS p" in query or "RETURN a.id AS from" in query:
            seen.append(query)
        return run(query, params, **kw)

    monkeypatch.setattr(server, "_run", counting)
    return seen


def _changed(data):
    """One merchant's sales changed, a merchant added, one MATCHES row removed."""
    import pyarrow as pa

    m = data.nodes["Merchant"]
    sales = m.column("sales").to_pylist()
    sales[3] = 123.45
    m = m.set_column(m.schema.get_field_index("sales"), "sales", pa.array(sales, pa.float64()))
    extra = {c: [None] for c in m.column_names}
    extra.update(id=["m-zz-new"], name=["新开小店"])
    data.nodes["Merchant"] = pa.concat_tables([m, pa.table(extra, schema=m.schema)])
    data.rels["MATCHES"] = data.rels["MATCHES"].slice(1)
    return data


def test_push_reads_back_only_the_batches_that_changed(server, rich_store, monkeypatch):
    from graph import fingerprints

    monkeypatch.setattr(fingerprints, "BATCH_ROWS", 40)  # many batches in a small graph
    push(server, rich_store.read_data())
    reads = _count_range_reads(server, monkeypatch)
    push(server, rich_store.read_data())
    assert reads == []  # nothing changed: no row is read back
    changed = _changed(rich_store.read_data())
    push(server, changed)
    read_back = list(reads)
    assert _server_tables(server) == _same_rows(changed)
    # the sales change and the new merchant fall in one or two merchant batches, the
    # removed row in one MATCHES batch: a handful of range reads, not every batch
    n_batches = server._run("MATCH (b:BeltGraphBatch) RETURN count(b)", access="READ")[1][0][0]
    assert 2 <= len(read_back) <= 3 < n_batches, read_back


def test_push_compares_in_full_when_the_server_changed_behind_its_back(server, rich_store):
    push(server, rich_store.read_data())
    # a merchant deleted outside BeltGraph: the counts no longer match the fingerprints
    server._run("MATCH (m:Merchant) WITH m ORDER BY m.id LIMIT 1 DETACH DELETE m")
    push(server, rich_store.read_data())
    assert _server_tables(server) == _same_rows(rich_store.read_data())
    # fingerprints lost (an older BeltGraph pushed): every batch is compared
    server._run("MATCH (b:BeltGraphBatch) DELETE b")
    changed = _changed(rich_store.read_data())
    push(server, changed)
    assert _server_tables(server) == _same_rows(changed)


def test_a_push_cut_off_half_way_says_what_it_wrote_and_the_next_one_resumes(server, rich_store, monkeypatch):
    """The server gone in the middle of a batch (half its rows committed): the push says in one
    line how many batches it wrote; the next keeps those and compares the rest, the cut one too.
    (tests/test_neo4j_faults.py does it with a real SIGKILL.)"""
    import dataclasses
    import re

    from graph import fingerprints, neo4j_store

    monkeypatch.setattr(fingerprints, "BATCH_ROWS", 40)
    data = rich_store.read_data()
    create = neo4j_store._create

    def cut_off(store, b):
        if b.part.name == "Merchant" and b.index == 2:
            create(store, dataclasses.replace(b, rows=b.rows.slice(0, b.rows.num_rows // 2)))
            raise StoreError(f"cannot reach Neo4j at {store.uri}: is it running?")
        create(store, b)

    monkeypatch.setattr(neo4j_store, "_create", cut_off)
    with pytest.raises(StoreError) as stopped:
        push(server, data)
    monkeypatch.setattr(neo4j_store, "_create", create)
    message = str(stopped.value)
    assert "\n" not in message and "cannot reach Neo4j" in message and "again to resume" in message
    found = re.search(r"wrote and recorded (\d+) of (\d+) batches", message)
    written, total = int(found[1]), int(found[2])
    assert 0 < written < total
    assert server._run("MATCH (b:BeltGraphBatch) RETURN count(b)", access="READ")[1][0][0] == written
    push(server, data)
    assert server.pushed == {"batches": total, "kept": written, "written": total - written}
    assert _server_tables(server) == _same_rows(data)


def test_adopting_a_bulk_loaded_graph_makes_the_next_push_incremental(server, rich_store, monkeypatch):
    from graph import fingerprints
    from graph.neo4j_store import adopt

    monkeypatch.setattr(fingerprints, "BATCH_ROWS", 40)
    data = rich_store.read_data()
    push(server, data)
    server._run("MATCH (b:BeltGraphBatch) DELETE b")  # as neo4j-admin import leaves it: rows, no fingerprints
    assert adopt(server, data) == server.stats()
    reads = _count_range_reads(server, monkeypatch)
    push(server, data)
    assert reads == []
    changed = _changed(rich_store.read_data())
    push(server, changed)
    assert 2 <= len(reads) <= 3
    with pytest.raises(StoreError, match="push instead"):
        adopt(server, data)  # the server holds another graph now


def test_a_review_in_the_server_is_undone_by_the_next_push(server, loaded_store):
    from graph.review import ReviewSettings, run_review

    data = loaded_store.read_data()
    push(server, data)
    before = server.cypher("MATCH (p:Provider) RETURN p.id, p.plaque, p.level ORDER BY p.id").rows
    _, history, state = run_review(server.graph(), "2020Q1", ReviewSettings.default())
    state = {pid: (not plaque, level + 1) for pid, (plaque, level) in state.items()}  # surely different
    server.record_review(state, history)
    assert server.cypher("MATCH (p:Provider) RETURN p.id, p.plaque, p.level ORDER BY p.id").rows != before
    push(server, data)  # the store's graph again, reviews as the store has them
    assert server.cypher("MATCH (p:Provider) RETURN p.id, p.plaque, p.level ORDER BY p.id").rows == before
    assert _server_tables(server) == _same_rows(data)


# ---------------------------------------------------------------- failures

def test_server_down_is_one_clear_line(tmp_path):
    store = Neo4jStore(_config(tmp_path, "bolt://127.0.0.1:9", "x"))
    with pytest.raises(StoreError, match="cannot reach Neo4j at bolt://127.0.0.1:9"):
        store.stats()


def test_wrong_password(neo4j_server, tmp_path):
    store = Neo4jStore(_config(tmp_path, neo4j_server[0], "not-the-password"))
    with pytest.raises(StoreError, match="refused user 'neo4j': wrong password"):
        store.stats()


def test_unknown_database(neo4j_server, tmp_path):
    store = Neo4jStore(_config(tmp_path, *neo4j_server, database="nosuchdb"))
    with pytest.raises(StoreError, match="has no database 'nosuchdb'"):
        store.stats()


def test_cli_with_the_neo4j_backend(neo4j_server, server, cli, mini_bundle, tmp_path):
    uri, password = neo4j_server
    cli("load", str(mini_bundle))
    env = {"BELTGRAPH_NEO4J_URI": uri, "BELTGRAPH_NEO4J_PASSWORD": password}
    os.environ.update(env)
    try:
        out = cli.json("neo4j", "push")
        assert out["nodes"] == MINI_COUNTS["nodes"]
        assert cli.json("--backend", "neo4j", "stats") == MINI_COUNTS
        assert cli.json("--backend", "neo4j", "path", "a1", "b-hz")["paths"][0]["hops"] == 2
        refused = cli("--backend", "neo4j", "cypher", "MATCH (n) DELETE n", ok=False)
        assert "read-only" in refused.stderr
        os.environ["BELTGRAPH_NEO4J_PASSWORD"] = "wrong"
        bad = cli("--backend", "neo4j", "stats", ok=False)
        assert "wrong password" in bad.stderr and bad.stderr.strip().count("\n") == 0
        # a push too: one line, no traceback (one more try only: Neo4j locks a login after 3 failures in a row)
        bad = cli("neo4j", "push", ok=False)
        assert "wrong password" in bad.stderr and bad.stderr.strip().count("\n") == 0, bad.stderr
        os.environ["BELTGRAPH_NEO4J_URI"] = "bolt://127.0.0.1:9"
        down = cli("neo4j", "push", ok=False)
        assert "cannot reach Neo4j" in down.stderr and down.stderr.strip().count("\n") == 0
        # the embedded backend is unaffected
        assert cli.json("stats") == MINI_COUNTS
    finally:
        for k in env:
            os.environ.pop(k, None)


def test_web_shows_an_error_page_when_neo4j_is_down(tmp_path):
    from web import create_app

    store = Neo4jStore(_config(tmp_path, "bolt://127.0.0.1:9", "x"))
    app = create_app({"TESTING": True}, store=store, config=_config(tmp_path, "bolt://127.0.0.1:9", "x"))
    client = app.test_client()
    page = client.get("/belts")
    assert page.status_code == 503 and "cannot reach Neo4j" in page.get_data(as_text=True)
    api = client.get("/api/belts")
    assert api.status_code == 503 and api.json["ok"] is False and "cannot reach Neo4j" in api.json["error"]
    assert json.loads(api.get_data(as_text=True))["status"] == 503


def test_web_app_on_the_neo4j_backend(server, loaded_store, tmp_path):
    from web import create_app

    push(server, loaded_store.read_data())
    app = create_app({"TESTING": True}, store=server, config=server.config)
    items = app.test_client().get("/api/belts").json["items"]
    assert {b["id"]: b["merchants"] for b in items} == {"b-hz": 1, "b-sb": 0, "b-xy": 0}
