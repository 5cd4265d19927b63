"""Category codes in one spelling: 3, 3.0, "3" and " 3 " are the same code wherever data files meet
codebooks, margins, weights or register attributes (SPSS stores every number as a float)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pandas as pd

Code = float | str


def code_key(value: Any) -> Code:
    """The comparable form of a code: numbers and numeric text (decimal comma too) as float, else stripped text."""
    if isinstance(value, (bool, int, float)):
        return float(value)
    s = str(value).strip()
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return s


def is_missing(value: Any) -> bool:
    """None, pd.NA and NaN (the blanks a DataFrame column can hold)."""
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value))


def show_code(value: Any) -> str:
    """A code as a person writes it: 3.0 → '3', True → '1', text stripped, a blank → ''."""
    if is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def id_text(s: pd.Series) -> pd.Series:
    """Respondent ids as the text a person reads: numbers as 17 (not 17.0), text as written ('017' keeps its
    zero; a float export '17.0' is 17). Ids are matched by this text, so 017 and 17 are two respondents."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return per_value(s, lambda v: None if is_missing(v) else show_code(v)).rename(s.name)
    text = per_value(s, lambda v: None if is_missing(v) or not str(v).strip() else str(v).strip())
    if text.dropna().str.fullmatch(r"\d+\.0+").all():
        text = text.str.replace(r"\.0+$", "", regex=True)  # every id a float export (17.0); zeros in front stay
    return text.rename(s.name)


def per_value(s: pd.Series, f: Callable[[Any], Any]) -> pd.Series:
    """f applied once per distinct value of a column (columns hold few distinct values); a blank → f(None)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    table = np.array([f(u) for u in uniques] + [f(None)], dtype=object)
    return pd.Series(table[codes], index=s.index)
