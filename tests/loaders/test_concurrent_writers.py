"""Writers hold the store's lock from reading their base to swapping in the new version:
two merges at once both land, a review and a load do not lose each other's work."""

from __future__ import annotations

import subprocess
import sys
import threading

from graph.config import Config
from graph.embedded import EmbeddedStore
from loaders import load_bundle

from ..conftest import ROOT, write_bundle


def merchants_bundle(folder, ids):
    rows = "".join(f"{i},店{i},2020-09-15,100\n" for i in ids)
    return write_bundle(folder, {"nodes/Merchant.csv": "id,name,joined,sales\n" + rows})


def test_two_merges_at_once_keep_both(tmp_path, loaded_store, config):
    """Two processes merge different merchants at the same time: both sets are in the store."""
    a = merchants_bundle(tmp_path / "a", [f"ma{i}" for i in range(200)])
    b = merchants_bundle(tmp_path / "b", [f"mb{i}" for i in range(200)])
    env_cmd = [sys.executable, "-m", "beltgraph", "--data", str(loaded_store.root), "load", "--merge", "--json"]
    env = {"BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128", "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen(env_cmd + [str(x)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for x in (a, b)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    fresh = EmbeddedStore(loaded_store.root, config)
    try:
        ids = set(fresh.graph().nodes["Merchant"].column("id").to_pylist())
    finally:
        fresh.close()
    assert {f"ma{i}" for i in range(200)} <= ids and {f"mb{i}" for i in range(200)} <= ids and "m1" in ids


def test_threads_merging_into_one_store_object_keep_both(tmp_path, loaded_store):
    """The web server's threads share one store object: the lock is per thread, not per object."""
    bundles = [merchants_bundle(tmp_path / f"t{n}", [f"t{n}-{i}" for i in range(50)]) for n in range(3)]
    errors = []

    def merge(b):
        try:
            load_bundle(loaded_store, b, merge=True)
        except Exception as e:  # pragma: no cover - the assertion below shows it
            errors.append(e)

    threads = [threading.Thread(target=merge, args=(b,)) for b in bundles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = set(loaded_store.graph().nodes["Merchant"].column("id").to_pylist())
    assert all(f"t{n}-{i}" in ids for n in range(3) for i in range(50))


def test_a_second_writer_waits_then_fails_clearly(tmp_path, loaded_store):
    import pytest

    from graph.errors import StoreError

    impatient = EmbeddedStore(loaded_store.root, Config.from_dict(
        {"embedded": {"buffer_pool_mb": 128}, "store": {"lock_wait_s": 0.2}}, env={}))
    try:
        with loaded_store.writing():
            with pytest.raises(StoreError, match=r"waited 0.2 s \(\[store\] lock_wait_s\)"):
                load_bundle(impatient, merchants_bundle(tmp_path / "c", ["mc1"]), merge=True)
    finally:
        impatient.close()
