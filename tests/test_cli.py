"""The beltgraph command line: exit codes, JSON shapes, errors on one line."""

from __future__ import annotations

from .conftest import MINI_COUNTS


def test_version(cli):
    assert "beltgraph" in cli("--version").stdout


def test_load_then_stats_json(cli, mini_bundle):
    out = cli.json("load", str(mini_bundle))
    assert out["ok"] is True and out["mode"] == "replace" and out["nodes"]["Belt"] == 3
    assert cli.json("stats") == MINI_COUNTS


def test_data_option_works_before_and_after_the_command(cli, mini_bundle, tmp_path):
    other = tmp_path / "elsewhere"
    cli("--data", str(other), "load", str(mini_bundle))
    assert cli.json("stats", "--data", str(other)) == MINI_COUNTS
    assert cli.json("stats")["nodes"]["Belt"] == 0  # BELTGRAPH_DATA's store is still empty


def test_bad_bundle_exits_non_zero_with_file_line_messages(cli, mini_bundle):
    cli("load", str(mini_bundle))
    (mini_bundle / "nodes" / "Anchor.csv").write_text("id,name,followers\na1,x,many\n", encoding="utf-8")
    result = cli("load", str(mini_bundle), ok=False)
    assert result.exit_code == 1
    assert "nodes/Anchor.csv:2: bad number 'many' for followers" in result.stderr
    assert "Traceback" not in result.output
    assert cli.json("stats") == MINI_COUNTS


def test_load_missing_path_is_one_line(cli, tmp_path):
    result = cli("load", str(tmp_path / "nope"), ok=False)
    assert "no such file or folder" in result.stderr and "Traceback" not in result.output


def test_load_if_empty_skips_a_loaded_store(cli, mini_bundle, tmp_path):
    cli("load", str(mini_bundle))
    other = tmp_path / "other"
    other.mkdir()
    (other / "nodes").mkdir()
    (other / "nodes" / "Belt.csv").write_text("id,name,category,province\nz,z,tea,云南省\n", encoding="utf-8")
    cli("load", str(other), "--if-empty")
    assert cli.json("stats") == MINI_COUNTS


def test_cypher_json_and_params(cli, mini_bundle):
    cli("load", str(mini_bundle))
    out = cli.json("cypher", "MATCH (a:Anchor) WHERE a.followers > $n RETURN a.id AS id", "--param", "n=10000")
    assert out == {"columns": ["id"], "rows": [["a1"]]}
    out = cli.json("cypher", "MATCH (b:Belt {id: $id}) RETURN b.name", "--param", "id=b-sb")
    assert out["rows"] == [["深圳水贝黄金珠宝"]]


def test_cypher_write_refused_one_line(cli, mini_bundle):
    cli("load", str(mini_bundle))
    result = cli("cypher", "MATCH (b:Belt) DETACH DELETE b", ok=False)
    assert result.stderr.strip().count("\n") == 0 and "read-only" in result.stderr
    assert cli.json("stats") == MINI_COUNTS


def test_cypher_on_an_empty_store_says_what_to_do(cli):
    result = cli("cypher", "MATCH (n) RETURN n", ok=False)
    assert "load a bundle first" in result.stderr


def test_generate_refuses_a_non_empty_folder(cli, mini_bundle):
    result = cli("generate", "--scale", "0.001", "-o", str(mini_bundle), ok=False)
    assert "not empty" in result.stderr


def test_unwritable_store_folder_is_one_line(cli, mini_bundle, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    result = cli("--data", str(blocker / "store"), "load", str(mini_bundle), ok=False)
    assert "cannot write to the store folder" in result.stderr and "Traceback" not in result.output


def test_second_writer_is_refused_while_one_holds_the_lock(cli, mini_bundle, monkeypatch):
    import fcntl
    import os

    monkeypatch.setenv("BELTGRAPH_STORE_LOCK_WAIT_S", "0.3")
    cli("load", str(mini_bundle))
    fd = os.open(str(cli.data / ".lock"), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        result = cli("load", str(mini_bundle), ok=False)
        assert "another load or review is writing" in result.stderr
    finally:
        os.close(fd)
    assert cli.json("stats") == MINI_COUNTS
