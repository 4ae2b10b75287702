"""A synthetic bundle of realistic shape around the 60 real industry belts.

The belts are real (``reference/belts_reference.csv``, with their sources); every
other row is generated and marked ``synthetic=yes``. At scale 1 (the platform's
scale): 150 bases, 500 providers, 3,000 supply chains, 12,000 anchors, 200 team
leaders, 1,000,000 merchants and 1,000,000 live streams over the four quarters
of 2020, and provider_quarters for every provider and quarter. Followers and GMV
are heavy-tailed, anchors sell mostly in their category, supply chains sit in
belts of their category, some providers have no plaque. Same seed, same bytes.

``scale`` sizes the high-volume facts (merchants, live streams); ``entities``
(default: ``scale``) sizes the structural entities (bases, providers, supply
chains, anchors, team leaders). The committed sample has the platform's entities
and few facts. Entities are drawn from their own random stream, so for one seed
and one ``entities`` they are the same whatever ``scale`` is. Where there are at
least as many bases, supply chains or providers as belts, every belt gets at least
one of each (a provider through its home belt, which it serves).

>>> counts_for(0.01)["Merchant"], counts_for(0.01)["Belt"]
(10000, 60)
>>> counts_for(0.02, entities=1)["SupplyChain"], counts_for(0.02, entities=1)["livestreams"]
(3000, 20000)
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.store import ProgressFn

SCALE_1 = {
    "Base": 150, "Provider": 500, "SupplyChain": 3000, "Anchor": 12000, "TeamLeader": 200,
    "Merchant": 1_000_000, "livestreams": 1_000_000,
}
FACT_COUNTS = ("Merchant", "livestreams")  # sized by ``scale``; the rest by ``entities``
YEAR = 2020

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕彬鹏辉俊峰婷雪琳晨宇欣怡佳琪涵轩浩然思远嘉彤悦蕾倩颖露瑶璐婧舒航凯昊宁博文斌")
BRANDS = ["锦绣", "华彩", "金缘", "玉润", "雅韵", "素锦", "云裳", "衣恋", "悦然", "晨曦", "星辰", "恒源", "盛世", "鑫隆",
          "瑞祥", "福满", "嘉禾", "宏图", "聚宝", "德润", "鸿运", "千禧", "珍品", "木语", "禅意", "古韵", "清风", "明月",
          "山水", "丝路", "锦程", "汇丰", "新潮", "优品", "匠心", "天工", "凤凰", "麒麟", "龙腾", "泰和", "永盛", "宝丰",
          "诚信", "美时", "初见", "拾光", "南风", "北辰", "青禾", "墨白", "知音", "如意", "吉祥", "百合", "紫藤", "银杏"]
SHOP_KINDS = ["旗舰店", "专营店", "工厂店", "官方店", "企业店", "小店", "严选店", "源头店"]
ROLE_SUFFIX = {
    "training": ["电商培训学院", "教育科技有限公司", "直播培训中心"],
    "mcn": ["文化传媒有限公司", "网络科技有限公司", "MCN机构"],
    "belt": ["产业带服务中心", "电商服务有限公司", "产业园运营有限公司"],
    "supply_chain": ["供应链管理有限公司", "供应链科技有限公司", "商贸有限公司"],
}
ANCHOR_PREFIX = ["小", "阿", "大", "老", "甜", "胖", "萌", "酷"]
ANCHOR_SUFFIX = {
    "apparel": ["爱穿搭", "的衣橱", "穿搭日记", "时尚馆", "试衣间"],
    "jewelry": ["说珠宝", "的首饰盒", "珍珠铺", "金饰严选", "珠宝课堂"],
    "jade": ["玩玉", "说翡翠", "和田玉工坊", "玉石鉴赏", "翠友会"],
    "rosewood": ["讲红木", "家具优选", "木作坊", "红木小院", "仙作雅集"],
    "other": ["好物", "严选", "直播间", "的小店", "生活馆"],
}
PROVINCES = ["浙江省", "广东省", "江苏省", "福建省", "山东省", "河南省", "湖南省", "云南省", "广西壮族自治区",
             "新疆维吾尔自治区", "北京市", "上海市", "四川省", "湖北省", "安徽省", "河北省", "辽宁省", "陕西省"]
BASE_KINDS = ["live_stream", "warehouse", "showroom"]
BASE_WORD = {"live_stream": "直播基地", "warehouse": "云仓", "showroom": "选品展厅"}
ROLES = ["training", "mcn", "belt", "supply_chain"]
CATEGORY_PRICE = {"apparel": 120.0, "jewelry": 900.0, "jade": 1500.0, "rosewood": 3000.0, "other": 150.0}
SC_QUARTER_SIGMA = 0.5      # how much a supply chain's pull within anchors' rosters moves from quarter to quarter
ANCHOR_QUARTER_SIGMA = 0.6  # how much an anchor's activity moves from quarter to quarter
MONTH_WEIGHT = np.array([7, 5, 7, 7, 8, 9, 7, 8, 9, 10, 16, 12], dtype=float)  # Double 11, 12.12


def counts_for(scale: float, entities: float | None = None) -> dict[str, int]:
    """Rows per label (and live streams) for a fact ``scale`` and an ``entities`` scale."""
    entities = scale if entities is None else entities
    if not (scale > 0):
        raise ValueError("scale must be a positive number, e.g. 0.01 or 1")
    if not (entities > 0):
        raise ValueError("entities must be a positive number, e.g. 0.01 or 1")
    out = {k: max(1, int(round(v * (scale if k in FACT_COUNTS else entities)))) for k, v in SCALE_1.items()}
    out["Belt"] = 60
    return out


def reference_belts() -> list[dict]:
    text = resources.files("loaders").joinpath("reference/belts_reference.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _family(category: str) -> str:
    return category if category in CATEGORY_PRICE else "other"


def _short_city(city: str) -> str:
    for suffix in ("市", "自治州", "地区"):
        if city.endswith(suffix):
            return city[: -len(suffix)]
    return city


def _pick(rng, pool, n):
    return pa.array(pool).take(pa.array(rng.integers(0, len(pool), n)))


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _ids(prefix: str, n: int) -> pa.Array:
    width = max(4, len(str(n)))
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)])


def _dates(days: np.ndarray, start: dt.date) -> pa.Array:
    base = (start - dt.date(1970, 1, 1)).days
    return pc.cast(pc.cast(pa.array(days.astype(np.int32) + base), pa.date32()), pa.string())


def _money(x: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.round(x, 2)), pa.string())


def _ratio(x: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.round(x, 3)), pa.string())


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, str(path), write_options=pacsv.WriteOptions(quoting_style="needed"))


def _unique(names) -> list[str]:
    """Names as a search box shows them: a repeated one gets a number (小霞试衣间, 小霞试衣间2, ...)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen[name] = seen.get(name, 0) + 1
        out.append(name if k == 1 else f"{name}{k}")
    return out


def _weighted(rng, weights: np.ndarray, n: int) -> np.ndarray:
    p = weights / weights.sum()
    return rng.choice(len(weights), size=n, p=p)


def _spread(rng, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws by weight, but each index at least once when ``n`` allows it."""
    if n < len(weights):
        return _weighted(rng, weights, n)
    return rng.permutation(np.r_[np.arange(len(weights)), _weighted(rng, weights, n - len(weights))])


def _pick_in_segments(rng, flat: np.ndarray, off: np.ndarray, length: np.ndarray, weight: np.ndarray,
                      owner: np.ndarray) -> np.ndarray:
    """For each ``owner``, one item of its segment ``flat[off:off+length]``, drawn by ``weight`` of the item."""
    cw = np.cumsum(weight[flat])
    start = np.where(off > 0, cw[np.maximum(off - 1, 0)], 0.0)
    total = cw[off + length - 1] - start
    target = start[owner] + rng.random(len(owner)) * total[owner]
    idx = np.searchsorted(cw, target, side="right")
    return flat[np.clip(idx, off[owner], off[owner] + length[owner] - 1)]


def generate(out: str | Path, scale: float = 0.01, seed: int = 7, progress: ProgressFn | None = None,
             entities: float | None = None) -> dict[str, int]:
    """Write a synthetic bundle to ``out``; return the rows written per file.

    ``scale`` sizes merchants and live streams, ``entities`` (default: ``scale``)
    everything else; 1 is the platform's scale (``SCALE_1``).
    """
    out = Path(out)
    n = counts_for(scale, entities)
    rng = np.random.default_rng(seed)               # entities, their relationships, provider quarters
    rng_m = np.random.default_rng([seed, 1])        # merchants and SOURCES_FROM
    rng_f = np.random.default_rng([seed, 2])        # live streams
    written: dict[str, int] = {}
    steps = 16
    step = 0

    def save(table: pa.Table, rel: str):
        nonlocal step
        _write(table, out / rel)
        written[rel] = table.num_rows
        step += 1
        if progress:
            progress(f"writing {rel}", step, steps)

    # ---- belts (real)
    belts = reference_belts()
    nb = len(belts)
    belt_ids = [b["id"] for b in belts]
    belt_cat = np.array([b["category"].split(":", 1)[-1] for b in belts], dtype=object)
    belt_family = np.array([_family(c) for c in belt_cat], dtype=object)
    belt_city = [_short_city(b["city_zh"]) for b in belts]
    belt_products = [[p for p in b["main_products_zh"].split(";") if p] for b in belts]
    belt_size = np.where(belt_family == "apparel", 3.0, np.where(belt_family == "other", 1.0, 1.5))
    belt_size = belt_size * rng.uniform(0.5, 1.5, nb)
    save(pa.table({
        "id": belt_ids, "name": [b["name_zh"] for b in belts], "name_en": [b["name_en"] for b in belts],
        "category": list(belt_cat), "division": [b["division"] for b in belts],
        "province": [b["province_zh"] for b in belts], "city": [b["city_zh"] or None for b in belts],
        "county": [b["county_zh"] or None for b in belts],
        "lat": [b["latitude"] for b in belts], "lon": [b["longitude"] for b in belts],
        "products": [b["main_products_zh"] for b in belts],
        "notes_en": [b["notes_en"] for b in belts], "source": [b["source"] for b in belts],
    }), "nodes/Belt.csv")
    families = sorted(set(belt_family))
    belts_of_family = {f: np.flatnonzero(belt_family == f) for f in families}

    # ---- bases
    nbase = n["Base"]
    base_belt = _spread(rng, belt_size, nbase)
    base_kind = rng.choice(len(BASE_KINDS), nbase, p=[0.6, 0.25, 0.15])
    base_ids = _ids("base-", nbase)
    base_names = [f"{belt_city[b]}{BRANDS[rng.integers(len(BRANDS))]}{BASE_WORD[BASE_KINDS[k]]}"
                  for b, k in zip(base_belt, base_kind)]
    save(pa.table({
        "id": base_ids, "name": _unique(base_names), "kind": [BASE_KINDS[k] for k in base_kind],
        "rooms": rng.integers(2, 80, nbase), "premium": np.where(rng.random(nbase) < 0.2, "yes", "no"),
        "opened": _dates(rng.integers(0, 365 * 4, nbase), dt.date(2016, 1, 1)),
        "synthetic": ["yes"] * nbase,
    }), "nodes/Base.csv")

    # ---- supply chains (in belts of their category)
    nsc = n["SupplyChain"]
    sc_belt = _spread(rng, belt_size, nsc)
    sc_family = belt_family[sc_belt]
    sc_ids = _ids("sc-", nsc)
    sc_names = [f"{belt_city[b]}{BRANDS[rng.integers(len(BRANDS))]}"
                f"{belt_products[b][rng.integers(len(belt_products[b]))]}供应链" for b in sc_belt]
    rating = np.clip(rng.normal(4.5, 0.3, nsc), 3.0, 5.0)
    has_rating = rng.random(nsc) < 0.95
    save(pa.table({
        "id": sc_ids, "name": _unique(sc_names), "category": list(belt_cat[sc_belt]),
        "fulfillment_rate": _ratio(rng.beta(18, 1.5, nsc)),
        "return_rate": _ratio(np.where(sc_family == "apparel", rng.beta(2, 6, nsc), rng.beta(1.2, 12, nsc))),
        "rating": pc.if_else(pa.array(has_rating), pc.cast(pa.array(np.round(rating, 1)), pa.string()), None),
        "sku_count": np.round(rng.lognormal(4.0, 1.0, nsc)).astype(np.int64) + 1,
        "synthetic": ["yes"] * nsc,
    }), "nodes/SupplyChain.csv")

    # ---- anchors
    na = n["Anchor"]
    fam_weight = np.array([sum(belt_size[belts_of_family[f]]) for f in families])
    anchor_family = np.array(families, dtype=object)[_weighted(rng, fam_weight, na)]
    followers = np.round(2000 * (rng.pareto(0.9, na) + 1) * rng.uniform(0.5, 2.0, na)).astype(np.int64)
    followers = np.minimum(followers, 80_000_000)
    anchor_ids = _ids("anc-", na)
    anchor_names = [f"{ANCHOR_PREFIX[rng.integers(len(ANCHOR_PREFIX))]}{GIVEN[rng.integers(len(GIVEN))]}"
                    f"{ANCHOR_SUFFIX[f][rng.integers(len(ANCHOR_SUFFIX[f]))]}" for f in anchor_family]
    anchor_cat = []
    for f in anchor_family:
        cats = sorted(set(belt_cat[belts_of_family[f]]))
        anchor_cat.append(cats[rng.integers(len(cats))])
    save(pa.table({
        "id": anchor_ids, "name": _unique(anchor_names), "followers": followers, "category": anchor_cat,
        "province": _pick(rng, PROVINCES, na), "synthetic": pa.array(["yes"] * na),
    }), "nodes/Anchor.csv")

    # ---- providers
    npv = n["Provider"]
    first_role = rng.integers(0, 4, npv)
    second = np.where(rng.random(npv) < 0.3, rng.integers(0, 4, npv), first_role)
    roles = [[ROLES[a]] + ([ROLES[b]] if b != a else []) for a, b in zip(first_role, second)]
    home_belt = _spread(rng, belt_size, npv)
    prov_names = [f"{belt_city[b]}{BRANDS[rng.integers(len(BRANDS))]}"
                  f"{ROLE_SUFFIX[r[0]][rng.integers(3)]}" for b, r in zip(home_belt, roles)]
    level = np.clip(np.round(rng.gamma(2.0, 0.9, npv)), 1, 5).astype(np.int64)
    plaque = rng.random(npv) < 0.88
    prov_ids = _ids("prov-", npv)
    save(pa.table({
        "id": prov_ids, "name": _unique(prov_names), "roles": [";".join(r) for r in roles], "level": level,
        "plaque": np.where(plaque, "true", "false"),
        "joined": _dates(rng.integers(0, 365 * 4, npv), dt.date(2016, 6, 1)),
        "synthetic": ["yes"] * npv,
    }), "nodes/Provider.csv")

    # ---- team leaders
    ntl = n["TeamLeader"]
    save(pa.table({
        "id": _ids("tl-", ntl),
        "name": _join(_pick(rng, SURNAMES, ntl), _pick(rng, GIVEN, ntl),
                      pc.if_else(pa.array(rng.random(ntl) < 0.6), _pick(rng, GIVEN, ntl), "")),
        "synthetic": pa.array(["yes"] * ntl),
    }), "nodes/TeamLeader.csv")

    # ---- merchants
    nm = n["Merchant"]
    m_belt = _weighted(rng_m, belt_size, nm)
    m_ids = _ids("m-", nm)
    prod_pool = sorted({p for ps in belt_products for p in ps})
    prod_index = {p: i for i, p in enumerate(prod_pool)}
    belt_prod_idx = [np.array([prod_index[p] for p in ps]) for ps in belt_products]
    belt_prod_count = np.array([len(ps) for ps in belt_products])
    pick = (rng_m.random(nm) * belt_prod_count[m_belt]).astype(np.int64)
    flat = np.concatenate(belt_prod_idx)
    offsets = np.r_[0, np.cumsum(belt_prod_count)[:-1]]
    m_prod = flat[offsets[m_belt] + pick]
    joined_days = np.where(rng_m.random(nm) < 0.12, rng_m.integers(974, 1035, nm), rng_m.integers(0, 1096, nm))
    sales = np.round(rng_m.lognormal(10.0, 1.6, nm), 2)
    save(pa.table({
        "id": m_ids,
        "name": _unique(_join(_pick(rng_m, BRANDS, nm), pa.array(prod_pool).take(pa.array(m_prod)),
                              _pick(rng_m, SHOP_KINDS, nm)).to_pylist()),
        "joined": _dates(joined_days, dt.date(2018, 1, 1)),
        "sales": _money(sales), "synthetic": pa.array(["yes"] * nm),
    }), "nodes/Merchant.csv")

    # ---- IN_BELT
    save(pa.table({
        "from": pa.concat_arrays([base_ids, sc_ids, m_ids]),
        "to": pa.array(belt_ids).take(pa.array(np.concatenate([base_belt, sc_belt, m_belt]))),
    }), "rels/IN_BELT.csv")

    # ---- SERVES: each provider serves its home belt and up to 3 more of the same category, the
    # bigger ones likelier (so a small belt, or the only one of its category, may lack a role)
    belts_of_cat = {c: np.flatnonzero(belt_cat == c) for c in sorted(set(belt_cat))}
    src, dst, since = [], [], []
    for i in range(npv):
        same = belts_of_cat[belt_cat[home_belt[i]]]
        w = belt_size[same]
        extra = rng.choice(same, size=min(len(same), rng.integers(0, 4)), replace=False, p=w / w.sum())
        for b in dict.fromkeys([home_belt[i], *extra]):
            src.append(i)
            dst.append(int(b))
            since.append(int(rng.integers(0, 365 * 4)))
    save(pa.table({"from": pa.array(prov_ids).take(pa.array(src)), "to": pa.array(belt_ids).take(pa.array(dst)),
                   "since": _dates(np.array(since), dt.date(2017, 1, 1))}), "rels/SERVES.csv")
    serves_belt = {}
    for s, d in zip(src, dst):
        serves_belt.setdefault(d, []).append(s)

    # ---- OPERATES: a belt-role provider serving the base's belt, else any belt-role provider
    belt_role = np.array(["belt" in r for r in roles])
    belt_provs = np.flatnonzero(belt_role) if belt_role.any() else np.arange(npv)
    op = []
    for b in base_belt:
        cands = [p for p in serves_belt.get(int(b), []) if belt_role[p]]
        op.append(cands[rng.integers(len(cands))] if cands else int(belt_provs[rng.integers(len(belt_provs))]))
    save(pa.table({"from": pa.array(prov_ids).take(pa.array(op, type=pa.int64())), "to": base_ids}),
         "rels/OPERATES.csv")

    # ---- RUNS: about half the supply chains are run by a supply-chain provider
    sc_role = np.flatnonzero(np.array(["supply_chain" in r for r in roles]))
    sc_role = sc_role if len(sc_role) else np.arange(npv)
    run_sc = np.flatnonzero(rng.random(nsc) < 0.5)
    runner = sc_role[rng.integers(0, len(sc_role), len(run_sc))]
    order = np.lexsort((run_sc, runner))
    save(pa.table({"from": pa.array(prov_ids).take(pa.array(runner[order])),
                   "to": sc_ids.take(pa.array(run_sc[order]))}), "rels/RUNS.csv")

    # ---- INCUBATES: 70% of anchors have an MCN or training provider
    inc_role = np.flatnonzero(np.array(["mcn" in r or "training" in r for r in roles]))
    inc_role = inc_role if len(inc_role) else np.arange(npv)
    inc_a = np.flatnonzero(rng.random(na) < 0.7)
    inc_p = inc_role[rng.integers(0, len(inc_role), len(inc_a))]
    order = np.lexsort((inc_a, inc_p))
    save(pa.table({"from": pa.array(prov_ids).take(pa.array(inc_p[order])),
                   "to": anchor_ids.take(pa.array(inc_a[order])),
                   "since": _dates(rng.integers(0, 365 * 3, len(inc_a))[order], dt.date(2018, 1, 1))}),
         "rels/INCUBATES.csv")

    # ---- anchors' rosters of supply chains: mostly their family, popularity heavy-tailed
    sc_pop = rng.pareto(1.3, nsc) + 0.2
    sc_of_family = {f: np.flatnonzero(sc_family == f) for f in families}
    roster_size = rng.integers(3, 13, na)
    roster = []
    for a in range(na):
        own = sc_of_family.get(anchor_family[a])
        k = int(roster_size[a])
        chosen = []
        if own is not None and len(own):
            w = sc_pop[own]
            chosen += list(rng.choice(own, size=min(k - max(1, k // 5), len(own)), replace=False, p=w / w.sum()))
        chosen += list(rng.integers(0, nsc, max(1, k // 5)))
        roster.append(np.unique(np.array(chosen, dtype=np.int64)))
    roster_len = np.array([len(r) for r in roster])
    roster_off = np.r_[0, np.cumsum(roster_len)[:-1]]
    roster_flat = np.concatenate(roster)

    # ---- SOURCES_FROM: merchants source from 1-3 supply chains, mostly in their belt
    sc_of_belt = {b: np.flatnonzero(sc_belt == b) for b in range(nb)}
    k_src = rng_m.choice([1, 2, 3], size=nm, p=[0.7, 0.25, 0.05])
    rows_m = np.repeat(np.arange(nm), k_src)
    rows_b = m_belt[rows_m]
    choice = np.empty(len(rows_m), dtype=np.int64)
    u = rng_m.random(len(rows_m))
    any_sc = rng_m.integers(0, nsc, len(rows_m))
    belt_sc_count = np.array([len(sc_of_belt[b]) for b in range(nb)])
    belt_sc_flat = np.concatenate([sc_of_belt[b] for b in range(nb)]) if nsc else np.zeros(0, np.int64)
    belt_sc_off = np.r_[0, np.cumsum(belt_sc_count)[:-1]]
    has_local = belt_sc_count[rows_b] > 0
    local_pick = (u * np.maximum(belt_sc_count[rows_b], 1)).astype(np.int64)
    local = belt_sc_flat[np.minimum(belt_sc_off[rows_b] + local_pick, max(len(belt_sc_flat) - 1, 0))] \
        if len(belt_sc_flat) else any_sc
    use_local = has_local & (rng_m.random(len(rows_m)) < 0.85)
    choice[:] = np.where(use_local, local, any_sc)
    pairs = np.unique(rows_m * nsc + choice)
    save(pa.table({"from": m_ids.take(pa.array(pairs // nsc)), "to": sc_ids.take(pa.array(pairs % nsc))}),
         "rels/SOURCES_FROM.csv")

    # ---- RECRUITS and MATCHES
    rec_k = np.maximum(1, np.round(nsc / ntl * rng.uniform(0.5, 1.5, ntl))).astype(np.int64)
    rec_k = np.minimum(rec_k, nsc)
    mat_k = np.maximum(1, np.round(na / ntl * rng.uniform(0.5, 1.5, ntl))).astype(np.int64)
    mat_k = np.minimum(mat_k, na)
    rec = [(t, s) for t in range(ntl) for s in np.sort(rng.choice(nsc, rec_k[t], replace=False))]
    mat = [(t, s) for t in range(ntl) for s in np.sort(rng.choice(na, mat_k[t], replace=False))]
    tl_ids = _ids("tl-", ntl)
    save(pa.table({"from": tl_ids.take(pa.array([r[0] for r in rec])),
                   "to": sc_ids.take(pa.array([r[1] for r in rec]))}), "rels/RECRUITS.csv")
    save(pa.table({"from": tl_ids.take(pa.array([m[0] for m in mat])),
                   "to": anchor_ids.take(pa.array([m[1] for m in mat]))}), "rels/MATCHES.csv")

    # ---- live streams, quarter by quarter: anchors stream in proportion to sqrt(followers) times
    # how active they are that quarter, and each picks from its roster (drawn by popularity above)
    # by what is in fashion that quarter. A popular supply chain sits in many rosters, so its
    # streams come from many anchors: with the sample's 20,000 streams several hundred supply
    # chains reach 3 anchors in a quarter; at scale 1 nearly all do.
    nls = n["livestreams"]
    month = rng_f.choice(12, nls, p=MONTH_WEIGHT / MONTH_WEIGHT.sum())
    quarter_of = month // 3
    ls_anchor = np.empty(nls, np.int64)
    ls_sc = np.empty(nls, np.int64)
    for q in range(4):
        idx = np.flatnonzero(quarter_of == q)
        activity = np.sqrt(followers.astype(float)) * rng_f.lognormal(0.0, ANCHOR_QUARTER_SIGMA, na)
        trend = rng_f.lognormal(0.0, SC_QUARTER_SIGMA, nsc)
        ls_anchor[idx] = _weighted(rng_f, activity, len(idx))
        ls_sc[idx] = _pick_in_segments(rng_f, roster_flat, roster_off, roster_len, trend, ls_anchor[idx])
    # an anchor streams mostly at a home base in a belt of its family
    home_base = np.empty(na, np.int64)
    for f in families:
        who = np.flatnonzero(anchor_family == f)
        pool = np.flatnonzero(belt_family[base_belt] == f)
        pool = pool if len(pool) else np.arange(nbase)
        home_base[who] = pool[rng_f.integers(0, len(pool), len(who))]
    where = rng_f.random(nls)
    ls_base = np.where(where < 0.6, home_base[ls_anchor], rng_f.integers(0, nbase, nls))
    ls_has_base = where < 0.7
    month_start = np.array([(dt.date(YEAR, m + 1, 1) - dt.date(YEAR, 1, 1)).days for m in range(12)])
    month_len = np.array([(dt.date(YEAR + (m == 11), (m + 1) % 12 + 1, 1) - dt.date(YEAR, m + 1, 1)).days
                          for m in range(12)])
    day = month_start[month] + (rng_f.random(nls) * month_len[month]).astype(np.int64)
    price = np.array([CATEGORY_PRICE[f] for f in sc_family])[ls_sc] * rng_f.uniform(0.5, 1.8, nls)
    gmv = rng_f.lognormal(np.log(price * 8) + 0.45 * np.log10(followers[ls_anchor].astype(float)), 1.0)
    orders = np.maximum(0, np.round(gmv / price)).astype(np.int64)
    viewers = np.round(followers[ls_anchor] * rng_f.uniform(0.02, 0.4, nls) + rng_f.integers(50, 500, nls)).astype(np.int64)
    new_f = np.round(viewers * rng_f.uniform(0.0, 0.03, nls)).astype(np.int64)
    order = np.argsort(day, kind="stable")
    ls = pa.table({
        "id": _ids("ls-", nls),
        "anchor": anchor_ids.take(pa.array(ls_anchor[order])),
        "supply_chain": sc_ids.take(pa.array(ls_sc[order])),
        "base": pc.if_else(pa.array(ls_has_base[order]), base_ids.take(pa.array(ls_base[order])), None),
        "date": _dates(day[order], dt.date(YEAR, 1, 1)),
        "gmv": _money(gmv[order]), "orders": orders[order], "viewers": viewers[order], "new_followers": new_f[order],
    })
    save(ls, "facts/livestreams.csv")

    # ---- provider quarters
    quarters = [f"{YEAR}Q{q}" for q in range(1, 5)]
    pq = []
    strength = level * rng.uniform(0.6, 1.4, npv)
    trouble = rng.random(npv) < 0.08
    for i in range(npv):
        for q in quarters:
            s = strength[i] * rng.uniform(0.7, 1.3)
            pq.append({
                "provider": prov_ids[i].as_py(), "quarter": q,
                "gmv": f"{rng.lognormal(13.0 + 0.5 * s, 0.8):.2f}",
                "anchors_incubated": int(rng.poisson(2 + 3 * s)) if ("mcn" in roles[i] or "training" in roles[i]) else 0,
                "sessions": int(rng.poisson(40 + 30 * s)),
                "trainees": int(rng.poisson(20 + 25 * s)) if "training" in roles[i] else 0,
                "complaints": int(rng.poisson(6 if trouble[i] else 0.6)),
            })
    save(pa.Table.from_pylist(pq), "facts/provider_quarters.csv")

    command = f"beltgraph generate --scale {scale:g}" + ("" if entities is None else f" --entities {entities:g}")
    (out / "README.md").write_text(
        "# A synthetic BeltGraph bundle\n\n"
        f"Written by `{command} --seed {seed}`. The 60 belts in nodes/Belt.csv are real\n"
        "(see their `source` column); every other row is generated and marked `synthetic=yes`.\n",
        encoding="utf-8")
    return written


__all__ = ["generate", "counts_for", "reference_belts", "SCALE_1"]
