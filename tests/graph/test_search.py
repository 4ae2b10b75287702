"""The search index: what each kind of query finds, in what order, with which facets.

Most tests run twice: with every label scanned (how the small labels are searched)
and with every label indexed (how Merchant is searched at a million rows).
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from graph.errors import BadRequest
from graph.graph import data_from_records
from graph.search import SCAN_BUDGET, SearchIndex, build_search_index, normalize

XSS = "<img src=x onerror=alert(1)>"

NODES = [
    {"label": "Belt", "id": "b-hz", "name": "杭州四季青服装市场", "name_en": "Hangzhou Sijiqing",
     "category": "apparel", "division": "big_apparel", "province": "浙江省"},
    {"label": "Belt", "id": "b-sb", "name": "深圳水贝黄金珠宝", "name_en": "Shuibei Jewelry",
     "category": "jewelry", "division": "premium_consumer", "province": "广东省"},
    {"label": "Belt", "id": "b-xy", "name": "仙游红木古典家具", "name_en": "Xianyou Rosewood",
     "category": "rosewood", "division": "home_living", "province": "福建省"},
    {"label": "Belt", "id": "b-cq", "name": "重庆朝天门批发市场", "category": "apparel", "province": "重庆市"},
    {"label": "Base", "id": "base1", "name": "四季青直播基地"},
    {"label": "Provider", "id": "p1", "name": "杭州星辰文化传媒有限公司", "roles": "mcn;belt"},
    {"label": "SupplyChain", "id": "sc1", "name": "杭州锦绣女装供应链", "category": "apparel"},
    {"label": "SupplyChain", "id": "sc2", "name": "水贝金缘黄金供应链", "category": "jewelry"},
    {"label": "Anchor", "id": "a1", "name": "小美爱穿搭", "category": "apparel", "province": "浙江省"},
    {"label": "Anchor", "id": "a2", "name": XSS, "category": "jewelry", "province": "广东省"},
    {"label": "TeamLeader", "id": "t1", "name": "王芳"},
    {"label": "Merchant", "id": "m1", "name": "锦绣女装旗舰店"},
    {"label": "Merchant", "id": "m2", "name": "杭州四季青女装店"},
    {"label": "Merchant", "id": "m3", "name": "水贝金缘黄金专营店"},
    {"label": "Merchant", "id": "m4", "name": "ABC童装小店"},
    {"label": "Merchant", "id": "m5", "name": "（苏州）云裳·女装"},
] + [{"label": "Merchant", "id": f"m9{i:02d}", "name": f"杭州女装{i}号店"} for i in range(12)]


@pytest.fixture(scope="module")
def nodes():
    return data_from_records(NODES).nodes


@pytest.fixture(scope="module", params=["scanned", "indexed"])
def index(request, nodes):
    # scanned: every label is small enough to scan; indexed: every label uses the bigram index
    return SearchIndex.build(nodes, scan_budget=SCAN_BUDGET if request.param == "scanned" else 0)


def ids(result):
    return [h.id for h in result.hits]


def first(index, q, **kw):
    hits = index.search(q, **kw).hits
    return (hits[0].id, hits[0].match) if hits else None


# ---------------------------------------------------------------- kinds of match

def test_initials_find_the_belt(index):
    assert first(index, "hzsjq") == ("b-hz", "initials")
    assert "b-hz" in ids(index.search("hz"))


def test_full_pinyin_finds_the_belt(index):
    assert first(index, "hangzhousijiqing")[0] == "b-hz"
    assert ids(index.search("hangzhou", label="Belt")) == ["b-hz"]
    assert index.search("hangzhou", label="Belt").hits[0].match in ("prefix", "pinyin")  # English name or pinyin


def test_chinese_name_finds_the_belt_first(index):
    r = index.search("杭州四季青")
    assert ids(r)[:2] == ["b-hz", "m2"]
    assert r.hits[0].match == "prefix"


def test_shuibei_finds_shuibei(index):
    found = ids(index.search("shuibei"))
    assert {"b-sb", "sc2", "m3"} <= set(found)
    assert "b-sb" in ids(index.search("水贝"))


def test_pinyin_with_spaces_and_upper_case(index):
    assert first(index, "Hangzhou Sijiqing")[0] == "b-hz"
    assert first(index, "HZSJQ") == ("b-hz", "initials")


def test_english_name():
    # scanned labels only: indexed ones (Merchant, which has none) are not searched by English name
    idx = SearchIndex.build(data_from_records(NODES).nodes)
    assert first(idx, "shuibei jewelry") == ("b-sb", "exact")
    assert first(idx, "Rosewood") == ("b-xy", "substring")


def test_id_exact_and_prefix(index):
    assert first(index, "b-sb") == ("b-sb", "exact")
    assert first(index, "B-S") == ("b-sb", "prefix")
    assert set(ids(index.search("m9", label="Merchant", limit=50))) == {f"m9{i:02d}" for i in range(12)}


def test_chinese_substring_of_one_two_and_more_characters(index):
    assert set(ids(index.search("旗", label="Merchant"))) == {"m1"}
    assert set(ids(index.search("童装", label="Merchant"))) == {"m4"}
    assert set(ids(index.search("女装旗舰", label="Merchant"))) == {"m1"}
    assert index.search("女装旗舰").hits[0].match == "substring"


def test_pinyin_inside_a_name(index):
    r = index.search("nvzhuang", label="Merchant", limit=50)
    assert {"m1", "m2"} <= set(ids(r))
    assert {h.match for h in r.hits} == {"pinyin"}


def test_initials_inside_a_name(index):
    assert set(ids(index.search("qjd", label="Merchant"))) == {"m1"}


def test_pinyin_and_initials_run_across_punctuation(index):
    # the pinyin of （苏州）云裳·女装 is suzhouyunshangnvzhuang: brackets and dots have none
    assert first(index, "suzhouyunshang") == ("m5", "pinyin")
    assert first(index, "yunshangnvzhuang") == ("m5", "pinyin")
    assert first(index, "szysnz") == ("m5", "initials")


def test_chinese_substring_with_punctuation(index):
    assert first(index, "(苏州)") == ("m5", "prefix")        # full-width brackets fold to ASCII
    assert first(index, "州）云") == ("m5", "substring")
    assert first(index, "云裳·女") == ("m5", "substring")
    assert index.search("裳女").total == 0                 # not next to each other in the name


def test_latin_letters_in_a_name(index):
    assert first(index, "abc") == ("m4", "prefix")
    assert first(index, "abc童装") == ("m4", "prefix")


@pytest.mark.parametrize("typo, expect", [
    ("hangzou", "b-hz"),        # a letter dropped
    ("shuibie", "b-sb"),        # two letters swapped
    ("杭州四李青", "b-hz"),       # a wrong character
    ("xianyuo", "b-xy"),
])
def test_typos(index, typo, expect):
    r = index.search(typo, label="Belt")
    assert ids(r)[:1] == [expect]
    assert r.hits[0].match == "fuzzy"


@pytest.mark.parametrize("q", ["女装旗舰", "杭州四季青", "nvzhuangqijian", "hzsjq", "szysnz", "云裳·女"])
def test_full_intersections_give_what_early_verification_gives(nodes, monkeypatch, q):
    # at a million rows the bigram sets are intersected to the end; small graphs verify early
    idx = SearchIndex.build(nodes, scan_budget=0)
    early = idx.search(q, limit=50).to_dict()
    monkeypatch.setattr("graph.search.VERIFY_BELOW", 0)
    assert idx.search(q, limit=50).to_dict() == early


def test_typos_only_when_exact_kinds_find_few(index):
    assert all(h.match != "fuzzy" for h in index.search("杭州", limit=50).hits)


def test_no_match(index):
    r = index.search("zzzzqqq")
    assert (r.total, r.hits, r.groups) == (0, (), ())


def test_polyphones_of_scanned_labels_follow_the_phrase():
    # 重庆 is chongqing, not zhongqing: phrase-aware pinyin for the scanned (small) labels
    idx = SearchIndex.build(data_from_records(NODES).nodes)
    assert first(idx, "chongqing") == ("b-cq", "pinyin")
    assert first(idx, "cqctm") == ("b-cq", "initials")


# ---------------------------------------------------------------- order, groups, facets, paging

def test_order_is_kind_then_label_then_shorter_name(index):
    r = index.search("杭州", limit=50)
    kinds = [h.match for h in r.hits]
    assert kinds == sorted(kinds, key=["exact", "prefix", "substring", "pinyin", "initials", "fuzzy"].index)
    prefix = [h for h in r.hits if h.match == "prefix"]
    assert [h.label for h in prefix][:3] == ["Belt", "Provider", "SupplyChain"]
    merchants = [h.name for h in prefix if h.label == "Merchant"]
    assert [len(n) for n in merchants] == sorted(len(n) for n in merchants)


def test_groups_follow_the_label_list(index):
    r = index.search("杭州", limit=50)
    assert [g.label for g in r.groups] == ["Belt", "Provider", "SupplyChain", "Merchant"]
    assert sum(len(g.hits) for g in r.groups) == len(r.hits)
    assert {g.label: g.total for g in r.groups} == r.facets["label"]


def test_facets_count_every_match_not_the_page(index):
    r = index.search("杭州", limit=2)
    assert len(r.hits) == 2
    # belt b-hz, provider p1, supply chain sc1, merchants m2 and the 12 m9xx
    assert r.total == 16
    assert r.facets["label"] == {"Belt": 1, "Provider": 1, "SupplyChain": 1, "Merchant": 13}
    assert r.facets["category"] == {"apparel": 2}
    assert r.facets["division"] == {"big_apparel": 1}
    assert r.facets["province"] == {"浙江省": 1}


def test_filters_narrow_and_facets_leave_out_their_own_filter(index):
    r = index.search("杭州", filters={"category": "apparel"})
    assert ids(r) == ["b-hz", "sc1"]
    assert r.total == 2
    assert r.facets["category"] == {"apparel": 2}       # as without the filter
    assert r.facets["label"] == {"Belt": 1, "SupplyChain": 1}
    r = index.search("供应链", filters={"category": ["apparel", "jewelry"], "label": "SupplyChain"})
    assert set(ids(r)) == {"sc1", "sc2"}


def test_label_filter(index):
    r = index.search("杭州", label="Merchant", limit=50)
    assert {h.label for h in r.hits} == {"Merchant"}
    assert r.total == 13
    assert [g.label for g in r.groups] == ["Merchant"]
    assert r.facets["label"]["Belt"] == 1  # what choosing Belt instead would give


def test_paging_accepts_numbers_as_text(index):
    assert ids(index.search("杭州", limit="2", offset="1")) == ids(index.search("杭州", limit=3))[1:]


def test_paging(index):
    everything = ids(index.search("杭州", limit=100))
    pages = [ids(index.search("杭州", limit=5, offset=o)) for o in range(0, 20, 5)]
    assert [i for page in pages for i in page] == everything
    assert index.search("杭州", limit=5, offset=100).hits == ()


@pytest.mark.parametrize("kw, message", [
    ({"label": "Shop"}, "unknown label 'Shop'"),
    ({"filters": {"city": "杭州市"}}, "unknown search filter 'city'"),
    ({"limit": 0}, "limit must be between"),
    ({"offset": -1}, "offset must not be negative"),
    ({"limit": "ten"}, "limit must be a whole number"),
])
def test_bad_arguments(index, kw, message):
    with pytest.raises(BadRequest, match=message):
        index.search("杭州", **kw)


def test_empty_query(index):
    assert index.search("   ").total == 0
    assert index.suggest("") == []


# ---------------------------------------------------------------- suggest

def test_suggest_puts_belts_before_merchants(index):
    got = index.suggest("杭州", limit=5)
    labels = [h["label"] for h in got]
    assert labels[0] == "Belt"
    assert labels.index("Belt") < labels.index("Merchant")
    assert len(got) == 5


def test_suggest_leaves_room_for_other_labels(index):
    got = index.suggest("hz", limit=4)
    assert got[0]["id"] == "b-hz"
    assert sum(h["label"] == "Merchant" for h in got) <= 2


def test_suggest_by_label_for_a_picker(index):
    got = index.suggest("hz", label="Merchant", limit=3)
    assert {h["label"] for h in got} == {"Merchant"}
    assert len(got) == 3


def test_suggest_falls_back_to_substrings_and_typos(index):
    assert index.suggest("qjd")[0]["id"] == "m1"        # initials inside the name
    assert index.suggest("hangzou", label="Belt")[0]["id"] == "b-hz"


# ---------------------------------------------------------------- data, files

def test_names_are_returned_as_plain_data(index):
    hit = index.search("<img").hits[0]
    assert hit.to_dict() == {"id": "a2", "label": "Anchor", "name": XSS, "category": "jewelry",
                             "province": "广东省", "match": "prefix"}
    assert index.suggest("onerror")[0]["name"] == XSS


def test_to_dict_is_json_ready(index):
    import json

    d = index.search("杭州", limit=3, filters={"province": "浙江省"}).to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert d["filters"] == {"province": ["浙江省"]}
    assert d["groups"][0] == {"label": "Belt", "total": 1, "hits": [d["hits"][0]]}


@pytest.mark.parametrize("budget", [SCAN_BUDGET, 0])
def test_saved_index_gives_the_same_answers(tmp_path, nodes, budget):
    built = SearchIndex.build(nodes, scan_budget=budget)
    build_search_index(nodes, tmp_path / "search", scan_budget=budget)
    opened = SearchIndex.open(tmp_path / "search")
    for q in ("hzsjq", "hangzhou", "杭州四季青", "shuibei", "b-s", "hangzou", "杭州四李青", "店", "nvzhuang", XSS):
        assert opened.search(q, limit=50).to_dict() == built.search(q, limit=50).to_dict()
        assert opened.suggest(q) == built.suggest(q)


def test_rebuild_writes_new_files_not_into_hard_links(tmp_path, nodes):
    import os

    build_search_index(nodes, tmp_path / "v1")
    (tmp_path / "v2").mkdir()
    for f in (tmp_path / "v1").iterdir():
        os.link(f, tmp_path / "v2" / f.name)
    build_search_index({"Belt": nodes["Belt"]}, tmp_path / "v2")
    assert SearchIndex.open(tmp_path / "v1").search("锦绣").total == 2   # the old version is untouched
    assert SearchIndex.open(tmp_path / "v2").search("锦绣").total == 0


def test_plain_tables_and_missing_labels():
    idx = SearchIndex.build({"Belt": pa.table({"id": ["x1"], "name": ["义乌小商品"], "category": ["other"],
                                               "province": ["浙江省"]})})
    assert first(idx, "yiwu") == ("x1", "pinyin")
    assert idx.search("yiwu").facets["category"] == {"other": 1}


def test_empty_graph(tmp_path):
    nodes = data_from_records([]).nodes
    build_search_index(nodes, tmp_path / "s", scan_budget=0)
    idx = SearchIndex.open(tmp_path / "s")
    assert idx.search("杭州").total == 0
    assert idx.suggest("hz") == []


def test_normalize_folds_width_and_case():
    assert normalize("ＡＢＣ  童装") == "abc 童装"
