"""Disclosure control for register tables: small cells are suppressed, visibly, with secondary
suppression so that a suppressed cell cannot be recovered from totals.

Primary: every cell of a register table whose `Cell.n` (persons it describes) is below the
threshold (default 5; zero cells are kept unless `zeros=True`) is suppressed.
Secondary: for each linear relation of a table (`Table.relations`: parts adding up to a total,
possibly across tables; and, when a table declares none, rows/columns labelled Total / I alt
summing the rows/columns above/before them), a relation with exactly one suppressed cell gets a
second one: the unsuppressed part with the fewest persons that brings the suppressed persons up
to the threshold (else the largest), or the total. Repeated until no relation has a lone
suppressed cell. This is the classic one-relation-at-a-time method; it protects the one- and
two-way tables the toolkit produces, not arbitrary linked cubes.
"""

from __future__ import annotations

from typing import Sequence

from toolkit.core.table import Cell, Table

TOTAL_LABELS = {"total", "i alt", "alle"}
Ref = tuple[str, int, int]


def _is_total(label: str) -> bool:
    return label.strip().lower() in TOTAL_LABELS


def implied_relations(t: Table) -> list[tuple[Ref | None, list[Ref]]]:
    """Relations read off the labels: a Total/I alt row (column) sums the rows (columns) of its
    group above (before) it. Used for tables that declare no relations of their own."""
    rels: list[tuple[Ref | None, list[Ref]]] = []
    for i, lab in enumerate(t.row_labels):
        if _is_total(lab):
            parts = [r for r in range(i) if t.row_groups[r] == t.row_groups[i] and not _is_total(t.row_labels[r])]
            if parts:
                rels += [((t.id, i, j), [(t.id, r, j) for r in parts]) for j in range(len(t.column_labels))]
    for j, lab in enumerate(t.column_labels):
        if _is_total(lab):
            parts = [c for c in range(j) if t.column_groups[c] == t.column_groups[j] and not _is_total(t.column_labels[c])]
            if parts:
                rels += [((t.id, i, j), [(t.id, i, c) for c in parts]) for i in range(len(t.row_labels))]
    return rels


def suppress(tables: Sequence[Table], threshold: int = 5, zeros: bool = False) -> list[Table]:
    """Suppress small cells (and what would reveal them) in the register tables, in place.

    Non-register tables pass untouched. Suppressed cells get `suppressed=True` and no value; a
    table with suppressed cells gets an "Anm.:" line saying so. Returns the tables.
    """
    reg = {t.id: t for t in tables if t.register}
    if not reg:
        return list(tables)

    def cell(ref: Ref) -> Cell | None:
        t = reg.get(ref[0])
        if t is None or ref[1] >= len(t.cells) or ref[2] >= len(t.cells[ref[1]]):
            return None
        return t.cells[ref[1]][ref[2]]

    def small(c: Cell) -> bool:
        return c.n is not None and (c.n < threshold) and (zeros or c.n > 0)

    for t in reg.values():
        for _, _, c in t.iter_cells():
            if small(c):
                c.suppressed = True
    relations: list[tuple[Ref | None, list[Ref]]] = []
    for t in reg.values():
        relations += t.relations or implied_relations(t)
    # a relation with a part or total in a table not being written cannot be used to recover
    usable = [(tot, parts) for tot, parts in relations
              if all(cell(r) is not None for r in parts) and (tot is None or cell(tot) is not None)]
    changed = True
    while changed:
        changed = False
        for tot, parts in usable:
            members = [r for r in parts] + ([tot] if tot is not None else [])
            hidden = [r for r in members if cell(r).suppressed]  # type: ignore[union-attr]
            if len(hidden) != 1:
                continue
            hidden_n = sum((cell(r).n or 0) for r in hidden)  # type: ignore[union-attr]
            open_parts = sorted((r for r in parts if not cell(r).suppressed), key=lambda r: cell(r).n or 0)  # type: ignore[union-attr]
            pick = next((r for r in open_parts if (cell(r).n or 0) > 0 and hidden_n + (cell(r).n or 0) >= threshold), None)  # type: ignore[union-attr]
            if pick is None and open_parts:
                pick = open_parts[-1]
            if pick is None and tot is not None and not cell(tot).suppressed:  # type: ignore[union-attr]
                pick = tot
            if pick is not None:
                cell(pick).suppressed = True  # type: ignore[union-attr]
                changed = True
    for t in reg.values():
        hit = False
        for _, _, c in t.iter_cells():
            if c.suppressed:
                c.value = None
                hit = True
        note = f"Anm.: x = diskretioneret: cellen omfatter færre end {threshold} personer eller er skjult, så den ikke kan tilbageregnes."
        if hit and note not in t.notes:
            t.notes.append(note)
    return list(tables)
