"""Tests of difference for questionnaire tables: Rao-Scott, column letters (Pearson: core.stats).

Rao-Scott is written here because no Python library does it reliably (statsmodels has none,
samplics 0.6.1 returns NaN on weighted data). It follows R ``survey::svychisq`` line by line –
first-order ("Chisq": X² / mean generalised design effect) and second-order ("F": Rao & Scott
1984, X² / trace Δ on F(d0, d0·ν)) – with Taylor-linearised variances for a weights-only,
clustered and/or stratified design, so its figures can be checked against R output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Sequence

import numpy as np

# scipy.stats and statsmodels are imported inside the functions: they take a second to import
# and every `toolkit` command would pay for it at start-up.


@dataclass(frozen=True)
class RaoScott:
    """Rao-Scott corrected chi-square (both orders) as R ``svychisq`` reports them."""

    pearson: float  # X² on the weighted table scaled to the sample size
    df: int  # (r-1)(c-1)
    mean_deff: float  # mean of the generalised design effects = trace Δ / df
    chisq_p: float  # first order: X² / mean_deff on χ²(df)
    f: float  # second order: X² / trace Δ
    ndf: float  # d0 = (trace Δ)² / trace Δ²
    ddf: float  # d0 · ν, ν = number of PSUs − number of strata
    p: float  # second-order p-value (svychisq's default statistic="F")


def _linearised_variance(cell: np.ndarray, a: np.ndarray, p: np.ndarray, cluster: np.ndarray | None,
                         strata: np.ndarray | None, fpc: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Design variance of the cell proportions p (ratio means) and ν = PSUs − strata of the domain.

    Respondent i contributes u_i = a_i (e_cell(i) − p) with a = w / Σw over the domain and a = 0
    outside it, so out-of-domain respondents add zeros but still count among their stratum's PSUs
    (a domain estimate, as R's ``subset(design, …)``). PSU totals of u are centred within stratum
    and scaled by n_h/(n_h−1)·(1−f_h), as ``survey::svyrecvar`` does for one stage; ν counts only
    PSUs and strata with a respondent in the domain, as ``degf`` of a subset design. Everything is
    built from bincounts, never an n × k indicator matrix.
    """
    k = len(p)
    n = len(cell)
    stratum = np.zeros(n, int) if strata is None else np.unique(strata, return_inverse=True)[1]
    inside = a > 0
    psu_id = np.arange(n) if cluster is None else np.unique(np.asarray(cluster), return_inverse=True)[1]
    nu = len(np.unique(np.column_stack([stratum, psu_id])[inside], axis=0)) - len(np.unique(stratum[inside]))
    V = np.zeros((k, k))
    for h in np.unique(stratum):
        in_h = stratum == h
        c_h, a_h = cell[in_h], a[in_h]
        b = np.bincount(c_h, a_h, k)  # Σ a e_cell over the stratum
        if cluster is None:  # each respondent is a PSU: Σ u uᵀ in closed form
            nh = len(c_h)
            a2 = np.bincount(c_h, a_h**2, k)
            S = np.diag(a2) - np.outer(a2, p) - np.outer(p, a2) + (a_h**2).sum() * np.outer(p, p)
            ubar = (b - a_h.sum() * p) / max(nh, 1)
            M = S - nh * np.outer(ubar, ubar)
        else:  # PSU totals: bincount on (PSU, cell) pairs
            _, psu = np.unique(np.asarray(cluster)[in_h], return_inverse=True)
            nh = int(psu.max()) + 1
            tot = np.bincount(psu * k + c_h, a_h, nh * k).reshape(nh, k) - np.outer(np.bincount(psu, a_h, nh), p)
            tot -= tot.mean(axis=0)
            M = tot.T @ tot
        if nh < 2:
            continue  # a lonely PSU contributes nothing (R's default lonely.psu="fail" would stop)
        scale = nh / (nh - 1)
        if fpc is not None:
            f_h = np.asarray(fpc, float)[in_h][0]
            scale *= 1 - (nh / f_h if f_h >= 1 else f_h)  # population PSU count or sampling fraction
        V += scale * M
    return V, nu


def rao_scott(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray | None = None,
              cluster: np.ndarray | None = None, strata: np.ndarray | None = None,
              fpc: np.ndarray | None = None) -> RaoScott:
    """Rao-Scott chi-square of independence between two categorical codes under a design.

    `rows`/`cols` are integer category codes per respondent of the *whole* sample; a negative
    code (a missing answer, a respondent outside a filter's base or a by-group) puts the
    respondent outside the domain tested: it adds zeros to the variance but stays in the design,
    as R's ``svychisq(~r+c, subset(design, …))`` (and its NA handling) does. `weights` default to
    1. Empty categories are dropped (R uses the categories present). Matches
    ``svychisq(~r+c, design, statistic="F")`` and ``"Chisq"``.
    """
    from scipy import stats

    rows = np.asarray(rows)
    cols = np.asarray(cols)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, float)
    ok = (rows >= 0) & (cols >= 0) & (w > 0)
    r_codes, r_in = np.unique(rows[ok], return_inverse=True)
    c_codes, c_in = np.unique(cols[ok], return_inverse=True)
    nr, nc = len(r_codes), len(c_codes)
    N = int(ok.sum())  # respondents in the domain: the table's sample size
    if nr < 2 or nc < 2:
        nan = float("nan")
        return RaoScott(nan, 0, nan, nan, nan, nan, nan, nan)
    cell = np.zeros(len(rows), int)
    cell[ok] = r_in + nr * c_in  # column-major cell index, as R's interaction(rows, cols)
    k = nr * nc
    a = np.where(ok, w, 0.0) / w[ok].sum()
    p = np.bincount(cell, a, k)
    V, nu = _linearised_variance(cell, a, p, cluster, strata, fpc)
    # contrasts for the interaction, orthogonal to the main-effects design (qr.resid in R)
    grid_r = np.tile(np.arange(nr), nc)
    grid_c = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(k)] + [grid_r == i for i in range(1, nr)] + [grid_c == j for j in range(1, nc)]).astype(float)
    X12 = np.column_stack([(grid_r == i) & (grid_c == j) for j in range(1, nc) for i in range(1, nr)]).astype(float)
    beta, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    C = X12 - X1 @ beta
    iD = np.diag(np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p)))
    denom = C.T @ (iD / N) @ C
    numr = C.T @ iD @ V @ iD @ C
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))
    # Pearson X² on the weighted table scaled to N respondents
    P = p.reshape(nc, nr).T
    expected = np.outer(P.sum(axis=1), P.sum(axis=0))
    pearson = float(N * ((P - expected) ** 2 / expected).sum())
    df = (nr - 1) * (nc - 1)
    mean_deff = tr / df
    f = pearson / tr
    return RaoScott(
        pearson=pearson, df=df, mean_deff=mean_deff,
        chisq_p=float(stats.chi2.sf(pearson / mean_deff, df)),
        f=f, ndf=d0, ddf=d0 * nu, p=float(stats.f.sf(f, d0, d0 * nu)),
    )


def effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²: the base for tests on weighted shares."""
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / (w**2).sum()) if len(w) else 0.0


def column_letters(shares: np.ndarray, bases: Sequence[float], alpha: float = 0.05) -> list[list[str]]:
    """SPSS-style column-proportion letters: z-tests of each pair of columns, Bonferroni in a row.

    `shares[i, j]` is the proportion in row i of column j, `bases[j]` its (effective) base.
    A cell gets the letter (A, B, …) of every column whose proportion is significantly smaller.
    Pairs where both shares are 0 or both 1 cannot be tested and get no letter.
    """
    from statsmodels.stats.proportion import proportions_ztest

    shares = np.asarray(shares, float)
    ncol = shares.shape[1]
    pairs = list(combinations(range(ncol), 2))
    out = [["" for _ in range(ncol)] for _ in range(shares.shape[0])]
    if not pairs:
        return out
    level = alpha / len(pairs)
    for i in range(shares.shape[0]):
        for a, b in pairs:
            pa, pb, na, nb = shares[i, a], shares[i, b], bases[a], bases[b]
            if min(na, nb) <= 0 or any(math.isnan(x) for x in (pa, pb)):
                continue
            if (pa == pb) or (pa in (0.0, 1.0) and pb in (0.0, 1.0) and pa == pb):
                continue
            _, pval = proportions_ztest([pa * na, pb * nb], [na, nb])
            if pval < level:
                hi, lo = (a, b) if pa > pb else (b, a)
                out[i][hi] += letter(lo)
    for row in out:
        for j, s in enumerate(row):
            row[j] = "".join(sorted(s))
    return out


def letter(j: int) -> str:
    """Column letter A, B, … Z, AA, AB … for column j (0-based)."""
    s = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        s = chr(65 + rem) + s
    return s
