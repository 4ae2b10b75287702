"""``beltgraph export`` and ``beltgraph brief``: thin commands writing what the use cases make."""

from __future__ import annotations

import json

import networkx as nx


def test_export_writes_each_format(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    for fmt, name in (("graphml", "g.graphml"), ("json", "g.json"), ("svg", "g.svg"), ("html", "g.html")):
        out = cli.json("export", "--format", fmt, "-o", str(tmp_path / name))
        assert out["ok"] and out["nodes"] == 12 and (tmp_path / name).stat().st_size > 0
    G = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert G.number_of_nodes() == 12 and G.graph["version"] == out["version"]


def test_export_around_with_filters_and_the_csv_folder(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    out = cli.json("export", "--format", "csv", "--around", "b-hz", "--depth", "1", "--label", "Provider",
                   "-o", str(tmp_path / "neo"))
    assert out["nodes"] == 2 and out["selection"] == {"around": "b-hz", "depth": 1, "labels": ["Provider"]}
    assert sorted(p.relative_to(tmp_path / "neo").as_posix() for p in (tmp_path / "neo").rglob("*.*")) == \
        ["README.md", "nodes/Belt.csv", "nodes/Provider.csv", "rels/SERVES__Provider__Belt.csv"]
    cli("export", "--format", "csv", "-o", str(tmp_path / "neo"), ok=False)  # an existing folder is kept
    cli("export", "--format", "csv", "-o", str(tmp_path / "neo.zip"))
    assert (tmp_path / "neo.zip").read_bytes()[:2] == b"PK"


def test_export_errors_are_one_line(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    r = cli("export", "--format", "json", "--around", "nope", "-o", str(tmp_path / "x.json"), ok=False)
    assert "node 'nope' is not in the graph" in r.stderr and "Traceback" not in r.stderr
    r = cli("export", "--format", "xml", "-o", str(tmp_path / "x"), ok=False)
    assert "Invalid value for '--format'" in r.stderr
    env_cap = cli.runner.invoke(__import__("beltgraph.cli", fromlist=["main"]).main,
                                ["export", "--format", "html", "-o", str(tmp_path / "x.html")],
                                env={"BELTGRAPH_DATA": str(cli.data), "BELTGRAPH_EXPORT_MAX_NODES_INTERACTIVE": "3",
                                     "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"})
    assert env_cap.exit_code != 0 and "narrow it with a label or type filter" in env_cap.stderr


def test_brief_writes_html_and_checks_the_suffix(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    out = cli.json("brief", "b-hz", "-o", str(tmp_path / "b.html"))
    assert out["ok"] and out["selection"] == {"belt": "b-hz"}
    assert "杭州四季青服装市场" in (tmp_path / "b.html").read_text(encoding="utf-8")
    r = cli("brief", "b-hz", "-o", str(tmp_path / "b.docx"), ok=False)
    assert ".html or .pdf" in r.stderr
    r = cli("brief", "p1", "-o", str(tmp_path / "p.html"), ok=False)
    assert "not a Belt" in r.stderr
    assert json.loads(json.dumps(out))["format"] == "html"
