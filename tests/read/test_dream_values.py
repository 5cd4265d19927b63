"""The buffer-level conversion of numeric DREAM columns against pyarrow's own fill_null, and the
conversion straight into a batch's rows (codes_into, grad_into) against the column-at-a-time one."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from toolkit.core.errors import DataError
from toolkit.read.dream_values import codes_array, codes_into, codes_rows, filled, grad_array, grad_into, grad_rows

P = Path("dream.parquet")


def with_nulls(typ: pa.DataType, values: list, valid: list) -> pa.Array:
    """An array whose null slots hold the given (arbitrary) values, as a reader may leave them."""
    buf = np.array(values, dtype=np.dtype(typ.to_pandas_dtype()))
    bits = pa.py_buffer(np.packbits(np.array(valid, bool), bitorder="little").tobytes())
    return pa.Array.from_buffers(typ, len(values), [bits, pa.py_buffer(buf.tobytes())], null_count=valid.count(0))


@pytest.mark.parametrize("typ", [pa.int16(), pa.int32(), pa.int64(), pa.float32(), pa.float64(), pa.int8()])
def test_filled_equals_fill_null_on_sliced_chunked_columns_with_blanks(typ: pa.DataType) -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 120, 203).tolist()
    arr = pa.array([None if v % 7 == 0 else v for v in values], type=typ)  # blanks at uneven places
    # a column as a batch of a sliced table holds: several chunks, each starting inside a validity byte
    col = pa.chunked_array([arr.slice(3, 61), arr.slice(64, 1), arr.slice(65, 130)])
    got = filled(col)
    want = pc.fill_null(col, 0).to_numpy()
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert np.array_equal(filled(arr.slice(5)), pc.fill_null(arr.slice(5), 0).to_numpy())
    no_blanks = pa.array(values, type=typ)
    assert np.array_equal(filled(no_blanks), np.array(values, dtype=want.dtype))


def test_filled_blanks_a_null_whatever_its_slot_holds() -> None:
    # the values buffer under a null is undefined: NaN, inf or any number may be there
    values = np.array([1.5, np.nan, np.inf, 7.0, -np.inf, 2.0], np.float64)
    valid = np.array([1, 0, 0, 1, 0, 1], bool)
    arr = pa.Array.from_buffers(pa.float64(), 6, [pa.py_buffer(np.packbits(valid, bitorder="little").tobytes()),
                                                 pa.py_buffer(values.tobytes())], null_count=3)
    assert filled(arr).tolist() == [1.5, 0.0, 0.0, 7.0, 0.0, 2.0]
    ints = pa.Array.from_buffers(pa.int16(), 4, [pa.py_buffer(np.packbits(np.array([0, 1, 0, 1], bool), bitorder="little").tobytes()),
                                                pa.py_buffer(np.array([999, 730, -5, 12], np.int16).tobytes())], null_count=2)
    assert filled(ints).tolist() == [0, 730, 0, 12]


@pytest.mark.parametrize("typ", [pa.int8(), pa.uint8(), pa.int16(), pa.uint16(), pa.int32(), pa.float32(), pa.float64()])
def test_codes_into_writes_what_codes_array_returns(typ: pa.DataType) -> None:
    arr = with_nulls(typ, [73, 99, 12, 5, 100, 1], [1, 0, 1, 0, 1, 1])  # 99 and 5 under nulls
    col = pa.chunked_array([arr.slice(0, 2), arr.slice(2)])  # two chunks, the second starting mid-byte
    out = np.full(6, -1, np.int16)
    codes_into(col, out, "y_2201", P, 0)
    assert out.tolist() == codes_array(col, "y_2201", P, 0).tolist()
    assert out.tolist()[1] == 0 and out.tolist()[3] == 0  # the null slots, whatever they held


@pytest.mark.parametrize("typ, bad, message", [
    (pa.int16(), 1000, "benefit code 1000 outside 1-999"),
    (pa.int16(), -3, "benefit code -3 outside 1-999"),
    (pa.uint16(), 40000, "benefit code 40000 outside 1-999"),  # negative as int16: refused all the same
])
def test_codes_into_refuses_what_codes_array_refuses_naming_the_row(typ: pa.DataType, bad: int, message: str) -> None:
    arr = pa.array([730, None, bad, 12], type=typ)
    with pytest.raises(DataError, match=message) as e:
        codes_into(arr, np.zeros(4, np.int16), "y_2201", P, 100)
    assert e.value.row == 104  # data row 100 + 2 (0-based) + the header line


def test_grad_into_blanks_nulls_and_nan_and_refuses_a_negative_degree() -> None:
    arr = with_nulls(pa.float32(), [0.5, np.nan, np.inf, 1.0, np.nan, 0.25], [1, 0, 0, 1, 1, 1])
    out = np.full(6, -1, np.float32)
    grad_into(pa.chunked_array([arr.slice(0, 3), arr.slice(3)]), out, "grad_2022_01", P, 0)
    assert out.tolist() == [0.5, 0.0, 0.0, 1.0, 0.0, 0.25]  # nulls (NaN or inf in their slot) and a NaN value: 0
    assert out.tolist() == grad_array(arr, "grad_2022_01", P, 0).tolist()
    for typ in (pa.float64(), pa.int16()):
        ints = pa.array([1, None, 0, 3], type=typ)
        into = np.zeros(4, np.float32)
        grad_into(ints, into, "grad_2022_01", P, 0)
        assert into.tolist() == grad_array(ints, "grad_2022_01", P, 0).tolist() == [1.0, 0.0, 0.0, 3.0]
    with pytest.raises(DataError, match="negative employment degree -0.5") as e:
        grad_into(pa.array([0.5, None, -0.5]), np.zeros(3, np.float32), "grad_2022_01", P, 10)
    assert e.value.row == 14


def test_a_csvs_float_codes_and_text_degrees_read_as_the_column_functions_read_them() -> None:
    # a CSV's week columns arrive as float32, its degrees as text with either decimal mark
    codes = pa.chunked_array([pa.array([730.0, None, 12.0], pa.float32()), pa.array([np.nan, 999.0], pa.float32())])
    out = np.full(5, -1, np.int16)
    codes_into(codes, out, "y_2201", P, 0)
    assert out.tolist() == codes_array(codes, "y_2201", P, 0).tolist() == [730, 0, 12, 0, 999]  # NaN is blank
    for bad, message in ((730.5, "benefit code 730.5 is not a whole number"), (40000.0, "benefit code 40000 outside 1-999"),
                         (1000.0, "benefit code 1000 outside 1-999")):
        with pytest.raises(DataError, match=message) as e:
            codes_into(pa.array([1.0, bad], pa.float32()), np.zeros(2, np.int16), "y_2201", P, 0)
        assert e.value.row == 3
    text = pa.chunked_array([pa.array(["12,5", "80", None]), pa.array(["0.25", " 7,5 ", ""])])
    into = np.full(6, -1, np.float32)
    grad_into(text, into, "grad_2022_01", P, 0)
    assert into.tolist() == grad_array(text, "grad_2022_01", P, 0).tolist() == [12.5, 80.0, 0.0, 0.25, 7.5, 0.0]
    with pytest.raises(DataError, match="non-numeric employment degree '1.234,5'"):
        grad_into(pa.array(["12,5", "1.234,5"]), np.zeros(2, np.float32), "grad_2022_01", P, 0)
    with pytest.raises(DataError, match="negative employment degree -2.5"):
        grad_into(pa.array(["1", "-2,5"]), np.zeros(2, np.float32), "grad_2022_01", P, 0)


def batch_of_weeks(bad: tuple[str, int, int] | None = None) -> pa.Table:
    """Week columns as readers hand them over: int16 in one piece with junk under nulls (polars'
    Parquet), int16 sliced mid-byte and in two chunks, float32 (a CSV's), int32 (another writer's);
    `bad`: (column, row, value) written into one valid cell."""
    rng = np.random.default_rng(3)
    n = 21
    cols = {}
    for k, kind in enumerate(["direct", "direct", "sliced", "chunks", "float", "int32", "direct"]):
        values = rng.integers(1, 999, n + 3).astype(np.int16)
        valid = rng.random(n + 3) < 0.7
        name = f"y_22{k + 1:02d}"
        if bad and bad[0] == name:
            values[bad[1] + (3 if kind == "sliced" else 0)], valid[bad[1] + (3 if kind == "sliced" else 0)] = bad[2], True
        arr = with_nulls(pa.int16(), values.tolist(), valid.astype(int).tolist())
        if kind == "direct":
            cols[name] = pa.chunked_array([arr.slice(0, n)])
        elif kind == "sliced":
            cols[name] = pa.chunked_array([arr.slice(3, n)])
        elif kind == "chunks":
            cols[name] = pa.chunked_array([arr.slice(0, 9), arr.slice(9, n - 9)])
        else:
            cols[name] = pa.chunked_array([pc.cast(arr.slice(0, n), pa.float32() if kind == "float" else pa.int32())])
    return pa.table(cols)


def test_codes_rows_equal_each_column_read_on_its_own() -> None:
    t = batch_of_weeks()
    out = np.full((t.num_columns, t.num_rows), -1, np.int16)
    codes_rows(t, t.column_names, out, P, 0)
    for k, name in enumerate(t.column_names):
        assert out[k].tolist() == codes_array(t.column(name), name, P, 0).tolist(), name
    assert (out == 0).sum() > 20  # the nulls are blanks, whatever their slots held


@pytest.mark.parametrize("column, value", [("y_2201", 1000), ("y_2207", -3), ("y_2203", 32767), ("y_2204", 1000), ("y_2205", 1000)])
def test_codes_rows_refuse_a_code_outside_1_999_naming_its_column_and_row(column: str, value: int) -> None:
    t = batch_of_weeks(bad=(column, 11, value))
    with pytest.raises(DataError, match=f"benefit code {value} outside 1-999") as e:
        codes_rows(t, t.column_names, np.zeros((t.num_columns, t.num_rows), np.int16), P, 100)
    assert e.value.column == column and e.value.row == 100 + 11 + 2


def batch_of_degrees(negative: tuple[str, int] | None = None) -> pa.Table:
    """Degree columns as readers hand them over: float64 in one piece with NaN, inf and a negative
    number under nulls and a stored NaN, float32, float64 in two chunks, int32, and a CSV's text with
    decimal commas; `negative`: (column, row) given -2.5."""
    n = 12
    junk = [12.5, np.nan, np.inf, -7.0, 0.0, 100.0, -np.inf, 37.0, np.nan, 80.0, 5.5, 1.0]
    valid = [1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1]  # row 8: a stored NaN (valid): blank too
    cols = {}
    for k, kind in enumerate(["direct", "float32", "chunks", "int32", "text", "direct"]):
        values, ok = list(junk), list(valid)
        name = f"grad_2022_{k + 1:02d}"
        if negative and negative[0] == name:
            values[negative[1]], ok[negative[1]] = -2.5, 1
        arr = with_nulls(pa.float64(), values, ok)
        if kind == "direct":
            cols[name] = pa.chunked_array([arr])
        elif kind == "float32":
            cols[name] = pa.chunked_array([pc.cast(arr, pa.float32())])
        elif kind == "chunks":
            cols[name] = pa.chunked_array([arr.slice(0, 5), arr.slice(5)])
        elif kind == "int32":
            cols[name] = pa.chunked_array([pa.array([None if not o or not np.isfinite(v) else int(v) for v, o in zip(values, ok)], pa.int32())])
        else:
            cols[name] = pa.chunked_array([pa.array([None if not o else ("" if np.isnan(v) else f"{v:g}".replace(".", ",")) for v, o in zip(values, ok)])])
    assert all(len(c) == n for c in cols.values())
    return pa.table(cols)


def test_grad_rows_equal_each_column_read_on_its_own_and_skip_blank_names() -> None:
    t = batch_of_degrees()
    names = [*t.column_names, ""]  # a month the extract does not hold: its row stays as it was
    out = np.full((len(names), t.num_rows), 9.0, np.float32)
    grad_rows(t, names, out, P, 0)
    for k, name in enumerate(t.column_names):
        assert out[k].tolist() == grad_array(t.column(name), name, P, 0).tolist(), name
    assert out[0].tolist() == [12.5, 0, 0, 0, 0, 100, 0, 37, 0, 80, 5.5, 1]  # nulls and the stored NaN blank
    assert out[-1].tolist() == [9.0] * t.num_rows


@pytest.mark.parametrize("column", ["grad_2022_01", "grad_2022_02", "grad_2022_03", "grad_2022_05", "grad_2022_06"])
def test_grad_rows_refuse_a_negative_degree_naming_its_column_and_row(column: str) -> None:
    t = batch_of_degrees(negative=(column, 6))
    with pytest.raises(DataError, match="negative employment degree -2.5") as e:
        grad_rows(t, t.column_names, np.zeros((t.num_columns, t.num_rows), np.float32), P, 40)
    assert e.value.column == column and e.value.row == 40 + 6 + 2
