"""The synthetic bundle: deterministic, loadable, the shape of the platform."""

from __future__ import annotations

import filecmp
import math

import pyarrow.compute as pc
import pytest

from loaders import load_bundle
from loaders.synthetic import SCALE_1, counts_for, generate, reference_belts


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "b"
    generate(out, scale=0.01, seed=11)
    return out


def test_same_seed_same_bytes(bundle, tmp_path):
    again = tmp_path / "again"
    generate(again, scale=0.01, seed=11)
    cmp = filecmp.dircmp(bundle, again)
    files = [str(p.relative_to(bundle)) for p in bundle.rglob("*.csv")]
    match, mismatch, errors = filecmp.cmpfiles(bundle, again, files, shallow=False)
    assert not mismatch and not errors and len(match) == 17, cmp.report()


def test_other_seed_other_data(bundle, tmp_path):
    other = tmp_path / "other"
    generate(other, scale=0.01, seed=12)
    assert (other / "nodes/Anchor.csv").read_bytes() != (bundle / "nodes/Anchor.csv").read_bytes()


def test_bundle_loads_cleanly_with_the_ratios(bundle, store):
    load_bundle(store, bundle)
    stats = store.stats()
    expected = counts_for(0.01)
    for label in ("Base", "Provider", "SupplyChain", "Anchor", "TeamLeader", "Merchant"):
        assert stats["nodes"][label] == expected[label] == max(1, round(SCALE_1[label] * 0.01))
    assert stats["nodes"]["Belt"] == 60
    g = store.graph()
    assert g.facts["livestreams"].num_rows == 10_000
    # provider_quarters: every provider, every quarter of 2020
    assert g.facts["provider_quarters"].num_rows == 4 * expected["Provider"]


def test_belts_are_the_real_ones(bundle, store):
    load_bundle(store, bundle)
    g = store.graph()
    ref = {r["id"]: r for r in reference_belts()}
    assert set(g.nodes["Belt"].column("id").to_pylist()) == set(ref)
    b = g.node("sz-shuibei")
    assert b["name"] == ref["sz-shuibei"]["name_zh"] and b["division"] == "premium_consumer"
    assert math.isclose(b["lat"], float(ref["sz-shuibei"]["latitude"]))


def test_shape_is_realistic(bundle, store):
    load_bundle(store, bundle)
    g = store.graph()
    followers = sorted(g.nodes["Anchor"].column("followers").to_pylist())
    # heavy tail: the top 1% of anchors have far more followers than the median
    assert followers[int(len(followers) * 0.99)] > 10 * followers[len(followers) // 2]
    # supply chains sit in belts of their category
    sc = {r["id"]: r["category"] for r in g.nodes["SupplyChain"].to_pylist()}
    belt_cat = {r["id"]: r["category"] for r in g.nodes["Belt"].to_pylist()}
    in_belt = [r for r in g.rels["IN_BELT"].to_pylist() if r["from"] in sc]
    assert all(sc[r["from"]] == belt_cat[r["to"]] for r in in_belt)
    # anchors sell mostly in their category
    anchor_cat = {r["id"]: r["category"] for r in g.nodes["Anchor"].to_pylist()}
    from loaders.synthetic import _family

    sells = g.rels["SELLS"].to_pylist()
    same = sum(_family(anchor_cat[s["from"]]) == _family(sc[s["to"]]) for s in sells)
    assert same / len(sells) > 0.6
    # some providers have no plaque; every generated row is marked synthetic
    plaques = g.nodes["Provider"].column("plaque").to_pylist()
    assert not all(plaques)
    assert pc.all(pc.equal(g.nodes["Merchant"].column("synthetic"), "yes")).as_py()
    # names are Chinese
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in g.nodes["Anchor"].column("name").to_pylist())
    # four quarters of 2020
    assert sorted(set(g.rels["SELLS"].column("quarter").to_pylist())) == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]


def test_committed_sample_is_the_generator_output(tmp_path):
    from ..conftest import ROOT

    fresh = tmp_path / "fresh"
    generate(fresh, scale=0.02, seed=7)
    files = [str(p.relative_to(fresh)) for p in fresh.rglob("*.csv")]
    match, mismatch, errors = filecmp.cmpfiles(ROOT / "data" / "sample", fresh, files, shallow=False)
    assert not mismatch and not errors
