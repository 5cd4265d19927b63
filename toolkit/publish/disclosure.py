"""Disclosure control for register tables: small cells are suppressed, visibly, with secondary
suppression so that a suppressed cell cannot be recovered from totals.

Primary: every cell of a register table whose `Cell.n` (persons it describes) is below the
threshold (default 5; zero cells are kept unless `zeros=True`) is suppressed.
Secondary: for each linear relation of a table (`Table.relations`: parts adding up to a total,
possibly across tables, cells referred to by keys; and each row (column) with the role TOTAL
summing the body rows (columns) of its group above (before) it), a
relation with exactly one suppressed cell gets a second one: the unsuppressed part with the
fewest persons that brings the suppressed persons up to the threshold (else the largest), or the
total. A derived cell (`Table.derived`: a change, projection, mean or copy of other cells) is
suppressed when one of its inputs is. Repeated until no relation has a lone suppressed cell and
no derived cell a suppressed input. This is the classic
one-relation-at-a-time method; it protects the one- and two-way tables the toolkit produces,
not arbitrary linked cubes.
"""

from __future__ import annotations

from typing import Sequence

from toolkit.core.table import Cell, Ref, Relation, Role, Table, require_unique


def _parts(roles: list[Role], groups: list[str], k: int) -> list[int]:
    """The body lines a total at k sums: those before it of its group (all groups when it has none),
    back to the previous total of its group."""
    parts = []
    for r in range(k - 1, -1, -1):
        same = groups[r] == groups[k]
        if roles[r] is Role.TOTAL and same:
            break
        if roles[r] is Role.BODY and (same or not groups[k]):
            parts.append(r)
    return parts[::-1]


def implied_relations(t: Table) -> list[Relation]:
    """Relations read off the roles: a TOTAL row (column) sums the BODY rows (columns) of its group
    above (before) it – all groups' for an ungrouped total (a grand total) – back to the previous
    total of its group."""
    rels: list[Relation] = []
    for i, role in enumerate(t.row_roles):
        parts = _parts(t.row_roles, t.row_groups, i) if role is Role.TOTAL else []
        if parts:
            rels += [Relation(t.ref(i, j), [t.ref(r, j) for r in parts]) for j in range(len(t.column_labels))]
    for j, role in enumerate(t.column_roles):
        parts = _parts(t.column_roles, t.column_groups, j) if role is Role.TOTAL else []
        if parts:
            rels += [Relation(t.ref(i, j), [t.ref(i, c) for c in parts]) for i in range(len(t.row_labels))]
    return rels


def _index(tables: dict[str, Table]) -> dict[Ref, Cell]:
    """Every cell of the tables by its keys."""
    return {t.ref(i, j): c for t in tables.values() for i, j, c in t.iter_cells()}


def _hashable(r: Relation) -> Relation:
    return Relation(r.total, tuple(r.parts))  # type: ignore[arg-type]


def suppress(tables: Sequence[Table], threshold: int = 5, zeros: bool = False) -> list[Table]:
    """Suppress small cells (and what would reveal them) in the register tables, in place.

    Non-register tables pass untouched. Suppressed cells get `suppressed=True` and no value; a
    table with suppressed cells gets an "Anm.:" line saying so. Two tables with one key are
    refused (a bug: one would escape control). Returns the tables.
    """
    require_unique(tables, "disclosure control")
    reg = {t.key: t for t in tables if t.register}
    if not reg:
        return list(tables)
    cells = _index(reg)

    def small(c: Cell) -> bool:
        return c.n is not None and (c.n < threshold) and (zeros or c.n > 0)

    for c in cells.values():
        if small(c):
            c.suppressed = True
    relations: dict[Relation, None] = {}  # ordered, without repeats
    for t in reg.values():
        relations.update(dict.fromkeys(_hashable(r) for r in t.relations + implied_relations(t)))
    # a relation with a part or total in a table not being written cannot be used to recover
    usable: list[tuple[Cell | None, list[Cell]]] = []
    for tot, parts in relations:
        members = [cells.get(Ref(*r)) for r in parts]
        total = None if tot is None else cells.get(Ref(*tot))
        if all(m is not None for m in members) and (tot is None or total is not None):
            usable.append((total, members))  # type: ignore[arg-type]
    derived: list[tuple[Cell, list[Cell]]] = []
    for t in reg.values():
        for ref, inputs in t.derived:
            c = cells.get(Ref(*ref))
            if c is not None:  # an input not being written is not shown: it cannot be given away
                derived.append((c, [x for i in inputs if (x := cells.get(Ref(*i))) is not None]))
    changed = True
    while changed:
        changed = False
        for total, parts in usable:
            hidden = [c for c in parts + ([total] if total is not None else []) if c.suppressed]
            if len(hidden) != 1:
                continue
            hidden_n = sum(c.n or 0 for c in hidden)
            open_parts = sorted((c for c in parts if not c.suppressed), key=lambda c: c.n or 0)
            pick = next((c for c in open_parts if (c.n or 0) > 0 and hidden_n + (c.n or 0) >= threshold), None)
            if pick is None and open_parts:
                pick = open_parts[-1]
            if pick is None and total is not None and not total.suppressed:
                pick = total
            if pick is not None:
                pick.suppressed = True
                changed = True
        for c, inputs in derived:
            if not c.suppressed and any(i.suppressed for i in inputs):
                c.suppressed = True
                changed = True
    note = f"Anm.: x = diskretioneret: cellen omfatter færre end {threshold} personer eller er skjult, så den ikke kan tilbageregnes."
    for t in reg.values():
        hit = False
        for _, _, c in t.iter_cells():
            if c.suppressed:
                c.value = None
                hit = True
        if hit and note not in t.notes:
            t.notes.append(note)
    return list(tables)
