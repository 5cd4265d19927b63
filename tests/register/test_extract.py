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
from toolkit.read.dream import read_plan
from toolkit.register import monthly_status, register_tables
from toolkit.register.extract import _key, read_for, read_shared
from toolkit.register.extract import view as view_of
from toolkit.register.outcomes import tables_of


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


def declare(shared, definitions: list) -> None:
    """Declare the tables' analyses of every definitions file, so one pass computes them all."""
    for defs in definitions:
        if defs.spec.target_group:
            shared.want(defs, "cubb")
        if defs.spec.goals:
            shared.want(defs, "goals")


def streamed_tables(shared, defs) -> list:
    """The register tables of a definitions file from a streamed read (all batches combined)."""
    return tables_of(defs, shared.code_counts(defs), cubb=shared.cubb(defs) if defs.spec.target_group else None,
                     goals=shared.goals(defs) if defs.spec.goals else None, path=shared.path)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_each_view_holds_the_arrays_of_its_own_read(extracts: dict[str, Path], both: list, fmt: str) -> None:
    shared = read_shared(extracts[fmt], both, chunk_rows=1500)  # several batches
    assert len(shared.reads) == 1  # both files name the same extract columns: one read
    cols, merged_plan = shared.reads[0]
    merged = read_plan(extracts[fmt], cols, merged_plan, chunk_rows=1500)
    for defs in both:
        own, view = read_for(extracts[fmt], defs, chunk_rows=1500), view_of(merged, shared.plans[_key(defs)][1])
        assert [w.key for w in view.weeks] == [w.key for w in own.weeks]
        assert view.month0 == own.month0 and view.n_months == own.n_months
        np.testing.assert_array_equal(view.codes, own.codes)
        np.testing.assert_array_equal(view.week_month, own.week_month)
        np.testing.assert_array_equal(view.ids, own.ids)
        np.testing.assert_array_equal(view.municipality, own.municipality)
        # the unknown-code counts of the streamed pass (persons marked by its lookup pass only) are
        # the person-weeks of the file's own read, counted here over every code of every week
        own_counts = np.bincount(np.asarray(own.codes, np.int64).ravel(), minlength=1000)
        unknown = [c for c in range(1, 1000) if not defs.codes.known(c)]
        assert own_counts[unknown].sum() > 0  # the synthetic extract has a code the list lacks (555)
        expected = np.zeros(1000, np.int64)
        expected[unknown] = own_counts[unknown]
        np.testing.assert_array_equal(shared.code_counts(defs), expected)
        assert view.municipality_years == own.municipality_years
        assert view.visitation_quarters == own.visitation_quarters
        assert (view.visitation is None) == (own.visitation is None)
        if own.visitation is not None:
            np.testing.assert_array_equal(view.visitation, own.visitation)
        assert view.persons.equals(own.persons)
        np.testing.assert_array_equal(view.grad, own.grad)
        assert own.grad.any() and own.codes.any()
    # the batches joined are the read of the whole extract at once
    whole = read_plan(extracts[fmt], cols, merged_plan, chunk_rows=10**6)
    np.testing.assert_array_equal(merged.codes, whole.codes)
    np.testing.assert_array_equal(merged.grad, whole.grad)
    assert merged.persons.equals(whole.persons)


def test_shared_status_and_tables_equal_those_of_separate_reads(extracts: dict[str, Path], both: list) -> None:
    shared = read_shared(extracts["parquet"], both)
    cols, merged_plan = shared.reads[0]
    merged = read_plan(extracts["parquet"], cols, merged_plan)
    for defs in both:
        own = read_for(extracts["parquet"], defs)
        # the status of the merged read, sliced to a file's months, is that file's own
        st, own_st = monthly_status(merged, defs.codes, defs.spec.employment), monthly_status(own, defs.codes, defs.spec.employment)
        mine = view_of(merged, shared.plans[_key(defs)][1])
        a = mine.month0 - st.month0
        full = slice(first_month(defs) - own.month0, None)  # before: history weeks only, partly read
        for part in ("group", "benefit", "activation"):
            np.testing.assert_array_equal(getattr(st, part)[:, a:a + own.n_months][:, full], getattr(own_st, part)[:, full])
        shared_tables = streamed_tables(shared, defs)
        own_tables = register_tables(own, defs)
        assert len(shared_tables) >= 3
        assert list(tidy_rows(shared_tables)) == list(tidy_rows(own_tables))
        assert [t.notes for t in shared_tables] == [t.notes for t in own_tables]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_are_identical_for_any_batch_size(extracts: dict[str, Path], both: list, fmt: str) -> None:
    whole = {id(d): list(tidy_rows(register_tables(read_for(extracts[fmt], d), d))) for d in both}
    for batch in (10**6, 997, 256):
        shared = read_shared(extracts[fmt], both, chunk_rows=batch)
        declare(shared, both)
        for defs in both:
            assert list(tidy_rows(streamed_tables(shared, defs))) == whole[id(defs)], batch
        assert shared.passes == 1


def test_status_and_cohort_are_computed_once_per_batch(extracts: dict[str, Path], both: list, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.register.extract as ex

    calls: list[str] = []
    real = ex.monthly_status
    monkeypatch.setattr(ex, "monthly_status", lambda *a, **k: calls.append("status") or real(*a, **k))
    real_cohort = ex.select_cohort
    monkeypatch.setattr(ex, "select_cohort", lambda *a: calls.append("cohort") or real_cohort(*a))
    shared = read_shared(extracts["parquet"], both, chunk_rows=1500)  # 3 batches of 4,000 persons
    declare(shared, both)
    shared.want(both[1], "persons")
    for _ in range(3):
        shared.cubb(both[0])
        shared.goals(both[1])
        shared.persons(both[1])
    # same code list and employment rule: one status for both files and one cohort per batch
    assert calls == ["status", "cohort"] * 3 and shared.passes == 1


def test_ordered_map_keeps_the_order_when_later_items_finish_first() -> None:
    import threading

    from toolkit.register.extract import ordered_map

    second_done = threading.Event()

    def work(i: int) -> int:
        if i == 0:
            assert second_done.wait(timeout=60)  # item 0 finishes only after item 1 has
        if i == 1:
            second_done.set()
        return i * 10

    assert list(ordered_map(work, iter(range(7)), 2)) == [0, 10, 20, 30, 40, 50, 60]
    assert list(ordered_map(work, iter(range(1, 5)), 1)) == [10, 20, 30, 40]


def test_ordered_map_raises_an_earlier_batch_error_before_a_later_read_error() -> None:
    from toolkit.register.extract import ordered_map

    def items():
        yield from (0, 1, 2)
        raise OSError("read error in batch 3")

    def work(i: int) -> int:
        if i == 1:
            raise ValueError("analysis error in batch 1")
        return i

    with pytest.raises(ValueError, match="batch 1"):
        list(ordered_map(work, items(), 2))
    with pytest.raises(OSError, match="batch 3"):
        list(ordered_map(lambda i: i, items(), 2))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_pass_reports_its_progress(extracts: dict[str, Path], both: list, fmt: str) -> None:
    from contextlib import contextmanager

    seen: list[tuple[str, object]] = []

    @contextmanager
    def bar(label: str, total: int | None):
        seen.append(("start", label, total))
        yield lambda n: seen.append(("done", n))
        seen.append(("end",))

    shared = read_shared(extracts[fmt], both, chunk_rows=1500, jobs=2, bar=bar)
    declare(shared, both)
    shared.cubb(both[0])
    (_, label, total), *done, end = seen
    assert label == extracts[fmt].name and end == ("end",)
    assert [n for _, n in done] == [1500, 1500, 1000]  # persons per batch, in order, 4,000 in all
    if fmt == "parquet":
        assert total == 4000  # from the metadata
    else:
        assert abs(total - 4000) < 200  # estimated from the file size and the first lines


@pytest.mark.parametrize("n_luts", [1, 3, 11])  # 11 lookups: packed as uint16
def test_week_marks_equal_each_lookup_on_its_own(extracts: dict[str, Path], both: list, n_luts: int) -> None:
    from toolkit.register.status import week_marks

    from dataclasses import replace

    reg = read_for(extracts["parquet"], both[1])
    reg = replace(reg, month0=reg.month0 + 6, grad=reg.grad[:, 6:])  # the first six months' weeks now lie before the register's months
    present = np.unique(reg.codes)
    rng = np.random.default_rng(n_luts)
    luts = [rng.random(1000) < 0.3 for _ in range(n_luts)]
    luts[0][:] = False
    luts[0][present[-1]] = True  # one code only: a lookup marking few weeks
    months, outside = week_marks(reg, luts, history=True)
    inside = (reg.week_month >= reg.month0) & (reg.week_month <= reg.last_month)
    assert (~inside).any() and inside.any()
    for k, lut in enumerate(luts):
        bit = (months >> k) & 1
        for j in range(reg.n_months):
            ws = np.flatnonzero(reg.week_month == reg.month0 + j)
            np.testing.assert_array_equal(bit[:, j], lut[reg.codes[:, ws]].any(axis=1), err_msg=f"lookup {k}, month {j}")
        np.testing.assert_array_equal((outside >> k) & 1, lut[reg.codes[:, ~inside]].any(axis=1))
    assert months.any() and (months >> 0 & 1).sum() < months.size
    ignored, none = week_marks(reg, luts[:1])  # without history the weeks before are not looked at
    np.testing.assert_array_equal(ignored, months & 1)
    assert not none.any()


def test_a_batch_marks_every_declared_lookup_in_one_pass(extracts: dict[str, Path], both: list, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.register.extract as ex
    from toolkit.register.status import any_week, benefit_weeks

    passes: list[int] = []
    real = ex.week_marks
    monkeypatch.setattr(ex, "week_marks", lambda reg, luts, **k: passes.append(len(luts)) or real(reg, luts, **k))
    shared = read_shared(extracts["parquet"], both, chunk_rows=1500)
    declare(shared, both)
    shared.cubb(both[0])
    # 3 batches; each: unknown codes (one code list), benefit weeks, the target group's two lookups (visitation)
    assert passes == [4, 4, 4]
    cols, plan = shared.reads[0]
    reg = read_plan(extracts["parquet"], cols, plan, chunk_rows=1500)
    batch = ex.Batch(reg, shared)
    passes.clear()
    lut = benefit_weeks(both[0].codes)
    odd = np.zeros(1000, bool)
    odd[[130, 555]] = True  # declared by no analysis: a pass of its own
    np.testing.assert_array_equal(batch.marks(lut), any_week(reg, lut))
    np.testing.assert_array_equal(batch.marks(odd), any_week(reg, odd))
    np.testing.assert_array_equal(batch.marks(lut), any_week(reg, lut))
    assert passes == [4, 1]  # the declared lookups once (the pass's lookups), then the odd one alone


def test_more_lookups_than_one_pass_packs_are_marked_in_several(extracts: dict[str, Path], both: list) -> None:
    import toolkit.register.extract as ex
    from toolkit.register.status import any_week

    shared = read_shared(extracts["parquet"], both, chunk_rows=1500)
    cols, plan = shared.reads[0]
    reg = read_plan(extracts["parquet"], cols, plan, chunk_rows=1500)
    rng = np.random.default_rng(9)
    luts = [rng.random(1000) < 0.05 for _ in range(70)]  # e.g. many definitions files with code lists of their own
    shared.lookups = luts
    batch = ex.Batch(reg, shared)
    for k in (0, 63, 64, 69):
        np.testing.assert_array_equal(batch.marks(luts[k]), any_week(reg, luts[k]), err_msg=f"lookup {k}")
