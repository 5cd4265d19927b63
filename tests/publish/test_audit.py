"""The intruder's audit and the disclosure policy, tried as an intruder would: each attack builds
the situation, shows that the unprotected output gives the cell away, and that the protected one
does not (the audit's interval for every suppressed cell is at least the threshold wide)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from toolkit.core.cells import base, count, pct
from toolkit.core.table import Cell, Derived, Kind, Relation, Role, Table, body_then, keyed
from toolkit.publish.audit import audit, checked
from toolkit.publish.disclosure import DisclosureError, Policy, blind_tests, suppress
from toolkit.publish.tidy import tidy_rows


def counts(tid: str, rows: list[str], values: list[list[int]], **kw: object) -> Table:
    cells = [[count(v) for v in row] for row in values]
    return Table(tid, tid, rows, [f"k{j}" for j in range(len(values[0]))], cells, register=True, **kw)  # type: ignore[arg-type]


def hide(t: Table, *cells: tuple[int, int]) -> Table:
    """A naive publisher: only the given cells blanked, nothing else."""
    t = copy.deepcopy(t)
    for i, j in cells:
        t.cells[i][j].suppressed, t.cells[i][j].value = True, None
    return t


def interval(tables: list[Table], row: str, column: str) -> tuple[float, float]:
    """What the intruder derives for one cell: [low, high] persons (a finding, or the full width)."""
    res = audit(tables, threshold=10**6)  # every suppressed cell becomes a finding: read its interval
    f = next(f for f in res.findings if f.cell.row == row and f.cell.column == column)
    return f.low, f.high


def test_three_person_programme_municipality_against_the_pooled_column() -> None:
    """Pooled 30 = Holstebro 3 + Herning 12 + Ikast 15: blanking the 3 alone leaves 30 − 12 − 15."""
    pooled = counts("pooled", ["job"], [[30]])
    muni = counts("muni", ["job"], [[3, 12, 15]])
    muni.relations = [Relation(pooled.ref(0, 0), [muni.ref(0, j) for j in range(3)])]
    naive = [pooled, hide(muni, (0, 0))]
    assert interval(naive, "job", "k0") == (3, 3)
    res = audit(naive)
    assert not res.ok and "muni/job/k0" in res.findings[0].text() and "pooled/job/k0" in res.findings[0].text()
    with pytest.raises(DisclosureError, match="nothing written: cell muni/job/k0 can be narrowed to 3–3 persons"):
        checked(naive, Policy())
    suppress([pooled, muni])
    res = audit([pooled, muni])
    assert res.ok and res.checked == 2
    assert interval([pooled, muni], "job", "k0") == (0, 15)  # 3 + 12 = 15 between them: anything from 0 to 15


def test_a_p_value_in_the_note_of_a_table_with_a_suppressed_cell_is_taken_out() -> None:
    """'p < 0,001' for a 3-person municipality against the country leaves only '3 of 3'."""
    t = counts("t", ["job", "ikke job", "I alt"], [[3, 40], [0, 60], [3, 100]], row_roles=body_then(2, Role.TOTAL))
    t.notes = ["Anm.: Chi²-test, Holstebro mod landet: p < 0,001; Herning p = 0,412.",
               "Anm.: Forskellen er testet med Pearsons χ²-test: χ² = 12,34 (df = 1), p = 0,013.",
               "Anm.: Welchs t-test: t = −2,10 (df = 45,6), p < 0,05 (kun signifikansen vises)."]
    suppress([t])
    assert t.notes[:3] == ["Anm.: Chi²-test, Holstebro mod landet: p vises ikke (diskretionering); Herning p vises ikke (diskretionering).",
                           "Anm.: Forskellen er testet med Pearsons χ²-test: p vises ikke (diskretionering).",
                           "Anm.: Welchs t-test: p vises ikke (diskretionering) (kun signifikansen vises)."]
    clean = counts("c", ["a", "b"], [[30], [40]], notes=["Anm.: p = 0,412."])
    suppress([clean])
    assert clean.notes == ["Anm.: p = 0,412."]  # nothing suppressed: the test stays
    assert blind_tests("Kilde: DREAM") == "Kilde: DREAM"


def test_unrounded_shares_against_a_suppressed_base_and_the_pooled_total() -> None:
    """Shares 72/195, 40/195 … of a suppressed base with the pooled total: unrounded, the common
    denominator and then the other municipality follow; at one decimal they do not."""
    def tables() -> list[Table]:
        muni = Table("muni", "muni", ["a", "b", "N"], ["Holstebro", "Herning"],
                     [[pct(72, 195), pct(2, 7)], [pct(40, 195), pct(1, 7)], [base(195), base(7)]],
                     register=True, row_roles=body_then(2, Role.BASE))
        pooled = counts("pooled", ["N"], [[202]])
        muni.relations = [Relation(pooled.ref(0, 0), [muni.ref(2, 0), muni.ref(2, 1)])]
        return [muni, pooled]

    naive = tables()
    for i in range(3):
        naive[0].cells[i][1].suppressed, naive[0].cells[i][1].value = True, None  # Herning's 7 persons
    assert not audit(naive).ok  # 202 − 195 = 7 and then 2 of 7, 1 of 7 (the shares are exact)
    protected = tables()
    suppress(protected)
    res = audit(protected)
    assert res.ok, [f.text() for f in res.findings]
    shown = [float(r[-1]) for r in tidy_rows(protected) if r[-2] == "percent" and r[-1]]
    assert shown and all(round(v, 1) == v for v in shown)  # the tidy CSV carries what the workbook shows


def test_a_suppressed_member_of_a_ranking_hides_the_mean_and_the_projection() -> None:
    """Gennemsnit of ten shown beside nine is the tenth; last = projection − k × change."""
    muni = counts("muni", ["A", "B", "C"], [[30, 3, 40, 2], [30, 40, 40, 1], [20, 25, 30, 1]])  # first, last, projection, change
    muni.derived = [Derived(muni.ref(i, j), [muni.ref(i, 0), muni.ref(i, 1)]) for i in range(3) for j in (2, 3)]
    top = counts("top", ["B", "A", "C", "Gennemsnit"], [[40], [3], [25], [23]])
    top.derived = [Derived(top.ref(0, 0), [muni.ref(1, 1)]), Derived(top.ref(1, 0), [muni.ref(0, 1)]),
                   Derived(top.ref(2, 0), [muni.ref(2, 1)]), Derived(top.ref(3, 0), [top.ref(k, 0) for k in range(3)])]
    tables = keyed([muni, top], "2/1")
    suppress(tables)
    m, tp = tables
    assert [m.cells[0][j].suppressed for j in range(4)] == [False, True, True, True]  # the quarter and what is built on it
    assert tp.cells[1][0].suppressed and tp.cells[3][0].suppressed and not tp.cells[0][0].suppressed
    assert audit(tables).ok


def test_two_items_and_two_definitions_files_share_persons() -> None:
    """The same cohort published twice (two profile items, or -d cubb -d nychance): both copies are
    suppressed alike, so neither completes the other."""
    def item() -> Table:
        return counts("profil_koen", ["Mænd", "Kvinder", "I alt"], [[3, 40], [20, 45], [23, 85]], row_roles=body_then(2, Role.TOTAL))

    tables = keyed([item()], "5/1") + keyed([item()], "5/2")
    suppress(tables)
    assert [[c.suppressed for c in r] for r in tables[0].cells] == [[c.suppressed for c in r] for r in tables[1].cells]
    assert audit(tables).ok
    # a naive second copy that shows what the first hid gives it away
    leaky = keyed([item()], "5/1") + keyed([item()], "5/2")
    suppress(leaky[:1])
    assert leaky[0].cells[0][0].suppressed and not leaky[1].cells[0][0].suppressed


def test_complements_and_zeros_follow_the_policy() -> None:
    t = Table("t", "t", ["job", "N"], ["a", "b", "c"], [[pct(97, 100), pct(0, 3), pct(40, 50)], [base(100), base(3), base(50)]],
              register=True, row_roles=body_then(1, Role.BASE))
    suppress([copy.deepcopy(t)])
    p = copy.deepcopy(t)
    suppress([p], Policy(threshold=5))
    assert p.cells[0][0].suppressed and p.cells[0][0].primary  # 97 of 100 tells the 3 others
    assert p.cells[1][1].suppressed and p.cells[1][1].primary  # a base of 3
    p = copy.deepcopy(t)
    suppress([p], Policy(complements=False))
    assert not p.cells[0][0].suppressed
    p = copy.deepcopy(t)
    suppress([p], Policy(complements=False, zeros="small-groups"))
    assert p.cells[0][1].suppressed  # 0 of a group of 3
    p = copy.deepcopy(t)
    suppress([p], Policy(complements=False, zeros="show"))
    assert not p.cells[0][1].suppressed and p.cells[1][1].suppressed


def test_a_register_table_that_declares_no_persons_is_refused() -> None:
    t = Table("t", "t", ["a"], ["k"], [[Cell(0.25, Kind.PERCENT)]], register=True)
    with pytest.raises(DisclosureError, match="table t is built from register data but declares no persons"):
        suppress([t])
    survey = Table("s", "s", ["a"], ["k"], [[Cell(0.25, Kind.PERCENT)]])
    assert suppress([survey])[0].cells[0][0].value == 0.25  # survey tables keep full precision


@pytest.mark.parametrize("seed", range(12))
def test_random_extracts_show_no_small_cell_and_pass_the_audit(seed: int) -> None:
    """Property: random municipality × outcome counts with row/column totals and a pooled column."""
    rng = np.random.default_rng(seed)
    k, m = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    body = rng.integers(0, 12, size=(k, m)) * (rng.random((k, m)) < 0.8)
    values = [list(r) + [int(r.sum())] for r in body] + [[int(x) for x in body.sum(axis=0)] + [int(body.sum())]]
    t = counts("t", [f"r{i}" for i in range(k)] + ["I alt"], values,
               row_roles=body_then(k, Role.TOTAL), column_roles=body_then(m, Role.TOTAL))
    pooled = counts("pooled", [f"r{i}" for i in range(k)], [[int(x)] for x in body.sum(axis=1)])
    pooled.relations = [Relation(pooled.ref(i, 0), [t.ref(i, j) for j in range(m)]) for i in range(k)]
    suppress([t, pooled])
    shown = [c for tb in (t, pooled) for _, _, c in tb.iter_cells() if not c.suppressed]
    assert all(c.n == 0 or c.n >= 5 for c in shown)
    res = audit([t, pooled])
    assert res.ok, [f.text() for f in res.findings]


def test_toolkit_audit_reads_a_workbook_back_and_finds_what_a_careless_edit_reveals(tmp_path: Path) -> None:
    """The workbook carries a hidden structure sheet (keys, sums, bases – no numbers); `toolkit audit`
    audits what the reader sees. Writing one hidden count back in by hand is found."""
    import openpyxl

    from toolkit.publish.excel import Provenance, write_workbook
    from toolkit.publish.workbook_audit import audit_workbook

    t = counts("t", ["Mænd", "Kvinder", "I alt"], [[3, 40], [20, 45], [23, 85]], row_roles=body_then(2, Role.TOTAL))
    shares = Table("s", "s", ["job", "N"], ["a", "b"], [[pct(72, 195), pct(30, 60)], [base(195), base(60)]],
                   register=True, row_roles=body_then(1, Role.BASE))
    survey = Table("survey", "survey", ["a"], ["k"], [[Cell(0.123456, Kind.PERCENT)]])
    tables = [t, shares, survey]
    suppress(tables)
    path = tmp_path / "o.xlsx"
    write_workbook(tables, path, Provenance(command="test"), disclosure=checked(tables, Policy()))
    wb = openpyxl.load_workbook(path)
    assert wb["Diskretionering_struktur"].sheet_state == "hidden"
    assert all(not isinstance(c, (int, float)) for r in wb["Diskretionering_struktur"].iter_rows(values_only=True) for c in r)
    sheet = wb["Diskretionering"]
    per_table = {r[1]: list(r[2:5]) for r in sheet.iter_rows(values_only=True) if r[1] in ("t", "s", "survey")}
    assert per_table == {"t": [6, 1, 1], "s": [4, 0, 0]}  # register cells, primary, secondary; no survey table
    res = audit_workbook(path)
    assert res.ok and res.checked == 2
    ws = wb["t"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "x" and c.row == ws[ws.freeze_panes].row:  # Mænd's 3
                c.value = 3
    wb.save(path)
    res = audit_workbook(path)
    assert not res.ok and res.findings[0].cell == ("t", "Kvinder", "k0") and (res.findings[0].low, res.findings[0].high) == (20, 20)


def test_a_note_never_states_a_count_below_the_threshold() -> None:
    """A crafted note on a register table: counts of 1-4 persons (and "k af n" with a small k or
    n − k) become "færre end 5"; larger counts, other nouns and survey tables keep their note."""
    note = "Anm.: 3 personer har ingen registreret herkomst; 2 af 40 personer er udrejst; 38 af 40 personer er i job; 1 person er død."
    keep = "Anm.: Målgruppen er 11.373 personer, heraf 12 personer i Læsø; 3 af 98 kommuner når målet."
    reg = counts("reg", ["a", "b"], [[10, 20], [30, 40]], notes=[note, keep])
    survey = Table("svy", "svy", ["a"], ["k"], [[count(3)]], notes=[note])
    suppress([reg, survey], Policy(threshold=5))
    assert reg.notes == ["Anm.: Færre end 5 personer har ingen registreret herkomst; færre end 5 af 40 personer er udrejst; "
                         "alle på nær færre end 5 af 40 personer er i job; færre end 5 personer er død.", keep]
    assert survey.notes == [note]
    t = counts("t10", ["a"], [[50]], notes=["Anm.: 7 personer."])
    suppress([t], Policy(threshold=10))
    assert t.notes == ["Anm.: Færre end 10 personer."]


def test_a_register_table_of_thousands_of_cells_keeps_its_structure_within_excels_cell_limit(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Excel holds at most 32,767 characters in a cell; the structure line of a table of 6,000
    register cells is several times that, so it goes on over the next cells of its row – and
    `toolkit audit` reads it back joined (here with a hidden cell among them)."""
    import json

    import openpyxl

    from toolkit.publish.excel import Provenance, write_workbook

    rows, cols = 150, 40
    values = [[20 + (i * cols + j) % 17 for j in range(cols)] for i in range(rows)]
    values[7][3] = 2  # a small cell: hidden, with what protects it
    t = counts("stor_registertabel", [f"kommune med et langt navn {i:03d}" for i in range(rows)], [v + [sum(v)] for v in values],
               column_roles=body_then(cols, Role.TOTAL))
    suppress([t])
    assert sum(c.suppressed for _, _, c in t.iter_cells()) >= 2
    path = tmp_path / "stor.xlsx"
    write_workbook([t], path, Provenance(command="test"), disclosure=checked([t], Policy()))
    ws = openpyxl.load_workbook(path)["Diskretionering_struktur"]
    lines = [[v for v in r if v is not None] for r in ws.iter_rows(values_only=True)]
    assert max(len(v) for r in lines for v in r) <= 32_767
    long = next(r for r in lines if '"stor_registertabel"' in r[0])
    assert len(long) > 1 and len("".join(long)) > 32_767 * 2  # 6,150 cells: one line of many cells
    d = json.loads("".join(long))
    assert len(d["cells"]) == rows * (cols + 1) and d["rows"][7] == "kommune med et langt navn 007"
    code, text, err = cli("audit", path)
    assert code == 0 and "structure read from the Diskretionering_struktur sheet" in text, err
