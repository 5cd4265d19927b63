"""The CUBB target group: who has a target-group benefit week in the window, within the age range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.read.dream import Register
from toolkit.register.status import Marks, any_week, group_mask


@dataclass
class Cohort:
    """Who is in the target group and when.

    `member`: in the target group at some point in the window; `first`/`last`: absolute month of
    the first/last target week (-1 if none); `target_month[i, m]`: a target week in month m of the
    register; `end`: last month each person can be followed (window end, or the month before
    turning age_max + 1); `municipality`: municipality in the year of entry.
    """

    member: np.ndarray
    first: np.ndarray
    last: np.ndarray
    target_month: np.ndarray
    end: np.ndarray
    municipality: np.ndarray
    window: tuple[int, int]


def target_lookups(defs: Defs, visitation: bool) -> list[np.ndarray]:
    """The per-code lookups of a target-group week: [its codes] or, where a visitation rule applies
    (and the register holds visitation), [codes counting alone, codes counting only with visitation]."""
    tg = defs.spec.target_group
    if tg is None:
        raise DataError("the definitions have no target_group section", defs.path)
    codes = defs.codes
    glut = codes.group_lut()
    in_groups = group_mask(codes, tg.groups, "target_group.groups")[glut]  # per code, as every lookup here
    if not (tg.visitation and visitation):
        return [in_groups]
    need_vis = group_mask(codes, tg.visitation.groups, "target_group.visitation.groups")[glut]
    return [in_groups & ~need_vis, in_groups & need_vis]


def select_target_group(reg: Register, defs: Defs, *, marks: Marks | None = None) -> Cohort:
    """Persons with a target-group benefit week in the window while aged within the age range
    (`marks`: the months a lookup marks, when a batch has them from its one pass)."""
    tg = defs.spec.target_group
    if tg is None:
        raise DataError("the definitions have no target_group section", defs.path)
    a, b = month_index(tg.window[0]), month_index(tg.window[1])
    vis_ok = None
    if tg.visitation and reg.visitation is not None:  # one comparison per value: np.isin on int8 took 12 ms a batch
        vis, vis_ok = reg.visitation, np.zeros(reg.visitation.shape, bool, order="F")  # a quarter's persons contiguous
        lo, hi = (np.iinfo(vis.dtype).min, np.iinfo(vis.dtype).max) if vis.dtype.kind in "iu" else (-np.inf, np.inf)
        for v in set(tg.visitation.values):
            if lo <= v <= hi:  # a value the register's type cannot hold matches nobody
                vis_ok |= vis == v
    marked = [(marks or (lambda lut: any_week(reg, lut)))(lut) for lut in target_lookups(defs, vis_ok is not None)]
    birth = reg.persons["birth_month"].to_numpy()
    known = birth >= 0
    lo_m = np.where(known, birth + 12 * tg.age[0], np.iinfo(np.int32).max)  # first month aged age_min
    end = np.minimum(b, np.where(known, birth + 12 * (tg.age[1] + 1) - 1, -1))  # last month aged age_max
    n, M = reg.n, reg.n_months
    target_month = np.zeros((n, M), bool, order="F")
    for m in range(max(a, reg.month0), min(b, reg.last_month) + 1):
        j = m - reg.month0
        any_t = marked[0][:, j]
        if vis_ok is not None:  # codes that count only with visitation in the month's quarter
            any_t = any_t | (marked[1][:, j] & vis_ok[:, reg.visitation_quarters.index(m // 3)])
        target_month[:, j] = any_t & (m >= lo_m) & (m <= end)
    member = target_month.any(axis=1)
    first = np.where(member, reg.month0 + target_month.argmax(axis=1), -1).astype(np.int32)
    last = np.where(member, reg.month0 + M - 1 - target_month[:, ::-1].argmax(axis=1), -1).astype(np.int32)
    muni = reg.municipality_in(np.where(member, first // 12, b // 12)).astype(np.int32)
    return Cohort(member, first, last, target_month, end, muni, (a, b))
