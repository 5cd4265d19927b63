"""The one Table structure: every analysis returns Tables, every writer consumes them.

A Table is plain data – labels, typed cells and notes – so the Excel writer, the tidy CSV
writer and disclosure control never need to know which analysis produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterator, Sequence


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


@dataclass
class Cell:
    """One body cell. `n` is the number of persons it describes (used by disclosure control)."""

    value: float | int | str | None
    kind: Kind = Kind.COUNT
    n: int | None = None
    suppressed: bool = False

    @property
    def is_number(self) -> bool:
        """True when the cell shows a number (not text, not blank, not suppressed)."""
        if self.suppressed or self.value is None or isinstance(self.value, str):
            return False
        return not (isinstance(self.value, float) and math.isnan(self.value))


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


@dataclass
class Table:
    """A numbered table: title, question, two-level row/column headers, typed cells, notes.

    `row_groups[i]` is the outer row label (e.g. "Mål 1" in seed Tabel 2.1) and
    `row_labels[i]` the inner one ("Ledere"); `column_groups` likewise spans columns.
    Empty strings mean "no group". `stub_header` is the text above the row labels.
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
    # Linear relations disclosure control must respect: (total, parts) where the parts' person
    # counts add up to the total's; a cell is (table id, row, column); total None = the sum is
    # public anyway (e.g. a shown base N, or 100 %). Cells may lie in other tables.
    relations: list[tuple[tuple[str, int, int] | None, list[tuple[str, int, int]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        nrow, ncol = len(self.row_labels), len(self.column_labels)
        if not self.row_groups:
            self.row_groups = [""] * nrow
        if not self.column_groups:
            self.column_groups = [""] * ncol
        if len(self.row_groups) != nrow or len(self.column_groups) != ncol:
            raise ValueError(f"table {self.id}: group labels do not match the number of rows/columns")
        if len(self.cells) != nrow or any(len(r) != ncol for r in self.cells):
            raise ValueError(f"table {self.id}: cells are not {nrow} x {ncol}")

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

    def value(self, row: str, column: str, group: str = "") -> float | int | str | None:
        """Look a cell value up by its labels (handy in tests and notebooks)."""
        for i, (g, r) in enumerate(zip(self.row_groups, self.row_labels)):
            if r == row and (not group or g == group):
                for j, c in enumerate(self.column_labels):
                    if c == column:
                        return self.cells[i][j].value
        raise KeyError(f"{self.id}: no cell ({group!r}, {row!r}, {column!r})")


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
