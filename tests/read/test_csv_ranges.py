"""A large CSV is parsed in ranges of whole lines on two threads: the ranges cover every data line
once and end at line breaks, and a file cut into many small ranges reads exactly as one stream –
CRLF lines, a Windows code page, a blank line, decimal commas – with a bad value still named by its
row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dream_fixtures import all_months, frame, person

import toolkit.read.batches as batches
from toolkit.config.definitions import Columns
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.read.dream import Register, read_dream
from toolkit.read.dream_columns import Request

WINDOW = Request(first_month=month_index("2020-10"), last_month=month_index("2021-03"))


def extract(tmp_path: Path, bad_row: int | None = None) -> Path:
    """40 persons as a ';'-CSV in cp1252 with CRLF lines and decimal commas, one id with æ/ø, a blank
    line after the 10th person; `bad_row`: that person's first week reads 'x'."""
    rows = [person("Ærø" if i == 7 else f"P{i:03d}", all_months(730 if i % 3 else 130, "2020-12" if i % 2 else "2021-03"),
                   grad={"2020-12": 12.5 + i, "2021-02": 80}, kom=101 + i % 4) for i in range(40)]
    df = frame(rows)
    p = tmp_path / "dream.csv"
    text = df.to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
    lines = text.split("\r\n")
    if bad_row is not None:
        cells = lines[bad_row].split(";")
        cells[df.columns.get_loc("y_2041")] = "x"
        lines[bad_row] = ";".join(cells)
    lines.insert(11, "")  # a blank line between persons 10 and 11
    p.write_bytes("\r\n".join(lines).encode("cp1252"))
    return p


def same(a: Register, b: Register) -> None:
    assert a.ids.tolist() == b.ids.tolist()
    assert np.array_equal(a.codes, b.codes) and np.array_equal(a.grad, b.grad)
    assert np.array_equal(a.municipality, b.municipality)
    pd.testing.assert_frame_equal(a.persons, b.persons)


def test_line_ranges_cover_every_data_line_once_and_end_at_line_breaks(tmp_path: Path) -> None:
    p = extract(tmp_path)
    data = p.read_bytes()
    header = data.index(b"\n") + 1
    ranges = batches.line_ranges(p, 300)
    assert len(ranges) > 5
    assert ranges[0][0] == header and sum(n for _, n in ranges) == len(data) - header
    assert all(a + n == b for (a, n), (b, _) in zip(ranges, ranges[1:]))  # contiguous
    assert all(data[a + n - 1:a + n] == b"\n" for a, n in ranges[:-1])  # each cut just after a line break


def test_many_ranges_read_exactly_as_one_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = extract(tmp_path)
    one = read_dream(p, Columns(), WINDOW)  # smaller than a range: one stream, its header read by pyarrow
    assert one.n == 40 and one.ids[7] == "Ærø" and one.grad[3, 2] == pytest.approx(15.5)
    monkeypatch.setattr(batches, "CSV_RANGE", 100)  # shorter than a line: a line (or the blank one with it) each
    assert len(batches.line_ranges(p, 100)) >= 39
    same(read_dream(p, Columns(), WINDOW), one)
    same(read_dream(p, Columns(), WINDOW, chunk_rows=7), one)  # batches cut across ranges


def test_a_bad_value_in_a_later_range_names_its_row_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = extract(tmp_path, bad_row=35)  # the 35th person (line 36 of the file, 37 with the blank line)
    with pytest.raises(DataError) as whole:
        read_dream(p, Columns(), WINDOW)
    monkeypatch.setattr(batches, "CSV_RANGE", 300)
    with pytest.raises(DataError) as ranged:
        read_dream(p, Columns(), WINDOW)
    assert str(ranged.value) == str(whole.value)
    assert "'x'" in str(ranged.value) and ranged.value.column == "y_2041"


def test_a_utf8_file_with_a_byte_order_mark_reads_alike_in_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    df = frame([person(f"P{i}", all_months(730 if i % 2 else 651)) for i in range(30)])
    p = tmp_path / "bom.csv"
    p.write_bytes(df.to_csv(sep=";", index=False).encode("utf-8-sig"))  # the BOM sits in the header line
    one = read_dream(p, Columns(), WINDOW)
    monkeypatch.setattr(batches, "CSV_RANGE", 100)
    many = read_dream(p, Columns(), WINDOW)
    assert many.ids.tolist() == [f"P{i}" for i in range(30)]  # the first column's name is found: no BOM in it
    same(many, one)
