"""Disclosure control: primary suppression of small cells and secondary suppression against
recovery from totals (within a table, across tables, and against a public base)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dream_fixtures import cubb_defs, frame, persons

from toolkit.config.definitions import load_definitions
from toolkit.core.table import Cell, Derived, DuplicateKeyError, Kind, Ref, Relation, Role, Table, body_then, keyed
from toolkit.publish.disclosure import implied_relations, suppress
from toolkit.publish.tidy import write_tidy
from toolkit.register import cubb_tables
from toolkit.register.extract import read_for


def counts(tid: str, rows: list[str], values: list[list[int]], register: bool = True, **kw: object) -> Table:
    cells = [[Cell(v, Kind.COUNT, n=v) for v in row] for row in values]
    return Table(tid, tid, rows, [f"k{j}" for j in range(len(values[0]))], cells, register=register, **kw)  # type: ignore[arg-type]


def hidden(t: Table) -> set[tuple[int, int]]:
    return {(i, j) for i, j, c in t.iter_cells() if c.suppressed}


def test_small_cell_and_its_total_partner(tmp_path: Path) -> None:
    t = counts("t", ["Mænd", "Kvinder", "I alt"], [[3, 40], [20, 45], [23, 85]], row_roles=body_then(2, Role.TOTAL))
    suppress([t])
    # 3 is primary; "I alt" minus the other row would reveal it, so 20 goes too (the column's only
    # other part); column 2 is untouched
    assert hidden(t) == {(0, 0), (1, 0)}
    assert t.cells[0][0].value is None and t.cells[2][0].value == 23
    assert t.notes[-1].startswith("Anm.: x = diskretioneret")
    write_tidy([t], tmp_path / "t.csv")
    rows = list(csv.reader(open(tmp_path / "t.csv", encoding="utf-8")))
    assert ["t", "", "", "Mænd", "k0", "count", ""] in rows  # the line stays, without a value


def test_secondary_picks_the_smallest_part_that_reaches_the_threshold() -> None:
    t = counts("t", ["a", "b", "c", "d", "Total"], [[2], [1], [9], [50], [62]], row_roles=body_then(4, Role.TOTAL))
    suppress([t])
    # a (2) and b (1) are primary; hidden together they still add up to 62 − 9 − 50 = 3, which pins
    # each to 0-3 persons: the smallest other part (c, 9) goes too
    assert hidden(t) == {(0, 0), (1, 0), (2, 0)}
    t = counts("t", ["a", "b", "c", "d", "Total"], [[2], [6], [9], [50], [67]], row_roles=body_then(4, Role.TOTAL))
    suppress([t])
    assert hidden(t) == {(0, 0), (1, 0)}  # 6 is the smallest part with 2 + 6 ≥ 5


def test_zero_cells_kept_unless_asked() -> None:
    t = counts("t", ["a", "b", "Total"], [[0], [7], [7]], row_roles=body_then(2, Role.TOTAL))
    suppress([t])
    assert hidden(t) == set()
    t = counts("t", ["a", "b", "Total"], [[0], [7], [7]], row_roles=body_then(2, Role.TOTAL))
    suppress([t], zeros=True)
    assert hidden(t) == {(0, 0), (1, 0)}


def test_relation_across_tables_and_against_a_public_base() -> None:
    pooled = counts("pooled", ["job"], [[30]])
    by_muni = counts("muni", ["job"], [[2, 12, 16]])
    by_muni.relations = [Relation(pooled.ref(0, 0), [by_muni.ref(0, j) for j in range(3)])]
    suppress([pooled, by_muni])
    assert hidden(by_muni) == {(0, 0), (0, 1)} and hidden(pooled) == set()
    dist = counts("dist", ["a", "b", "c"], [[4], [30], [66]])
    dist.relations = [Relation(None, [Ref("dist", "a", "k0"), Ref("dist", "b", "k0"), Ref("dist", "c", "k0")])]  # the base N is shown
    suppress([dist])
    assert hidden(dist) == {(0, 0), (1, 0)}


def test_totals_are_found_by_their_role_not_their_label() -> None:
    body, total, base = Role.BODY, Role.TOTAL, Role.BASE
    t = counts("t", ["a", "b", "Sum"], [[3], [20], [23]], row_roles=[body, body, total])
    suppress([t])
    assert hidden(t) == {(0, 0), (1, 0)}  # "Sum" is no Danish total label, but its role says it sums a and b
    t = counts("t", ["a", "b", "I alt"], [[3], [20], [60]], row_roles=[body, body, base])
    assert implied_relations(t) == []
    suppress([t])
    assert hidden(t) == {(0, 0)}  # a base N is not the sum of the rows shown: nothing to recover from
    t = counts("t", ["a", "b", "Total"], [[3], [20], [23]])
    suppress([t])
    assert hidden(t) == {(0, 0)}  # a Danish total label without the role is a body row
    # a total column sums the body columns of its group before it, not those of another group
    t = counts("t", ["a"], [[2, 30, 32, 7]], column_roles=[body, body, total, body], column_groups=["x", "x", "x", "y"])
    assert implied_relations(t) == [Relation(Ref("t", "a", "x/k2"), [Ref("t", "a", "x/k0"), Ref("t", "a", "x/k1")])]
    # sections with subtotals and an ungrouped grand total (which sums the body rows of every section)
    t = counts("t", ["a", "b", "I alt", "c", "I alt", "I alt"], [[1], [6], [7], [9], [9], [16]],
               row_groups=["x", "x", "x", "y", "y", ""], row_roles=[body, body, total, body, total, total])
    assert [(tot.row, [p.row for p in parts]) for tot, parts in implied_relations(t)] == [
        ("x/I alt", ["x/a", "x/b"]), ("y/I alt", ["y/c"]), ("I alt", ["x/a", "x/b", "y/c"])]
    suppress([t])
    assert hidden(t) == {(0, 0), (1, 0)}


def test_relations_follow_the_keys_when_tables_are_keyed() -> None:
    pooled = counts("pooled", ["job"], [[30]])
    by_muni = counts("muni", ["job"], [[2, 12, 16]])
    by_muni.relations = [Relation(pooled.ref(0, 0), [by_muni.ref(0, j) for j in range(3)])]
    other = counts("pooled", ["job"], [[30]])  # the same analysis run for another input
    tables = keyed([pooled, by_muni], "cubb") + keyed([other], "nychance")
    assert [t.key for t in tables] == ["cubb/pooled", "cubb/muni", "nychance/pooled"]
    assert tables[1].relations[0].total == Ref("cubb/pooled", "job", "k0")
    suppress(tables)
    assert hidden(tables[1]) == {(0, 0), (0, 1)}


def test_a_cell_computed_from_a_suppressed_one_is_suppressed() -> None:
    """A projection v_last + a·(v_last − v_first) shown beside v_first gives a hidden v_last away."""
    muni = counts("muni", ["Herning", "Holstebro"], [[30, 3, 40], [30, 40, 40]])  # first, last, projection
    muni.derived = [Derived(muni.ref(i, 2), [muni.ref(i, 0), muni.ref(i, 1)]) for i in range(2)]
    top = counts("top", ["Holstebro", "Herning", "Gennemsnit"], [[40], [3], [21]])  # copies of "last", and their mean
    top.derived = [Derived(top.ref(0, 0), [muni.ref(1, 1)]), Derived(top.ref(1, 0), [muni.ref(0, 1)]),
                   Derived(top.ref(2, 0), [top.ref(0, 0), top.ref(1, 0)])]
    tables = keyed([muni, top], "nychance")
    suppress(tables)
    assert hidden(tables[0]) == {(0, 1), (0, 2)}  # Herning's 3 persons and the projection computed from them
    assert hidden(tables[1]) == {(1, 0), (2, 0)}  # a mean of two shown beside one of them is the other
    assert tables[0].derived[0].cell == ("nychance/muni", "Herning", "k2")


def test_two_tables_with_one_key_are_refused() -> None:
    """One of them would silently escape disclosure control (NY CHANCE and CUBB both had maal1_kommuner)."""
    a, b = counts("maal1_kommuner", ["job"], [[2]]), counts("maal1_kommuner", ["job"], [[3]])
    with pytest.raises(DuplicateKeyError, match="'maal1_kommuner'"):
        suppress([a, b])
    assert hidden(a) == hidden(b) == set()


def test_survey_tables_are_left_alone() -> None:
    t = counts("t", ["a", "b", "Total"], [[1], [2], [3]], register=False, row_roles=body_then(2, Role.TOTAL))
    suppress([t])
    assert hidden(t) == set() and t.notes == []


@pytest.mark.parametrize("exit_after", ["each_spell", "last_spell"])
def test_register_tables_have_no_recoverable_cell(tmp_path: Path, exit_after: str) -> None:
    p = tmp_path / "d.parquet"
    frame(persons()).to_parquet(p, index=False)
    defs = load_definitions(cubb_defs(tmp_path, exit_after=exit_after))
    tables = cubb_tables(read_for(p, defs), defs)
    byid = {t.id: t for t in tables}
    small = [t.ref(i, j) for t in tables for i, j, c in t.iter_cells() if c.n is not None and 0 < c.n < 3]
    suppress(tables, threshold=3)
    cells = {t.ref(i, j): c for t in tables for i, j, c in t.iter_cells()}
    assert small and all(cells[r].suppressed for r in small)
    relations = [r for t in tables for r in t.relations + implied_relations(t)]
    # per target: job + wage = total in 2 pooled and 2 municipality columns, pooled = municipalities in 4 rows;
    # target 1's exits add up to 100 % in 2 columns when each person has one (last_spell); after every
    # spell a person may count in several categories and no sum holds
    assert len(relations) == 2 * (2 + 2 + 4) + (2 if exit_after == "last_spell" else 0)
    for total, parts in relations:
        members = parts + ([total] if total else [])
        assert sum(cells[r].suppressed for r in members) != 1, (total, parts)
    # Holstebro's job share (1 of 2) is hidden, so Herning's must be too: the pooled column shows 3
    assert byid["maal1_kommuner"].cells[0][1].suppressed and byid["maal1_kommuner"].cells[0][0].suppressed
    # the pooled wage-hours share (1 person) is hidden, so job + wage = total needs a second cell
    pooled = byid["maal1_samlet"]
    assert pooled.cells[1][1].suppressed and (pooled.cells[0][1].suppressed or pooled.cells[2][1].suppressed)
    assert not pooled.cells[3][1].suppressed  # the base N of 5 persons is not a small cell
