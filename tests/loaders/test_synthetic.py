"""The synthetic bundle: deterministic, loadable, the shape of the platform."""

from __future__ import annotations

import filecmp
import math

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loaders import load_bundle
from loaders.synthetic import SCALE_1, counts_for, generate, reference_belts

from ..conftest import ROOT


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


def test_entities_and_facts_scale_apart():
    assert counts_for(1) == counts_for(1, entities=1) == {**SCALE_1, "Belt": 60}
    sample = counts_for(0.02, entities=1)
    assert (sample["Merchant"], sample["livestreams"]) == (20_000, 20_000)
    assert {k: sample[k] for k in ("Base", "Provider", "SupplyChain", "Anchor", "TeamLeader")} == \
        {k: SCALE_1[k] for k in ("Base", "Provider", "SupplyChain", "Anchor", "TeamLeader")}
    with pytest.raises(ValueError, match="entities must be a positive number"):
        counts_for(0.02, entities=0)


def test_entities_do_not_depend_on_the_fact_scale(tmp_path):
    few, more = tmp_path / "few", tmp_path / "more"
    generate(few, scale=0.001, entities=0.05, seed=3)
    generate(more, scale=0.002, entities=0.05, seed=3)
    same = ["nodes/Base.csv", "nodes/Provider.csv", "nodes/SupplyChain.csv", "nodes/Anchor.csv",
            "nodes/TeamLeader.csv", "rels/SERVES.csv", "rels/OPERATES.csv", "rels/RUNS.csv", "rels/INCUBATES.csv",
            "rels/RECRUITS.csv", "rels/MATCHES.csv", "facts/provider_quarters.csv"]
    match, mismatch, errors = filecmp.cmpfiles(few, more, same, shallow=False)
    assert not mismatch and not errors
    assert (few / "nodes/Merchant.csv").read_bytes() != (more / "nodes/Merchant.csv").read_bytes()


def test_names_are_unique_where_a_search_box_lists_them(bundle):
    import pyarrow.csv as pacsv

    for label in ("Base", "Provider", "SupplyChain", "Anchor", "Merchant"):
        names = pacsv.read_csv(bundle / f"nodes/{label}.csv").column("name")
        assert len(pc.unique(names)) == len(names), label


# ---------------------------------------------------------------- the committed sample (`make sample`)

SAMPLE = {"scale": 0.02, "entities": 1, "seed": 7}  # the Makefile's `sample` target


def test_committed_sample_is_the_generator_output(tmp_path):
    fresh = tmp_path / "fresh"
    generate(fresh, **SAMPLE)
    files = [str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file()]
    assert len(files) == 18
    match, mismatch, errors = filecmp.cmpfiles(ROOT / "data" / "sample", fresh, files, shallow=False)
    assert not mismatch and not errors


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The committed sample, loaded once into an embedded store."""
    from graph.config import Config
    from graph.embedded import EmbeddedStore

    tmp = tmp_path_factory.mktemp("sample")
    store = EmbeddedStore(tmp / "store", Config.from_dict({"embedded": {"buffer_pool_mb": 128}}, base_dir=tmp, env={}))
    load_bundle(store, ROOT / "data" / "sample")
    yield store
    store.close()


@pytest.fixture(scope="module")
def settings():
    from graph.config import Config

    return Config.load(ROOT / "config.toml", env={})


def test_sample_is_small():
    size = sum(p.stat().st_size for p in (ROOT / "data" / "sample").rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024


def test_sample_has_the_platforms_entities_and_few_facts(sample):
    stats = sample.stats()["nodes"]
    expected = counts_for(SAMPLE["scale"], SAMPLE["entities"])
    assert stats == {label: expected[label] for label in stats}
    assert stats["Belt"] == 60 and stats["Base"] >= 100 and stats["Provider"] >= 300
    assert stats["SupplyChain"] >= 1000 and stats["Anchor"] >= 1000 and stats["TeamLeader"] >= 100
    g = sample.graph()
    assert g.facts["livestreams"].num_rows == expected["livestreams"] == 20_000
    pq = g.facts["provider_quarters"]
    assert pq.num_rows == 4 * stats["Provider"]
    assert sorted(pc.unique(pq.column("quarter")).to_pylist()) == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]


def _eligible(quarter: str, min_anchors: int = 3) -> int:
    """Supply chains with at least ``min_anchors`` distinct anchors in live streams dated in the quarter."""
    import pyarrow.csv as pacsv

    ls = pacsv.read_csv(ROOT / "data" / "sample" / "facts" / "livestreams.csv",
                        convert_options=pacsv.ConvertOptions(column_types={"date": pa.date32()}))
    year, q = int(quarter[:4]), int(quarter[-1])
    month = pc.month(ls.column("date"))
    in_q = pc.and_(pc.equal(pc.year(ls.column("date")), year),
                   pc.and_(pc.greater_equal(month, 3 * q - 2), pc.less_equal(month, 3 * q)))
    per = ls.filter(in_q).group_by("supply_chain").aggregate([("anchor", "count_distinct")])
    return int(pc.sum(pc.greater_equal(per.column("anchor_count_distinct"), min_anchors).cast(pa.int64())).as_py())


@pytest.mark.parametrize("quarter", ["2020Q3", "2020Q4"])
def test_sample_has_several_hundred_eligible_supply_chains(sample, quarter):
    from graph.rank import rank_supply_chains

    n = _eligible(quarter)
    # several hundred: 10 gold and 50 silver are a real selection, not everyone
    assert 300 <= n <= 1000, n
    ranking = rank_supply_chains(sample.graph(), quarter)
    assert len(ranking.items) == n
    assert [i.tier for i in ranking.items].count("gold") == 10
    assert [i.tier for i in ranking.items].count("silver") == 50


def test_sample_bases_and_providers_look_like_the_platforms(sample):
    g = sample.graph()
    premium = g.nodes["Base"].column("premium").to_pylist()
    assert 10 <= sum(premium) < len(premium) / 2  # some 精品基地
    providers = g.nodes["Provider"].to_pylist()
    for role in ("training", "mcn", "belt", "supply_chain"):
        assert sum(role in p["roles"] for p in providers) >= 50, role
    plaques = [p["plaque"] for p in providers]
    assert 0 < plaques.count(False) < len(plaques) / 4
    assert {p["level"] for p in providers} == {1, 2, 3, 4, 5}


def test_sample_anchors_have_every_tier(sample, settings):
    from graph.anchors import TierSettings, anchor_tiers

    _, tiers = anchor_tiers(sample.graph(), settings=TierSettings.from_config(settings))
    by = [t.follower_tier for t in tiers]
    assert by.count("head") >= 10  # some head (>= 1,000,000 followers)
    assert by.count("mid") >= 100  # a good number of mid (>= 100,000)
    assert by.count("tail") > 0.8 * len(by)  # most tail


def test_sample_every_belt_has_bases_providers_and_supply_chains(sample):
    from graph.coverage import coverage_gaps

    g = sample.graph()
    belts = set(g.nodes["Belt"].column("id").to_pylist())
    kind = {i: label for label in ("Base", "SupplyChain") for i in g.nodes[label].column("id").to_pylist()}
    have: dict[str, set[str]] = {b: set() for b in belts}
    for r in g.rels["IN_BELT"].to_pylist():
        if r["from"] in kind:
            have[r["to"]].add(kind[r["from"]])
    for r in g.rels["SERVES"].to_pylist():
        have[r["to"]].add("Provider")
    assert {b for b, h in have.items() if h != {"Base", "SupplyChain", "Provider"}} == set()
    # a few gaps in provider roles, for the coverage page to show
    missing = coverage_gaps(g).belts_missing_role
    assert 1 <= len(missing) <= 15
    assert all(len(roles) < 4 for roles in missing.values())


def test_sample_review_gives_a_mix_of_outcomes(sample, settings):
    from graph.review import ReviewSettings, review_quarter

    g = sample.graph()
    rules = ReviewSettings.from_config(settings)
    state = None
    for quarter in ("2020Q3", "2020Q4"):
        records = review_quarter(g, quarter, rules, state)
        state = {r.provider: (r.plaque_after, r.level_after) for r in records}
        n = len(records)
        outcomes = [r.outcome for r in records]
        kept = outcomes.count("kept") + outcomes.count("regained")
        lost = outcomes.count("revoked") + outcomes.count("still_revoked")
        up = sum(r.level_after > r.level_before for r in records)
        assert 0.5 * n <= kept <= 0.95 * n, (quarter, kept)
        assert 0.05 * n <= lost, (quarter, lost)
        assert outcomes.count("revoked") > 0 and outcomes.count("regained") > 0, quarter
        assert 0.05 * n <= up <= 0.3 * n, (quarter, up)
