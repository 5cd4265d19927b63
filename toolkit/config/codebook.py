"""The questionnaire codebook (YAML): what a data file can't say about its tables.

A codebook declares batteries, multi-response sets, two-way tables, filter questions, coded open
answers, titles/numbers/notes, label overrides and missing codes (format: surveys/README.md).
Loading validates every key and names the file and the key path (``tables[2].items``) in errors.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.config.yaml import read_yaml
from toolkit.core.codes import Code, code_key
from toolkit.core.errors import ConfigError

TABLE_TYPES = ("single", "battery", "multi", "twoway", "open")
LAYOUTS = ("columns", "rows")
_TOP_KEYS = {"title", "source", "chapter", "missing", "datasets", "scales", "variables", "tables", "skip"}
_DATASET_KEYS = {"group", "source", "weighted_to", "cluster", "strata"}
_VARIABLE_KEYS = {"label", "values", "missing"}
_TABLE_KEYS = {
    "type", "id", "number", "title", "question", "variable", "items", "row", "column", "data", "by",
    "layout", "filter", "base", "sort", "letters", "test", "note", "source", "missing", "stub",
}
_NEEDS = {"single": "variable", "open": "variable", "battery": "items", "multi": "items"}


@dataclass
class VariableSpec:
    """Label overrides for one variable (or a glob pattern of variables such as ``maal_*``)."""

    label: str | None = None
    values: dict[Code, str] | None = None
    missing: list[Code] = field(default_factory=list)


@dataclass
class DatasetSpec:
    """What the codebook says about one data file (named by file stem or NAME=PATH)."""

    group: str | None = None  # the group label when files are shown side by side
    source: str | None = None  # "Kilde:" line for its tables
    weighted_to: str | None = None  # "Tabellen er vægtet til …"
    cluster: str | None = None  # PSU variable for the Rao-Scott test (default: respondents)
    strata: str | None = None


@dataclass
class TableSpec:
    """One table the codebook asks for; `key` is where it sits in the file (for messages)."""

    type: str
    key: str
    id: str | None = None
    number: str = ""
    title: str | None = None
    question: str | None = None
    variable: str | None = None
    items: list[str] = field(default_factory=list)
    item_labels: dict[str, str] = field(default_factory=dict)
    row: str | None = None
    column: str | None = None
    data: list[str] | None = None
    by: str | None = None
    layout: str | None = None
    filter: dict[str, list[Code]] = field(default_factory=dict)
    base: str = "answered"
    sort: str = "code"
    letters: bool = False
    test: bool = True
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    missing: list[Code] = field(default_factory=list)
    stub: str | None = None

    def variables(self) -> list[str]:
        """Every data column the table reads (filter variables included)."""
        cols = [c for c in (self.variable, self.row, self.column) if c] + list(self.items)
        return cols + [v for v in self.filter if v not in cols]


@dataclass
class Codebook:
    """A parsed, validated codebook."""

    path: str = "<codebook>"
    title: str | None = None
    source: str | None = None
    chapter: str = ""
    missing: list[Code] = field(default_factory=list)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    variables: dict[str, VariableSpec] = field(default_factory=dict)
    tables: list[TableSpec] | None = None  # None: one table per labelled variable
    skip: list[str] = field(default_factory=list)  # variables (globs) left out when tables is None

    def skipped(self, name: str) -> bool:
        """True when `skip:` names the variable (exactly or by a glob pattern)."""
        return any(fnmatch.fnmatchcase(name, p) for p in self.skip)

    def variable(self, name: str) -> VariableSpec:
        """The spec for a column: exact name first, then the first matching glob pattern."""
        if name in self.variables:
            return self.variables[name]
        for pattern, spec in self.variables.items():
            if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(name, pattern):
                return spec
        return VariableSpec()

    def dataset(self, name: str) -> DatasetSpec:
        return self.datasets.get(name, DatasetSpec())


class _Reader:
    """Validation helpers that raise ConfigError naming the file and key path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{key}: {problem}" if key else problem, self.path)

    def mapping(self, value: Any, key: str, allowed: set[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping (key: value lines), got {_kind(value)}")
        if allowed is not None:
            for k in value:
                if str(k) not in allowed:
                    raise self.fail(f"{key}.{k}" if key else str(k), f"unknown key; allowed: {', '.join(sorted(allowed))}")
        return value

    def text(self, value: Any, key: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise self.fail(key, f"expected text, got {_kind(value)}")
        return str(value)

    def name(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a variable name, got {_kind(value)}")
        return value.strip()

    def codes(self, value: Any, key: str) -> list[Code]:
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        for v in items:
            if isinstance(v, (dict, list)) or v is None:
                raise self.fail(key, f"expected a code or a list of codes, got {_kind(v)}")
        return [code_key(v) for v in items]

    def labels(self, value: Any, key: str, scales: dict[str, dict[Code, str]]) -> dict[Code, str]:
        if isinstance(value, str):
            if value not in scales:
                raise self.fail(key, f"unknown scale '{value}'; defined scales: {', '.join(scales) or '(none)'}")
            return dict(scales[value])
        m = self.mapping(value, key)
        out: dict[Code, str] = {}
        for k, v in m.items():
            if v is None or isinstance(v, (dict, list)):
                raise self.fail(f"{key}.{k}", "expected a label text for the code")
            out[code_key(k)] = str(v)
        return out

    def flag(self, value: Any, key: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def choice(self, value: Any, key: str, allowed: tuple[str, ...], default: str | None) -> str | None:
        if value is None:
            return default
        if value not in allowed:
            raise self.fail(key, f"'{value}' is not allowed; use one of: {', '.join(allowed)}")
        return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def parse_codebook(raw: Any, path: str | Path = "<codebook>") -> Codebook:
    """Validate a codebook already parsed from YAML; errors name `path` and the key."""
    r = _Reader(str(path))
    if raw is None:
        raw = {}
    top = r.mapping(raw, "", _TOP_KEYS)
    cb = Codebook(path=str(path), title=r.text(top.get("title"), "title"), source=r.text(top.get("source"), "source"),
                  chapter=r.text(top.get("chapter"), "chapter") or "", missing=r.codes(top.get("missing"), "missing"))
    skip = top.get("skip") or []
    if not isinstance(skip, list) or not all(isinstance(x, str) for x in skip):
        raise r.fail("skip", "expected a list of variable names (globs such as 'kommune*' allowed)")
    cb.skip = list(skip)
    scales = {str(k): r.labels(v, f"scales.{k}", {}) for k, v in r.mapping(top.get("scales") or {}, "scales").items()}
    for name, spec in r.mapping(top.get("datasets") or {}, "datasets").items():
        key = f"datasets.{name}"
        d = r.mapping(spec or {}, key, _DATASET_KEYS)
        cb.datasets[str(name)] = DatasetSpec(**{k: r.text(d.get(k), f"{key}.{k}") for k in _DATASET_KEYS})
    for name, spec in r.mapping(top.get("variables") or {}, "variables").items():
        key = f"variables.{name}"
        v = r.mapping(spec or {}, key, _VARIABLE_KEYS)
        cb.variables[str(name)] = VariableSpec(
            label=r.text(v.get("label"), f"{key}.label"),
            values=r.labels(v["values"], f"{key}.values", scales) if v.get("values") is not None else None,
            missing=r.codes(v.get("missing"), f"{key}.missing"),
        )
    if "tables" in top:
        tables = top["tables"]
        if not isinstance(tables, list):
            raise r.fail("tables", f"expected a list of tables (lines starting with '- type: …'), got {_kind(tables)}")
        cb.tables = [_table(r, t, f"tables[{i}]") for i, t in enumerate(tables)]
        _check_ids(r, cb.tables)
    return cb


def _table(r: _Reader, raw: Any, key: str) -> TableSpec:
    t = r.mapping(raw, key, _TABLE_KEYS)
    kind = t.get("type")
    if kind not in TABLE_TYPES:
        raise r.fail(f"{key}.type", f"{'missing' if kind is None else repr(kind) + ' is not a table type'}; use one of: {', '.join(TABLE_TYPES)}")
    spec = TableSpec(type=kind, key=key)
    for k in ("id", "number", "title", "question", "source", "stub"):
        setattr(spec, k, r.text(t.get(k), f"{key}.{k}") or ("" if k == "number" else None))
    need = _NEEDS.get(kind)
    if need and t.get(need) is None:
        raise r.fail(key, f"a {kind} table needs '{need}:'")
    if t.get("variable") is not None:
        spec.variable = r.name(t["variable"], f"{key}.variable")
    if t.get("items") is not None:
        spec.items, spec.item_labels = _items(r, t["items"], f"{key}.items")
        if not spec.items:
            raise r.fail(f"{key}.items", "list at least one variable")
    if kind == "twoway":
        for k in ("row", "column"):
            if t.get(k) is None:
                raise r.fail(key, f"a twoway table needs '{k}:'")
            setattr(spec, k, r.name(t[k], f"{key}.{k}"))
        if t.get("by") is not None or (isinstance(t.get("data"), list) and len(t["data"]) > 1):
            raise r.fail(key, "a twoway table cannot be split into groups; make one table per group with 'data:' or 'filter:'")
    else:
        for k in ("row", "column"):
            if t.get(k) is not None:
                raise r.fail(f"{key}.{k}", f"only twoway tables take '{k}:'")
    if kind in ("single", "open") and t.get("items") is not None:
        raise r.fail(f"{key}.items", f"a {kind} table takes 'variable:', not 'items:'")
    if kind in ("battery", "multi") and t.get("variable") is not None:
        raise r.fail(f"{key}.variable", f"a {kind} table takes 'items:', not 'variable:'")
    data = t.get("data")
    if data is not None:
        names = data if isinstance(data, list) else [data]
        if not names or not all(isinstance(n, str) and n for n in names):
            raise r.fail(f"{key}.data", "expected a data-file name or a list of them")
        spec.data = [str(n) for n in names]
    if t.get("by") is not None:
        spec.by = r.name(t["by"], f"{key}.by")
        if spec.data and len(spec.data) > 1:
            raise r.fail(f"{key}.by", "use either several files in 'data:' or 'by:', not both")
    spec.layout = r.choice(t.get("layout"), f"{key}.layout", LAYOUTS, None)
    if spec.layout == "columns" and kind == "battery":
        raise r.fail(f"{key}.layout", "a battery shows groups as rows (item × group, Tabel 2.1); remove 'layout: columns'")
    if t.get("filter") is not None:
        for var, codes in r.mapping(t["filter"], f"{key}.filter").items():
            spec.filter[r.name(var, f"{key}.filter")] = r.codes(codes, f"{key}.filter.{var}")
            if not spec.filter[str(var)]:
                raise r.fail(f"{key}.filter.{var}", "list the code(s) of those who were asked")
    spec.base = r.choice(t.get("base"), f"{key}.base", ("answered", "all"), "answered") or "answered"
    if t.get("base") is not None and kind != "multi":
        raise r.fail(f"{key}.base", "only multi tables take 'base:'")
    spec.sort = r.choice(t.get("sort"), f"{key}.sort", ("code", "count"), "count" if kind == "open" else "code") or "code"
    spec.letters = r.flag(t.get("letters"), f"{key}.letters", False)
    spec.test = r.flag(t.get("test"), f"{key}.test", kind != "open")
    note = t.get("note")
    if note is not None:
        notes = note if isinstance(note, list) else [note]
        spec.notes = [r.text(n, f"{key}.note") or "" for n in notes]
    spec.missing = r.codes(t.get("missing"), f"{key}.missing")
    return spec


def _items(r: _Reader, raw: Any, key: str) -> tuple[list[str], dict[str, str]]:
    """`items:` as a list of names, a list of one-key mappings, or a mapping name → row label."""
    names: list[str] = []
    labels: dict[str, str] = {}
    entries: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        entries = list(raw.items())
    elif isinstance(raw, list):
        entries = []
        for i, e in enumerate(raw):
            if isinstance(e, dict):
                if len(e) != 1:
                    raise r.fail(f"{key}[{i}]", "write one 'variable: label' per line")
                entries.append(next(iter(e.items())))
            else:
                entries.append((e, None))
    else:
        raise r.fail(key, f"expected a list of variable names, got {_kind(raw)}")
    for i, (name, label) in enumerate(entries):
        n = r.name(name, f"{key}[{i}]")
        if n in names:
            raise r.fail(key, f"variable '{n}' is listed twice")
        names.append(n)
        if label is not None:
            labels[n] = r.text(label, f"{key}.{n}") or ""
    return names, labels


def default_id(spec: TableSpec) -> str:
    """A table's id: its `id:`, else the variable, 'ROW x COL', or the items' common stem."""
    if spec.id:
        return spec.id
    if spec.type == "twoway":
        return f"{spec.row} x {spec.column}"
    if spec.variable:
        return spec.variable
    return common_stem(spec.items)


def common_stem(names: list[str]) -> str:
    """`maal_1, maal_2` → `maal`: the shared prefix without trailing digits and separators."""
    if not names:
        return ""
    prefix = names[0]
    for n in names[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    stem = prefix.rstrip("0123456789").rstrip("_.- ")
    return stem or names[0]


def _check_ids(r: _Reader, tables: list[TableSpec]) -> None:
    seen: dict[str, str] = {}
    for t in tables:
        tid = default_id(t)
        if tid in seen:
            raise r.fail(f"{t.key}", f"table id '{tid}' is already used by {seen[tid]}; give one of them 'id:'")
        seen[tid] = t.key


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file."""
    return parse_codebook(read_yaml(path), path)
