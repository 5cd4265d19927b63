"""The intruder's audit: for each suppressed register cell, the interval of person counts that
can be derived from everything published (integer linear programming, scipy's HiGHS).

What the intruder knows: every shown count and base exactly; every shown share within its
rounding (a share p shown with d decimals of a base B bounds the count x: (p − h)·B ≤ x ≤ (p + h)·B,
h half a unit of the last decimal – the base a shown or suppressed BASE line of the same column
or row holding `Cell.of` persons; a share of a base shown nowhere bounds nothing, as any count
fits some base); that a share, shown or not, counts at most all of its base; every relation
(declared, and the sums the TOTAL roles imply; a relation without a total has a public sum, unless
that sum is below the threshold and so never shown); counts are whole and non-negative. A
suppressed cell passes when its interval is at least `threshold` persons wide.

How it is solved: by connected component, and in it by part – with the shown counts put in, the
rows on the unknown counts fall apart into parts that share nothing (`_parts`); each hidden cell's
smallest and largest whole count is found in its part by the LP relaxation where its optimum is
whole, else by the integer programme, and a cell already seen ≥ threshold wide in the whole
solutions found for other cells is not solved for (`_part` says which shortcut is safe and why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from toolkit.core.table import Cell, Kind, Ref, Role, Table
from toolkit.publish.disclosure import DisclosureError, Policy, index, relations


POPULATION = 1e7  # no count exceeds the country's population: keeps every problem bounded
# HiGHS' integer programme, first without presolve: with it, a 15-count problem of shares of hidden
# bases that may reach POPULATION ran for hours in presolve (0.5 s with bases up to 1e4, 23 s up to
# 1e5) and took 0.8 s without (found by the property test); each try is limited in time, and a
# solution that is not proven extreme only narrows an interval, so the limit errs towards suppressing
MILP_PRESOLVE = (False, True)
MILP_SECONDS = 20.0


@dataclass
class Finding:
    """A suppressed cell the published numbers pin to [low, high] persons."""

    cell: Ref
    low: float
    high: float
    pins: list[Ref]

    def text(self) -> str:
        what = ", ".join("/".join(p) for p in self.pins[:6]) + (" …" if len(self.pins) > 6 else "")
        hi = "∞" if math.isinf(self.high) else f"{self.high:g}"
        return (f"cell {'/'.join(self.cell)} can be narrowed to {self.low:g}–{hi} persons "
                f"from the published {what}")


@dataclass
class Audit:
    """The result: how many suppressed cells were checked, and those that fail."""

    threshold: int
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def _decimals(x: float) -> int:
    """The decimals a published number is written with (7.7 → 1; an unrounded 36.923076923 → 12)."""
    for d in range(13):
        if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x)):
            return d
    return 13


def _base(t: Table, i: int, j: int, c: Cell) -> tuple[int, int] | None:
    """The shown or suppressed BASE line cell of (i, j)'s column or row that holds `c.of` persons
    (a share that does not declare what it is of is linked to no base)."""
    for r, role in enumerate(t.row_roles):
        if role is Role.BASE and c.of is not None and t.cells[r][j].n == c.of:
            return r, j
    for k, role in enumerate(t.column_roles):
        if role is Role.BASE and c.of is not None and t.cells[i][k].n == c.of:
            return i, k
    return None


class _Problem:
    """Variables (person counts), bounds, equalities and inequalities built from the tables."""

    def __init__(self) -> None:
        self.var: dict[object, int] = {}
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.ub: list[tuple[dict[int, float], float]] = []
        self.about: dict[int, Ref] = {}

    def v(self, key: object, ref: Ref | None = None) -> int:
        if key not in self.var:
            self.var[key] = len(self.lo)
            self.lo.append(0.0)
            self.hi.append(POPULATION)
        if ref is not None:
            self.about[self.var[key]] = ref
        return self.var[key]


def _build(tables: Sequence[Table], threshold: int, bases: dict[Ref, Ref] | None = None) -> tuple[_Problem, list[int]]:
    pb = _Problem()
    hidden: list[int] = []
    for t in tables:
        for i, j, c in t.iter_cells():
            if c.n is None or c.kind is Kind.TEXT:
                continue
            ref = t.ref(i, j)
            x = pb.v(ref, ref)
            if c.suppressed:
                hidden.append(x)
            if c.kind in (Kind.COUNT, Kind.BASE) and c.is_number:
                pb.lo[x] = pb.hi[x] = float(c.value)  # type: ignore[arg-type]
            elif c.kind is Kind.PERCENT:
                b = bases.get(ref) if bases is not None else (None if (ij := _base(t, i, j, c)) is None else t.ref(*ij))
                if b is None:
                    continue  # a base of its own, shown nowhere: the share bounds nothing (any count fits some base)
                B = pb.v(b, b)
                pb.ub.append(({x: 1.0, B: -1.0}, 0.0))  # a share, shown or not, is at most all of its base
                if not c.is_number:
                    continue
                pc = float(c.value) * 100  # type: ignore[arg-type]
                h = 0.5 * 10 ** -_decimals(pc) + 1e-9
                pb.ub.append(({x: 1.0, B: -(pc + h) / 100}, 0.0))  # x ≤ (p + h)·B
                pb.ub.append(({x: -1.0, B: (pc - h) / 100}, 0.0))  # x ≥ (p − h)·B
    cells = index(tables)
    for tot, parts in relations(tables):
        members = [cells.get(p) for p in parts]
        if any(m is None or m.n is None for m in members):
            continue
        row = {pb.v(p, p): 1.0 for p in parts}
        if tot is None:  # a public sum (a base shown elsewhere); one below the threshold is never shown
            public = sum(m.n for m in members)  # type: ignore[union-attr,misc]
            if public >= threshold and bases is None:  # (a workbook read back does not know it)
                pb.eq.append((row, float(public)))
        elif (tc := cells.get(tot)) is not None and tc.n is not None:
            row[pb.v(tot, tot)] = row.get(pb.v(tot, tot), 0.0) - 1.0
            pb.eq.append((row, 0.0))
    return pb, hidden


def _components(pb: _Problem) -> list[int]:
    parent = list(range(len(pb.lo)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row, _ in pb.eq + pb.ub:
        ks = list(row)
        for k in ks[1:]:
            parent[find(k)] = find(ks[0])
    return [find(a) for a in range(len(pb.lo))]


Row = tuple[dict[int, float], float, bool]  # coefficients by variable, right-hand side, equality (else ≤)


@dataclass
class Memo:
    """What earlier audits of the same tables (at one threshold) proved, for the next round of secondary suppression,
    which only hides more: a part solved before (by its content: unknowns, rows, hidden cells,
    threshold) and the cells shown to be at least the threshold wide – hiding more takes published
    numbers away and so only widens an interval, never narrows it."""

    parts: dict[object, dict[object, tuple[float, float]]] = field(default_factory=dict)
    wide: set[object] = field(default_factory=set)


def _contradiction(pb: _Problem, members: list[int], why: str) -> DisclosureError:
    where = sorted({pb.about[v].table for v in members if v in pb.about})
    return DisclosureError(f"disclosure audit: the published numbers of {', '.join(where[:5])} contradict one another "
                           f"(a relation or base that does not hold): {why}")


def _parts(pb: _Problem, members: list[int], rows: list[Row]) -> list[tuple[list[int], list[Row]]]:
    """A connected component with its shown counts put in: the rows over the unknown counts only,
    split into the parts they connect (a suppressed cell in one part is free of every other part,
    so its interval is found in its part alone). A row left with no unknown that does not hold,
    or a shown count that is not whole, is a contradiction."""
    fixed = {v: pb.lo[v] for v in members if pb.lo[v] == pb.hi[v]}
    if any(abs(x - round(x)) > 1e-6 for x in fixed.values()):
        raise _contradiction(pb, members, "a count that is not whole")
    parent = {v: v for v in members if v not in fixed}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    reduced: list[Row] = []
    for row, b, eq in rows:
        terms = {v: c for v, c in row.items() if v not in fixed and c != 0.0}
        rest = b - sum(c * fixed[v] for v, c in row.items() if v in fixed)
        if not terms:
            if abs(rest) > 1e-6 if eq else rest < -1e-6:
                raise _contradiction(pb, members, "a sum of shown numbers that does not add up")
            continue
        ks = list(terms)
        for k in ks[1:]:
            parent[find(k)] = find(ks[0])
        reduced.append((terms, rest, eq))
    parts: dict[int, tuple[list[int], list[Row]]] = {}
    for v in parent:
        parts.setdefault(find(v), ([], []))[0].append(v)
    for row in reduced:
        parts[find(next(iter(row[0])))][1].append(row)
    return list(parts.values())


def _whole_bounds(pb: _Problem, variables: list[int], rows: list[Row]) -> tuple[np.ndarray, np.ndarray, list[Row]]:
    """Rows on one unknown turned into bounds and rounded inwards to whole counts (a share's
    (p − h)·B ≤ x ≤ (p + h)·B of a shown base B): the same whole solutions, a tighter relaxation.
    Returns the bounds and the rows on several unknowns."""
    k = {v: i for i, v in enumerate(variables)}
    lo = np.array([pb.lo[v] for v in variables], dtype=float)
    hi = np.array([pb.hi[v] for v in variables], dtype=float)
    coupled = []
    for row in rows:
        terms, b, eq = row
        if len(terms) > 1:
            coupled.append(row)
            continue
        (v, c), = terms.items()
        if eq or c > 0:
            hi[k[v]] = min(hi[k[v]], b / c)
        if eq or c < 0:
            lo[k[v]] = max(lo[k[v]], b / c)
    return np.ceil(lo - 1e-6), np.floor(hi + 1e-6), coupled


def _lp(pb: _Problem, members: list[int], variables: list[int], rows: list[Row], bounds: np.ndarray):  # type: ignore[no-untyped-def]
    """A solver of one part: `solve(cost)` → optimal whole counts (the LP relaxation's optimum when
    it is whole – then it is the integer optimum too –, else the integer programme's; where that
    meets its time limit, the best whole counts it found: a solution, perhaps not the extreme). The
    matrices are built once, sparse."""
    from scipy.optimize import linprog  # imported here: scipy costs a second at start-up
    from scipy.sparse import csr_matrix

    pos = {v: k for k, v in enumerate(variables)}

    def matrix(which: list[Row]) -> tuple[csr_matrix | None, np.ndarray | None]:
        if not which:
            return None, None
        r = [k for k, (terms, _, _) in enumerate(which) for _ in terms]
        c = [pos[v] for terms, _, _ in which for v in terms]
        x = [coef for terms, _, _ in which for coef in terms.values()]
        return csr_matrix((x, (r, c)), shape=(len(which), len(variables))), np.array([b for _, b, _ in which])

    a_eq, b_eq = matrix([r for r in rows if r[2]])
    a_ub, b_ub = matrix([r for r in rows if not r[2]])

    def solve(cost: np.ndarray) -> np.ndarray:
        res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ds")
        if res.status == 0 and np.all(np.abs(res.x - np.round(res.x)) <= 1e-6):
            return np.round(res.x)
        if res.status == 0:  # a fractional vertex: only the integer programme says where whole counts end
            for presolve in MILP_PRESOLVE:
                res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                              integrality=np.ones(len(variables)), method="highs",
                              options={"presolve": presolve, "time_limit": MILP_SECONDS})
                if res.status != 1:  # 1: the time limit
                    break
            if res.status == 1 and res.x is not None:
                return np.round(res.x)
            if res.status == 1:
                where = sorted({pb.about[v].table for v in members if v in pb.about})
                raise DisclosureError(f"disclosure audit: the integer programme for {', '.join(where[:5])} found no "
                                      f"solution in {len(MILP_PRESOLVE)} × {MILP_SECONDS:g} s; nothing is written")
        if res.status != 0:
            raise _contradiction(pb, members, res.message)
        return np.round(res.x)

    return solve


def _part(pb: _Problem, members: list[int], variables: list[int], rows: list[Row], hidden: list[int],
          threshold: int) -> dict[int, tuple[float, float]]:
    """Each hidden cell's interval of whole counts in its part: exact for a cell narrowed below the
    threshold (or, where the integer programme met its time limit, inside the exact one); for any
    other, at least `threshold` wide and inside the exact one (a part without a hidden cell is
    solved once for its feasibility, so a contradiction anywhere is found).

    Which shortcut is safe: every whole solution found (for any cell's minimum or maximum) is a
    count an intruder cannot exclude, so two solutions `threshold` apart in a cell prove it wide
    enough without solving for it. The LP relaxation's interval contains the whole one, so a
    relaxation narrower than the threshold proves a finding – but a wide relaxation proves nothing
    (whole counts may fill only part of it); it is used only where its optimum is whole, which
    then is the integer optimum."""
    lo, hi, coupled = _whole_bounds(pb, variables, rows)
    if np.any(lo > hi):
        raise _contradiction(pb, members, "no whole count fits the published numbers")
    k = {v: i for i, v in enumerate(variables)}
    if not coupled:  # no row left on several unknowns: each is free within its bounds
        return {x: (float(lo[k[x]]), float(hi[k[x]])) for x in hidden}
    solve = _lp(pb, members, variables, coupled, np.column_stack([lo, hi]))
    if not hidden:
        solve(np.zeros(len(variables)))
        return {}
    seen_lo, seen_hi = np.full(len(variables), np.inf), np.full(len(variables), -np.inf)

    def witness(cost: np.ndarray) -> None:
        x = solve(cost)  # optimal or not, a whole solution: a count the intruder cannot exclude
        np.minimum(seen_lo, x, out=seen_lo)
        np.maximum(seen_hi, x, out=seen_hi)

    # first, solutions pushing all cells not yet shown wide up or down at random (a vertex of a
    # table with totals moves a cell in every row): while each proves several cells wide at once
    rng = np.random.default_rng(0)
    index = np.array([k[x] for x in hidden])
    tries = 0
    while len(open_ := index[seen_hi[index] - seen_lo[index] < threshold]) > 2:
        cost = np.zeros(len(variables))
        cost[open_] = rng.choice([-1.0, 1.0], len(open_))
        witness(cost)
        tries += 1
        if tries > 1 and np.count_nonzero(seen_hi[open_] - seen_lo[open_] >= threshold) < 2:
            break
    out = {}
    for x in hidden:  # then each cell still open alone: its largest (leaving others low), its smallest
        i = k[x]
        if seen_hi[i] - seen_lo[i] < threshold:
            cost = np.zeros(len(variables))
            cost[i] = -1.0
            witness(cost)
            if seen_hi[i] - seen_lo[i] < threshold:
                cost[i] = 1.0
                witness(cost)
        out[x] = (float(seen_lo[i]), float(seen_hi[i]))  # the extremes solved for, or (at a time limit) inside them
    return out


def _intervals(pb: _Problem, members: list[int], rows: list[Row], hidden: set[int], threshold: int,
               memo: Memo) -> dict[int, tuple[float, float]]:
    """Each hidden cell's interval (as `_part`) in one connected component, part by part, from
    `memo` where an earlier round solved the same part; cells the memo knows to be wide are not
    solved for."""
    keys = {i: k for k, i in pb.var.items()}
    out: dict[int, tuple[float, float]] = {}
    for variables, part_rows in _parts(pb, members, rows):
        targets = [v for v in variables if v in hidden and keys[v] not in memo.wide]
        key = (frozenset((frozenset((keys[v], c) for v, c in t.items()), b, eq) for t, b, eq in part_rows),
               frozenset((keys[v], pb.lo[v], pb.hi[v]) for v in variables), frozenset(keys[v] for v in targets), threshold)
        if key not in memo.parts:
            memo.parts[key] = {keys[v]: iv for v, iv in _part(pb, members, variables, part_rows, targets, threshold).items()}
        out.update({v: memo.parts[key][keys[v]] for v in targets})
    return out


def audit(tables: Sequence[Table], threshold: int = 5, bases: dict[Ref, Ref] | None = None, *,
          memo: Memo | None = None) -> Audit:
    """For each suppressed cell of the register tables, what an intruder can derive; a cell
    narrowed to fewer than `threshold` possible persons is a finding. `bases`: each share's base
    cell, when read back from a workbook (else found by `Cell.of`); `memo`: what an audit of the
    same tables with fewer cells hidden proved (rounds of secondary suppression)."""
    reg = [t for t in tables if t.register]
    pb, hidden = _build(reg, threshold, bases)
    result = Audit(threshold, checked=len(hidden))
    if not hidden:
        return result
    memo = Memo() if memo is None else memo
    comp = _components(pb)
    groups: dict[int, list[int]] = {}
    for v, g in enumerate(comp):
        groups.setdefault(g, []).append(v)
    rows: dict[int, list[Row]] = {}
    for row, b in pb.eq:
        rows.setdefault(comp[next(iter(row))], []).append((row, b, True))
    for row, b in pb.ub:
        rows.setdefault(comp[next(iter(row))], []).append((row, b, False))
    solved: dict[int, dict[int, tuple[float, float]]] = {}
    hidden_set = set(hidden)
    for x in hidden:
        members = groups[comp[x]]
        if len(members) == 1 or pb.about[x] in memo.wide:
            continue  # in no relation and no share: nothing published narrows it (or shown wide before)
        if comp[x] not in solved:
            solved[comp[x]] = _intervals(pb, members, rows.get(comp[x], []), hidden_set, threshold, memo)
        lo, hi = solved[comp[x]][x]
        hi = math.inf if hi > POPULATION - 1 else hi
        if hi - lo < threshold - 1e-6:
            pins = [pb.about[v] for v in members if v != x and v in pb.about and pb.lo[v] == pb.hi[v]]
            result.findings.append(Finding(pb.about[x], round(lo, 6), round(hi, 6), pins))
        else:
            memo.wide.add(pb.about[x])
    return result


def checked(tables: Sequence[Table], policy: Policy) -> tuple[Policy, Audit] | None:
    """The audit of the register tables about to be published (None when there are none); a
    finding stops the run with an error naming the cell and the numbers that pin it."""
    if not any(t.register for t in tables):
        return None
    result = audit(tables, policy.threshold)
    if not result.ok:
        shown = "; ".join(f.text() for f in result.findings[:5])
        more = f" (and {len(result.findings) - 5} more)" if len(result.findings) > 5 else ""
        raise DisclosureError(f"disclosure audit failed, nothing written: {shown}{more}")
    return policy, result


STRUCTURE_SHEET = "Diskretionering_struktur"
# An Excel cell holds at most 32,767 characters (UTF-16 units: a character outside the BMP takes
# two), so a structure line longer than this many characters goes on over the next cells of its row.
STRUCTURE_CELL = 16_000


def structure_cells(line: str) -> list[str]:
    """A structure line as the cells of its row, each within Excel's limit (`structure_row` joins them)."""
    return [line[k:k + STRUCTURE_CELL] for k in range(0, len(line), STRUCTURE_CELL)] or [line]


def structure_row(values: Sequence[object]) -> str:
    """A structure line from the cells of its row (one cell in a workbook written before lines were split)."""
    return "".join(str(v) for v in values if v is not None)


def structure(tables: Sequence[Table], sheets: dict[str, str], blocks: Mapping[str, list[list[int]]] | None = None) -> list[str]:
    """The register tables' structure as JSON lines (sheet, keys, roles, kinds, bases, sums; for a
    table printed in blocks, where each block is) for `toolkit audit` to read a workbook back
    with – no numbers, so it discloses nothing."""
    import json

    reg = [t for t in tables if t.register]
    lines = []
    for t in reg:
        cells = []
        for i, j, c in t.iter_cells():
            if c.n is not None and c.kind is not Kind.TEXT:
                b = _base(t, i, j, c) if c.kind is Kind.PERCENT else None
                cells.append([i, j, c.kind.value] + (list(b) if b else []))
        at = {"blocks": blocks[t.key]} if blocks and t.key in blocks else {}
        lines.append(json.dumps({"table": t.key, "sheet": sheets.get(t.key, ""), "rows": t.row_keys, "columns": t.column_keys,
                                 "cells": cells, **at}, ensure_ascii=False))
    known = index(reg)
    for tot, parts in relations(reg):
        if tot is not None and tot in known and all(p in known for p in parts):
            lines.append(json.dumps({"total": list(tot), "parts": [list(p) for p in parts]}, ensure_ascii=False))
    return lines
