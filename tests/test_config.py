"""Settings as one table: defaults written once, the file and the environment override, one-line errors."""

from __future__ import annotations

import pytest

from graph.config import SETTINGS, Config
from graph.errors import ConfigError
from graph.rank import METRICS, RankSettings

from .conftest import ROOT


def test_every_setting_has_help_and_a_default_that_passes_its_check():
    for s in SETTINGS:
        assert s.help and s.name.count(".") >= 1
        Config.from_dict({}, env={})  # the defaults themselves are valid
    assert set(Config.defaults().get("rank", "weights")) == set(METRICS)


def test_shipped_config_toml_only_restates_defaults():
    """config.toml shows the settings; it must not silently differ from the table's defaults."""
    shipped = Config.load(ROOT / "config.toml", env={})
    for s in SETTINGS:
        assert shipped.values[s.name] == s.default, s.name


def test_sources_default_file_and_environment():
    cfg = Config.from_dict({"rank": {"gold_count": 12}}, env={"BELTGRAPH_RANK_SILVER_COUNT": "40",
                                                                 "BELTGRAPH_DATA": "/tmp/x"})
    assert (cfg.get("rank", "gold_count"), cfg.source("rank.gold_count")) == (12, "file")
    assert (cfg.get("rank", "silver_count"), cfg.source("rank.silver_count")) == (40, "env BELTGRAPH_RANK_SILVER_COUNT")
    assert (cfg.get("store", "data"), cfg.source("store.data")) == ("/tmp/x", "env BELTGRAPH_DATA")
    assert cfg.source("rank.min_anchors") == "default"
    assert RankSettings.from_config(cfg).gold_count == 12


def test_a_weights_table_replaces_the_defaults_and_env_takes_one_too():
    cfg = Config.from_dict({"rank": {"weights": {"gmv": 0.5, "rating": 0.5}}}, env={})
    assert RankSettings.from_config(cfg).weights == {"gmv": 0.5, "anchor_reach": 0.0, "fulfillment_rate": 0.0,
                                                     "return_rate": 0.0, "rating": 0.5}
    env = Config.from_dict({}, env={"BELTGRAPH_RANK_WEIGHTS": "gmv=0.6,rating=0.4"})
    assert env.get("rank", "weights") == {"gmv": 0.6, "rating": 0.4}


@pytest.mark.parametrize("raw,env,message", [
    ({"rank": {"gold_count": "ten"}}, {}, r"^\[rank\] gold_count = 'ten': expected a whole number$"),
    ({"rank": {"gold_count": -1}}, {}, r"^\[rank\] gold_count = -1: must be at least 0$"),
    ({"rank": {"gold_cuont": 5}}, {}, r"^\[rank\] has unknown key 'gold_cuont': use gold_count, "),
    ({"cypher": {"max_rows": 1.5}}, {}, "expected a whole number"),
    ({}, {"BELTGRAPH_CYPHER_TIMEOUT_MS": "soon"}, r"^BELTGRAPH_CYPHER_TIMEOUT_MS = 'soon': expected a whole number$"),
    ({"store": {"backend": "mysql"}}, {}, "expected one of embedded, neo4j"),
    ({"merchant_plan": {"joined_from": "2020-13-01"}}, {}, r"\[merchant_plan\] joined_from .* a date"),
    ({"review": {"mcn": {"main": "likes"}}}, {}, r"\[review.mcn\] main = 'likes': expected one of"),
    ({"nonsense": {"x": 1}}, {}, "config.toml has unknown section 'nonsense'"),
])
def test_a_bad_value_is_one_line_naming_the_key(raw, env, message):
    with pytest.raises(ConfigError, match=message) as e:
        Config.from_dict(raw, env=env)
    assert "\n" not in str(e.value)


def test_cli_config_prints_every_setting_and_its_source(cli, tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text("[rank]\ngold_count = 12\n")
    out = cli.json("--config", str(toml), "config")
    by_name = {s["name"]: s for s in out["settings"]}
    assert len(by_name) == len(SETTINGS) and out["file"] == str(toml.resolve())
    assert by_name["rank.gold_count"]["value"] == 12 and by_name["rank.gold_count"]["source"] == "file"
    assert by_name["rank.silver_count"]["source"] == "default"
    assert by_name["embedded.buffer_pool_mb"]["source"] == "env BELTGRAPH_EMBEDDED_BUFFER_POOL_MB"
    assert by_name["merchant_plan.joined_from"]["value"] == "2020-09-01"
    table = cli("--config", str(toml), "config").stdout
    assert "rank.gold_count\t12\tfile\t" in table


def test_cli_config_hides_the_neo4j_password(cli, monkeypatch):
    from click.testing import CliRunner

    from beltgraph.cli import main

    result = CliRunner().invoke(main, ["config", "--json"], env={"BELTGRAPH_NEO4J_PASSWORD": "s3cret"})
    assert "s3cret" not in result.stdout and '"(set)"' in result.stdout


def test_cli_bad_config_is_one_line(cli, tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text("[rank]\nsilver_count = 'many'\n")
    result = cli("--config", str(toml), "stats", ok=False)
    assert result.stderr.strip() == "Error: [rank] silver_count = 'many': expected a whole number"
