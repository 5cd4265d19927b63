"""The duplicate-id check of a streamed pass: ids spilled to disk by hash bucket, checked against
Python's own counting of the same ids, in any batching; the spill removed afterwards."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from toolkit.core.errors import DataError
from toolkit.read.dream_ids import BUCKETS, IdKeys


def _pass(ids: list[str], batch: int) -> IdKeys:
    keys = IdKeys()
    for a in range(0, len(ids), batch):
        keys.add(pa.chunked_array([pa.array(ids[a:a + batch], pa.string())]))
    return keys


def _expected(ids: list[str]) -> tuple[str, str] | None:
    """The first repeated id and its first five rows (spreadsheet numbering), by plain counting."""
    n = Counter(ids)
    rows = [i + 2 for i, x in enumerate(ids) if n[x] > 1]
    if not rows:
        return None
    shown = ", ".join(map(str, rows[:5])) + (", …" if len(rows) > 5 else "")
    return ids[rows[0] - 2], shown


@pytest.mark.parametrize(("n", "batch"), [(300, 1), (3_000, 7), (20_000, 1000), (20_000, 30_000)])
def test_repeats_found_across_batches_and_buckets(n: int, batch: int) -> None:
    rng = np.random.default_rng(batch)
    cpr = [f"{d:010d}" for d in rng.choice(3_112_999_999, n, replace=False)]  # CPR-shaped, leading zeros
    for ids in (cpr, cpr[:n // 2] + [cpr[n - 7]] + cpr[n // 2:], cpr + ["0" + cpr[3]], cpr[:50] + [cpr[49]] * 3 + cpr[50:]):
        keys = _pass(ids, batch)
        want = _expected(ids)
        spilled = keys._dir
        if want is None:
            keys.check(Path("x.csv"), "pnr")
        else:
            with pytest.raises(DataError) as e:
                keys.check(Path("x.csv"), "pnr")
            assert e.value.message == f"duplicate person id '{want[0]}' (rows {want[1]})" and e.value.column == "pnr"
        assert spilled is not None and (spilled / "order").stat().st_size == 8 * len(ids)
        if n >= 3_000:
            assert len(list(spilled.iterdir())) == BUCKETS + 1  # every bucket used, and the file order
        keys.close()
        assert not spilled.exists()


def test_memory_holds_one_bucket_not_the_pass() -> None:
    # 200,000 ids: the buckets are even, so the check reads ~1/64 of them at a time
    ids = [f"P{i:07d}" for i in range(200_000)]
    keys = _pass(ids, 50_000)
    assert keys._dir is not None
    sizes = [(keys._dir / f"b{b}").stat().st_size // 8 for b in range(BUCKETS)]
    assert sum(sizes) == 200_000 and max(sizes) < 2 * 200_000 / BUCKETS
    assert (keys._dir / "order").stat().st_size == 8 * 200_000
    keys.check(Path("x.parquet"), "pnr")
    keys.close()


def test_turning_to_text_keeps_the_spilled_ids() -> None:
    ids = ["0101", "102", "7", "x7", "102"]
    keys = _pass(ids, 3)  # first batch keyed (spilled), the second has a non-digit id
    assert keys._dir is None and keys.text
    with pytest.raises(DataError) as e:
        keys.check(Path("x.csv"), "pnr")
    assert e.value.message == "duplicate person id '102' (rows 3, 6)"


def test_a_pass_stopped_early_or_finished_leaves_no_spill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dream_fixtures import all_months, frame, person

    from toolkit.config.definitions import Columns
    from toolkit.core.calendar import month_index
    from toolkit.read.dream import raw_batches
    from toolkit.read.dream_columns import Request, plan_extract

    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    p = tmp_path / "d.parquet"
    frame([person(f"{i:04d}", all_months(730)) for i in range(10)]).to_parquet(p, index=False)
    plan = plan_extract(p, Columns(), Request(first_month=month_index("2020-10"), last_month=month_index("2021-03")))
    stream = raw_batches(p, Columns(), plan, chunk_rows=3)
    next(stream)
    assert len(list(spill.iterdir())) == 1  # the first batch's ids spilled
    stream.close()  # a consumer that stops (an error in an analysis, Ctrl-C)
    assert list(spill.iterdir()) == []
    assert sum(b.num_rows for b, _ in raw_batches(p, Columns(), plan, chunk_rows=3)) == 10
    assert list(spill.iterdir()) == []
