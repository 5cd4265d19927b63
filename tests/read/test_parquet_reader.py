"""Parquet extracts are decoded by polars, one query per batch of rows, and by pyarrow where polars
cannot: either way every row comes once, in file order, with the values pyarrow's own reader gives
(row groups and batches cut at different rows, nulls, text ids, int16 codes, float degrees)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from toolkit.core.errors import InputError
from toolkit.read.batches import batches


def extract(tmp_path: Path, rows: int = 1_037, row_group: int = 300) -> Path:
    rng = np.random.default_rng(7)
    codes = rng.integers(1, 999, rows).astype(np.int16)
    table = pa.table({
        "pnr": pa.array([f"{i:010d}" for i in range(rows)]),
        "y_2001": pa.array(codes, mask=rng.random(rows) < 0.4),
        "grad_2020_01": pa.array(rng.random(rows).astype(np.float32) * 100, mask=rng.random(rows) < 0.2),
        "nykom2020": pa.array(rng.integers(101, 860, rows).astype(np.int16)),
        "unused": pa.array(np.arange(rows)),
    })
    p = tmp_path / "dream.parquet"
    pq.write_table(table, p, row_group_size=row_group)
    return p


COLS = ["pnr", "y_2001", "grad_2020_01", "nykom2020"]


def joined(p: Path, size: int) -> tuple[pa.Table, list[int]]:
    parts = list(batches(p, COLS, {}, size))
    return pa.concat_tables([t.cast(parts[0].schema) for t in parts]), [t.num_rows for t in parts]


@pytest.mark.parametrize("size", [1, 128, 300, 1_000, 5_000])
def test_batches_are_the_file_in_order(tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    p = extract(tmp_path)
    real, calls = pl.LazyFrame.collect, []
    monkeypatch.setattr(pl.LazyFrame, "collect", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    got, sizes = joined(p, size)
    # polars read every batch (pyarrow was not needed); its last query returns fewer rows than asked (none when they divide evenly)
    assert len(calls) == 1_037 // size + 1
    want = pq.read_table(p, columns=COLS)
    assert sizes == [size] * (1_037 // size) + ([1_037 % size] if 1_037 % size else [])
    assert got.column_names == COLS
    for c in COLS:  # values and nulls as pyarrow reads them (text may come as large_string)
        assert got.column(c).to_pylist() == want.column(c).to_pylist(), c


def test_polars_failing_midway_hands_over_to_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = extract(tmp_path)
    real, calls = pl.LazyFrame.collect, []

    def collect(self: pl.LazyFrame, *args: object, **kw: object) -> pl.DataFrame:
        calls.append(1)
        if len(calls) == 3:
            raise pl.exceptions.ComputeError("simulated: a page polars cannot decode")
        return real(self, *args, **kw)

    monkeypatch.setattr(pl.LazyFrame, "collect", collect)
    got, sizes = joined(p, 128)
    assert len(calls) == 3  # polars read two batches, pyarrow the rest
    assert sizes == [128] * 8 + [13]
    want = pq.read_table(p, columns=COLS)
    for c in COLS:
        assert got.column(c).to_pylist() == want.column(c).to_pylist(), c


def test_a_damaged_file_is_named_after_both_readers_fail(tmp_path: Path) -> None:
    p = extract(tmp_path, rows=5_000, row_group=5_000)
    chunk = pq.ParquetFile(p).metadata.row_group(0).column(1)  # y_2001's pages
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    raw = bytearray(p.read_bytes())
    raw[start:start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size  # footer intact
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="damaged file") as e:
        list(batches(p, COLS, {}, 1_000))
    assert str(p) in str(e.value) or p.name in str(e.value)


def test_a_file_name_with_glob_characters_is_that_file(tmp_path: Path) -> None:
    # polars reads a path as a glob pattern unless told not to: dream[12].parquet would be dream1 + dream2
    real = extract(tmp_path)
    p = real.rename(tmp_path / "dream[12].parquet")
    for other in ("dream1.parquet", "dream2.parquet"):
        pq.write_table(pa.table({c: pq.read_table(p, columns=[c]).column(0)[:5] for c in COLS}), tmp_path / other)
    got, sizes = joined(p, 300)
    assert sum(sizes) == 1_037
    assert got.column("pnr").to_pylist() == pq.read_table(p, columns=["pnr"]).column(0).to_pylist()
    from toolkit.read.batches import row_count
    from toolkit.read.tabular import read_columns

    assert row_count(p) == 1_037 and read_columns(p) == [*COLS, "unused"]


def test_pyarrow_parses_no_footer_where_polars_reads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyarrow's parse of a national-shaped footer stays in the allocator for the run (25 MB at 2 M persons)
    from toolkit.read.batches import row_count
    from toolkit.read.tabular import read_columns

    p = extract(tmp_path)
    want = pq.read_table(p, columns=COLS)

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("pyarrow parsed the footer")
    for name in ("read_metadata", "read_schema", "ParquetFile"):
        monkeypatch.setattr(pq, name, refuse)
    assert read_columns(p) == [*COLS, "unused"] and row_count(p) == 1_037
    got, _ = joined(p, 300)
    assert got.column("y_2001").to_pylist() == want.column("y_2001").to_pylist()


def test_pyarrow_reads_the_footer_where_polars_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit.read.batches import row_count
    from toolkit.read.tabular import read_columns

    p = extract(tmp_path)

    def fail(*a: object, **k: object) -> None:
        raise pl.exceptions.ComputeError("simulated: a footer polars cannot parse")
    monkeypatch.setattr(pl, "scan_parquet", fail)
    assert read_columns(p) == [*COLS, "unused"] and row_count(p) == 1_037
    got, sizes = joined(p, 300)
    assert sizes == [300, 300, 300, 137]
    assert got.column("pnr").to_pylist() == pq.read_table(p, columns=["pnr"]).column(0).to_pylist()


def test_a_file_neither_reader_can_open_is_named(tmp_path: Path) -> None:
    # the reader on its own (the header check before a pass names a truncated file first, test_bad_inputs)
    p = tmp_path / "dream.parquet"
    p.write_bytes(b"pnr;y_2001\n1;730\n")  # a CSV under a Parquet name
    with pytest.raises(InputError) as e:
        list(batches(p, COLS, {}, 100))
    assert str(e.value).startswith("cannot read as Parquet: Parquet magic bytes not found in footer.")
    assert str(e.value).endswith(f"({p})")
