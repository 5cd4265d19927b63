"""`toolkit audit` on a workbook without the Diskretionering_struktur sheet (written before the
audit existed, or by hand): the register tables' structure is inferred from what the reader sees.

Recognised: a table sheet (frozen panes: header above, row labels left) whose `Kilde:` line names
DREAM or register data; base lines (a column or row labelled `Antal …` holding whole numbers: the
persons a share in its row or column is of), count columns (`Antal` beside `Procent`), `Total` /
`I alt` lines (sums of the body lines above or before them), `Gennemsnit` rows (the mean, or for a
base the sum, of their block), quarter columns with `Ændring pr. kvartal` and `Fremskrevet …`
(linear in the first and last quarter), and pooled columns (a column whose base is the sum of the
bases of other columns with the same row labels, in the same sheet or another). Every inferred
relation is checked on the lines where all its cells are shown and dropped if one does not hold.
Reported: shown cells of 1 to threshold − 1 persons (share × base, or the count), complements as
small, hidden cells the relations narrow to fewer than threshold persons (linear programming), test
p-values beside suppressed cells and counts below the threshold in notes – each by sheet!cell.
(One module over 400 lines: the layout reading and the relations it implies only make sense together.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from openpyxl.utils import get_column_letter

REGISTER_SOURCE = re.compile(r"dream|register", re.I)
QUARTER = re.compile(r"(\d)\. kvt\. (\d{4})")
TOTAL = re.compile(r"^(total|i alt)\b", re.I)
RATE = re.compile(r"grad\b", re.I)  # Selvforsørgelsesgrad, Aktiveringsgrad: shares of weeks
PERSONS = re.compile(r"\bantal( personer| borgere)?$", re.I)  # a line of persons (not "Antal variable")
NOTE_P = re.compile(r"\bp ?(=|<|≥|>) ?\d")
NOTE_COUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})*) (personer|person)\b")


@dataclass
class Leak:
    """One published number (or note) that tells about fewer persons than the threshold."""

    where: str
    text: str


@dataclass
class Grid:
    """A register table as the reader sees it: body values, row and column labels, notes."""

    sheet: str
    r0: int
    c0: int
    rows: list[str]
    cols: list[str]
    values: list[list[object]]
    percent: list[list[bool]]
    notes: list[tuple[int, str]]
    groups: list[str] = field(default_factory=list)
    shown_decimals: list[list[int]] = field(default_factory=list)
    rate: bool = False  # a "grad" (a share of weeks, not of persons): share × base is no count

    def at(self, i: int, j: int) -> str:
        return f"{self.sheet}!{get_column_letter(self.c0 + j)}{self.r0 + i}"

    def hidden(self, i: int, j: int) -> bool:
        return isinstance(self.values[i][j], str) and self.values[i][j].strip().lower() == "x"

    def number(self, i: int, j: int) -> float | None:
        v = self.values[i][j]
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def grids(wb: object) -> tuple[list[Grid], list[str]]:
    """The register tables of a workbook read by their layout, and the register sheets skipped."""
    out: list[Grid] = []
    skipped: list[str] = []
    for ws in wb.worksheets:  # type: ignore[attr-defined]
        if ws.sheet_state != "visible" or not ws.freeze_panes or ws.max_row < 4:
            continue
        from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

        col, r0 = coordinate_from_string(ws.freeze_panes)
        c0 = column_index_from_string(col)
        body_end = r0
        while body_end <= ws.max_row and any(ws.cell(body_end, c).value is not None for c in range(1, ws.max_column + 1)):
            body_end += 1
        notes = [(r, _text(ws.cell(r, 1).value)) for r in range(body_end, ws.max_row + 1) if _text(ws.cell(r, 1).value)]
        if not any(t.startswith("Kilde") and REGISTER_SOURCE.search(t) for _, t in notes):
            continue
        ncol = ws.max_column - c0 + 1
        heads = []
        for r in range(3, r0):  # header rows; a group header spans the columns after it until the next
            line, last = [], ""
            for c in range(c0, ws.max_column + 1):
                last = _text(ws.cell(r, c).value) or (last if r < r0 - 1 else "")
                line.append(last)
            heads.append(line)
        cols = [" ".join(h[j] for h in heads if h[j]) for j in range(ncol)]
        rows, groups, values, percent, decimals = [], [], [], [], []
        group = ""
        for r in range(r0, body_end):
            labels = [_text(ws.cell(r, c).value) for c in range(1, c0)]
            if c0 > 2 and labels[0]:
                group = labels[0]
            rows.append(" ".join(x for x in labels if x))
            groups.append(group if c0 > 2 else "")
            values.append([ws.cell(r, c).value for c in range(c0, ws.max_column + 1)])
            percent.append(["%" in (ws.cell(r, c).number_format or "") for c in range(c0, ws.max_column + 1)])
            decimals.append([_format_decimals(ws.cell(r, c).number_format) for c in range(c0, ws.max_column + 1)])
        title = _text(ws.cell(1, 1).value)
        g = Grid(ws.title, r0, c0, rows, cols, values, percent, notes, groups, decimals, rate=bool(RATE.search(title)))
        _hidden_kinds(g)
        if not _bases(g)[0] and not _bases(g)[1] and not _count_columns(g):
            skipped.append(ws.title)
        out.append(g)
    return out, skipped


def _hidden_kinds(g: Grid) -> None:
    """A suppressed `x` carries no number format: it is a share when the shown cells of its column
    (else of its row) are."""
    n, m = len(g.rows), len(g.cols)
    for i in range(n):
        for j in range(m):
            if g.hidden(i, j):
                col = [g.percent[k][j] for k in range(n) if g.number(k, j) is not None]
                row = [g.percent[i][k] for k in range(m) if g.number(i, k) is not None]
                g.percent[i][j] = (sum(col) * 2 > len(col)) if col else (sum(row) * 2 > len(row))


def _whole(g: Grid, cells: list[tuple[int, int]]) -> bool:
    vals = [(g.number(i, j), g.percent[i][j]) for i, j in cells if not g.hidden(i, j)]
    return bool(vals) and all(v is not None and not p and float(v).is_integer() for v, p in vals)


def _bases(g: Grid) -> tuple[list[int], list[int]]:
    """Base rows and base columns: labelled `Antal …` (not a bare `Antal` beside `Procent`), whole numbers."""
    paired = any(c.split()[-1:] == ["Procent"] for c in g.cols)
    rows = [i for i, lab in enumerate(g.rows) if PERSONS.search(lab) and _whole(g, [(i, j) for j in range(len(g.cols))])]
    cols = [j for j, lab in enumerate(g.cols) if PERSONS.search(lab) and not (paired and lab.split()[-1:] == ["Antal"])
            and _whole(g, [(i, j) for i in range(len(g.rows)) if i not in rows])]
    return rows, cols


def _count_columns(g: Grid) -> list[int]:
    """Columns of person counts in an `Antal` / `Procent` layout."""
    if not any(c.split()[-1:] == ["Procent"] for c in g.cols):
        return []
    return [j for j, lab in enumerate(g.cols) if lab.split()[-1:] == ["Antal"]]


def _base_of(g: Grid, i: int, j: int, brows: list[int], bcols: list[int]) -> tuple[int, int] | None:
    if not g.percent[i][j]:
        return None
    for k in bcols:
        if k != j:
            return i, k
    for r in brows:
        if r != i:
            return r, j
    return None


def _derived_line(label: str) -> bool:
    low = label.lower()
    return "fremskrevet" in low or "ændring" in low or "gennemsnit" in low


def _decimals(x: float) -> int:
    for d in range(13):
        if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x)):
            return d
    return 13


def _format_decimals(fmt: str | None) -> int:
    """The decimals a number format shows ('0.0 %' → 1, '#,##0' → 0)."""
    m = re.search(r"0\.(0+)", fmt or "")
    return len(m.group(1)) if m else 0


def _tolerance(g: Grid, i: int, j: int) -> float:
    """Half a unit of the last decimal a shown number carries – as stored, but at least as the
    format shows it (a stored 0 under '0.0 %' is anything below 0,05 %); a share in percent points."""
    v = g.number(i, j)
    if v is None:
        return 0.0
    f = g.shown_decimals[i][j] if g.shown_decimals else 0
    if g.percent[i][j]:
        return 0.5 * 10 ** -max(_decimals(v * 100), f) / 100 + 1e-12
    return 0.5 * 10 ** -max(_decimals(v), f) + 1e-12


def small_shown(g: Grid, threshold: int, complements: bool = True) -> list[Leak]:
    """Shown counts and shares (share × base) of 1 to threshold − 1 persons."""
    leaks: list[Leak] = []
    brows, bcols = _bases(g)
    counts = set(_count_columns(g))
    for i in range(len(g.rows)):
        for j in range(len(g.cols)):
            v = g.number(i, j)
            if v is None or _derived_line(g.rows[i]) or _derived_line(g.cols[j]):
                continue
            if i in brows or j in bcols or j in counts:
                if 0 < v < threshold:
                    what = "base" if (i in brows or j in bcols) else "count"
                    leaks.append(Leak(g.at(i, j), f"shown {what} of {v:g} persons (fewer than {threshold})"))
                continue
            b = _base_of(g, i, j, brows, bcols)
            if g.rate or b is None or (B := g.number(*b)) is None or B <= 0:
                continue
            h = _tolerance(g, i, j)
            lo, hi = max(math.ceil((v - h) * B - 1e-6), 1 if v > 0 else 0), math.floor((v + h) * B + 1e-6)
            share = f"{v * 100:.4g} % of {B:g} persons ({g.at(*b)})"
            if 0 < hi < threshold and lo <= hi:
                n = f"{lo}" if lo == hi else f"{lo}–{hi}"
                leaks.append(Leak(g.at(i, j), f"shown share {share} = {n} person(s) (fewer than {threshold})"))
            elif complements and v < 1:
                clo = max(math.ceil((1 - v - h) * B - 1e-6), 1)
                chi = math.floor((1 - v + h) * B + 1e-6)
                if 0 < chi < threshold and clo <= chi:
                    leaks.append(Leak(g.at(i, j), f"shown share {share}: its complement is {chi} person(s) (fewer than {threshold})"))
    return leaks


def note_leaks(g: Grid, threshold: int) -> list[Leak]:
    """Test p-values in the notes of a table with a suppressed cell; counts below the threshold in notes."""
    leaks: list[Leak] = []
    has_hidden = any(g.hidden(i, j) for i in range(len(g.rows)) for j in range(len(g.cols)))
    for r, text in g.notes:
        where = f"{g.sheet}!A{r}"
        if has_hidden and NOTE_P.search(text):
            leaks.append(Leak(where, "the note shows test p-values beside suppressed cells (a p can pin a hidden count)"))
        for m in NOTE_COUNT.finditer(text):
            n = int(m.group(1).replace(".", ""))
            if 0 < n < threshold:
                leaks.append(Leak(where, f"the note states a count of {n} {m.group(2)} (fewer than {threshold})"))
    return leaks


Var = tuple[str, int, int]


@dataclass
class _Lp:
    """Cells as variables (shown: within their rounding; hidden: unknown) and linear equalities."""

    lo: dict[Var, float] = field(default_factory=dict)
    hi: dict[Var, float] = field(default_factory=dict)
    eq: list[dict[Var, float]] = field(default_factory=list)

    def add(self, grid: dict[str, Grid], rel: dict[Var, float]) -> bool:
        """Add the relation Σ coef·cell = 0 unless its shown cells contradict it (then it is not one)."""
        shown = all(not grid[s].hidden(i, j) for s, i, j in rel)
        if any(grid[s].number(i, j) is None and not grid[s].hidden(i, j) for s, i, j in rel):
            return False
        if shown:
            resid = sum(c * grid[s].number(i, j) for (s, i, j), c in rel.items())  # type: ignore[operator]
            slack = sum(abs(c) * _tolerance(grid[s], i, j) for (s, i, j), c in rel.items())
            return abs(resid) <= slack + 1e-9
        self.eq.append(rel)
        return True


def _rel_ok(lp: _Lp, grid: dict[str, Grid], rels: list[dict[Var, float]]) -> None:
    """Add a family of relations if none of its fully shown members fails."""
    trial = _Lp()
    if all(trial.add(grid, r) for r in rels):
        lp.eq.extend(trial.eq)


def _relations(gs: list[Grid]) -> list[list[dict[Var, float]]]:
    fams: list[list[dict[Var, float]]] = []
    for g in gs:
        s, n, m = g.sheet, len(g.rows), len(g.cols)
        brows, bcols = _bases(g)
        for i, lab in enumerate(g.rows):  # Total rows sum the body rows above
            if TOTAL.match(lab) and i not in brows:
                parts = []
                for k in range(i - 1, -1, -1):
                    if TOTAL.match(g.rows[k]) or k in brows:
                        break
                    parts.append(k)
                for j in range(m):
                    if parts:
                        fams.append([{(s, i, j): 1.0, **{(s, k, j): -1.0 for k in parts}}])
        for j, lab in enumerate(g.cols):  # Total columns
            if TOTAL.match(lab) and j not in bcols:
                parts = [k for k in range(j) if k not in bcols and not TOTAL.match(g.cols[k])]
                for i in range(n):
                    if parts:
                        fams.append([{(s, i, j): 1.0, **{(s, i, k): -1.0 for k in parts}}])
        for i, lab in enumerate(g.rows):  # Gennemsnit: the mean (a base: the sum) of its block
            if "gennemsnit" in lab.lower():
                block = [k for k in range(n) if g.groups[k] == g.groups[i] and k != i and "gennemsnit" not in g.rows[k].lower()]
                for j in range(m):
                    if block and not _derived_line(g.cols[j]):
                        w = 1.0 if j in bcols else 1.0 / len(block)
                        fams.append([{(s, i, j): 1.0, **{(s, k, j): -w for k in block}}])
        qs = {j: int(q.group(2)) * 4 + int(q.group(1)) - 1 for j, lab in enumerate(g.cols) if (q := QUARTER.search(lab))
              and not _derived_line(lab)}
        if len(qs) >= 2:
            first, last = min(qs, key=qs.__getitem__), max(qs, key=qs.__getitem__)
            span = qs[last] - qs[first]
            for j, lab in enumerate(g.cols):
                low = lab.lower()
                for i in range(n):
                    if i in brows:
                        continue
                    if "ændring" in low:  # change per quarter in points = (last − first) / span × 100
                        fams.append([{(s, i, j): 1.0, (s, i, last): -100.0 / span, (s, i, first): 100.0 / span}])
                    elif "fremskrevet" in low and (q := QUARTER.search(lab)):
                        ahead = int(q.group(2)) * 4 + int(q.group(1)) - 1 - qs[last]
                        fams.append([{(s, i, j): 1.0, (s, i, last): -1.0 - ahead / span, (s, i, first): ahead / span}])
    # pooled columns: a column whose base is the sum of other columns' bases (same row labels)
    for g in gs:
        brows, _ = _bases(g)
        if len(brows) != 1:
            continue
        b = brows[0]
        for j in range(len(g.cols)):
            P = g.number(b, j)
            if P is None:
                continue
            for h in gs:
                hb, _ = _bases(h)
                if len(hb) != 1 or h.rows != g.rows:
                    continue
                members = [k for k in range(len(h.cols)) if not (h is g and k == j)]
                bases = [h.number(hb[0], k) for k in members]
                if len(members) < 2 or any(x is None for x in bases) or abs(sum(bases) - P) > 1e-9:  # type: ignore[arg-type]
                    continue
                fam = []
                for i in range(len(g.rows)):
                    coef = 1.0 if i == b else P
                    rel = {(g.sheet, i, j): coef}
                    for k, B in zip(members, bases):
                        key = (h.sheet, i, k)
                        rel[key] = rel.get(key, 0.0) - (1.0 if i == b else B)  # type: ignore[operator]
                    fam.append(rel)
                fams.append(fam)
    return fams


def narrowed(gs: list[Grid], threshold: int) -> tuple[int, list[Leak]]:
    """Hidden cells with a shown base (or counts) the inferred relations pin to fewer than threshold persons."""
    from scipy.optimize import linprog  # imported here: scipy costs a second at start-up

    grid = {g.sheet: g for g in gs}
    lp = _Lp()
    for fam in _relations(gs):
        _rel_ok(lp, grid, fam)
    targets: list[tuple[Var, float, str]] = []
    for g in gs:
        brows, bcols = _bases(g)
        counts = set(_count_columns(g))
        for i in range(len(g.rows)):
            for j in range(len(g.cols)):
                if not g.hidden(i, j) or _derived_line(g.rows[i]) or _derived_line(g.cols[j]):
                    continue  # a hidden projection, change or mean is no count of persons
                if i in brows or j in bcols or j in counts:
                    targets.append(((g.sheet, i, j), 1.0, ""))
                elif (b := _base_of(g, i, j, brows, bcols)) is not None and (B := g.number(*b)) is not None:
                    targets.append(((g.sheet, i, j), B, f" of {B:g} persons ({g.at(*b)})"))
    # connected parts of the relations
    parent: dict[Var, Var] = {}

    def find(a: Var) -> Var:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for rel in lp.eq:
        ks = list(rel)
        for k in ks[1:]:
            parent[find(k)] = find(ks[0])
    parts: dict[Var, list[dict[Var, float]]] = {}
    for rel in lp.eq:
        parts.setdefault(find(next(iter(rel))), []).append(rel)
    leaks: list[Leak] = []
    for var, B, of in targets:
        if var not in parent:
            continue  # in no relation: nothing narrows it
        rels = parts[find(var)]
        vs = sorted({v for r in rels for v in r})
        pos = {v: k for k, v in enumerate(vs)}
        a = np.zeros((len(rels), len(vs)))
        for k, r in enumerate(rels):
            for v, c in r.items():
                a[k, pos[v]] += c
        bounds = []
        for s, i, j in vs:
            g = grid[s]
            if g.hidden(i, j):
                bounds.append((None, None) if _derived_line(g.cols[j]) or _derived_line(g.rows[i])
                              else (0.0, 1.0) if g.percent[i][j] else (0.0, None))
            else:
                x, t = g.number(i, j), _tolerance(g, i, j)
                bounds.append((x - t, x + t))  # type: ignore[operator]
        cost = np.zeros(len(vs))
        ends = []
        for sense in (1.0, -1.0):
            cost[pos[var]] = sense
            res = linprog(cost, A_eq=a, b_eq=np.zeros(len(rels)), bounds=bounds, method="highs")
            ends.append(res.x[pos[var]] if res.status == 0 else (math.inf * -sense if res.status == 3 else math.nan))
        lo, hi = ends[0] * B, ends[1] * B
        if not math.isnan(lo) and not math.isnan(hi) and hi - lo < min(threshold, B if of else math.inf) - 1e-6:
            s, i, j = var
            leaks.append(Leak(grid[s].at(i, j), f"hidden cell{of} can be narrowed to {max(lo, 0):.1f}–{hi:.1f} persons "
                                                f"(from {_why(grid, rels)})"))
    return len(targets), leaks


def _why(grid: dict[str, Grid], rels: list[dict[Var, float]]) -> str:
    labels = {grid[s].cols[j] for r in rels for s, _, j in r}
    kinds = [w for w, hit in (("Ændring pr. kvartal/Fremskrevet", any("ændring" in x.lower() or "fremskrevet" in x.lower() for x in labels)),
                               ("Gennemsnit", any("gennemsnit" in grid[s].rows[i].lower() for r in rels for s, i, _ in r)),
                               ("Total/I alt", any(TOTAL.match(grid[s].rows[i]) or TOTAL.match(grid[s].cols[j]) for r in rels for s, i, j in r)),
                               ("a pooled column", len({s for r in rels for s, _, _ in r}) > 1)) if hit]
    return ", ".join(kinds) or "the shown cells it adds up with"


@dataclass
class LayoutAudit:
    """What the layout reading found: register sheets read, skipped, cells checked, leaks."""

    sheets: list[str]
    skipped: list[str]
    checked: int
    leaks: list[Leak]

    @property
    def ok(self) -> bool:
        return not self.leaks


def audit_layout(wb: object, threshold: int = 5, complements: bool = True) -> LayoutAudit:
    """The intruder's audit of a workbook whose structure sheet is missing, from its layout alone."""
    gs, skipped = grids(wb)
    leaks: list[Leak] = []
    for g in gs:
        leaks += small_shown(g, threshold, complements) + note_leaks(g, threshold)
    checked, pinned = narrowed(gs, threshold)
    return LayoutAudit([g.sheet for g in gs], skipped, checked, leaks + pinned)
