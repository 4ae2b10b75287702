"""Check and type a raw bundle against the model, finding every problem in one pass.

``validate(raw, base)`` returns a :class:`Validated` (typed GraphData of the new
rows, the columns each file gave, a summary) or raises ``BundleError`` listing
problems as ``file:line: message``. Checks run column-wise on Arrow arrays, so a
million-row file costs seconds, not minutes; only the rows with a problem are
turned into Python objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graph import quarters
from graph.data import GraphData, arrow_type, fact_schema, node_schema, rel_schema
from graph.errors import BundleError, Problem, with_article
from graph.model import FACTS, LABELS, REL_KEY_PROPS, REL_TYPES, ROLE_ALIASES, Prop

from .read import RawBundle, RawTable

TRUE = ("true", "1", "yes", "y", "t", "是", "真", "对")
FALSE = ("false", "0", "no", "n", "f", "否", "假", "错")
INT_RE = r"^[+-]?\d{1,18}(\.0*)?$"
FLOAT_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
GROUPED_RE = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"
DATE_RE = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?$"

KIND_HELP = {
    "int": "a whole number",
    "float": "a number",
    "date": "a date YYYY-MM-DD",
    "bool": "true/false, 1/0, yes/no or 是/否",
    "quarter": "a quarter like 2020Q3",
}


class Problems:
    """Collects problems up to a cap, counting all of them."""

    def __init__(self, cap: int):
        self.cap = cap
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, file: str, line: int, message: str) -> None:
        self.total += 1
        if len(self.kept) < self.cap:
            self.kept.append(Problem(file, line, message))

    def add_rows(self, raw: RawTable, rows: np.ndarray, message) -> None:
        """One problem per row index; ``message(row)`` makes the text."""
        self.total += len(rows)
        room = self.cap - len(self.kept)
        for r in rows[:max(room, 0)]:
            self.kept.append(Problem(raw.display, raw.line(int(r)), message(int(r))))

    def raise_if_any(self) -> None:
        if self.total:
            raise BundleError(sorted(self.kept, key=lambda p: (p.file, p.line)), self.total)


@dataclass
class Validated:
    data: GraphData
    present: dict[str, set[str]]
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)


# ---------------------------------------------------------------- conversions

def _rows(mask) -> np.ndarray:
    m = mask.to_numpy(zero_copy_only=False) if hasattr(mask, "to_numpy") else np.asarray(mask)
    return np.flatnonzero(np.asarray(m, dtype=bool))


def _mask_bad(col: pa.ChunkedArray, ok: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.and_(pc.is_valid(col), pc.invert(pc.fill_null(ok, False)))


def convert(col: pa.ChunkedArray, prop: Prop) -> tuple[pa.Array, pa.ChunkedArray | None]:
    """Type a text column per the property. Returns (values, bad-row mask or None)."""
    col = pa.chunked_array(col.chunks, pa.string()) if col.num_chunks else pa.chunked_array([pa.array([], pa.string())])
    kind = prop.kind
    if kind == "string":
        if prop.choices:
            norm = pc.utf8_lower(col)
            return norm, _mask_bad(col, pc.is_in(norm, value_set=pa.array(prop.choices)))
        return col, None
    fast = _fast_cast(col, kind)
    if fast is not None:
        return fast, None
    if kind == "int":
        ok = pc.match_substring_regex(col, INT_RE)
        clean = pc.replace_substring_regex(pc.if_else(ok, col, None), r"(^\+)|(\.0*$)", "")
        return pc.cast(clean, pa.int64()), _mask_bad(col, ok)
    if kind == "float":
        grouped = pc.match_substring_regex(col, GROUPED_RE)
        col2 = pc.if_else(grouped, pc.replace_substring(col, ",", ""), col)
        ok = pc.match_substring_regex(col2, FLOAT_RE)
        clean = pc.replace_substring_regex(pc.if_else(ok, col2, None), r"^\+", "")
        values = pc.cast(clean, pa.float64())
        # 1e999 is a float's syntax but infinity: no amount a user meant (and not JSON).
        ok = pc.and_(ok, pc.fill_null(pc.is_finite(values), True))
        return pc.if_else(ok, values, None), _mask_bad(col, ok)
    if kind == "date":
        parts = pc.extract_regex(col, DATE_RE)
        y = pc.struct_field(parts, "y")
        m = pc.utf8_lpad(pc.struct_field(parts, "m"), 2, "0")
        d = pc.utf8_lpad(pc.struct_field(parts, "d"), 2, "0")
        text = pc.binary_join_element_wise(y, m, d, "-")
        ts = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2020-02-30 over to March; a real date prints back the same.
        ok = pc.equal(pc.strftime(ts, format="%Y-%m-%d"), text)
        ok = pc.and_(ok, pc.greater_equal(y, "1900"))
        values = pc.cast(pc.if_else(pc.fill_null(ok, False), ts, None), pa.date32())
        return values, _mask_bad(col, ok)
    if kind == "bool":
        norm = pc.utf8_lower(col)
        is_true = pc.is_in(norm, value_set=pa.array(TRUE))
        is_false = pc.is_in(norm, value_set=pa.array(FALSE))
        values = pc.if_else(is_true, True, pc.if_else(is_false, False, None))
        return pc.cast(values, pa.bool_()), _mask_bad(col, pc.or_(is_true, is_false))
    if kind == "quarter":
        parts = pc.extract_regex(col, quarters.INPUT_PATTERN)
        text = pc.binary_join_element_wise(pc.struct_field(parts, "y"), pc.struct_field(parts, "q"), "Q")
        return text, _mask_bad(col, pc.is_valid(text))
    if kind == "list":
        out, bad = [], []
        for v in col.to_pylist():
            if v is None:
                out.append(None)
                bad.append(False)
                continue
            items = [_norm_choice(x) for x in v.replace("；", ";").replace("、", ";").replace("|", ";").split(";")]
            items = [x for x in items if x]
            items = [ROLE_ALIASES.get(x, x) for x in items]
            ok = all(x in prop.choices for x in items) if prop.choices else True
            out.append(list(dict.fromkeys(items)) or None if ok else None)
            bad.append(not ok or not items)
        return pa.array(out, pa.list_(pa.string())), pa.chunked_array([pa.array(bad, pa.bool_())])
    raise AssertionError(kind)


def _fast_cast(col: pa.ChunkedArray, kind: str):
    """Arrow's own strict cast, when every cell is already in canonical form (the common case)."""
    target = {"int": pa.int64(), "float": pa.float64(), "date": pa.date32()}.get(kind)
    if target is None:
        return None
    try:
        values = pc.cast(col, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if kind == "float" and not pc.all(pc.fill_null(pc.is_finite(values), True)).as_py():
        return None  # nan and inf are not numbers a user meant
    if kind == "date" and values.null_count < len(values) and pc.min(pc.year(values)).as_py() < 1900:
        return None
    return values


def _norm_choice(x: str) -> str:
    return x.strip().lower().replace(" ", "_").replace("-", "_")


def _bad_message(prop: Prop, value: str) -> str:
    """The problem with a cell that did not convert.

    >>> _bad_message(Prop("gmv", "float"), "1e999")
    "bad number '1e999' for gmv: not a finite number"
    """
    if prop.kind == "float" and not math.isfinite(_float_or_zero(value)):
        return f"bad number {value!r} for {prop.name}: not a finite number"
    if prop.choices:
        return f"bad value {value!r} for {prop.name}: expected one of {', '.join(prop.choices)}"
    noun = "number" if prop.kind in ("int", "float") else ("date" if prop.kind == "date" else "value")
    return f"bad {noun} {value!r} for {prop.name}: expected {KIND_HELP[prop.kind]}"


def _float_or_zero(value: str) -> float:
    try:
        return float(value.replace(",", ""))
    except ValueError:
        return 0.0


def _range_mask(values, prop: Prop):
    if prop.min is None and prop.max is None:
        return None
    mask = None
    if prop.min is not None:
        mask = pc.less(values, prop.min)
    if prop.max is not None:
        hi = pc.greater(values, prop.max)
        mask = hi if mask is None else pc.or_(mask, hi)
    return pc.fill_null(mask, False)


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _range_message(prop: Prop, value) -> str:
    """The problem with a number outside its property's range.

    >>> _range_message(Prop("gmv", "float", min=0), -5.0)
    'gmv -5 is negative: expected 0 or more'
    """
    if prop.max is None and prop.min == 0:
        return f"{prop.name} {_fmt(value)} is negative: expected 0 or more"
    lo = "" if prop.min is None else _fmt(prop.min)
    hi = "" if prop.max is None else _fmt(prop.max)
    return f"{prop.name} {_fmt(value)} is out of range {lo}..{hi}"


# ---------------------------------------------------------------- one table

def _typed_columns(raw: RawTable, props: tuple[Prop, ...], fixed: tuple[str, ...],
                   problems: Problems, extras_out: list[str]) -> tuple[dict[str, object], set[str]] | None:
    """Map the header to properties, type each column, report bad cells.

    Returns ({column: typed array}, present columns) or None when the header is unusable.
    """
    by_lower = {p.name.lower(): p.name for p in props}
    by_lower.update({f: f for f in fixed})
    seen: dict[str, int] = {}
    seen_lower: set[str] = set()
    mapping: list[str | None] = []
    header_ok = True
    for i, h in enumerate(raw.columns):
        if not h:
            col = raw.table.column(i)
            if col.null_count < len(col):
                problems.add(raw.display, 1, f"column {i + 1} has values but no name in the header")
                header_ok = False
            mapping.append(None)
            continue
        name = by_lower.get(h.lower(), h)
        # Property names are not told apart by case in the stores (nor by most users).
        if name.lower() in seen_lower:
            problems.add(raw.display, 1, f"duplicate column {h!r} in the header")
            header_ok = False
            mapping.append(None)
            continue
        if name.startswith("_") and name not in by_lower.values():
            # _ID, _LABEL, ... are the engine's own; results leave out every _name.
            problems.add(raw.display, 1, f"column {h!r}: names starting with _ are reserved; rename it")
            header_ok = False
            mapping.append(None)
            continue
        seen[name] = i
        seen_lower.add(name.lower())
        mapping.append(name)
    present = set(seen)
    required = [f for f in fixed] + [p.name for p in props if p.required]
    for name in required:
        if name not in present:
            problems.add(raw.display, 1, f"missing required column {name!r}")
            header_ok = False
    if not header_ok:
        return None

    n = raw.table.num_rows
    out: dict[str, object] = {}
    prop_by_name = {p.name: p for p in props}
    for name in fixed:
        col = raw.table.column(seen[name])
        missing = _rows(pc.is_null(col))
        problems.add_rows(raw, missing, lambda r, name=name: f"missing value for required column {name!r}")
        out[name] = col
    for p in props:
        if p.name not in seen:
            default = p.default
            out[p.name] = pa.nulls(n, arrow_type(p)) if default is None else pa.array([default] * n, arrow_type(p))
            continue
        col = raw.table.column(seen[p.name])
        values, bad = convert(col, p)
        if bad is not None:
            rows = _rows(bad)
            if len(rows):
                problems.add_rows(raw, rows, lambda r, p=p, col=col: _bad_message(p, col[r].as_py()))
        rng = _range_mask(values, p)
        if rng is not None:
            rows = _rows(rng)
            problems.add_rows(raw, rows, lambda r, p=p, v=values: _range_message(p, v[r].as_py()))
        if p.required:
            missing = _rows(pc.is_null(col))
            problems.add_rows(raw, missing, lambda r, p=p: f"missing value for required column {p.name!r}")
        if p.default is not None:
            values = pc.fill_null(values, pa.scalar(p.default, arrow_type(p)))
        out[p.name] = values
    for i, name in enumerate(mapping):
        if name is not None and name not in prop_by_name and name not in fixed:
            out[name] = raw.table.column(i)
            extras_out.append(name)
    return out, present


def _table(cols: dict[str, object], schema: pa.Schema, extras: list[str]) -> pa.Table:
    fields = list(schema) + [pa.field(e, pa.string()) for e in extras]
    arrays = []
    for f in fields:
        c = cols[f.name]
        c = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
        arrays.append(pc.cast(c, f.type) if c.type != f.type else c)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


# ---------------------------------------------------------------- ids and keys

class _IdLookup:
    """Every node id with a label code, for one vectorised lookup of many columns."""

    def __init__(self, ids: pa.Table):
        self.names = list(LABELS)
        self.code = {name: i for i, name in enumerate(self.names)}
        self.values = ids.column("id").combine_chunks() if ids.num_rows else pa.array([], pa.string())
        self.codes = np.zeros(ids.num_rows, dtype=np.int8)
        if ids.num_rows:
            enc = pc.dictionary_encode(ids.column("label")).combine_chunks()
            to_code = np.array([self.code[x] for x in enc.dictionary.to_pylist()], dtype=np.int8)
            self.codes = to_code[enc.indices.to_numpy(zero_copy_only=False)]

    def __len__(self) -> int:
        return len(self.values)

    def positions(self, columns: list[pa.ChunkedArray]) -> list[np.ndarray]:
        """The position of each cell's id in the lookup, -1 where absent (one hash build)."""
        if not columns:
            return []
        chunks = [c for col in columns for c in pa.chunked_array(col).chunks]
        allcells = pa.concat_arrays([c.cast(pa.string()) for c in chunks]) if chunks else pa.array([], pa.string())
        pos = pc.fill_null(pc.index_in(allcells, value_set=self.values), -1).to_numpy(zero_copy_only=False)
        out, start = [], 0
        for col in columns:
            out.append(pos[start:start + len(col)].astype(np.int64))
            start += len(col)
        return out


def _last_of_each(key: np.ndarray) -> np.ndarray:
    """Row numbers keeping the last row of each key, in row order.

    >>> _last_of_each(np.array([5, 3, 5, 7])).tolist()
    [1, 2, 3]
    """
    if len(key) < 2:
        return np.arange(len(key))
    rev = key[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    return np.sort(len(key) - 1 - first_in_rev)


def _report_duplicate_ids(valid: pa.Table, raw_by_display: dict, problems: Problems) -> None:
    counts = valid.group_by("id", use_threads=False).aggregate([("row", "count")])
    dup_ids = counts.filter(pc.greater(counts.column("row_count"), 1)).column("id")
    dups = valid.filter(pc.is_in(valid.column("id"), value_set=dup_ids)).to_pylist()
    first: dict[str, dict] = {}
    for d in dups:
        if d["id"] not in first:
            first[d["id"]] = d
            continue
        f = first[d["id"]]
        where = f"{f['file']}:{raw_by_display[f['file']].line(f['row'])}"
        problems.add(d["file"], raw_by_display[d["file"]].line(d["row"]),
                     f"duplicate id {d['id']!r} (first at {where})")


def _report_duplicate_keys(raw_t: RawTable, keys, ft, problems: Problems) -> None:
    idx = pa.table({"k": keys, "i": pa.array(np.arange(len(keys)))})
    first = idx.group_by("k", use_threads=False).aggregate([("i", "min"), ("i", "count")])
    dup_keys = first.filter(pc.greater(first.column("i_count"), 1))
    firsts = dict(zip(dup_keys.column("k").to_pylist(), dup_keys.column("i_min").to_pylist()))
    rows = _rows(pc.is_in(keys, value_set=dup_keys.column("k")))
    rows = np.asarray([r for r in rows if firsts[keys[int(r)].as_py()] != r], dtype=np.int64)
    label = "id" if ft.key == ("id",) else "row for " + " and ".join(ft.key)
    problems.add_rows(raw_t, rows, lambda r: f"duplicate {label} {keys[r].as_py().replace(chr(31), ' ')!r} "
                                             f"(first at line {raw_t.line(firsts[keys[r].as_py()])})")


# ---------------------------------------------------------------- the bundle

def validate(raw: RawBundle, base: GraphData | None = None, max_errors: int = 50) -> Validated:
    """Check a raw bundle; return typed data or raise BundleError with every problem."""
    problems = Problems(max_errors)
    data = GraphData.empty()
    present: dict[str, set[str]] = {}
    extras: dict[str, list[str]] = {}
    warnings: list[str] = []
    files: dict[str, dict] = {}
    seen_paths: dict[str, str] = {}

    node_files: list[tuple[RawTable, str, pa.Table]] = []
    rel_files: list[tuple[RawTable, str, pa.Table]] = []
    fact_files: list[tuple[RawTable, str, pa.Table]] = []
    # per section: what it names, the word for it, columns every file has, its schema, where it goes
    sections = {
        "nodes": (LABELS, "label", (), node_schema, node_files),
        "rels": (REL_TYPES, "relationship type", ("from", "to"), rel_schema, rel_files),
        "facts": (FACTS, "fact table", (), fact_schema, fact_files),
    }

    for raw_t in raw.tables:
        for p in raw_t.problems:
            problems.add(p.file, p.line, p.message)
        problems.total += raw_t.more_problems
        if not raw_t.columns:
            continue
        section, name = raw_t.section, raw_t.name
        key = f"{section}/{name}"
        if key in seen_paths:
            problems.add(raw_t.display, 1, f"{key} is given twice (also {seen_paths[key]})")
            continue
        seen_paths[key] = raw_t.display
        files[raw_t.display] = {"rows": raw_t.table.num_rows, "encoding": raw_t.encoding}
        extra_cols: list[str] = []
        known, what, fixed, schema, into = sections[section]
        if name not in known:
            problems.add(raw_t.display, 1, f"unknown {what} {name!r}: expected one of {', '.join(known)}")
            continue
        res = _typed_columns(raw_t, known[name].props, fixed, problems, extra_cols)
        if res is None:
            continue
        cols, pres = res
        into.append((raw_t, name, _table(cols, schema(name), extra_cols)))
        present[key] = pres
        if extra_cols:
            extras[raw_t.display] = extra_cols

    # ---- node ids: unique across every label, and against the loaded graph for --merge
    id_tables = []
    for raw_t, label, table in node_files:
        id_tables.append(pa.table({
            "id": table.column("id"), "label": pa.array([label] * table.num_rows, pa.string()),
            "file": pa.array([raw_t.display] * table.num_rows, pa.string()),
            "row": pa.array(np.arange(table.num_rows, dtype=np.int64)),
        }))
    raw_by_display = {rt.display: rt for rt, _, _ in node_files}
    if id_tables:
        ids = pa.concat_tables(id_tables)
        valid = ids.filter(pc.is_valid(ids.column("id")))
    else:
        valid = pa.table({"id": pa.array([], pa.string()), "label": pa.array([], pa.string())})

    all_ids = valid.select(["id", "label"])
    if base is not None:
        old = base.node_ids()
        if old.num_rows:
            pos = pc.index_in(all_ids.column("id"), value_set=old.column("id"))
            clash = pc.and_(pc.is_valid(pos), pc.not_equal(
                all_ids.column("label"), old.column("label").take(pc.fill_null(pos, 0))))
            for i in _rows(clash)[: problems.cap]:
                row = valid.slice(int(i), 1).to_pylist()[0]
                was = old.column("label")[pos[int(i)].as_py()].as_py()
                problems.add(row["file"], raw_by_display[row["file"]].line(row["row"]),
                             f"id {row['id']!r} is already {with_article(was)} in the loaded graph, not {with_article(row['label'])}")
            all_ids = pa.concat_tables([all_ids, old.filter(pc.invert(pc.is_in(old.column("id"), value_set=all_ids.column("id"))))])
    lookup = _IdLookup(all_ids)

    # ---- every relationship and fact end, looked up in one pass over the ids
    refs = []
    for raw_t, name, table in rel_files:
        rt = REL_TYPES[name]
        refs.append((raw_t, table, "from", rt.src_labels, name))
        refs.append((raw_t, table, "to", rt.dst_labels, name))
    for raw_t, name, table in fact_files:
        for ref in FACTS[name].refs:
            refs.append((raw_t, table, ref.column, (ref.label,), f"{name}.{ref.column}"))
    # The ids themselves go first: a position other than their own row is a duplicate.
    own, *positions = lookup.positions([valid.column("id")] + [t.column(c) for _, t, c, _, _ in refs])
    if (own != np.arange(len(own))).any():
        _report_duplicate_ids(valid, raw_by_display, problems)
    ends = {}
    for (raw_t, table, column, allowed, what), pos in zip(refs, positions):
        ends[(id(table), column)] = pos
        col = table.column(column)
        present_cells = ~np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool)
        missing = np.flatnonzero(present_cells & (pos < 0))
        problems.add_rows(raw_t, missing, lambda r, col=col, column=column: f"{column} {col[r].as_py()!r} does not exist")
        codes = lookup.codes[np.maximum(pos, 0)] if len(lookup.codes) else np.zeros(len(pos), np.int8)
        allowed_codes = [lookup.code[a] for a in allowed if a in lookup.code]
        wrong = np.flatnonzero((pos >= 0) & ~np.isin(codes, allowed_codes))
        need = " or ".join(allowed)
        problems.add_rows(raw_t, wrong, lambda r, col=col, column=column, codes=codes, what=what, need=need:
                          f"{column} {col[r].as_py()!r} is {with_article(lookup.names[codes[r]])}, but {what} needs {with_article(need)}")

    for raw_t, name, table in rel_files:
        rt = REL_TYPES[name]
        src, dst = ends[(id(table), "from")], ends[(id(table), "to")]
        if len(rt.ends) > 1 and table.num_rows:
            known = (src >= 0) & (dst >= 0)
            s_l, d_l = lookup.codes[np.maximum(src, 0)], lookup.codes[np.maximum(dst, 0)]
            ok = np.zeros(len(src), dtype=bool)
            for a, b in rt.ends:
                if a in lookup.code and b in lookup.code:
                    ok |= (s_l == lookup.code[a]) & (d_l == lookup.code[b])
            bad = np.flatnonzero(known & ~ok)
            problems.add_rows(raw_t, bad, lambda r, s_l=s_l, d_l=d_l, name=name:
                              f"{name} cannot go from {with_article(lookup.names[s_l[r]])} to {with_article(lookup.names[d_l[r]])}")
        key = src.astype(np.int64) * (len(lookup) + 1) + dst
        for k in REL_KEY_PROPS.get(name, ()):
            enc = pc.dictionary_encode(pc.fill_null(pc.cast(table.column(k), pa.string()), "")).combine_chunks()
            key = key * (len(enc.dictionary) + 1) + enc.indices.to_numpy(zero_copy_only=False)
        keep = _last_of_each(key)
        if len(keep) != table.num_rows:
            warnings.append(f"{raw_t.display}: {table.num_rows - len(keep)} repeated relationship row(s) "
                            "merged (the last one kept)")
            table = table.take(pa.array(keep))
        data.rels[name] = table

    for raw_t, name, table in fact_files:
        ft = FACTS[name]
        keys = pc.binary_join_element_wise(*[pc.fill_null(pc.cast(table.column(k), pa.string()), "") for k in ft.key], "\x1f") \
            if len(ft.key) > 1 else table.column(ft.key[0])
        if pc.count_distinct(keys).as_py() != table.num_rows:
            _report_duplicate_keys(raw_t, keys, ft, problems)
        data.facts[name] = table

    problems.raise_if_any()
    for raw_t, label, table in node_files:
        data.nodes[label] = table
    return Validated(data, present, extras, warnings, files)
