"""The one Table structure: every analysis returns Tables, every writer consumes them.

A Table is plain data – labels, typed cells and notes – so the Excel writer, the tidy CSV
writer and disclosure control never need to know which analysis produced it. A table has a
`key` unique in its run (e.g. `7/1/maal1_kommuner`); its rows and columns have keys unique in
the table and a `Role` (body, total, base), so writers and disclosure control never recognise
a total by its Danish label. What a number *is* (`Kind`) is apart from how it is *shown*
(`Display`): every number is stored as a number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from os import PathLike
from pathlib import Path
from typing import Iterable, Iterator, Literal, Mapping, NamedTuple, Sequence


class Kind(str, Enum):
    """What a cell holds; decides the Excel number format and the tidy `stat` column."""

    PERCENT = "percent"  # stored as a fraction (0.077); Excel shows 7,7 %, tidy writes 7.7
    COUNT = "count"
    BASE = "base"  # the N a percentage is computed on
    MEAN = "mean"
    COEF = "coef"
    SE = "se"
    T = "t"
    P = "p"
    STAT = "stat"  # any other statistic (R², chi-square, VIF …)
    TEXT = "text"  # a label or sign inside the body (e.g. "+" / "−")


class Role(str, Enum):
    """What a row or column is to its table: decides the total-row style and the sums disclosure
    control respects."""

    BODY = "body"
    TOTAL = "total"  # its persons are the sum of the body rows (columns) of its group above (before) it
    BASE = "base"  # the N the shares are computed on; not the sum of the rows (columns) shown


@dataclass(frozen=True)
class Display:
    """How a number is shown, apart from what it is: decimals and notation (None = the
    template's format for the cell's kind)."""

    decimals: int | None = None
    notation: Literal["fixed", "scientific"] = "fixed"


@dataclass
class Cell:
    """One body cell. `n` is the number of persons it describes (used by disclosure control; None =
    not a register-person cell); `of` the persons a share is of (its base; the complement `of − n`
    is protected too); `primary` marks a cell suppressed for its own size (else for another's)."""

    value: float | int | str | None
    kind: Kind = Kind.COUNT
    n: int | None = None
    suppressed: bool = False
    display: Display | None = None
    of: int | None = None
    primary: bool = False

    @property
    def is_number(self) -> bool:
        """True when the cell shows a number (not text, not blank, not suppressed)."""
        if self.suppressed or self.value is None or isinstance(self.value, str):
            return False
        return not (isinstance(self.value, float) and math.isnan(self.value))


class Ref(NamedTuple):
    """A cell by keys: (table key, row key, column key)."""

    table: str
    row: str
    column: str


class Relation(NamedTuple):
    """Linear relation disclosure control must respect: the parts' persons add up to the total's;
    total None = the sum is public anyway (a shown base N, or 100 %). Cells may lie in other tables."""

    total: Ref | None
    parts: list[Ref]


class Derived(NamedTuple):
    """A cell computed from others (a change, a projection, a mean, a copy): shown only while all
    its inputs are, else it (with the shown inputs) would give a suppressed input away."""

    cell: Ref
    inputs: list[Ref]


class DuplicateKeyError(ValueError):
    """Two tables (or two rows/columns of a table) share a key: a bug in the toolkit, not in the input."""


@dataclass
class Figure:
    """A native chart drawn next to its table (seed figures such as Figur 4.2, 5.1)."""

    kind: str = "bar"  # "bar" (vertical columns), "barh" (horizontal bars), "line"
    title: str = ""
    series_in: str = "columns"  # each body column is a series ("columns") or each row ("rows")
    columns: list[int] | None = None  # which body columns to draw (None: all numeric ones)
    rows: list[int] | None = None  # which body rows to draw, a contiguous run (None: all), e.g. leaving out an N row
    stacked: bool = False  # stacked bars (parts of a total, e.g. job + wage hours)
    y_title: str = ""
    number: str = ""  # "Figur 5.1"
    projected_from: int | None = None  # line charts: rows from this one on are projections (drawn dashed)
    targets: list[float | None] | None = None  # line charts: a target level per drawn column (drawn dotted)


@dataclass
class Table:
    """A numbered table: title, question, two-level row/column headers, typed cells, notes.

    `row_groups[i]` is the outer row label (e.g. "Mål 1" in seed Tabel 2.1) and
    `row_labels[i]` the inner one ("Ledere"); `column_groups` likewise spans columns.
    Empty strings mean "no group". `stub_header` is the text above the row labels.
    `id` is the analysis' name for the table; `key` (default: the id) is unique in a run
    (`keyed` prefixes it). Row/column keys default to their (group and) label, roles to BODY.
    """

    id: str
    title: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[Cell]]
    number: str = ""
    question: str = ""
    row_groups: list[str] = field(default_factory=list)
    column_groups: list[str] = field(default_factory=list)
    stub_header: str = ""
    notes: list[str] = field(default_factory=list)
    chapter: str = ""
    figure: Figure | None = None
    register: bool = False  # built from register data: disclosure control applies
    # what disclosure control must respect besides the totals the roles imply (see Relation)
    relations: list[Relation] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    key: str = ""
    row_keys: list[str] = field(default_factory=list)
    column_keys: list[str] = field(default_factory=list)
    row_roles: list[Role] = field(default_factory=list)
    column_roles: list[Role] = field(default_factory=list)

    def __post_init__(self) -> None:
        nrow, ncol = len(self.row_labels), len(self.column_labels)
        self.key = self.key or self.id
        self.row_groups = self.row_groups or [""] * nrow
        self.column_groups = self.column_groups or [""] * ncol
        if len(self.row_groups) != nrow or len(self.column_groups) != ncol:
            raise ValueError(f"table {self.key}: group labels do not match the number of rows/columns")
        if len(self.cells) != nrow or any(len(r) != ncol for r in self.cells):
            raise ValueError(f"table {self.key}: cells are not {nrow} x {ncol}")
        self.row_keys = self.row_keys or _default_keys(self.row_groups, self.row_labels)
        self.column_keys = self.column_keys or _default_keys(self.column_groups, self.column_labels)
        self.row_roles = [Role(r) for r in self.row_roles] or [Role.BODY] * nrow
        self.column_roles = [Role(r) for r in self.column_roles] or [Role.BODY] * ncol
        for what, keys, roles, n in (("row", self.row_keys, self.row_roles, nrow), ("column", self.column_keys, self.column_roles, ncol)):
            if len(keys) != n or len(roles) != n:
                raise ValueError(f"table {self.key}: {what} keys/roles do not match the number of {what}s")
            dup = _first_duplicate(keys)
            if dup is not None:
                raise DuplicateKeyError(f"table {self.key}: two {what}s have the key {dup!r}")
        self.relations = [Relation(None if tot is None else Ref(*tot), [Ref(*p) for p in parts]) for tot, parts in self.relations]
        self.derived = [Derived(Ref(*c), [Ref(*i) for i in inputs]) for c, inputs in self.derived]

    @property
    def label(self) -> str:
        """The heading shown above the table: "Tabel 3.1 Title" or just the title."""
        return f"{self.number} {self.title}".strip() if self.number else self.title

    def iter_cells(self) -> Iterator[tuple[int, int, Cell]]:
        """Every body cell with its row and column index."""
        for i, row in enumerate(self.cells):
            for j, cell in enumerate(row):
                yield i, j, cell

    def has_row_groups(self) -> bool:
        return any(self.row_groups)

    def has_column_groups(self) -> bool:
        return any(self.column_groups)

    def ref(self, i: int, j: int) -> Ref:
        """The key of the cell at row i, column j (for relations, which refer to cells by keys)."""
        return Ref(self.key, self.row_keys[i], self.column_keys[j])

    def value(self, row: str, column: str, group: str = "") -> float | int | str | None:
        """Look a cell value up by its labels (handy in tests and notebooks)."""
        for i, (g, r) in enumerate(zip(self.row_groups, self.row_labels)):
            if r == row and (not group or g == group):
                for j, c in enumerate(self.column_labels):
                    if c == column:
                        return self.cells[i][j].value
        raise KeyError(f"{self.key}: no cell ({group!r}, {row!r}, {column!r})")


def body_then(n: int, *tail: Role) -> list[Role]:
    """Roles of n body rows (columns) followed by the given ones: body_then(3, Role.TOTAL)."""
    return [Role.BODY] * n + list(tail)


def _default_keys(groups: Sequence[str], labels: Sequence[str], sep: str = "#") -> list[str]:
    """Keys from the labels ("group/label"); a repeated label gets "#2", "#3" … (e.g. letter columns)."""
    keys: list[str] = []
    seen: set[str] = set()
    for g, lab in zip(groups, labels):
        base = f"{g}/{lab}" if g else lab
        key, k = base, 1
        while key in seen:
            k += 1
            key = f"{base}{sep}{k}"
        seen.add(key)
        keys.append(key)
    return keys


def _first_duplicate(keys: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            return k
        seen.add(k)
    return None


def require_unique(tables: Sequence[Table], what: str) -> dict[str, Table]:
    """The tables by key; two tables with one key are refused (a bug: `keyed` was not applied)."""
    dup = _first_duplicate(t.key for t in tables)
    if dup is not None:
        raise DuplicateKeyError(f"{what}: two tables have the key {dup!r}; every table in a run needs its own key")
    return {t.key: t for t in tables}


CITE = re.compile(r"\{\{table:([^{}]+)\}\}")


def cite(key: str) -> str:
    """A reference to the table with `key` in a note: the workbook writer puts in the number
    that table has in this workbook ("Tabel 7.1"), so a renumbered chapter never leaves a stale one."""
    return f"{{{{table:{key}}}}}"


def resolve(text: str, numbers: Mapping[str, str], missing: str = "tabellen ovenfor") -> str:
    """`text` with each `cite` replaced by the cited table's number (`missing` if it has none)."""
    return CITE.sub(lambda m: numbers.get(m.group(1)) or missing, text)


def keyed(tables: Sequence[Table], prefix: str) -> list[Table]:
    """Copies of the tables keyed "<prefix>/<key>" (e.g. "7/1/maal1_kommuner", "cubb/maal1_kommuner"),
    their relations (and derived cells) to one another rewritten, so tables of several items or
    inputs never collide."""
    new = {k: f"{prefix}/{k}" for k in require_unique(tables, f"tables of {prefix}")}

    def ref(r: Ref | None) -> Ref | None:
        return None if r is None else Ref(*r)._replace(table=new.get(r[0], r[0]))

    def notes(t: Table) -> list[str]:
        return [CITE.sub(lambda m: cite(new.get(m.group(1), m.group(1))), n) for n in t.notes]

    return [replace(t, key=new[t.key], notes=notes(t),
                    relations=[Relation(ref(tot), [ref(p) for p in parts]) for tot, parts in t.relations],  # type: ignore[misc]
                    derived=[Derived(ref(c), [ref(i) for i in inputs]) for c, inputs in t.derived])  # type: ignore[misc]
            for t in tables]


def prefixes(inputs: Sequence[str | PathLike[str]]) -> list[str]:
    """Key prefixes for the inputs of one command (`-d cubb -d nychance`): each file's stem, with
    "-2", "-3" … where stems repeat."""
    stems = [Path(p).stem.lower() for p in inputs]
    return _default_keys([""] * len(stems), stems, sep="-")


def note(prefix: str, text: str) -> str:
    """A note line in the seeds' style: note("Kilde", "Survey blandt ledere") -> "Kilde: …"."""
    return f"{prefix}: {text}"


def numbered(tables: Sequence[Table], start: int = 1, chapter: str = "") -> list[Table]:
    """Give tables without a number "Tabel <chapter>.<k>" numbers in order."""
    k = start
    for t in tables:
        if not t.number:
            t.number = f"Tabel {chapter + '.' if chapter else ''}{k}"
            k += 1
    return list(tables)


def renumber(tables: list[Table], chapter: str) -> list[Table]:
    """Renumber a chapter: tables 'Tabel <ch>.<k>', figures (tables with a chart not already
    numbered as a table) 'Figur <ch>.<k>', each counted in order of appearance."""
    k_tab = k_fig = 0
    for t in tables:
        t.chapter = chapter
        if t.figure is not None and not t.number.startswith("Tabel"):
            k_fig += 1
            t.number = f"Figur {chapter}.{k_fig}"
        else:
            k_tab += 1
            t.number = f"Tabel {chapter}.{k_tab}"
        if t.figure is not None:
            t.figure.number = t.number if t.number.startswith("Figur") else ""
    return tables
