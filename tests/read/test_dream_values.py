"""The buffer-level conversion of numeric DREAM columns against pyarrow's own fill_null."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from toolkit.read.dream_values import filled


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
