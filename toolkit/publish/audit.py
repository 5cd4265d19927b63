"""The intruder's audit: for each suppressed register cell, the interval of person counts that
can be derived from everything published (integer linear programming, scipy's HiGHS).

What the intruder knows: every shown count and base exactly; every shown share within its
rounding (a share p shown with d decimals of a base B bounds the count x: (p − h)·B ≤ x ≤ (p + h)·B,
h half a unit of the last decimal – the base a shown or suppressed BASE line of the same column
or row holding `Cell.of` persons; a share of a base shown nowhere bounds nothing, as any count
fits some base); every relation (declared,
and the sums the TOTAL roles imply; a relation without a total has a public sum, unless that sum
is below the threshold and so never shown); counts are whole and non-negative. A suppressed cell passes when its interval
is at least `threshold` persons wide. Tables are solved by connected part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from toolkit.core.table import Cell, Kind, Ref, Role, Table
from toolkit.publish.disclosure import DisclosureError, Policy, index, relations


POPULATION = 1e7  # no count exceeds the country's population: keeps every problem bounded


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
            elif c.kind in (Kind.COUNT, Kind.BASE) and c.is_number:
                pb.lo[x] = pb.hi[x] = float(c.value)  # type: ignore[arg-type]
            elif c.kind is Kind.PERCENT and c.is_number:
                b = bases.get(ref) if bases is not None else (None if (ij := _base(t, i, j, c)) is None else t.ref(*ij))
                if b is None:
                    continue  # a base of its own, shown nowhere: the share bounds nothing (any count fits some base)
                B = pb.v(b, b)
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


def _solve(pb: _Problem, members: list[int], target: int, sense: float) -> float:
    from scipy.optimize import linprog  # imported here: scipy costs a second at start-up

    pos = {v: k for k, v in enumerate(members)}
    eqs = [(r, b) for r, b in pb.eq if next(iter(r)) in pos]
    ubs = [(r, b) for r, b in pb.ub if next(iter(r)) in pos]

    def matrix(rows: list[tuple[dict[int, float], float]]) -> tuple[np.ndarray | None, np.ndarray | None]:
        if not rows:
            return None, None
        a = np.zeros((len(rows), len(members)))
        for k, (r, _) in enumerate(rows):
            for v, coef in r.items():
                a[k, pos[v]] += coef
        return a, np.array([b for _, b in rows])

    a_eq, b_eq = matrix(eqs)
    a_ub, b_ub = matrix(ubs)
    cost = np.zeros(len(members))
    cost[pos[target]] = sense
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                  bounds=[(pb.lo[v], pb.hi[v]) for v in members], integrality=np.ones(len(members)), method="highs")
    if res.status != 0:
        where = sorted({pb.about[v].table for v in members if v in pb.about})
        raise DisclosureError(f"disclosure audit: the published numbers of {', '.join(where[:5])} contradict one another "
                              f"(a relation or base that does not hold): {res.message}")
    x = float(res.x[pos[target]])
    return math.inf if x > POPULATION - 1 else x


def audit(tables: Sequence[Table], threshold: int = 5, bases: dict[Ref, Ref] | None = None) -> Audit:
    """For each suppressed cell of the register tables, what an intruder can derive; a cell
    narrowed to fewer than `threshold` possible persons is a finding. `bases`: each share's base
    cell, when read back from a workbook (else found by `Cell.of`)."""
    reg = [t for t in tables if t.register]
    pb, hidden = _build(reg, threshold, bases)
    result = Audit(threshold, checked=len(hidden))
    if not hidden:
        return result
    comp = _components(pb)
    groups: dict[int, list[int]] = {}
    for v, g in enumerate(comp):
        groups.setdefault(g, []).append(v)
    for x in hidden:
        members = groups[comp[x]]
        if len(members) == 1:
            continue  # in no relation and no share: nothing published narrows it (and HiGHS can stall on an empty problem)
        lo, hi = _solve(pb, members, x, 1.0), _solve(pb, members, x, -1.0)
        if hi - lo < threshold - 1e-6:
            pins = [pb.about[v] for v in members if v != x and v in pb.about and pb.lo[v] == pb.hi[v]]
            result.findings.append(Finding(pb.about[x], round(lo, 6), round(hi, 6), pins))
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
