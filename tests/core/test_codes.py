"""One spelling for category codes: what codebooks, margins, weights and the profile compare."""

import math

import numpy as np
import pandas as pd

from toolkit.core.codes import code_key, per_value, show_code


def test_code_key_makes_numbers_and_numeric_text_one_code() -> None:
    assert code_key(3) == code_key(3.0) == code_key("3") == code_key(" 3 ") == 3.0
    assert code_key("2,5") == 2.5  # a decimal comma in a YAML or CSV code
    assert code_key(True) == 1.0
    assert code_key(" Ved ikke ") == "Ved ikke"


def test_show_code_writes_a_code_as_a_person_would() -> None:
    assert show_code(3.0) == "3"
    assert show_code(np.float32(2.0)) == "2"  # SPSS/pyreadstat floats of any width
    assert show_code(np.int64(657)) == "657"
    assert show_code(2.5) == "2.5"
    assert show_code(True) == "1"
    assert show_code(" Mand ") == "Mand"
    assert [show_code(v) for v in (None, float("nan"), pd.NA)] == ["", "", ""]


def test_per_value_calls_once_per_distinct_value_and_passes_blanks_as_none() -> None:
    seen: list[object] = []

    def f(v: object) -> str:
        seen.append(v)
        return "blank" if v is None else f"<{v}>"

    out = per_value(pd.Series(["a", None, "b", "a", math.nan]), f)
    assert out.tolist() == ["<a>", "blank", "<b>", "<a>", "blank"]
    assert seen == ["a", "b", None]
