"""Numbers written into notes the Danish way (decimal comma), shared by every analysis."""

from __future__ import annotations

import math
from typing import Literal


def dk(x: float, digits: int | None = 1, grouped: bool = False, *,
       notation: Literal["fixed", "general"] = "fixed") -> str:
    """0.556 → '0,556'; `grouped`: 1234.5 → '1.234,5' (thousands point); general: `digits`
    significant digits (0.98765 → '0,9877' with 4); digits None: the shortest form (95.0 → '95',
    97.5 → '97,5')."""
    if notation == "general" or digits is None:
        return f"{x:.{6 if digits is None else digits}g}".replace(".", ",")
    if not grouped:
        return f"{x:.{digits}f}".replace(".", ",")
    return f"{x:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def p_text(p: float) -> str:
    """A p-value for a note: 'p = 0,012' / 'p < 0,001' / 'p kan ikke beregnes'."""
    if p is None or not math.isfinite(p):
        return "p kan ikke beregnes"
    return "p < 0,001" if p < 0.001 else f"p = {dk(p, 3)}"
