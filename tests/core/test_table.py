"""Table identity: table keys unique in a run, row/column keys unique in a table, keyed copies."""

from __future__ import annotations

import pytest

from toolkit.core.table import Cell, DuplicateKeyError, Ref, Relation, Role, Table, keyed, prefixes, require_unique


def table(tid: str, rows: list[str], groups: list[str] | None = None, **kw: object) -> Table:
    return Table(tid, tid, rows, ["Antal"], [[Cell(k)] for k in range(len(rows))], row_groups=groups or [], **kw)  # type: ignore[arg-type]


def test_row_keys_default_to_group_and_label_and_repeat_safely() -> None:
    t = table("t", ["Ledere", "Medarbejdere", "Ledere", "Ledere"], ["Mål 1", "Mål 1", "Mål 2", "Mål 2"])
    assert t.row_keys == ["Mål 1/Ledere", "Mål 1/Medarbejdere", "Mål 2/Ledere", "Mål 2/Ledere#2"]
    assert t.key == "t" and t.row_roles == [Role.BODY] * 4
    assert t.ref(1, 0) == Ref("t", "Mål 1/Medarbejdere", "Antal")


def test_explicit_keys_must_be_unique_and_fit_the_rows() -> None:
    t = table("t", ["Job", "Løntimer", "I alt"], row_keys=["job", "wage", "total"], row_roles=["body", "body", "total"])
    assert t.ref(2, 0) == ("t", "total", "Antal") and t.row_roles[2] is Role.TOTAL
    with pytest.raises(DuplicateKeyError, match="two rows have the key 'job'"):
        table("t", ["Job", "Løntimer"], row_keys=["job", "job"])
    with pytest.raises(ValueError, match="row keys/roles"):
        table("t", ["Job", "Løntimer"], row_roles=[Role.BODY])


def test_keyed_prefixes_the_keys_and_rewrites_relations_between_the_tables() -> None:
    pooled, muni = table("samlet", ["job"]), table("kommuner", ["job", "n"])
    muni.relations = [(pooled.ref(0, 0), [muni.ref(0, 0)]), Relation(None, [Ref("elsewhere", "job", "Antal")])]
    a = keyed([pooled, muni], "7/1")
    assert [t.key for t in a] == ["7/1/samlet", "7/1/kommuner"] and [t.id for t in a] == ["samlet", "kommuner"]
    assert a[1].relations == [Relation(Ref("7/1/samlet", "job", "Antal"), [Ref("7/1/kommuner", "job", "Antal")]),
                              Relation(None, [Ref("elsewhere", "job", "Antal")])]  # not among them: left alone
    assert pooled.key == "samlet" and muni.relations[0][0] == ("samlet", "job", "Antal")  # the originals are unchanged
    assert a[1].cells is muni.cells


def test_duplicate_table_keys_are_refused_with_the_key_named() -> None:
    tables = keyed([table("maal1_kommuner", ["job"])], "cubb") + keyed([table("maal1_kommuner", ["job"])], "nychance")
    assert set(require_unique(tables, "x")) == {"cubb/maal1_kommuner", "nychance/maal1_kommuner"}
    with pytest.raises(DuplicateKeyError, match="the workbook: two tables have the key 'maal1_kommuner'"):
        require_unique([table("maal1_kommuner", ["job"]), table("maal1_kommuner", ["n"])], "the workbook")
    with pytest.raises(DuplicateKeyError, match="'profil'"):
        keyed([table("profil", ["a"]), table("profil", ["b"])], "5/1")


def test_prefixes_of_several_inputs_are_distinct() -> None:
    assert prefixes(["registers/cubb.yaml", "registers/nychance.yaml"]) == ["cubb", "nychance"]
    assert prefixes(["a/cubb.yaml", "b/CUBB.yaml", "cubb"]) == ["cubb", "cubb-2", "cubb-3"]
