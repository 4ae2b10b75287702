"""Smoke test of the one-run summary (bench/run.py summary): every key, a number or a reason.

No timing is asserted: timings belong in bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.bench_summary import EXTRA, KEYS

from ..conftest import ROOT


def test_summary_at_a_tiny_scale_gives_every_key_a_number_or_a_reason(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BELTGRAPH_BENCH_OUT": str(tmp_path / "out"),
           "BELTGRAPH_BENCH_RESULTS": str(tmp_path / "RESULTS.md")}
    env.pop("BELTGRAPH_DATA", None)
    # Neo4j is skipped here (tests/test_neo4j.py covers the push); its keys must say so
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "summary", "--scale", "0.002", "--json",
                          "--skip", "neo4j"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for key in KEYS:
        assert key in out, key
        value = out[key]
        if value is None:
            assert out["reasons"].get(key), f"{key} is null without a reason"
        else:
            assert isinstance(value, (int, float)) and value >= 0, (key, value)
    for key in ("push_rows_per_s", "push_nochange_ratio", "path_vs_neo4j", "cypher_vs_neo4j"):
        assert "skipped" in out["reasons"][key]
    # the parts that need no server were measured
    for key in ("load_s", "cold_path_s", "cold_match_s", "path_p50_ms", "path_vs_networkx", "rank_s", "whatif_s",
                "serve_ready_s", "web_p95_ms", "serve_rss_gib"):
        assert out[key] is not None, (key, out["reasons"].get(key))
    assert set(out["extra"]) == set(EXTRA) and out["extra"]["web_errors"] == 0
    section = (tmp_path / "RESULTS.md").read_text()
    assert "<!-- summary:begin -->" in section and "cores" in section and "GiB memory" in section
    assert all(k in section for k in KEYS)
