"""Numbers written into notes the Danish way (decimal comma), shared by every analysis."""

from __future__ import annotations

import math


def dk(x: float, digits: int = 1, grouped: bool = False) -> str:
    """0.556 → '0,556'; with `grouped`, 1234.5 → '1.234,5' (thousands point)."""
    if not grouped:
        return f"{x:.{digits}f}".replace(".", ",")
    return f"{x:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def p_text(p: float) -> str:
    """A p-value for a note: 'p = 0,012' / 'p < 0,001' / 'p kan ikke beregnes'."""
    if p is None or not math.isfinite(p):
        return "p kan ikke beregnes"
    return "p < 0,001" if p < 0.001 else f"p = {dk(p, 3)}"
