"""OLS on the municipality frame (statsmodels), with the checks a small-n model needs.

Too few municipalities for the parameters, a constant regressor and perfect collinearity are
refused with a DataError naming the variable, instead of statsmodels' silent pseudo-inverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from toolkit.core.errors import DataError

CONST = "const"
_TOL = 1e-9


@dataclass
class Fit:
    """A fitted OLS model with the figures the tables show."""

    y: str
    xs: list[str]
    n: int
    params: pd.Series  # index: CONST + xs
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    rsquared: float
    rsquared_adj: float
    std_params: pd.Series  # b * sd(x) / sd(y) on the estimation sample (no constant)
    df_resid: float
    cov_type: str
    index: pd.Index  # the municipalities used


def complete(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows with every named column present (listwise deletion)."""
    return frame.loc[frame[list(columns)].notna().all(axis=1), list(columns)]


def collinearity(x: pd.DataFrame) -> tuple[str, list[str]] | None:
    """The first column that is a linear combination of the constant and earlier columns.

    Returns (column, [earlier columns it depends on]) or None; a constant column returns
    (column, []). Columns are standardised first so the tolerance doesn't depend on units.
    """
    return _collinearity(x.to_numpy(float), [str(c) for c in x.columns])


def _collinearity(x: np.ndarray, names: list[str]) -> tuple[str, list[str]] | None:
    z = x - x.mean(axis=0)
    scale = np.sqrt((z**2).mean(axis=0))
    big = np.maximum(1.0, np.abs(x).max(axis=0)) if len(x) else np.ones(x.shape[1])
    basis: list[int] = []
    for j, name in enumerate(names):
        if scale[j] <= _TOL * big[j]:
            return name, []
        zj = z[:, j] / scale[j]
        if basis:
            b = z[:, basis] / scale[basis]
            coef, *_ = np.linalg.lstsq(b, zj, rcond=None)
            resid = zj - b @ coef
            if np.sqrt((resid**2).mean()) < 1e-7:
                return name, [names[basis[k]] for k in np.flatnonzero(np.abs(coef) > 1e-6)]
        basis.append(j)
    return None


def _show(v: object) -> str:
    return f"{float(v):g}" if isinstance(v, (int, float, np.number)) else str(v)


def _check(yv: np.ndarray, xv: np.ndarray, y: str, xs: list[str]) -> None:
    n, k = len(yv), len(xs) + 1
    if n <= k:
        raise DataError(
            f"only {n} municipalities with complete data for {k} parameters (constant, {', '.join(xs)}) "
            f"when explaining '{y}': the model needs more municipalities than parameters",
            column=xs[-1] if xs else y,
        )
    if yv.std() <= _TOL * max(1.0, float(np.abs(yv).max())):
        raise DataError(f"the dependent variable '{y}' is constant ({_show(yv[0])} in all {n} municipalities)", column=y)
    hit = _collinearity(xv, xs) if xs else None
    if hit is not None:
        name, deps = hit
        if not deps:
            value = xv[0, xs.index(name)]
            raise DataError(
                f"variable '{name}' is constant ({_show(value)} in all {n} municipalities) and cannot be estimated",
                column=name,
            )
        raise DataError(
            f"variable '{name}' is perfectly collinear with {', '.join(repr(d) for d in deps)} "
            f"(a linear combination of them in these {n} municipalities)",
            column=name,
        )


def _arrays(frame: pd.DataFrame, y: str, xs: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, X (no constant) and the row mask of complete rows, as float arrays."""
    data = frame[[y] + xs].to_numpy(float)
    ok = ~np.isnan(data).any(axis=1)
    return data[ok, 0], data[ok, 1:], ok


def check_design(frame: pd.DataFrame, y: str, xs: Sequence[str]) -> None:
    """Raise a DataError naming the variable when OLS of y on xs cannot be estimated."""
    yv, xv, _ = _arrays(frame, y, list(xs))
    _check(yv, xv, y, list(xs))


def ols(frame: pd.DataFrame, y: str, xs: Sequence[str], cov_type: str = "nonrobust") -> Fit:
    """OLS of y on a constant and xs over the rows complete on all of them (statsmodels).

    Robust (HC) standard errors are tested against t with the residual degrees of freedom, as R's
    ``lmtest::coeftest(m, vcovHC(m, type="HC3"))`` does: with ~40 municipalities the normal
    distribution statsmodels uses by default is anti-conservative."""
    xs = list(xs)
    yv, xv, ok = _arrays(frame, y, xs)
    _check(yv, xv, y, xs)
    exog = np.column_stack([np.ones(len(yv)), xv])
    res = sm.OLS(yv, exog).fit(cov_type=cov_type, use_t=True)
    names = [CONST] + xs

    def series(a: np.ndarray) -> pd.Series:
        return pd.Series(np.asarray(a, float), index=names)

    std = pd.Series(res.params[1:] * xv.std(axis=0, ddof=1) / yv.std(ddof=1), index=xs, dtype=float)
    return Fit(
        y=y, xs=xs, n=int(res.nobs), params=series(res.params), bse=series(res.bse), tvalues=series(res.tvalues),
        pvalues=series(res.pvalues), rsquared=float(res.rsquared), rsquared_adj=float(res.rsquared_adj),
        std_params=std, df_resid=float(res.df_resid), cov_type=cov_type, index=frame.index[ok],
    )


def vif(frame: pd.DataFrame, xs: Sequence[str]) -> pd.Series:
    """Variance inflation factor of each regressor (design with a constant)."""
    d = complete(frame, list(xs))
    exog = sm.add_constant(d[list(xs)].astype(float), has_constant="add").to_numpy()
    return pd.Series([variance_inflation_factor(exog, j + 1) for j in range(len(xs))], index=list(xs))
