"""Group differences tested in the notes: Pearson chi-square for distributions (`core.stats`,
no continuity correction) and Welch's t-test for means (`core.stats.welch_t`, from the groups' moments);
small counts are hidden and only the significance is shown where a cell is below the threshold."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from toolkit.core.fmt import dk, p_text
from toolkit.core.stats import Moments, pearson_chi2, welch_t
from toolkit.profile.persons import GROUPS


def few(k: int, min_cell: int) -> str:
    """A count for a note: small counts are not shown exactly (register output rules)."""
    return f"færre end {min_cell}" if 0 < k < min_cell else dk(k, 0, grouped=True)


def _small(counts: np.ndarray, min_cell: int) -> bool:
    c = np.asarray(counts)
    return bool(((c > 0) & (c < min_cell)).any())


def _coarse(p: float) -> str:
    return "p < 0,05" if p < 0.05 else "p ≥ 0,05"


def chi2_note(counts: np.ndarray, min_cell: int = 0, what: str = "Forskellen mellem restgruppen og beskæftigelsesgruppen") -> str:
    """Pearson chi-square test of a groups × categories table, as an Anm. line (coarse when a
    count is below `min_cell`)."""
    t = pearson_chi2(counts)
    if not np.isfinite(t.p):
        return f"Anm.: {what} kan ikke testes (en af grupperne eller kategorierne er tom)."
    if _small(counts, min_cell):
        return (f"Anm.: {what} er testet med Pearsons χ²-test: {_coarse(t.p)} (kun signifikansen vises, "
                f"da tabellen har celler med færre end {min_cell} personer).")
    text = f"Anm.: {what} er testet med Pearsons χ²-test: χ² = {dk(t.statistic, 2, grouped=True)} (df = {t.df}), {p_text(t.p)}."
    small = t.small_expected
    if small > 0.2:
        text += f" Testen er usikker: {dk(100 * small, 0, grouped=True)} % af cellerne har en forventet værdi under 5."
    return text


def offers_chi2_note(counts: np.ndarray, bases: np.ndarray, labels: Sequence[str], min_cell: int = 0) -> str:
    """One 2×2 chi-square test per offer (took it / did not, by group), as one Anm. line."""
    parts = []
    for j, lab in enumerate(labels):
        t = np.array([[counts[i, j], bases[i] - counts[i, j]] for i in range(len(GROUPS))], float)
        p = pearson_chi2(t).p  # NaN when a group or an answer is empty
        parts.append(f"{lab}: kan ikke testes" if not np.isfinite(p) else f"{lab}: {_coarse(p) if _small(t, min_cell) else p_text(p)}")
    return ("Anm.: Forskellen mellem grupperne i andelen, der har deltaget i hvert tilbud, er testet med Pearsons "
            "χ²-test (df = 1): " + "; ".join(parts) + ".")


def welch_note(a: Moments, b: Moments, min_cell: int = 0, what: str = "Forskellen i gennemsnit") -> str:
    """Welch's t-test (unequal variances) of two means, as an Anm. line (coarse when a group has
    fewer than `min_cell` persons)."""
    if a.n < 2 or b.n < 2:
        return f"Anm.: {what} kan ikke testes (færre end to personer i en gruppe)."
    r = welch_t(a, b)
    if not np.isfinite(r.statistic):
        return f"Anm.: {what} kan ikke testes (ingen variation)."
    if min(a.n, b.n) < min_cell:
        return f"Anm.: {what} er testet med Welchs t-test: {_coarse(r.p)} (kun signifikansen vises, da en gruppe har færre end {min_cell} personer)."
    return f"Anm.: {what} er testet med Welchs t-test: t = {dk(r.statistic, 2, grouped=True)} (df = {dk(r.df, 1, grouped=True)}), {p_text(r.p)}."


def persons_text(k: int, min_cell: int) -> str:
    """'1 person', '30 personer', 'færre end 5 personer' (small counts hidden)."""
    return f"{few(k, min_cell)} {'person' if k == 1 and min_cell <= 1 else 'personer'}"
