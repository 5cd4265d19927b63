"""One read of a DREAM extract for several definitions files gives each exactly what its own read
would have: the same arrays, the same monthly status where the analyses look, the same tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toolkit.config.definitions import load_definitions
from toolkit.core.calendar import month_index
from toolkit.core.resources import registers_file
from toolkit.demo.dream import synthetic_extract
from toolkit.publish.tidy import tidy_rows
from toolkit.register import monthly_status, register_tables
from toolkit.register.extract import read_for, read_shared


def first_month(defs) -> int:
    """The first month a definitions file observes (the weeks before it are history)."""
    tg, pr = defs.spec.target_group, defs.spec.programme
    return month_index(tg.window[0]) if tg else month_index(pr.start)


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("extract")
    df = synthetic_extract(seed=7, persons=4000)
    out = {"parquet": folder / "dream.parquet", "csv": folder / "dream.csv"}
    df.to_parquet(out["parquet"], index=False)
    df.to_csv(out["csv"], index=False, sep=";")
    return out


@pytest.fixture(scope="module")
def both() -> list:
    return [load_definitions(registers_file("cubb.yaml")), load_definitions(registers_file("nychance.yaml"))]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_each_view_holds_the_arrays_of_its_own_read(extracts: dict[str, Path], both: list, fmt: str) -> None:
    shared = read_shared(extracts[fmt], both, chunk_rows=1500)  # several batches
    assert len(shared.reads) == 1  # both files name the same extract columns: one read
    for defs in both:
        own, view = read_for(extracts[fmt], defs, chunk_rows=1500), shared.register(defs)
        assert [w.key for w in view.weeks] == [w.key for w in own.weeks]
        assert view.month0 == own.month0 and view.n_months == own.n_months
        np.testing.assert_array_equal(view.codes, own.codes)
        np.testing.assert_array_equal(view.week_month, own.week_month)
        np.testing.assert_array_equal(view.ids, own.ids)
        np.testing.assert_array_equal(view.municipality, own.municipality)
        np.testing.assert_array_equal(view.code_counts, own.code_counts)
        assert view.municipality_years == own.municipality_years
        assert view.visitation_quarters == own.visitation_quarters
        assert (view.visitation is None) == (own.visitation is None)
        if own.visitation is not None:
            np.testing.assert_array_equal(view.visitation, own.visitation)
        assert view.persons.equals(own.persons)
        np.testing.assert_array_equal(view.grad, own.grad)
        assert own.grad.any() and own.codes.any()


def test_shared_status_and_tables_equal_those_of_separate_reads(extracts: dict[str, Path], both: list) -> None:
    shared = read_shared(extracts["parquet"], both)
    for defs in both:
        own = read_for(extracts["parquet"], defs)
        st, own_st = shared.status(defs), monthly_status(own, defs.codes, defs.spec.employment)
        assert st.month0 == own_st.month0 and st.group.shape == own_st.group.shape
        full = slice(first_month(defs) - own.month0, None)  # before: history weeks only, partly read
        for part in ("group", "benefit", "activation"):
            np.testing.assert_array_equal(getattr(st, part)[:, full], getattr(own_st, part)[:, full])
        shared_tables = register_tables(shared.register(defs), defs, st=st, gc=shared.cohort(defs) if defs.spec.goals else None,
                                        coh=shared.target_group(defs) if defs.spec.target_group else None)
        own_tables = register_tables(own, defs)
        assert len(shared_tables) >= 3
        assert list(tidy_rows(shared_tables)) == list(tidy_rows(own_tables))
        assert [t.notes for t in shared_tables] == [t.notes for t in own_tables]


def test_status_and_cohort_are_computed_once(extracts: dict[str, Path], both: list, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.register.extract as ex

    calls: list[str] = []
    real = ex.monthly_status
    monkeypatch.setattr(ex, "monthly_status", lambda *a: calls.append("status") or real(*a))
    real_cohort = ex.select_cohort
    monkeypatch.setattr(ex, "select_cohort", lambda *a: calls.append("cohort") or real_cohort(*a))
    shared = read_shared(extracts["parquet"], both)
    for _ in range(3):
        for defs in both:
            shared.status(defs)
        shared.cohort(both[1])
    assert calls == ["status", "cohort"]  # same code list and employment rule: one status for both files
