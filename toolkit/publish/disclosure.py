"""Disclosure control for register tables: small cells are suppressed, visibly, with secondary
suppression so that a suppressed cell cannot be recovered from totals.

The rules (`Policy`, set in the wave file's `parameters`; defaults in brackets):
- Primary: a register cell whose `Cell.n` (persons it describes) is below the threshold [5];
  a share whose complement (`Cell.of − n`, the persons it does not describe) is below it
  [complements: true]; zeros are shown [zeros: show] – a zero says "none of these", which the
  reader learns from the base anyway – unless `small-groups` (a zero share of fewer than the
  threshold persons) or `all`.
- Secondary: for each linear relation of a table (`Table.relations`: parts adding up to a total,
  possibly across tables, cells referred to by keys; and each row (column) with the role TOTAL
  summing the body rows (columns) of its group above (before) it), a relation with exactly one
  suppressed cell gets a second one: the unsuppressed part with the fewest persons that brings the
  suppressed persons up to the threshold (else the largest), or the total. A derived cell
  (`Table.derived`: a change, projection, mean or copy of other cells) is suppressed when one of
  its inputs is. Repeated until no relation has a lone suppressed cell and no derived cell a
  suppressed input.
- Published precision: shown register percentages are rounded to the decimals shown [1], so
  the workbook and the tidy CSV carry the same number and no common denominator can be inferred.
- Tests: a note of a table with a suppressed cell shows no test statistic and no p-value.
- Notes: a count of persons below the threshold in any note of a register table ("3 personer",
  "2 af 40 personer") is written "færre end 5 personer" (`small_counts`).
- Declaration: a register table must say which cells describe register persons (`Cell.n`); one
  that declares none is refused.
`publish.audit` then proves, over everything published, that no suppressed cell can be narrowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from toolkit.core.errors import ToolkitError
from toolkit.core.table import Cell, Kind, Ref, Relation, Role, Table, require_unique

Zeros = Literal["show", "small-groups", "all"]


class DisclosureError(ToolkitError):
    """Register output that disclosure control cannot vouch for (undeclared cells, a failed audit)."""


@dataclass(frozen=True)
class Policy:
    """The disclosure rules of a run; see the module docstring for what each means."""

    threshold: int = 5
    zeros: Zeros = "show"
    complements: bool = True
    decimals: int = 1  # register percentages are published with this many decimals (unless the cell says otherwise)

    def small(self, c: Cell) -> bool:
        """True when the cell must be suppressed for its own size (primary)."""
        if c.n is None:
            return False
        if 0 < c.n < self.threshold:
            return True
        if c.n == 0:
            return self.zeros == "all" or (self.zeros == "small-groups" and c.of is not None and c.of < self.threshold)
        return self.complements and c.of is not None and 0 < c.of - c.n < self.threshold


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


def index(tables: Sequence[Table]) -> dict[Ref, Cell]:
    """Every cell of the tables by its keys."""
    return {t.ref(i, j): c for t in tables for i, j, c in t.iter_cells()}


def relations(tables: Sequence[Table]) -> list[Relation]:
    """The declared and implied relations of the tables, without repeats, in order."""
    seen: dict[tuple, Relation] = {}
    for t in tables:
        for r in t.relations + implied_relations(t):
            seen.setdefault((r.total, tuple(r.parts)), r)
    return list(seen.values())


def require_declared(tables: Sequence[Table]) -> None:
    """Refuse a register table with numbers none of which says how many persons it describes."""
    for t in tables:
        numbers = [c for _, _, c in t.iter_cells() if c.kind is not Kind.TEXT and c.value is not None]
        if numbers and all(c.n is None for c in numbers):
            raise DisclosureError(f"table {t.key} is built from register data but declares no persons behind its cells "
                                  "(Cell.n; a model config: register.persons); it cannot be published in a register workbook")


def policy_of(threshold: int | Policy = 5, zeros: bool | Zeros = False, complements: bool = True) -> Policy:
    """A Policy from suppress()'s arguments (`zeros=True` is the old "suppress every zero")."""
    if isinstance(threshold, Policy):
        return threshold
    z: Zeros = "all" if zeros is True else "show" if zeros is False else zeros
    return Policy(threshold=int(threshold), zeros=z, complements=complements)


def suppress(tables: Sequence[Table], threshold: int | Policy = 5, zeros: bool | Zeros = False,
             complements: bool = True) -> list[Table]:
    """Suppress small cells (and what would reveal them) in the register tables, in place.

    Non-register tables pass untouched. Suppressed cells get `suppressed=True` and no value; a
    table with suppressed cells gets an "Anm.:" line saying so and its tests lose their p-values.
    Two tables with one key are refused (a bug: one would escape control). Returns the tables.
    """
    policy = policy_of(threshold, zeros, complements)
    require_unique(tables, "disclosure control")
    reg = [t for t in tables if t.register]
    if not reg:
        return list(tables)
    require_declared(reg)
    cells = index(reg)
    for c in cells.values():
        if policy.small(c):
            c.suppressed = c.primary = True
    # a relation with a part or total in a table not being written cannot be used to recover
    usable: list[tuple[Cell | None, list[Cell]]] = []
    for tot, parts in relations(reg):
        members = [cells.get(r) for r in parts]
        total = None if tot is None else cells.get(tot)
        if all(m is not None for m in members) and (tot is None or total is not None):
            usable.append((total, members))  # type: ignore[arg-type]
    derived: list[tuple[Cell, list[Cell]]] = []
    for t in reg:
        for ref, inputs in t.derived:
            c = cells.get(ref)
            if c is not None:  # an input not being written is not shown: it cannot be given away
                derived.append((c, [x for i in inputs if (x := cells.get(i)) is not None]))
    _secondary(usable, derived, policy.threshold)
    _until_audited(reg, usable, derived, policy.threshold)
    note = (f"Anm.: x = diskretioneret: cellen omfatter færre end {policy.threshold} personer eller er skjult, "
            "så den ikke kan tilbageregnes.")
    for t in reg:
        t.notes = [small_counts(n, policy.threshold) for n in t.notes]
        hit = False
        for _, _, c in t.iter_cells():
            if c.suppressed:
                c.value = None
                hit = True
            elif c.kind is Kind.PERCENT and c.n is not None and c.is_number:
                c.value = published(float(c.value), c, policy)  # type: ignore[arg-type]
        if hit:
            t.notes = [blind_tests(n) for n in t.notes]
            if note not in t.notes:
                t.notes.append(note)
    return list(tables)


def _secondary(usable: list[tuple[Cell | None, list[Cell]]], derived: list[tuple[Cell, list[Cell]]], threshold: int) -> None:
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


def _until_audited(reg: list[Table], usable: list[tuple[Cell | None, list[Cell]]],
                   derived: list[tuple[Cell, list[Cell]]], threshold: int) -> None:
    """Linked relations (a two-way table with both totals, pooled beside per-municipality columns)
    can pin a cell no single relation does: while the audit narrows a suppressed cell, suppress
    the smallest shown cell sharing a relation with it (else the smallest that pins it), and
    propagate again. Between rounds the audit keeps what it proved (`audit.Memo`): a round solves
    only the cells not yet shown wide, in the parts its picks changed."""
    from toolkit.publish.audit import Memo, audit  # the audit builds on this module

    cells = index(reg)
    members: dict[Ref, list[Ref]] = {}
    for tot, parts in relations(reg):
        group = list(parts) + ([tot] if tot is not None else [])
        for r in group:
            members.setdefault(r, []).extend(g for g in group if g != r)
    memo = Memo()
    for _ in range(len(cells)):
        res = audit(reg, threshold, memo=memo)
        if res.ok:
            return
        picked: set[Ref] = set()
        for f in res.findings:
            for near in (members.get(f.cell, []), f.pins):
                if picked & set(near):
                    break  # a cell hidden for another finding of this round may be enough
                open_ = [r for r in near if r in cells and not cells[r].suppressed and cells[r].n is not None]
                if open_:
                    pick = min(open_, key=lambda r: (not (cells[r].n or 0) > 0, cells[r].n or 0))
                    cells[pick].suppressed = True
                    picked.add(pick)
                    break
        if not picked:
            return  # nothing left to hide: the writer's audit names the cell
        _secondary(usable, derived, threshold)


def published(share: float, c: Cell, policy: Policy) -> float:
    """A register share rounded to the decimals it is shown with (0.07692 → 0.077 at one decimal)."""
    d = c.display.decimals if c.display is not None and c.display.decimals is not None else policy.decimals
    return round(share, d + 2)


_STATISTIC = re.compile(r"(χ²|t|F) = [−\-]?[\d.,]+( \(df = [^)]*\))?, ")
_P = re.compile(r"p ?(<|=|≥|>) ?\d[\d,]*")


def blind_tests(note: str) -> str:
    """A note with its test statistics and p-values taken out (for a table with a suppressed cell:
    an exact p, or even its side of 0,05, can narrow the hidden count)."""
    if not _P.search(note):
        return note
    return _P.sub("p vises ikke (diskretionering)", _STATISTIC.sub("", note))


_COUNT = re.compile(r"(?<![\d.,])(?:(\d+) af )?(\d+) (personer|person|borgere|borger)\b")


def small_counts(note: str, threshold: int) -> str:
    """A note with every count of persons below the threshold (or "k af n personer" with k or
    n − k below it) written "færre end <threshold> personer"; larger counts stay."""
    def sub(m: re.Match[str]) -> str:
        k, n = (int(m.group(1)) if m.group(1) else None), int(m.group(2))
        noun = "borgere" if m.group(3).startswith("borger") else "personer"
        if 0 < n < threshold:
            return f"færre end {threshold} {noun}"
        if k is not None and (0 < k < threshold or 0 < n - k < threshold):
            return f"færre end {threshold} af {m.group(2)} {noun}" if 0 < k < threshold else f"alle på nær færre end {threshold} af {m.group(2)} {noun}"
        return m.group(0)

    return re.sub(r"^(Anm\.: )(færre|alle)", lambda m: m.group(1) + m.group(2).capitalize(), _COUNT.sub(sub, note))
