"""Monthly status from DREAM: each person's predominant code group, benefit, employment and activation per month.

Works on the Register's integer arrays a month at a time over all persons, so a national extract
never becomes a long frame. Pure functions: no file access, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Employment
from toolkit.read.dream import Register


@dataclass
class Status:
    """Monthly status of every person (n × months of the register).

    `group`: the month's predominant code group (most weeks; ties → the group listed first in
    the code list; 0 = no code any week). `benefit`: some week of the month holds a public
    benefit. `employed`: grad above the threshold (blank and 0 are both "not employed").
    `activation`: the month's predominant activation type by the same rule, the weeks holding a
    code but no activation type counted as passive (0 = passive or no code; ties → the type
    listed first, and an activation type before passive).
    """

    group: np.ndarray
    benefit: np.ndarray
    employed: np.ndarray
    activation: np.ndarray
    month0: int

    def at(self, month: int) -> int:
        """Column index of an absolute month."""
        return month - self.month0


def predominant(values: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Per row, the most frequent non-zero value of a (n, k) uint8 array; ties → higher `rank`."""
    n, k = values.shape
    if k == 0:
        return np.zeros(n, np.uint8)
    # column by column: k is 4-5 weeks, n is millions (axis-1 reductions over 5 are slow)
    hi = values[:, 0].copy()
    lo = np.where(hi > 0, hi, np.uint8(255))
    for j in range(1, k):
        col = values[:, j]
        np.maximum(hi, col, out=hi)
        np.minimum(lo, np.where(col > 0, col, np.uint8(255)), out=lo)
    out = hi  # rows holding at most one distinct non-zero value (the vast majority)
    mixed = np.flatnonzero((hi > 0) & (lo != hi))
    if len(mixed):
        v = values[mixed]
        score = np.zeros(v.shape, np.int32)
        for j in range(k):
            vj = v[:, j]
            cnt = (v == vj[:, None]).sum(axis=1)
            score[:, j] = np.where(vj > 0, cnt * 1024 + rank[vj], 0)
        out[mixed] = v[np.arange(len(mixed)), score.argmax(axis=1)]
    return out


def week_slices(reg: Register) -> dict[int, slice]:
    """Absolute month → the slice of week columns whose Thursday falls in it."""
    out: dict[int, slice] = {}
    for m in np.unique(reg.week_month):
        idx = np.flatnonzero(reg.week_month == m)
        out[int(m)] = slice(int(idx[0]), int(idx[-1]) + 1)
    return out


def employed(grad: np.ndarray, emp: Employment) -> np.ndarray:
    """Employment from the monthly degree: grad > min_grad and hours ≥ min_hours."""
    ok = grad > emp.min_grad
    if emp.min_hours > 0:
        ok &= grad * emp.hours_per_grad >= emp.min_hours
    return ok


def monthly_status(reg: Register, codes: CodeList, emp: Employment) -> Status:
    """Each person's status in each month of the register (weeks mapped to months by Thursday)."""
    glut, alut, blut = codes.group_lut(), codes.activation_lut(), codes.benefit_lut()
    ng = codes.unknown_id + 1
    grank = np.zeros(ng, np.int32)
    grank[1:] = np.arange(ng - 1, 0, -1)  # first listed group ranks highest
    # a week with a code but no activation type is passive: one more value, ranked after every type,
    # so passive weeks count in the month's majority (0 stays "no code"; PASSIVE → 0 afterwards)
    T = len(codes.activation)
    PASSIVE = T + 1
    alut = np.where(alut > 0, alut, np.uint8(PASSIVE)).astype(np.uint8)
    alut[0] = 0
    arank = np.zeros(T + 2, np.int32)
    arank[1:T + 1] = np.arange(T, 0, -1)  # PASSIVE keeps rank 0
    n, M = reg.n, reg.n_months
    group = np.zeros((n, M), np.uint8, order="F")
    benefit = np.zeros((n, M), bool, order="F")
    act = np.zeros((n, M), np.uint8, order="F")
    for m, sl in week_slices(reg).items():
        j = m - reg.month0
        if not 0 <= j < M:
            continue
        c = reg.codes[:, sl]
        g = np.empty(c.shape, np.uint8, order="F")
        a = np.empty(c.shape, np.uint8, order="F")
        for w in range(c.shape[1]):
            g[:, w] = glut[c[:, w]]
            a[:, w] = alut[c[:, w]]
            benefit[:, j] |= blut[g[:, w]]
        group[:, j] = predominant(g, grank)
        pa = predominant(a, arank)
        act[:, j] = np.where(pa == PASSIVE, np.uint8(0), pa)
    return Status(group, benefit, np.asarray(employed(reg.grad, emp), order="F"), act, reg.month0)


def group_mask(codes: CodeList, keys: list[str], where: str) -> np.ndarray:
    """bool lookup over group ids: True for the listed groups."""
    mask = np.zeros(codes.unknown_id + 1, bool)
    mask[codes.group_ids(keys, where)] = True
    return mask
