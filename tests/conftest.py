"""Shared fixtures: a small hand-made bundle, stores, a CLI runner, the web app."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.config import Config

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

MINI = {
    "nodes/Belt.csv": (
        "id,name,name_en,category,division,province,city,lat,lon,products\n"
        "b-hz,杭州四季青服装市场,Hangzhou Sijiqing,apparel,big_apparel,浙江省,杭州市,30.258,120.197,女装;男装\n"
        "b-sb,深圳水贝黄金珠宝,Shuibei Jewelry,jewelry,premium_consumer,广东省,深圳市,22.572,114.128,黄金首饰\n"
        "b-xy,仙游红木古典家具,Xianyou Rosewood,rosewood,home_living,福建省,莆田市,25.39,118.77,红木家具\n"
    ),
    "nodes/Base.csv": "id,name,kind,rooms,premium,opened\nbase1,四季青直播基地,live_stream,12,是,2019-05-01\n",
    "nodes/Provider.csv": (
        "id,name,roles,level,plaque,joined\n"
        "p1,杭州星辰文化传媒有限公司,mcn;belt,3,true,2018-03-01\n"
        "p2,莆田匠心电商培训学院,training,,否,2019-07-15\n"
    ),
    "nodes/SupplyChain.csv": (
        "id,name,category,fulfillment_rate,return_rate,rating,sku_count\n"
        "sc1,杭州锦绣女装供应链,apparel,0.97,0.2,4.8,120\n"
        "sc2,水贝金缘黄金供应链,jewelry,0.99,0.03,4.9,40\n"
    ),
    "nodes/Anchor.csv": "id,name,followers,category,province\na1,小美爱穿搭,120000,apparel,浙江省\na2,阿杰说珠宝,8000,jewelry,广东省\n",
    "nodes/Merchant.csv": "id,name,joined,sales\nm1,锦绣女装旗舰店,2020-09-15,52000.5\n",
    "nodes/TeamLeader.csv": "id,name\nt1,王芳\n",
    "rels/IN_BELT.csv": "from,to\nbase1,b-hz\nsc1,b-hz\nsc2,b-sb\nm1,b-hz\n",
    "rels/SERVES.csv": "from,to,since\np1,b-hz,2019-01-01\n",
    "rels/OPERATES.csv": "from,to\np1,base1\n",
    "rels/RUNS.csv": "from,to\np1,sc1\n",
    "rels/INCUBATES.csv": "from,to,since\np2,a1,2019-11-01\n",
    "rels/SOURCES_FROM.csv": "from,to\nm1,sc1\n",
    "rels/RECRUITS.csv": "from,to\nt1,sc1\n",
    "rels/MATCHES.csv": "from,to\nt1,a1\n",
    "facts/livestreams.csv": (
        "id,anchor,supply_chain,base,date,gmv,orders,viewers,new_followers\n"
        "l1,a1,sc1,base1,2020-01-05,100.5,3,1000,10\n"
        "l2,a1,sc1,,2020-02-01,50,1,800,5\n"
        "l3,a2,sc2,base1,2020-07-01,10,1,90,0\n"
    ),
    "facts/provider_quarters.csv": (
        "provider,quarter,gmv,anchors_incubated,sessions,trainees,complaints\n"
        "p1,2020Q1,500000,4,60,0,0\np2,2020Q1,20000,1,10,30,2\n"
    ),
}

MINI_COUNTS = {
    "nodes": {"Belt": 3, "Base": 1, "Provider": 2, "SupplyChain": 2, "Anchor": 2, "Merchant": 1, "TeamLeader": 1},
    "relationships": {"IN_BELT": 4, "SERVES": 1, "OPERATES": 1, "RUNS": 1, "INCUBATES": 1, "SOURCES_FROM": 1,
                      "RECRUITS": 1, "MATCHES": 1, "SELLS": 2, "STREAMS_AT": 2},
}


def write_bundle(folder: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> Path:
    """Write bundle files (text is encoded with ``encoding``) and return the folder."""
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return folder


@pytest.fixture
def mini_bundle(tmp_path) -> Path:
    return write_bundle(tmp_path / "mini", MINI)


@pytest.fixture
def config(tmp_path) -> Config:
    return Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp_path, env={})


@pytest.fixture
def store(tmp_path, config):
    from graph.embedded import EmbeddedStore

    s = EmbeddedStore(tmp_path / "store", config)
    yield s
    s.close()


@pytest.fixture
def loaded_store(store, mini_bundle):
    from loaders import load_bundle

    load_bundle(store, mini_bundle)
    return store


class Cli:
    """Runs ``beltgraph`` in-process against one store folder."""

    def __init__(self, data: Path):
        self.data = data
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool | None = True):
        from beltgraph.cli import main

        env = {"BELTGRAPH_DATA": str(self.data), "BELTGRAPH_EMBEDDED_BUFFER_POOL_MB": "128"}
        result = self.runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok is True:
            assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}{result.stderr}"
        elif ok is False:
            assert result.exit_code != 0, result.output
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli(tmp_path) -> Cli:
    return Cli(tmp_path / "clistore")


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    dst = tmp_path / "sample"
    shutil.copytree(ROOT / "data" / "sample", dst)
    return dst


def need(condition: bool, what: str) -> None:
    """Skip on a user's machine that lacks a service; in CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but {what}")
    pytest.skip(what)
