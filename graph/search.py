"""Search: one box that finds any node by name, English name, pinyin, initials, id or a typo.

The index is built once, when a graph is loaded, and kept with the store version
(:func:`build_search_index` writes it, :meth:`SearchIndex.open` maps it in
milliseconds); a query never converts names to pinyin.

>>> import pyarrow as pa
>>> idx = SearchIndex.build({
...     "Belt": pa.table({"id": ["hz-sjq"], "name": ["杭州四季青服装市场"], "name_en": ["Hangzhou Sijiqing"],
...                       "category": ["apparel"], "province": ["浙江省"]}),
...     "Merchant": pa.table({"id": ["m1"], "name": ["杭州小店"]})})
>>> [(h.id, h.match) for h in idx.search("hzsjq").hits]
[('hz-sjq', 'initials')]
>>> [(h.id, h.match) for h in idx.search("hangzhou").hits]
[('hz-sjq', 'prefix'), ('m1', 'pinyin')]
>>> [h["id"] for h in idx.suggest("杭州")]
['hz-sjq', 'm1']

What matches, best first (``match`` of each hit; ties in the order below)
--------------------------------------------------------------------------
``exact``      the id, name or English name equals the query (case-insensitive, NFKC)
``prefix``     the id, name or English name starts with the query
``substring``  the name or English name contains it
``pinyin``     the name's full pinyin without spaces starts with it, then contains it
               (``hangzhou``, ``hangzhousijiqing``, ``shuibei``)
``initials``   the initials of the name's syllables start with it, then contain it, from 2
               letters (``hzsjq``, ``hz``)
``fuzzy``      a typo: rapidfuzz partial ratio of at least 80 on the pinyin or English name
               (from 4 letters), or on the name allowing one wrong character in 3 or 4 Chinese
               ones (67, 75); tried only when the kinds above find fewer than 5 hits

Ties are broken by label (Belt, Provider, SupplyChain, Base, Anchor, TeamLeader, then
Merchant: what a BD user looks for first), then shorter names, then id. The rows of
the index are stored in that order, so a row number *is* the tie-break and a page is a
stable sort of small tier numbers.

How it stays fast at a million merchants
-----------------------------------------
A pyarrow substring scan of a 1M-row string column takes 40-60 ms, so only the small
labels are scanned: labels are taken smallest first while their rows add up to at
most ``SCAN_BUDGET`` (100,000; the 16,000 non-merchant nodes at scale 1), and every
query tests each of their key columns with pyarrow kernels (a few ms). Their pinyin
is pypinyin's phrase-aware conversion (重庆 chongqing, 长沙 changsha), per distinct
name (about 40 µs a name; 0.5 s for the 10,700 distinct ones at scale 1).

The other labels (Merchant) are *indexed*:

* pinyin per distinct character: one pypinyin call per character of the vocabulary
  (a few thousand), then the full pinyin and initials of every name are assembled
  with NumPy gathers (no Python loop over names). A character gets its most common
  reading, so a merchant named 重庆… has the pinyin ``zhongqing``; it is still found
  by 重庆, by ``zhongqing`` and by ``zq``.
* a character bigram index: the characters of the vocabulary are numbered in the
  order of (pinyin, character), so one syllable (``shui``), a syllable prefix (``zh``)
  and one initial (``h``) are each a contiguous range of ids. Every name contributes
  (BOS, c1), (c1, c2), ..., (cn, EOS) over its characters that have a pinyin (as its
  pinyin does: 杭州·四季青 is ``hangzhousijiqing``). The postings (sorted keys, CSR
  rows) answer Chinese substrings (one character: a key range; more: the bigrams,
  intersected rarest first, then verified on the candidates), prefixes (BOS), initials
  (ranges of initials) and pinyin (the first character's syllable and what may follow
  it, then verified) with binary searches and NumPy set operations on row masks: the
  work grows with the rows that can match, not with all rows.
* ids: a sorted permutation, binary search for exact and prefix.
* typos: candidates are the rows sharing the most characters (or syllables) with the
  query, counting only characters in at most ``FUZZY_POSTINGS`` names, and at most
  ``FUZZY_CANDIDATES`` of them are scored by rapidfuzz.

Limits of indexed labels, chosen to stay within budget: the English name is not
searched (Merchant has none); pinyin and initials match from the start of a
character (``angzhou`` is only a typo there, ``zhou`` matches); a query of only
punctuation or symbols finds nothing there. Neither kind of label matches a query
that mixes Chinese characters and pinyin (``四季qing``).

Facets (label, category, division, province) count every match, not only the page;
a facet's own filter is left out when counting it (disjunctive facets), so a UI can
show what picking another value would give.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import BadRequest
from .model import LABEL_LIST

#: Order of labels among hits of the same kind: what a BD user looks for first.
SEARCH_ORDER = ("Belt", "Provider", "SupplyChain", "Base", "Anchor", "TeamLeader", "Merchant")
FACETS = ("label", "category", "division", "province")
#: At most this many rows (of the smallest labels) are scanned per query; the rest are indexed.
SCAN_BUDGET = 100_000
#: Typos are tried when the exact kinds find fewer hits than this.
FUZZY_BELOW = 5
FUZZY_CUTOFF = 80
#: Indexed rows scored by rapidfuzz per query, at most.
FUZZY_CANDIDATES = 2_000
#: A character found in more names than this says too little to pick typo candidates.
FUZZY_POSTINGS = 200_000
#: Intersections stop and candidates are verified once this few remain.
VERIFY_BELOW = 5_000
MAX_QUERY = 100
MAX_LIMIT = 500
FORMAT = 1

# Tiers: lower is better; MATCH names them.
EXACT, PREFIX, SUBSTRING, PINYIN_PREFIX, PINYIN, INITIALS_PREFIX, INITIALS, FUZZY = range(8)
NONE = 255
MATCH = {EXACT: "exact", PREFIX: "prefix", SUBSTRING: "substring", PINYIN_PREFIX: "pinyin", PINYIN: "pinyin",
         INITIALS_PREFIX: "initials", INITIALS: "initials"} | {t: "fuzzy" for t in range(FUZZY, FUZZY + 5)}

_LABEL_CODE = {lab.name: i for i, lab in enumerate(LABEL_LIST)}
_ARRAYS = ("labels", "category", "division", "province", "gram_keys", "gram_ptr", "gram_rows", "id_perm")
_COLUMNS = ("id", "name", "name_en", "key_id", "key_name", "key_en", "py", "ini")
#: Suggestion groups of the tiers: exact, a prefix of any kind, other, typo.
_SUGGEST_GROUP = np.full(256, 3, dtype=np.uint8)
_SUGGEST_GROUP[[EXACT, PREFIX, PINYIN_PREFIX, INITIALS_PREFIX, SUBSTRING, PINYIN, INITIALS]] = [0, 1, 1, 1, 2, 2, 2]
_SEPARATORS = re.compile(r"[\s'’·_\-]+")


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class Hit:
    """One node found: what a result list shows and links to (``/nodes/<id>``)."""

    id: str
    label: str
    name: str
    match: str
    name_en: str | None = None
    category: str | None = None
    division: str | None = None
    province: str | None = None

    def to_dict(self) -> dict:
        d = {"id": self.id, "label": self.label, "name": self.name}
        for k in ("name_en", "category", "division", "province"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        d["match"] = self.match
        return d


@dataclass(frozen=True)
class Group:
    """The hits of one label on the page, and how many of that label match in all."""

    label: str
    total: int
    hits: tuple[Hit, ...]

    def to_dict(self) -> dict:
        return {"label": self.label, "total": self.total, "hits": [h.to_dict() for h in self.hits]}


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    offset: int
    limit: int
    hits: tuple[Hit, ...]
    groups: tuple[Group, ...]
    facets: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "offset": self.offset, "limit": self.limit,
                "hits": [h.to_dict() for h in self.hits], "groups": [g.to_dict() for g in self.groups],
                "facets": {k: dict(v) for k, v in self.facets.items()},
                "filters": {k: list(v) for k, v in self.filters.items()}}


# ---------------------------------------------------------------- text keys

def normalize(text: str) -> str:
    """The form names and queries are compared in: NFKC, lower case, single spaces.

    >>> normalize("  Ｈangzhou   四季青 ")
    'hangzhou 四季青'
    """
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def _clean_unit(syllable: str) -> str:
    return "".join(ch for ch in syllable if ch.isascii() and ch.isalnum()).lower()


def char_unit(ch: str) -> tuple[str, bool]:
    """The pinyin of one (normalized) character, and whether it is a Chinese one.

    Latin letters and digits stand for themselves; other characters have none.

    >>> char_unit("水"), char_unit("b"), char_unit("-")
    (('shui', True), ('b', False), ('', False))
    """
    if ch.isascii():
        return (ch.lower() if ch.isalnum() else ""), False
    from pypinyin import Style, lazy_pinyin

    got = lazy_pinyin(ch, style=Style.NORMAL, errors=lambda s: ["\x00"] * len(s))
    if not got or got[0] == "\x00":
        return "", False
    return _clean_unit(got[0]), True


def phrase_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a normalized name, phrase-aware (for the small labels).

    >>> phrase_pinyin("重庆长沙 mcn")
    ('chongqingchangshamcn', 'cqcsmcn')
    """
    from pypinyin import Style, lazy_pinyin

    units = [_clean_unit(s) for s in lazy_pinyin(name, style=Style.NORMAL, errors=lambda s: list(s))]
    units = [u for u in units if u]
    return "".join(units), "".join(u[0] for u in units)


def _string_column(t: pa.Table, name: str) -> pa.Array:
    if name not in t.column_names:
        return pa.nulls(t.num_rows, pa.string())
    col = t.column(name)
    if col.type != pa.string():
        col = pc.cast(col, pa.string())
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _key(arr: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.utf8_normalize(arr, "NFKC"))


def _decode(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Code points of all characters of a string array, and each row's character offsets."""
    arr = pc.fill_null(arr, "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    raw = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8))[offs[0]:offs[-1]]
    cps = np.frombuffer(raw.tobytes().decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    char_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(pc.utf8_length(arr).to_numpy(zero_copy_only=False), out=char_off[1:])
    return cps, char_off


def _string_array(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int32)),
                                       pa.py_buffer(np.ascontiguousarray(data, dtype=np.uint8)))


def _gather(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """values[starts[0]:ends[0]] + values[starts[1]:ends[1]] + ... without a Python loop."""
    lens = ends - starts
    keep = lens > 0
    starts, lens = starts[keep], lens[keep]
    if len(starts) == 1:
        return values[starts[0]:starts[0] + lens[0]]
    total = int(lens.sum())
    if total == 0:
        return values[:0]
    at = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return values[at + np.arange(total)]


# ---------------------------------------------------------------- building

def _labels_in_order(nodes: Mapping[str, pa.Table], scan_budget: int) -> tuple[list[str], list[str]]:
    present = [lab for lab in SEARCH_ORDER if lab in nodes and nodes[lab].num_rows]
    scanned, total = set(), 0
    for lab in sorted(present, key=lambda name: (nodes[name].num_rows, SEARCH_ORDER.index(name))):
        if total + nodes[lab].num_rows > scan_budget:
            break
        scanned.add(lab)
        total += nodes[lab].num_rows
    return [lab for lab in present if lab in scanned], [lab for lab in present if lab not in scanned]


def _label_part(t: pa.Table) -> pa.Table:
    """One label's columns, keys added, rows in tie-break order (shorter names, then id)."""
    ids, names = _string_column(t, "id"), pc.fill_null(_string_column(t, "name"), "")
    key_id, key_name = _key(ids), _key(names)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[pc.sort_indices(key_id).to_numpy()] = np.arange(len(ids))
    length = pc.utf8_length(key_name).to_numpy(zero_copy_only=False).astype(np.int64)
    order = pa.array(np.argsort(length << 32 | rank))
    en = _string_column(t, "name_en")
    cols = {
        "id": ids, "name": names, "name_en": en,
        # keys equal to the shown value are stored as null (coalesced when read)
        "key_id": pc.if_else(pc.equal(key_id, ids), pa.scalar(None, pa.string()), key_id),
        "key_name": pc.if_else(pc.equal(key_name, names), pa.scalar(None, pa.string()), key_name),
        "key_en": _key(en),
        "category": _string_column(t, "category"), "division": _string_column(t, "division"),
        "province": _string_column(t, "province"),
    }
    return pa.table(cols).take(order)


def _phrase_keys(key_names: pa.Array) -> tuple[pa.Array, pa.Array]:
    cache: dict[str, tuple[str, str]] = {}
    py, ini = [], []
    for name in key_names.to_pylist():
        got = cache.get(name)
        if got is None:
            got = cache[name] = phrase_pinyin(name)
        py.append(got[0])
        ini.append(got[1])
    return pa.array(py, pa.string()), pa.array(ini, pa.string())


def _char_keys(key_names: pa.Array, first_row: int, n_all: int):
    """Pinyin, initials and the bigram postings of the indexed rows, vectorised."""
    cps, char_off = _decode(key_names)
    n = len(key_names)
    present = np.flatnonzero(np.bincount(cps, minlength=1)) if len(cps) else np.zeros(0, np.int64)
    info = [char_unit(chr(c)) for c in present]
    order = sorted(range(len(present)), key=lambda i: (info[i][0], int(present[i])))
    chars = "".join(chr(int(present[i])) for i in order)
    units = [info[i][0] for i in order]
    V = len(chars) + 1
    lut = np.zeros(int(present.max()) + 1 if len(present) else 1, dtype=np.int32)
    lut[present[order]] = np.arange(1, V, dtype=np.int32)
    ids = lut[cps]

    # pinyin: each character's unit from a (V, width) byte matrix, zero padded
    width = max([len(u) for u in units] + [1])
    mat = np.zeros((V, width), dtype=np.uint8)
    ulen = np.zeros(V, dtype=np.int64)
    for i, u in enumerate(units, start=1):
        b = u.encode()
        mat[i, :len(b)] = np.frombuffer(b, dtype=np.uint8)
        ulen[i] = len(b)
    per = mat[ids]
    flat = per.ravel()
    cum = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(ulen[ids], out=cum[1:])
    py = _string_array(cum[char_off], flat[flat != 0])
    first = per[:, 0] if len(ids) else np.zeros(0, np.uint8)
    cum1 = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(first != 0, out=cum1[1:])
    ini = _string_array(cum1[char_off], first[first != 0])

    # bigrams (BOS, c1), (c1, c2), ..., (cn, EOS) with BOS = EOS = 0, over the characters
    # that have pinyin (as the pinyin does: 杭州·四季青 is hangzhousijiqing)
    spoken = ulen[ids] > 0
    gaps = bool(len(ids)) and not bool(spoken.all())
    if gaps:
        kept = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(spoken, out=kept[1:])
        char_off, ids = kept[char_off], ids[spoken]
    counts = np.diff(char_off)
    ext = np.zeros(len(ids) + n + 1, dtype=np.int64)
    ext[np.arange(len(ids)) + np.repeat(np.arange(n), counts) + 1] = ids
    keys = ext[:-1] * V + ext[1:]
    rows = np.repeat(np.arange(first_row, first_row + n, dtype=np.int64), counts + 1)
    keep = keys != 0
    keys, rows = keys[keep], rows[keep]
    shift = max(1, int(n_all).bit_length())
    if V * V >= 1 << (63 - shift):
        raise ValueError(f"too many distinct characters ({V - 1:,}) for the search index")
    packed = np.sort(keys << shift | rows)
    if len(packed):
        packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
    keys, rows = packed >> shift, (packed & ((1 << shift) - 1)).astype(np.int32)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    gram_keys = keys[starts]
    gram_ptr = np.r_[starts, len(keys)].astype(np.int64)
    return py, ini, gram_keys, gram_ptr, rows, {"chars": chars, "units": units, "gaps": gaps}


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    enc = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
    values = enc.dictionary.to_pylist()
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int16 if len(values) < 32_000 else np.int32), values


def _build(nodes: Mapping[str, pa.Table], scan_budget: int = SCAN_BUDGET) -> tuple[pa.Table, dict, dict]:
    scanned, indexed = _labels_in_order(nodes, scan_budget)
    parts, ranges, at = [], {}, 0
    for lab in scanned + indexed:
        part = _label_part(nodes[lab])
        parts.append(part)
        ranges[lab] = [at, at + part.num_rows]
        at += part.num_rows
    n = at
    empty = _label_part(pa.table({"id": pa.array([], pa.string()), "name": pa.array([], pa.string())}))
    t = pa.concat_tables(parts or [empty]).combine_chunks()
    s = sum(ranges[lab][1] - ranges[lab][0] for lab in scanned)
    key_name = pc.coalesce(t.column("key_name"), t.column("name")).combine_chunks()

    py_s, ini_s = _phrase_keys(key_name.slice(0, s))
    py_i, ini_i, gram_keys, gram_ptr, gram_rows, vocab = _char_keys(key_name.slice(s), s, n)
    py = pa.concat_arrays([py_s, py_i])
    ini = pa.concat_arrays([ini_s, ini_i])
    key_id = pc.coalesce(t.column("key_id"), t.column("id")).slice(s).combine_chunks()
    id_perm = (pc.sort_indices(key_id).to_numpy() + s).astype(np.int32)

    labels = np.zeros(n, dtype=np.int8)
    for lab, (a, b) in ranges.items():
        labels[a:b] = _LABEL_CODE[lab]
    arrays = {"labels": labels, "gram_keys": gram_keys, "gram_ptr": gram_ptr, "gram_rows": gram_rows,
              "id_perm": id_perm}
    facet_values = {}
    facet_end = {}
    for f in FACETS[1:]:
        arrays[f], facet_values[f] = _codes(t.column(f))
        present = np.flatnonzero(arrays[f] >= 0)
        facet_end[f] = int(present[-1]) + 1 if len(present) else 0
    table = pa.table({c: (py if c == "py" else ini if c == "ini" else t.column(c).combine_chunks())
                      for c in _COLUMNS})
    meta = {"format": FORMAT, "rows": n, "scanned": s, "labels": ranges, "facets": facet_values,
            "facet_end": facet_end, **vocab}
    return table, arrays, meta


def _write_file(path: Path, write) -> None:
    """Write beside, then rename: a version's files may be hard links shared with the one before."""
    part = path.with_name(path.name + ".part")
    write(part)
    os.replace(part, path)


def build_search_index(nodes: Mapping[str, pa.Table], folder: Path, *, scan_budget: int = SCAN_BUDGET) -> None:
    """Build the search index of a graph's node tables (one per label) into ``folder``.

    ``folder`` gets ``entities.arrow`` (ids, names and their keys), a few ``.npy``
    arrays (facet codes, bigram postings, the id order) and ``meta.json``, written
    last. Open it with :meth:`SearchIndex.open`.
    """
    SearchIndex.build(nodes, scan_budget=scan_budget).save(Path(folder))


# ---------------------------------------------------------------- the index

class _Sorted:
    """Sequence view of a key column (null: the shown value) in the order of a permutation, for bisect."""

    def __init__(self, keys: pa.Array, shown: pa.Array, perm: np.ndarray):
        self.keys, self.shown, self.perm = keys, shown, perm

    def __len__(self):
        return len(self.perm)

    def __getitem__(self, i):
        row = int(self.perm[i])
        v = self.keys[row].as_py()
        return self.shown[row].as_py() if v is None else v


def _whole(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number, not {value!r}") from None


def _page_size(limit) -> int:
    limit = _whole(limit, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def _as_set(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(v for v in value if v)


class SearchIndex:
    """The search index of one graph version."""

    def __init__(self, table: pa.Table, arrays: dict[str, np.ndarray], meta: dict):
        self.table = table
        self.meta = meta
        self.n = int(meta["rows"])
        self.scanned = int(meta["scanned"])
        self.labels = arrays["labels"]
        self.codes = {f: arrays[f] for f in FACETS[1:]}
        self.gram_keys, self.gram_ptr, self.gram_rows = arrays["gram_keys"], arrays["gram_ptr"], arrays["gram_rows"]
        self.id_perm = arrays["id_perm"]
        self.arrays = arrays
        chars = meta["chars"]
        self.V = len(chars) + 1
        self._char_id = {c: i for i, c in enumerate(chars, start=1)}
        self._units = meta["units"]
        self._unit_set = set(self._units) - {""}
        self._first_spoken = bisect.bisect_right(self._units, "") + 1  # ids below have no pinyin
        self._width = max([len(u) for u in self._units] + [1])
        self._facet_values = meta["facets"]
        self._facet_end = meta["facet_end"]  # rows past these have no category, division, province
        self._ranges = {lab: tuple(r) for lab, r in meta["labels"].items()}
        self._scan_cols: dict | None = None
        self._scan_lists: dict | None = None

    # ------------------------------------------------------------ files
    @classmethod
    def build(cls, nodes: Mapping[str, pa.Table], *, scan_budget: int = SCAN_BUDGET) -> "SearchIndex":
        """An index in memory (tests, small graphs); ``scan_budget=0`` indexes every label."""
        return cls(*_build(nodes, scan_budget))

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)

        def arrow(part):
            with pa.OSFile(str(part), "wb") as f, pa.ipc.new_file(f, self.table.schema) as w:
                w.write_table(self.table)

        _write_file(folder / "entities.arrow", arrow)
        for name in _ARRAYS:
            _write_file(folder / f"{name}.npy", lambda part, a=self.arrays[name]: _save_npy(part, a))
        _write_file(folder / "meta.json",
                    lambda part: part.write_text(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def open(cls, folder: Path) -> "SearchIndex":
        """The index saved in ``folder``, memory-mapped (milliseconds, whatever its size)."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"search index in {folder} has format {meta.get('format')!r}, expected {FORMAT}")
        table = pa.ipc.open_file(pa.memory_map(str(folder / "entities.arrow"))).read_all()
        arrays = {name: _load_npy(folder / f"{name}.npy") for name in _ARRAYS}
        return cls(table, arrays, meta)

    # ------------------------------------------------------------ columns
    def _col(self, name: str) -> pa.Array:
        col = self.table.column(name)
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()

    def _keys(self, name: str, rows: np.ndarray | None = None) -> pa.Array:
        """A key column (coalesced with the shown value), for ``rows`` or the scanned block."""
        shown = {"key_id": "id", "key_name": "name"}.get(name)
        col = self._col(name)
        if rows is None:
            col = col.slice(0, self.scanned)
        else:
            col = col.take(pa.array(rows, pa.int64()))
        if shown is None:
            return col
        other = self._col(shown)
        other = other.slice(0, self.scanned) if rows is None else other.take(pa.array(rows, pa.int64()))
        return pc.coalesce(col, other)

    def _scan(self) -> dict:
        if self._scan_cols is None:
            self._scan_cols = {c: self._keys(c) for c in ("key_id", "key_name", "key_en", "py", "ini")}
        return self._scan_cols

    # ------------------------------------------------------------ postings
    def _key_rows(self, klo: int, khi: int) -> np.ndarray:
        i0, i1 = np.searchsorted(self.gram_keys, [klo, khi])
        return self.gram_rows[self.gram_ptr[i0]:self.gram_ptr[i1]]

    def _pair_rows(self, r1: tuple[int, int], r2: tuple[int, int] | None) -> np.ndarray:
        """Rows (with repeats) having a character of ids ``r1`` followed by one of ``r2`` (or any)."""
        V = self.V
        if r2 is None:
            return self._key_rows(r1[0] * V, r1[1] * V)
        if r1[0] == 0:  # BOS: one range
            return self._key_rows(r2[0], r2[1])
        a = np.arange(r1[0], r1[1], dtype=np.int64) * V
        i0 = np.searchsorted(self.gram_keys, a + r2[0])
        i1 = np.searchsorted(self.gram_keys, a + r2[1])
        return _gather(self.gram_rows, self.gram_ptr[i0], self.gram_ptr[i1])

    def _pair_size(self, r1, r2) -> int:
        V = self.V
        if r2 is None:
            k = np.searchsorted(self.gram_keys, [r1[0] * V, r1[1] * V])
            return int(self.gram_ptr[k[1]] - self.gram_ptr[k[0]])
        a = np.arange(r1[0], r1[1], dtype=np.int64) * V
        i0 = np.searchsorted(self.gram_keys, a + r2[0])
        i1 = np.searchsorted(self.gram_keys, a + r2[1])
        return int((self.gram_ptr[i1] - self.gram_ptr[i0]).sum())

    def _unique(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) < 64:
            return np.unique(rows)
        mask = np.zeros(self.n, dtype=bool)
        mask[rows] = True
        return np.flatnonzero(mask)

    def _union(self, parts: list[np.ndarray]) -> np.ndarray:
        """The sorted unique rows of all ``parts``."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.zeros(0, np.int64)
        if len(parts) == 1:
            return self._unique(parts[0])
        mask = np.zeros(self.n, dtype=bool)
        for p in parts:
            mask[p] = True
        return np.flatnonzero(mask)

    def _without(self, rows: np.ndarray, among: np.ndarray) -> np.ndarray:
        """The ``rows`` that are not in ``among``."""
        if len(rows) == 0 or len(among) == 0:
            return rows
        mask = np.zeros(self.n, dtype=bool)
        mask[among] = True
        return rows[~mask[rows]]

    def _within(self, rows: np.ndarray, among: np.ndarray) -> np.ndarray:
        """The sorted unique ``rows`` that are also in ``among``."""
        if len(rows) == 0 or len(among) == 0:
            return rows[:0].astype(np.int64)
        mask = np.zeros(self.n, dtype=bool)
        mask[among] = True
        return rows[mask[rows]]

    def _chain(self, ranges: list[tuple[int, int]]) -> tuple[np.ndarray, bool]:
        """Rows whose characters can run through ``ranges`` in order, and whether that is exact.

        One range: rows with such a character (exact). Two: the bigrams (exact). More:
        rows having every consecutive bigram, smallest first, stopping once few are
        left; the caller then verifies them.
        """
        if len(ranges) == 1:
            return self._unique(self._pair_rows(ranges[0], None)), True
        pairs = sorted(itertools.pairwise(ranges), key=lambda p: self._pair_size(*p))
        rows = self._unique(self._pair_rows(*pairs[0]))
        for p in pairs[1:]:
            if len(rows) <= VERIFY_BELOW:
                return rows, False
            rows = self._within(rows, self._pair_rows(*p))
        return rows, len(pairs) == 1

    def _unit_range(self, unit: str) -> tuple[int, int]:
        return bisect.bisect_left(self._units, unit) + 1, bisect.bisect_right(self._units, unit) + 1

    def _prefix_range(self, prefix: str) -> tuple[int, int]:
        return bisect.bisect_left(self._units, prefix) + 1, bisect.bisect_left(self._units, prefix + "\x7f") + 1

    def _verify(self, rows: np.ndarray, column: str, q: str, how: str) -> np.ndarray:
        if len(rows) == 0:
            return rows
        vals = self._keys(column, rows)
        fn = {"prefix": pc.starts_with, "substring": pc.match_substring}[how]
        return rows[fn(vals, q).to_numpy(zero_copy_only=False)]

    # ------------------------------------------------------------ matching
    def _scan_tiers(self, qn: str, compact: str | None) -> list[tuple[np.ndarray, int]]:
        """Tiers of the scanned rows, as (rows, tier) lists."""
        if self.scanned == 0:
            return []
        cols = self._scan()
        out = []

        def add(mask, tier):
            m = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
            if m.any():
                out.append((np.flatnonzero(m), tier))

        keys = [cols["key_id"], cols["key_name"], cols["key_en"]]
        add(pc.or_kleene(pc.or_kleene(pc.equal(keys[0], qn), pc.equal(keys[1], qn)), pc.equal(keys[2], qn)), EXACT)
        add(pc.or_kleene(pc.or_kleene(pc.starts_with(keys[0], qn), pc.starts_with(keys[1], qn)),
                         pc.starts_with(keys[2], qn)), PREFIX)
        add(pc.or_kleene(pc.match_substring(keys[1], qn), pc.match_substring(keys[2], qn)), SUBSTRING)
        if compact:
            add(pc.starts_with(cols["py"], compact), PINYIN_PREFIX)
            add(pc.match_substring(cols["py"], compact), PINYIN)
            add(pc.starts_with(cols["ini"], compact), INITIALS_PREFIX)
            add(pc.match_substring(cols["ini"], compact), INITIALS)
        return out

    def _id_tiers(self, qn: str) -> list[tuple[np.ndarray, int]]:
        if len(self.id_perm) == 0:
            return []
        keys = _Sorted(self._col("key_id"), self._col("id"), self.id_perm)
        lo = bisect.bisect_left(keys, qn)
        hi = bisect.bisect_left(keys, qn + "\U0010ffff", lo)
        if lo == hi:
            return []
        eq = bisect.bisect_right(keys, qn, lo, hi)
        out = [(self._unique(self.id_perm[lo:hi]), PREFIX)]
        if eq > lo:
            out.append((self._unique(self.id_perm[lo:eq]), EXACT))
        return out

    def _name_tiers(self, qn: str, substring: bool) -> list[tuple[np.ndarray, int]]:
        ids = [self._char_id.get(ch) for ch in qn]
        if not ids or None in ids:  # a character in no indexed name
            return []
        ranges = [(i, i + 1) for i in ids if i >= self._first_spoken]
        if not ranges:  # only punctuation and symbols, which the bigrams leave out
            return []
        # with characters left out (of the query or of some name) a chain of two is not exact
        whole = len(ranges) == len(ids) and (len(ranges) == 1 or not self.meta["gaps"])
        out = []
        if substring:
            rows, exact = self._chain(ranges)
            if not (exact and whole):
                rows = self._verify(rows, "key_name", qn, "substring")
            out.append((rows, SUBSTRING))
            starts = self._within(self._unique(self._pair_rows((0, 1), ranges[0])), rows)
        else:
            starts = self._chain([(0, 1)] + ranges)[0]
        prefix = self._verify(starts, "key_name", qn, "prefix")
        out.append((prefix, PREFIX))
        if len(prefix):
            same = pc.equal(self._keys("key_name", prefix), qn).to_numpy(zero_copy_only=False)
            out.append((prefix[same], EXACT))
        return out

    def _pinyin_alternatives(self, q: str) -> list[tuple[tuple[int, int], tuple[int, int] | None, bool]]:
        """Where a pinyin match can start: (first character ids, next character ids or None, exact).

        The first character's pinyin is a prefix of ``q`` (and what follows starts the
        rest) or ``q`` is a prefix of it. Exact ones need no verification.
        """
        alts = []
        r = self._prefix_range(q)
        if r[0] < r[1]:
            alts.append((r, None, True))
        for k in range(1, min(self._width, len(q) - 1) + 1):
            u1 = q[:k]
            if u1 not in self._unit_set:
                continue
            r1, rest = self._unit_range(u1), q[k:]
            r2 = self._prefix_range(rest)
            if r2[0] < r2[1]:
                alts.append((r1, r2, True))
            for j in range(1, min(self._width, len(rest) - 1) + 1):
                if rest[:j] in self._unit_set:
                    alts.append((r1, self._unit_range(rest[:j]), False))
        return alts

    def _pinyin_tiers(self, q: str, substring: bool) -> list[tuple[np.ndarray, int]]:
        alts = self._pinyin_alternatives(q)
        if not alts:
            return []
        out = []
        # pinyin prefix: a first character whose pinyin starts with q makes one for sure
        sure = self._union([self._pair_rows((0, 1), r1) for r1, r2, _ in alts if r2 is None])
        maybe = self._union([self._pair_rows((0, 1), r1) for r1, r2, _ in alts if r2 is not None])
        if substring:
            rows = self._union([self._pair_rows(r1, r2) for r1, r2, ok in alts if ok])
            loose = [self._pair_rows(r1, r2) for r1, r2, ok in alts if not ok]
            if loose:
                more = self._without(self._union(loose), rows)
                rows = self._union([rows, self._verify(more, "py", q, "substring")])
            out.append((rows, PINYIN))
            maybe = self._within(maybe, rows)
        maybe = self._without(maybe, sure)
        out.append((self._union([sure, self._verify(maybe, "py", q, "prefix")]), PINYIN_PREFIX))
        return out

    def _initials_tiers(self, q: str, substring: bool) -> list[tuple[np.ndarray, int]]:
        ranges = [self._prefix_range(ch) for ch in q]
        if any(a == b for a, b in ranges):
            return []
        out = []
        if substring:
            rows, exact = self._chain(ranges)
            if not exact:
                rows = self._verify(rows, "ini", q, "substring")
            out.append((rows, INITIALS))
            firsts = self._within(self._unique(self._pair_rows((0, 1), ranges[0])), rows)
        else:
            firsts = self._chain([(0, 1)] + ranges)[0]
        out.append((self._verify(firsts, "ini", q, "prefix"), INITIALS_PREFIX))
        return out

    def _indexed_tiers(self, qn: str, compact: str | None, substring: bool) -> list[tuple[np.ndarray, int]]:
        if self.scanned == self.n:
            return []
        out = self._id_tiers(qn)
        out += self._name_tiers(qn, substring)
        if compact:
            out += self._pinyin_tiers(compact, substring)
            out += self._initials_tiers(compact, substring)
        return out

    # ------------------------------------------------------------ typos
    def _fuzzy(self, qn: str, compact: str | None, skip: np.ndarray, scan: bool = True,
               index: bool = True) -> list[tuple[np.ndarray, np.ndarray]]:
        """Rows matching ``qn`` with a typo and their tiers; ``skip`` marks rows already found.

        ``scan`` and ``index``: look among the scanned rows, the indexed ones.
        """
        from rapidfuzz import fuzz, process

        latin = compact is not None
        q = compact if latin else qn.replace(" ", "")
        if len(q) < (4 if latin else 3):
            return []

        def scores(query: str, choices: list[str], lengths: np.ndarray) -> np.ndarray:
            part = process.cdist([query], choices, scorer=fuzz.partial_ratio, dtype=np.uint8, workers=1)[0]
            whole = process.cdist([query], choices, scorer=fuzz.ratio, dtype=np.uint8, workers=1)[0]
            return np.where(lengths < len(query), whole, part)  # a short name is compared whole

        # Chinese: one wrong character of a short query scores (n-1)/n (75 for 4)
        cutoff = FUZZY_CUTOFF if latin else min(FUZZY_CUTOFF, 100 * (len(q) - 1) // len(q))
        out = []
        if scan and self.scanned:
            lists = self._scan_texts()
            if latin:
                s = np.maximum(scores(q, lists["py"], lists["py_len"]), scores(qn, lists["en"], lists["en_len"]))
            else:
                s = scores(q, lists["name"], lists["name_len"])
            rows = np.flatnonzero((s >= cutoff) & ~skip[:self.scanned])
            out.append((rows, s[rows]))
        if index and self.scanned < self.n:
            rows = self._fuzzy_candidates(q, latin)
            rows = rows[~skip[rows]]
            if len(rows):
                texts = self._keys("py" if latin else "key_name", rows).to_pylist()
                lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
                s = scores(q, texts, lengths)
                keep = s >= cutoff
                out.append((rows[keep], s[keep]))
        return [(rows, FUZZY + np.minimum(4, (100 - s.astype(np.int64)) // 5)) for rows, s in out if len(rows)]

    def _scan_texts(self) -> dict:
        if self._scan_lists is None:
            cols = self._scan()
            name = cols["key_name"].to_pylist()
            py = cols["py"].to_pylist()
            en = [v or "" for v in cols["key_en"].to_pylist()]
            self._scan_lists = {
                "name": name, "py": py, "en": en,
                **{k + "_len": np.fromiter(map(len, v), dtype=np.int64, count=len(v))
                   for k, v in (("name", name), ("py", py), ("en", en))}}
        return self._scan_lists

    def _fuzzy_candidates(self, q: str, latin: bool) -> np.ndarray:
        """Indexed rows sharing the most characters (Chinese query) or syllables (pinyin) with ``q``."""
        if latin:
            pieces, i = [], 0
            while i < len(q):
                for k in range(min(self._width, len(q) - i), 0, -1):
                    if k > 1 and q[i:i + k] in self._unit_set:
                        pieces.append(self._unit_range(q[i:i + k]))
                        i += k
                        break
                else:
                    i += 1
        else:
            pieces = [(c, c + 1) for c in dict.fromkeys(self._char_id.get(ch) for ch in q) if c]
        pieces = [p for p in dict.fromkeys(pieces) if 0 < self._pair_size(p, None) <= FUZZY_POSTINGS]
        if not pieces:
            return np.zeros(0, np.int64)
        hits = np.zeros(self.n, dtype=np.uint8)
        for p in pieces:
            hits[self._unique(self._pair_rows(p, None))] += 1
        need = max(1, math.ceil(len(pieces) / 2))
        rows = np.flatnonzero(hits >= need)
        if len(rows) > FUZZY_CANDIDATES:
            best = np.argsort(-hits[rows].astype(np.int16), kind="stable")[:FUZZY_CANDIDATES]
            rows = np.sort(rows[best])
        return rows

    # ------------------------------------------------------------ queries
    def _parse_filters(self, label, filters) -> dict[str, tuple[str, ...]]:
        got = {}
        for k, v in (filters or {}).items():
            if k not in FACETS:
                raise BadRequest(f"unknown search filter {k!r}: one of {', '.join(FACETS)}")
            if _as_set(v):
                got[k] = _as_set(v)
        if label:
            got["label"] = tuple(dict.fromkeys(got.get("label", ()) + _as_set(label)))
        for lab in got.get("label", ()):
            if lab not in _LABEL_CODE:
                raise BadRequest(f"unknown label {lab!r}: one of {', '.join(SEARCH_ORDER)}")
        return got

    def _filter_mask(self, rows: np.ndarray, facet: str, values: tuple[str, ...]) -> np.ndarray:
        """Which of the (sorted) ``rows`` have one of ``values``: label ranges, facet codes."""
        mask = np.zeros(len(rows), dtype=bool)
        if facet == "label":
            for lab in values:
                if lab in self._ranges:
                    i0, i1 = np.searchsorted(rows, self._ranges[lab])
                    mask[i0:i1] = True
            return mask
        index = {v: i for i, v in enumerate(self._facet_values[facet])}
        allowed = np.array([index[v] for v in values if v in index], dtype=np.int64)
        k = int(np.searchsorted(rows, self._facet_end[facet]))  # no values past this row
        mask[:k] = np.isin(self.codes[facet][rows[:k]], allowed)
        return mask

    def _match(self, qn: str, labels: tuple[str, ...], substring: bool = True, fuzzy: bool = True) -> np.ndarray:
        """The best tier of every row (NONE where it does not match); ``labels`` () is all."""
        compact = _SEPARATORS.sub("", qn)
        compact = compact if len(compact) >= 2 and compact.isascii() and compact.isalnum() else None
        tiers = np.full(self.n, NONE, dtype=np.uint8)
        wanted = [self._ranges[lab] for lab in (labels or self._ranges) if lab in self._ranges]
        scan = any(a < self.scanned for a, _ in wanted)
        index = any(a >= self.scanned for a, _ in wanted)
        found = (self._scan_tiers(qn, compact) if scan else []) + \
            (self._indexed_tiers(qn, compact, substring) if index else [])
        for rows, tier in sorted(found, key=lambda f: -f[1]):
            tiers[rows] = tier
        if fuzzy:
            matched = tiers != NONE
            if labels:
                matched &= self._label_mask(labels)
            if int(matched.sum()) < FUZZY_BELOW:
                for rows, t in self._fuzzy(qn, compact, tiers != NONE, scan, index):
                    tiers[rows] = t
        return tiers

    def _label_mask(self, labels: tuple[str, ...]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for lab in labels:
            if lab in self._ranges:
                a, b = self._ranges[lab]
                mask[a:b] = True
        return mask

    def _hits(self, rows: np.ndarray, tiers: np.ndarray) -> list[Hit]:
        if len(rows) == 0:
            return []
        take = pa.array(rows, pa.int64())
        cols = {c: self.table.column(c).take(take).to_pylist() for c in ("id", "name", "name_en")}
        facets = {f: self.codes[f][rows] for f in FACETS[1:]}
        out = []
        for i, r in enumerate(rows):
            extra = {}
            for f in FACETS[1:]:
                code = int(facets[f][i])
                if code >= 0:
                    extra[f] = self._facet_values[f][code]
            out.append(Hit(id=cols["id"][i], label=LABEL_LIST[int(self.labels[r])].name, name=cols["name"][i],
                           match=MATCH[int(tiers[i])], name_en=cols["name_en"][i], **extra))
        return out

    def search(self, q: str, label: str | None = None, limit: int = 20, offset: int = 0,
               filters: Mapping[str, str | Iterable[str]] | None = None) -> SearchResult:
        """Find nodes: hits by relevance, grouped by label, facets over every match.

        Parameters
        ----------
        q : str
            Chinese or English text, full pinyin, initials, an id or its start; at most
            100 characters are used.
        label : str, optional
            Only nodes of this label (the same as ``filters={"label": label}``).
        limit, offset : int
            The page of hits (limit 1-500).
        filters : dict, optional
            ``label``, ``category``, ``division``, ``province``: a value or a list of values.

        Returns
        -------
        SearchResult
            ``total`` matches; ``facets`` count them per value (a facet without its own filter).
        """
        limit, offset = _page_size(limit), _whole(offset, "offset")
        if offset < 0:
            raise BadRequest(f"offset must not be negative, not {offset}")
        got = self._parse_filters(label, filters)
        q = q or ""
        qn = normalize(q)[:MAX_QUERY]
        if not qn or self.n == 0:
            return SearchResult(q, 0, offset, limit, (), (), {f: {} for f in FACETS}, got)
        tiers = self._match(qn, got.get("label", ()))
        rows = np.flatnonzero(tiers != NONE)
        masks = {f: self._filter_mask(rows, f, v) for f, v in got.items()}
        subsets: dict[frozenset, np.ndarray] = {}

        def narrowed(without: str | None = None) -> np.ndarray:
            use = frozenset(f for f in masks if f != without)
            if use not in subsets:
                subsets[use] = rows[np.logical_and.reduce([masks[f] for f in use])] if use else rows
            return subsets[use]

        facets = {f: self._count(narrowed(f), f) for f in FACETS}
        rows = narrowed()
        page = self._page(rows, tiers[rows], offset, limit)
        hits = tuple(self._hits(page, tiers[page]))
        groups = []
        for lab in LABEL_LIST:
            total = facets["label"].get(lab.name, 0) if lab.name in got.get("label", (lab.name,)) else 0
            mine = tuple(h for h in hits if h.label == lab.name)
            if total or mine:
                groups.append(Group(lab.name, total, mine))
        return SearchResult(q, len(rows), offset, limit, hits, tuple(groups), facets, got)

    @staticmethod
    def _page(rows: np.ndarray, tiers: np.ndarray, offset: int, limit: int) -> np.ndarray:
        """``rows[offset:offset + limit]`` in (tier, row) order, sorting no more than the page needs."""
        counts = np.bincount(tiers, minlength=256)
        out, skip = [], offset
        for t in np.flatnonzero(counts):
            if skip >= counts[t]:
                skip -= int(counts[t])
                continue
            got = rows[np.flatnonzero(tiers == t)[skip:skip + limit - sum(map(len, out))]]
            skip = 0
            out.append(got)
            if sum(map(len, out)) >= limit:
                break
        return np.concatenate(out) if out else rows[:0]

    def _count(self, rows: np.ndarray, facet: str) -> dict[str, int]:
        """Matches per value of a facet, most first (labels in LABEL_LIST order)."""
        if facet == "label":
            out = {}
            for lab in LABEL_LIST:
                if lab.name in self._ranges:
                    i0, i1 = np.searchsorted(rows, self._ranges[lab.name])
                    if i1 > i0:
                        out[lab.name] = int(i1 - i0)
            return out
        codes = self.codes[facet][rows[:int(np.searchsorted(rows, self._facet_end[facet]))]]
        counts = np.bincount(codes[codes >= 0], minlength=len(self._facet_values[facet]))
        values = self._facet_values[facet]
        return dict(sorted(((values[i], int(counts[i])) for i in np.flatnonzero(counts)),
                           key=lambda kv: (-kv[1], kv[0])))

    def suggest(self, q: str, limit: int = 10, label: str | None = None) -> list[dict]:
        """Autocomplete: exact matches, then prefixes (of any kind), then the rest; hit dicts.

        Within each, labels in ``SEARCH_ORDER``, at most half of the places per label
        while other labels have hits, so a belt is never pushed out by merchants.
        Indexed labels (Merchant) are matched by prefix only unless that finds too few.
        ``label`` narrows to one label (an entity picker).
        """
        limit = _page_size(limit)
        labels = self._parse_filters(label, None).get("label", ())
        qn = normalize(q)[:MAX_QUERY]
        if not qn or self.n == 0:
            return []
        for substring in (False, True):
            tiers = self._match(qn, labels, substring=substring, fuzzy=substring)
            matched = tiers != NONE
            if labels:
                matched &= self._label_mask(labels)
            rows = np.flatnonzero(matched)
            if len(rows) >= limit:
                break
        ordered = self._page(rows, _SUGGEST_GROUP[tiers[rows]], 0, limit * 20)
        cap = max(2, -(-limit // 2))
        picked, spare, per = [], [], {}
        for i, r in enumerate(ordered):
            code = int(self.labels[r])
            if per.get(code, 0) < cap:
                per[code] = per.get(code, 0) + 1
                picked.append(i)
                if len(picked) == limit:
                    break
            else:
                spare.append(i)
        page = ordered[sorted(picked + spare[:limit - len(picked)])]
        return [h.to_dict() for h in self._hits(page, tiers[page])]


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(array))


def _load_npy(path: Path) -> np.ndarray:
    a = np.load(path, mmap_mode="r") if path.stat().st_size > 256 else np.load(path)
    return a.view(np.ndarray) if isinstance(a, np.memmap) else a


__all__ = ["SEARCH_ORDER", "SCAN_BUDGET", "Hit", "Group", "SearchResult", "SearchIndex", "build_search_index",
           "char_unit", "normalize", "phrase_pinyin"]
