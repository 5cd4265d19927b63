"""The group tests written in a table's notes: Pearson chi-square for unweighted data, Rao-Scott
(second order) for weighted data, over the groups' respondents stacked as one design."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from toolkit.core.fmt import dk, p_text
from toolkit.core.stats import pearson_chi2
from toolkit.survey.design import rao_scott
from toolkit.survey.sources import Group, weighted


def test_text(row_of: np.ndarray, col_of: np.ndarray, w: np.ndarray | None,
               cluster: np.ndarray | None, strata: np.ndarray | None, counts: np.ndarray) -> tuple[str, float]:
    """The test's text (without a lead-in) and its p-value: Pearson, or Rao-Scott when weighted."""
    if w is None:
        t = pearson_chi2(counts)
        if not np.isfinite(t.p):
            return "kan ikke beregnes (kun én kategori med svar)", float("nan")
        text = f"χ² = {dk(t.statistic, 2)}, df = {t.df}, {p_text(t.p)}"
        if t.small_expected > 0.2:
            text += f" (forbehold: {round(100 * t.small_expected)} % af cellerne har forventet antal under 5)"
        return text, t.p
    rs = rao_scott(row_of, col_of, w, cluster=cluster, strata=strata)
    if not np.isfinite(rs.p):
        return "kan ikke beregnes (kun én kategori med svar)", float("nan")
    return f"F = {dk(rs.f, 2)}, df = {dk(rs.ndf, 2)} og {dk(rs.ddf, 1)}, {p_text(rs.p)}", rs.p


def stack_design(groups: Sequence[Group], idx_of: Callable[[Group], np.ndarray]):
    """The groups' files as one design: group number, category, weight, cluster and stratum per row.

    Every respondent of each file is in the design, also those in no group or without an answer
    (row or category −1): a test on groups, a filter's base or a by-variable is then a domain
    estimate, as R's ``svychisq(…, subset(design, …))``. Separate files are independent samples,
    so each file is its own stratum and its weights are scaled to its sample size (weights from
    `toolkit weight` sum to the population); within a file the respondents are the PSUs unless
    the codebook names a cluster variable. A respondent in two groups of one file counts in the first.
    """
    rows, cols, ws, cl, st = [], [], [], [], []
    any_cluster = any(g.src.spec.cluster for g in groups)
    sources = {g.src.name: g.src for g in groups}
    for si, (name, src) in enumerate(sources.items()):
        n = len(src.ds.data)
        r, c = np.full(n, -1), np.full(n, -1)
        for gi, g in enumerate(groups):
            if g.src.name == name:
                m = g.mask & (r < 0)
                r[m], c[m] = gi, idx_of(g)[m]
        rows.append(r)
        cols.append(c)
        w = src.weights  # scaled to mean 1 per file: independent samples keep their own size
        ws.append(np.ones(n) if w is None else w / w.mean())
        spec, data = src.spec, src.ds.data
        if any_cluster:
            psu = data[spec.cluster].to_numpy() if spec.cluster else np.arange(n)
            cl.append(np.array([f"{si}:{p}" for p in psu], dtype=object))
        strat = data[spec.strata].astype(str).to_numpy() if spec.strata else None
        st.append(np.array([f"{si}:{x}" for x in strat], dtype=object) if strat is not None else np.full(n, si))
    r, c = np.concatenate(rows), np.concatenate(cols)
    w = np.concatenate(ws) if weighted(groups) else None
    cluster = np.concatenate(cl) if any_cluster else None
    strata = np.concatenate(st).astype(str)
    return r, c, w, cluster, (strata if len(np.unique(strata)) > 1 else None)


def group_test(groups: Sequence[Group], idx_of: Callable[[Group], np.ndarray], k: int) -> tuple[str, float]:
    """Test whether the groups differ on a categorical (rows = groups, columns = categories)."""
    r, c, w, cluster, strata = stack_design(groups, idx_of)
    ok = (r >= 0) & (c >= 0)
    counts = np.bincount(r[ok] * k + c[ok], minlength=len(groups) * k).reshape(len(groups), k)
    return test_text(r, c, w, cluster, strata, counts)
