"""`write_csv` (the weights CSV) assembles its text with pyarrow and writes the very bytes pandas'
`to_csv` wrote before: quoting, the formula guard, float text, missing values, one-column files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.publish.tidy import safe_cell, write_csv

EDGE_FLOATS = [1e-4, 0.00010000000000000002, 9.999999999999999e-05, 9999999999999998.0, 1e16, 1e15, 123456789012.0,
               0.1, 1 / 3, 1e-5, 123456789.0, -0.0, 0.0, np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308, 2.5,
               100.0, 1e-300, 12345678901234567.0, -7.25, 2.0**53]
EDGE_TEXT = ["a", "=SUM(A1)", "-5", "-x", "+1", "@h", "\tx", "\rx", 'say "hi"', "a,b", "line\nbreak", "", None, np.nan,
             "æøå", "-١٢", " sp ", "'q", "1e5", "-1.5e-3"]


def pandas_csv(frame: pd.DataFrame, path: Path) -> bytes:
    """The writer as it was: every text cell and header through `safe_cell`, then pandas."""
    out = frame.rename(columns=lambda c: safe_cell(str(c)))
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(safe_cell)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path.read_bytes()


def frames() -> dict[str, pd.DataFrame]:
    n = len(EDGE_TEXT)
    floats = (EDGE_FLOATS * 2)[:n]
    with np.errstate(over="ignore"):
        f32 = np.array(floats, dtype=np.float32)  # the largest double becomes inf
    rng = np.random.default_rng(3)
    sweep = np.concatenate([rng.lognormal(0, 12, 20_000), -rng.lognormal(3, 1, 5_000), np.round(rng.uniform(0, 1e7, 2_000)),
                            10.0 ** np.arange(-20, 20, 0.25)])
    return {
        "mixed": pd.DataFrame({"id": EDGE_TEXT, "w": floats, "k": np.arange(n) - 3, "b": np.arange(n) % 2 == 0,
                               "f32": f32}),
        "one text column": pd.DataFrame({"x": EDGE_TEXT}),
        "one float column, empty name": pd.DataFrame({"": EDGE_FLOATS}),
        "headers to guard and quote": pd.DataFrame({"=bad": [1], 'q"uote': [2.0], "a,b": ["x"]}),
        "objects that are not text": pd.DataFrame({"o": [1, "a", None]}),
        "nullable integers": pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64")}),
        "string dtype": pd.DataFrame({"s": pd.array(["a", None, "=x"], dtype="string")}),
        "no rows": pd.DataFrame({"a": [], "b": []}),
        "weights": pd.DataFrame({"id": [f"R{i:06d}" for i in range(len(sweep))], "weight": sweep}),
    }


@pytest.mark.parametrize("name", list(frames()))
def test_same_bytes_as_pandas(name: str, tmp_path: Path) -> None:
    frame = frames()[name]
    write_csv(frame, tmp_path / "new.csv")
    assert (tmp_path / "new.csv").read_bytes() == pandas_csv(frame, tmp_path / "old.csv")


def test_the_formula_guard_still_applies(tmp_path: Path) -> None:
    write_csv(pd.DataFrame({"id": ["=1+1", "-2", "ok"], "weight": [1.0, 2.0, 3.0]}), tmp_path / "w.csv")
    assert (tmp_path / "w.csv").read_text(encoding="utf-8") == "id,weight\n'=1+1,1.0\n-2,2.0\nok,3.0\n"
