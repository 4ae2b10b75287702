"""Smoke test of the one-run summary (bench/run.py summary): every key, a number or a reason.

No timing is asserted: timings belong in bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from bench.bench_summary import EXTRA, KEYS

from ..conftest import ROOT, need


def _summary(tmp_path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BELTGRAPH_BENCH_OUT": str(tmp_path / "out"),
           "BELTGRAPH_BENCH_RESULTS": str(tmp_path / "RESULTS.md")}
    env.pop("BELTGRAPH_DATA", None)
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "summary", "--scale", "0.002", "--json",
                          *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for key in KEYS:
        assert key in out, key
        value = out[key]
        if value is None:
            assert out["reasons"].get(key), f"{key} is null without a reason"
        else:
            assert isinstance(value, (int, float)) and value >= 0, (key, value)
    return out


def test_summary_at_a_tiny_scale_gives_every_key_a_number(tmp_path):
    """Every part measured, a Neo4j server of the summary's own included (Java and Maven needed)."""
    need(shutil.which("java") is not None and shutil.which("mvn") is not None,
         "the summary's Neo4j part needs Java 17 and Maven (Debian: apt-get install openjdk-17-jre-headless maven)")
    out = _summary(tmp_path)
    for key in ("load_s", "cold_path_s", "cold_match_s", "path_p50_ms", "path_vs_networkx", "rank_s", "whatif_s",
                "serve_ready_s", "web_p95_ms", "serve_rss_gib",
                "push_rows_per_s", "push_nochange_ratio", "path_vs_neo4j", "cypher_vs_neo4j"):
        assert out[key] is not None, (key, out["reasons"].get(key))
    assert set(out["extra"]) == set(EXTRA) and out["extra"]["web_errors"] == 0
    section = (tmp_path / "RESULTS.md").read_text()
    assert "<!-- summary:begin -->" in section and "cores" in section and "GiB memory" in section
    assert all(k in section for k in KEYS)


def test_parts_left_out_of_the_summary_give_their_keys_a_reason(tmp_path):
    """``--skip`` (the summary's option, for a machine without a part's service) leaves a reason, not a number."""
    out = _summary(tmp_path, "--skip", "neo4j,web,networkx,cold")
    for key in ("push_rows_per_s", "push_nochange_ratio", "path_vs_neo4j", "cypher_vs_neo4j", "path_vs_networkx",
                "serve_ready_s", "web_p95_ms", "serve_rss_gib", "cold_path_s", "cold_match_s"):
        assert out[key] is None and "skipped" in out["reasons"][key], key
    for key in ("load_s", "path_p50_ms", "rank_s", "whatif_s"):
        assert out[key] is not None, (key, out["reasons"].get(key))
