"""What changed between two runs: tables added, removed or renumbered, every cell that moved by more
than the tolerance, bases and suppression that changed, and which inputs differ.

Pure functions over two runs read back (`Run`: tidy lines + what a workbook adds): `compare` →
`Comparison`, `diff_tables` → the Tables of the diff workbook. Reading runs from disk is
`toolkit.publish.readback`. Only published values are compared: a suppressed cell has no value in
the tidy CSV, so it compares as suppressed and its hidden value can never show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from toolkit.core.table import Cell, Display, Kind, Table

CELL = ["group", "row", "column", "stat", "occurrence"]  # a cell within its table
STAT_NAMES = {"percent": "Procent", "count": "Antal", "base": "N", "mean": "Gennemsnit", "coef": "Koefficient",
              "se": "Standardfejl", "t": "t", "p": "p", "stat": "Størrelse"}
Change = Literal["value", "base", "suppression", "added", "removed"]


@dataclass
class InputFile:
    """One input of a run, from its workbook's provenance sheet."""

    path: str
    sha256: str
    size: int | None = None


@dataclass
class Run:
    """A run read back: tidy lines (table key, number, group, row, column, stat, value – NaN when
    suppressed – and occurrence), and from a workbook its titles and provenance."""

    name: str
    lines: pd.DataFrame
    keyed: bool = True  # `table` is a key unique in the run (tidy CSVs with a number column)
    titles: dict[str, str] = field(default_factory=dict)  # table key → title
    settings: dict[str, str] | None = None  # the provenance sheet's rows; None: not a workbook
    inputs: list[InputFile] | None = None


@dataclass
class TableInfo:
    key: str
    number: str
    title: str


@dataclass
class TableChange:
    """One table of either run and what happened to it."""

    old: TableInfo | None
    new: TableInfo | None
    cells: int = 0  # cells compared (in both runs)
    counts: dict[str, int] = field(default_factory=dict)  # Change → cells
    largest: dict[str, float] = field(default_factory=dict)  # stat → largest |difference|

    @property
    def status(self) -> Literal["added", "removed", "changed", "unchanged"]:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if any(self.counts.values()) else "unchanged"

    @property
    def renumbered(self) -> bool:
        return bool(self.old and self.new and self.old.number and self.new.number and self.old.number != self.new.number)

    @property
    def shown(self) -> TableInfo:
        return self.new or self.old  # type: ignore[return-value]


@dataclass
class Comparison:
    """Two runs compared: tables in the new run's order (removed ones after), changed cells, inputs."""

    old: str
    new: str
    tables: list[TableChange]
    cells: pd.DataFrame  # table (index into `tables`), group, row, column, stat, occurrence, old, new, difference, change
    tolerance: dict[str, float]
    inputs: list[tuple[str, str | None, str | None]] | None = None  # (file, old SHA-256, new SHA-256)
    settings: list[tuple[str, str | None, str | None]] | None = None  # provenance rows that differ

    @property
    def changed(self) -> bool:
        return bool(len(self.cells)) or any(t.status in ("added", "removed") or t.renumbered for t in self.tables)


def shown_tolerance(formats: Mapping[str, str]) -> dict[str, float]:
    """Half the last decimal each kind is shown with ('0.0 %' → 0.05, percentages being on a 0-100
    scale in the tidy CSV; '#,##0' → 0.5): a smaller move cannot change a shown number."""
    out = {}
    for stat, fmt in formats.items():
        m = re.search(r"\.([0#]+)", str(fmt).split(";")[0])
        out[stat] = 0.5 * 10.0 ** -(len(m.group(1)) if m else 0)
    return out


def tables_of(run: Run) -> list[TableInfo]:
    """The run's tables in order, each with its number and title."""
    first = run.lines.drop_duplicates("table")
    return [TableInfo(k, n, run.titles.get(k, "")) for k, n in zip(first["table"], first["number"])]


def match_tables(old: list[TableInfo], new: list[TableInfo], *, by_key_only: bool) -> list[tuple[TableInfo | None, TableInfo | None]]:
    """Pairs (old, new) in the new run's order, removed tables after. Keys first; where the runs
    do not share a key scheme (an old tidy CSV without numbers), then the id at the key's end,
    the number and the title – each only where it names one table in each run."""
    pairs: dict[str, str] = {}  # new key → old key
    old_keys = {t.key for t in old}
    for t in new:
        if t.key in old_keys:
            pairs[t.key] = t.key
    if not by_key_only:
        for attr in (lambda t: t.key.rsplit("/", 1)[-1], lambda t: t.number, lambda t: t.title):
            left = [t for t in old if t.key not in pairs.values()]
            right = [t for t in new if t.key not in pairs]
            a, b = _unique(left, attr), _unique(right, attr)
            for value, t in b.items():
                if value in a:
                    pairs[t.key] = a[value].key
    by_old = {t.key: t for t in old}
    out: list[tuple[TableInfo | None, TableInfo | None]] = [(by_old.get(pairs.get(t.key, "\0")), t) for t in new]
    out += [(t, None) for t in old if t.key not in pairs.values()]
    return out


def _unique(tables: list[TableInfo], attr) -> dict[str, TableInfo]:
    seen: dict[str, list[TableInfo]] = {}
    for t in tables:
        v = attr(t)
        if v:
            seen.setdefault(v, []).append(t)
    return {v: ts[0] for v, ts in seen.items() if len(ts) == 1}


def compare(old: Run, new: Run, *, tolerance: Mapping[str, float]) -> Comparison:
    """Every difference between the runs; `tolerance` per stat (`shown_tolerance`; 'stat' for the
    rest): a published value moving by no more than that is no change."""
    pairs = match_tables(tables_of(old), tables_of(new), by_key_only=old.keyed and new.keyed)
    changes = [TableChange(o, n) for o, n in pairs]
    ids_old = {o.key: i for i, (o, _) in enumerate(pairs) if o}
    ids_new = {n.key: i for i, (_, n) in enumerate(pairs) if n}
    both = [i for i, (o, n) in enumerate(pairs) if o and n]
    a = old.lines.assign(pair=old.lines["table"].map(ids_old))
    b = new.lines.assign(pair=new.lines["table"].map(ids_new))
    a, b = a[a["pair"].isin(both)], b[b["pair"].isin(both)]
    m = a[["pair", *CELL, "value"]].merge(b[["pair", *CELL, "value"]], on=["pair", *CELL], how="outer",
                                          suffixes=("_old", "_new"), indicator=True, sort=False)
    m = m.sort_values("pair", kind="stable")
    vo, vn = m["value_old"].to_numpy(float), m["value_new"].to_numpy(float)
    tol = m["stat"].map(lambda s: tolerance.get(s, tolerance.get("stat", 0.0))).to_numpy(float)
    diff = vn - vo
    in_both = (m["_merge"] == "both").to_numpy()
    published = in_both & ~np.isnan(vo) & ~np.isnan(vn)
    moved = published & (np.abs(diff) > tol * (1 + 1e-9))
    change = np.select(
        [moved & (m["stat"] == "base").to_numpy(), moved, in_both & (np.isnan(vo) != np.isnan(vn)),
         (m["_merge"] == "right_only").to_numpy(), (m["_merge"] == "left_only").to_numpy()],
        ["base", "value", "suppression", "added", "removed"], "")
    m = m.assign(old=vo, new=vn, difference=np.where(published, diff, np.nan), change=change)
    for i, g in m.groupby("pair", sort=False):
        t = changes[int(i)]
        t.cells = int((g["_merge"] == "both").sum())
        t.counts = g["change"][g["change"] != ""].value_counts().to_dict()
        hit = g[g["change"].isin(["value", "base"])]
        t.largest = hit.assign(a=hit["difference"].abs()).groupby("stat")["a"].max().to_dict()
    cells = m[m["change"] != ""].rename(columns={"pair": "table"})
    cells = cells[["table", *CELL, "old", "new", "difference", "change"]].reset_index(drop=True)
    return Comparison(old.name, new.name, changes, cells, dict(tolerance), _inputs(old, new), _settings(old, new))


def _inputs(old: Run, new: Run) -> list[tuple[str, str | None, str | None]] | None:
    """Inputs paired by path, else by the longest end of the path that names one input in each
    run (two wave folders: `a/data/ledere.sav` and `b/data/ledere.sav`)."""
    if old.inputs is None or new.inputs is None:
        return None
    left = {f.path: f for f in old.inputs}
    right = {f.path: f for f in new.inputs}
    pairs = {p: (p, left[p]) for p in right if p in left}
    parts = lambda f: re.split(r"[\\/]", f.path)  # noqa: E731
    for k in range(max((len(parts(f)) for f in old.inputs), default=0), 0, -1):
        tail = lambda f, k=k: "/".join(parts(f)[-k:])  # noqa: E731
        a = _by_unique([f for f in old.inputs if f.path not in {x for x, _ in pairs.values()}], tail)
        b = _by_unique([f for f in new.inputs if f.path not in pairs], tail)
        for t, f in b.items():
            if t in a:
                pairs[f.path] = (a[t].path, a[t])
    out = [(p if p == q else f"{q} → {p}", x.sha256, right[p].sha256) for p, (q, x) in pairs.items()]
    used = {q for q, _ in pairs.values()}
    out += [(f.path, f.sha256, None) for f in old.inputs if f.path not in used]
    out += [(f.path, None, f.sha256) for f in new.inputs if f.path not in pairs]
    return out


def _by_unique(files: list[InputFile], key) -> dict[str, InputFile]:
    seen: dict[str, list[InputFile]] = {}
    for f in files:
        seen.setdefault(key(f), []).append(f)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _settings(old: Run, new: Run) -> list[tuple[str, str | None, str | None]] | None:
    """Provenance rows (toolkit version, parameters) that differ; the time and command always do."""
    if old.settings is None or new.settings is None:
        return None
    keys = list(dict.fromkeys([*old.settings, *new.settings]))
    skip = {"Tidspunkt (UTC)", "Kommando"}
    return [(k, old.settings.get(k), new.settings.get(k)) for k in keys
            if k not in skip and old.settings.get(k) != new.settings.get(k)]


# -- the diff workbook's tables

STATUS = {"added": "ny", "removed": "fjernet", "changed": "ændret", "unchanged": "uændret"}


def diff_tables(c: Comparison) -> list[Table]:
    """The diff as Tables (Danish, like every workbook): a summary per table; tables added, removed
    or renumbered; the cells that moved; bases; suppression; the inputs and settings that differ."""
    notes = [f"Kilde: {c.old} (før) og {c.new} (efter)", f"Anm.: En celle er ændret, når den har flyttet sig mere end "
             f"{_tolerance_text(c.tolerance)}. Kun offentliggjorte tal sammenlignes; undertrykte celler vises som x."]
    out = [_summary(c, notes)]
    moved = [t for t in c.tables if t.status in ("added", "removed") or t.renumbered]
    if moved:
        rows = [[Cell(STATUS[t.status] if not t.renumbered else "omnummereret", Kind.TEXT),
                 Cell(t.old.number if t.old else "", Kind.TEXT), Cell(t.new.number if t.new else "", Kind.TEXT)] for t in moved]
        out.append(Table("tabeller", "Tabeller tilføjet, fjernet eller omnummereret", [_label(t) for t in moved],
                         ["Status", "Nummer før", "Nummer efter"], rows, notes=notes[:1]))
    for key, title, changes in (("tal", "Ændrede tal", ("value", "added", "removed")), ("baser", "Ændrede baser (N)", ("base",)),
                                ("undertrykkelse", "Ændret undertrykkelse", ("suppression",))):
        sel = c.cells[c.cells["change"].isin(changes)]
        if len(sel):
            out.append(_cells_table(c, sel, key, title, notes))
    if c.inputs is not None:
        rows = [[Cell(a or "", Kind.TEXT), Cell(b or "", Kind.TEXT), Cell(_file_status(a, b), Kind.TEXT)] for _, a, b in c.inputs]
        out.append(Table("inputfiler", "Inputfiler (SHA-256 fra proveniensarkene)", [p for p, _, _ in c.inputs],
                         ["Før", "Efter", "Status"], rows, notes=notes[:1]))
    if c.settings:
        rows = [[Cell(a or "", Kind.TEXT), Cell(b or "", Kind.TEXT)] for _, a, b in c.settings]
        out.append(Table("indstillinger", "Værktøj og parametre, der er forskellige", [k for k, _, _ in c.settings],
                         ["Før", "Efter"], rows, notes=notes[:1]))
    return out


def _file_status(a: str | None, b: str | None) -> str:
    if a is None:
        return "kun efter"
    if b is None:
        return "kun før"
    return "uændret" if a == b else "ændret"


def _tolerance_text(tol: Mapping[str, float]) -> str:
    def num(x: float) -> str:
        return f"{x:g}".replace(".", ",")

    if len(set(tol.values())) == 1:
        return num(next(iter(tol.values())))
    parts = [f"{num(tol['percent'])} procentpoint for procenter"] if "percent" in tol else []
    parts += [f"{num(tol['count'])} for antal"] if "count" in tol else []
    return "halvdelen af sidste viste decimal" + (f" ({', '.join(parts)})" if parts else "")


def _label(t: TableChange) -> str:
    s = t.shown
    head = " ".join(x for x in (s.number, s.title) if x)
    return f"{head} [{s.key}]" if head else s.key


def _summary(c: Comparison, notes: list[str]) -> Table:
    rows = []
    for t in c.tables:
        status = STATUS[t.status] + (f"; omnummereret {t.old.number} → {t.new.number}" if t.renumbered else "")  # type: ignore[union-attr]
        compared = t.old is not None and t.new is not None
        counts = [t.counts.get("value", 0), t.counts.get("base", 0), t.counts.get("suppression", 0),
                  t.counts.get("added", 0) + t.counts.get("removed", 0)]
        pp = t.largest.get("percent")
        n = max([t.largest[k] for k in ("count", "base") if k in t.largest], default=None)
        rows.append([Cell(status, Kind.TEXT), Cell(t.cells if compared else None, Kind.COUNT)]
                    + [Cell(x if compared else None, Kind.COUNT) for x in counts]
                    + [Cell(pp, Kind.STAT, display=Display(decimals=1)), Cell(n, Kind.COUNT)])
    cols = ["Status", "Celler sammenlignet", "Ændrede tal", "Ændrede baser", "Ændret undertrykkelse", "Celler kun i én kørsel",
            "Største ændring, procentpoint", "Største ændring, antal"]
    return Table("sammenfatning", "Sammenfatning pr. tabel", [_label(t) for t in c.tables], cols, rows, notes=notes)


def _kind(stat: str) -> Kind:
    return Kind(stat) if stat in Kind._value2member_map_ and stat != "text" else Kind.STAT


def _value(v: float, kind: Kind, present: bool) -> Cell:
    if not present:
        return Cell(None, kind)
    if np.isnan(v):
        return Cell(None, kind, suppressed=True)
    return Cell(v / 100 if kind is Kind.PERCENT else v, kind)


def _cells_table(c: Comparison, sel: pd.DataFrame, key: str, title: str, notes: list[str]) -> Table:
    groups, labels, rows = [], [], []
    for r in sel.itertuples(index=False):
        kind = _kind(r.stat)
        groups.append(_label(c.tables[int(r.table)]))
        text = " | ".join(x for x in (r.group, r.row, r.column) if x)
        labels.append(text + (f" (nr. {int(r.occurrence) + 1})" if r.occurrence else ""))
        d = r.difference
        diff = (Cell(None, Kind.STAT) if np.isnan(d) else
                Cell(float(d), Kind.STAT, display=Display(decimals=1)) if kind is Kind.PERCENT else Cell(float(d), kind))
        rows.append([Cell(STAT_NAMES.get(r.stat, r.stat), Kind.TEXT), _value(r.old, kind, r.change != "added"),
                     _value(r.new, kind, r.change != "removed"), diff])
    cols = ["Størrelse", "Før", "Efter", "Forskel (procentpoint for procenter)"]
    return Table(key, title, labels, cols, rows, row_groups=groups, notes=notes)
