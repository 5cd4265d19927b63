"""The questionnaire codebook (YAML): what a data file can't say about its tables.

A codebook declares batteries, multi-response sets, two-way tables, filter questions, coded open
answers, titles/numbers/notes, label overrides and missing codes (format: surveys/README.md).
Loading validates every key with strict models (toolkit.config.base) and lists every problem with
the file and the key path (``tables[2].items``, positions counted from 1).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BeforeValidator, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from toolkit.config.base import (
    Flag,
    Loc,
    MappingOf,
    Name,
    OneOrMany,
    Strict,
    Text,
    as_text,
    check_all,
    describe,
    validate,
)
from toolkit.config.yaml import YamlFloat, read_yaml
from toolkit.core.codes import Code, code_key

TABLE_TYPES = ("single", "battery", "multi", "twoway", "open")
LAYOUTS = ("columns", "rows")
_NEEDS = {"single": "variable", "open": "variable", "battery": "items", "multi": "items"}


@dataclass
class VariableSpec:
    """Label overrides for one variable (or a glob pattern of variables such as ``maal_*``)."""

    label: str | None = None
    values: dict[Code, str] | None = None
    missing: list[Code] = field(default_factory=list)
    missing_given: bool = False  # `missing:` written (even empty): it decides over the data file's declarations


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
    missing_given: bool = False  # `missing:` written (even empty): it decides over the data file's declarations
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


# --------------------------------------------------------------------------- the file's models
def _code(v: Any) -> Any:
    if v is None or isinstance(v, (dict, list)):
        raise PydanticCustomError("code", "expected a code, got {v}", {"v": describe(v)})
    return code_key(v.text if isinstance(v, YamlFloat) else v)


CodeValue = Annotated[Union[float, str], BeforeValidator(_code)]
Codes = OneOrMany[CodeValue]
Labels = dict[CodeValue, Text]
_LABELS: TypeAdapter[dict[Code, str]] = TypeAdapter(Labels)


def _labels_or_scale(v: Any) -> Any:
    """`values:` is a scale's name or a mapping code → label."""
    if v is None or isinstance(v, str):
        return v
    return _LABELS.validate_python(v)


def _items(raw: Any) -> Any:
    """`items:` as a list of names, a list of one-key mappings, or a mapping name → row label."""
    if isinstance(raw, dict):
        entries = [((k,), k, v) for k, v in raw.items()]
    elif isinstance(raw, list):
        entries = []
        bad = [((i,), "write one 'variable: label' per line") for i, e in enumerate(raw) if isinstance(e, dict) and len(e) != 1]
        check_all(bad)
        for i, e in enumerate(raw):
            name, label = next(iter(e.items())) if isinstance(e, dict) else (e, None)
            entries.append(((i,), name, label))
    else:
        raise ValueError(f"expected a list of variable names, got {describe(raw)}")
    names: list[str] = []
    out: list[tuple[str, str | None]] = []
    problems: list[tuple[Loc | str, str]] = []
    for loc, name, label in entries:
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            problems.append((loc, f"expected a variable name, got {describe(name)}"))
            continue
        if label is not None and (isinstance(label, (dict, list, bool))):
            problems.append((loc, f"expected a row label text, got {describe(label)}"))
            continue
        n = str(name).strip()
        if n in names:
            problems.append(((), f"variable '{n}' is listed twice"))
        names.append(n)
        out.append((n, None if label is None else as_text(label)))
    check_all(problems)
    return out


class DatasetModel(Strict):
    group: Optional[Text] = None
    source: Optional[Text] = None
    weighted_to: Optional[Text] = None
    cluster: Optional[Name] = None
    strata: Optional[Name] = None


class VariableModel(Strict):
    label: Optional[Text] = None
    values: Annotated[Any, BeforeValidator(_labels_or_scale)] = None
    missing: Codes = []


class TableModel(Strict):
    """One entry of `tables:`; the checks that span keys are listed together."""

    type: Literal["single", "battery", "multi", "twoway", "open"]
    id: Optional[Text] = None
    number: Optional[Text] = None
    title: Optional[Text] = None
    question: Optional[Text] = None
    variable: Optional[Name] = None
    items: Annotated[Optional[list[tuple[str, Optional[str]]]], BeforeValidator(_items)] = None
    row: Optional[Name] = None
    column: Optional[Name] = None
    data: Optional[OneOrMany[Name]] = None
    by: Optional[Name] = None
    layout: Optional[Literal["columns", "rows"]] = None
    filter: MappingOf[Name, Codes] = {}
    base: Optional[Literal["answered", "all"]] = None
    sort: Optional[Literal["code", "count"]] = None
    letters: Optional[Flag] = None
    test: Optional[Flag] = None
    note: Optional[OneOrMany[Text]] = None
    source: Optional[Text] = None
    missing: Codes = []
    stub: Optional[Text] = None

    @model_validator(mode="after")
    def _shape(self) -> "TableModel":
        kind, problems = self.type, []
        need = _NEEDS.get(kind)
        if need and getattr(self, need) is None:
            problems.append(((), f"a {kind} table needs '{need}:'"))
        if self.items is not None and not self.items:
            problems.append(("items", "list at least one variable"))
        if kind == "twoway":
            problems += [((), f"a twoway table needs '{k}:'") for k in ("row", "column") if getattr(self, k) is None]
            if self.by is not None or (self.data and len(self.data) > 1):
                problems.append(((), "a twoway table cannot be split into groups; make one table per group with 'data:' or 'filter:'"))
        else:
            problems += [(k, f"only twoway tables take '{k}:'") for k in ("row", "column") if getattr(self, k) is not None]
        if kind in ("single", "open") and self.items is not None:
            problems.append(("items", f"a {kind} table takes 'variable:', not 'items:'"))
        if kind in ("battery", "multi") and self.variable is not None:
            problems.append(("variable", f"a {kind} table takes 'items:', not 'variable:'"))
        if self.data is not None and not self.data:
            problems.append(("data", "expected a data-file name or a list of them"))
        if self.by is not None and self.data and len(self.data) > 1 and kind != "twoway":
            problems.append(("by", "use either several files in 'data:' or 'by:', not both"))
        if self.layout == "columns" and kind == "battery":
            problems.append(("layout", "a battery shows groups as rows (item × group, Tabel 2.1); remove 'layout: columns'"))
        problems += [(("filter", var), "list the code(s) of those who were asked") for var, codes in self.filter.items() if not codes]
        if self.base is not None and kind != "multi":
            problems.append(("base", "only multi tables take 'base:'"))
        check_all(problems)
        return self


def _tables(v: Any) -> Any:
    if not isinstance(v, list):
        raise ValueError(f"expected a list of tables (lines starting with '- type: …'), got {describe(v)}")
    return v


class CodebookModel(Strict):
    """A codebook file as written; `parse_codebook` turns it into a `Codebook`."""

    title: Optional[Text] = None
    source: Optional[Text] = None
    chapter: Optional[Text] = None
    missing: Codes = []
    datasets: MappingOf[Name, Optional[DatasetModel]] = {}
    scales: MappingOf[Name, Labels] = {}
    variables: MappingOf[Name, Optional[VariableModel]] = {}
    tables: Annotated[Optional[list[TableModel]], BeforeValidator(_tables)] = None
    skip: OneOrMany[Name] = []

    @model_validator(mode="after")
    def _references(self) -> "CodebookModel":
        problems: list[tuple[Loc | str, str]] = []
        for name, v in self.variables.items():
            if v is not None and isinstance(v.values, str) and v.values not in self.scales:
                problems.append((("variables", name, "values"),
                                 f"unknown scale '{v.values}'; defined scales: {', '.join(self.scales) or '(none)'}"))
        seen: dict[str, int] = {}
        for i, t in enumerate(self.tables or []):
            tid = default_id(_table_spec(t, i))
            if tid in seen:
                problems.append((("tables", i), f"table id '{tid}' is already used by tables[{seen[tid] + 1}]; give one of them 'id:'"))
            seen.setdefault(tid, i)
        check_all(problems)
        return self


def _table_spec(t: TableModel, i: int) -> TableSpec:
    items = t.items or []
    return TableSpec(
        type=t.type, key=f"tables[{i + 1}]", id=t.id, number=t.number or "", title=t.title, question=t.question,
        variable=t.variable, items=[n for n, _ in items], item_labels={n: lab for n, lab in items if lab is not None},
        row=t.row, column=t.column, data=t.data, by=t.by, layout=t.layout, filter=dict(t.filter),
        base=t.base or "answered", sort=t.sort or ("count" if t.type == "open" else "code"),
        letters=bool(t.letters), test=t.test if t.test is not None else t.type != "open",
        notes=list(t.note or []), source=t.source, missing=list(t.missing), missing_given="missing" in t.model_fields_set, stub=t.stub,
    )


def parse_codebook(raw: Any, path: str | Path = "<codebook>") -> Codebook:
    """Validate a codebook already parsed from YAML; every problem is listed, naming `path` and the key."""
    m = validate(CodebookModel, {} if raw is None else raw, path)
    variables = {}
    for name, v in m.variables.items():
        v = v or VariableModel()
        values = dict(m.scales[v.values]) if isinstance(v.values, str) else v.values
        variables[name] = VariableSpec(label=v.label, values=values, missing=list(v.missing), missing_given="missing" in v.model_fields_set)
    return Codebook(
        path=str(path), title=m.title, source=m.source, chapter=m.chapter or "", missing=list(m.missing),
        datasets={k: DatasetSpec(**(d or DatasetModel()).model_dump()) for k, d in m.datasets.items()},
        variables=variables, tables=None if m.tables is None else [_table_spec(t, i) for i, t in enumerate(m.tables)],
        skip=list(m.skip),
    )


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


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook YAML file."""
    return parse_codebook(read_yaml(path), path)
