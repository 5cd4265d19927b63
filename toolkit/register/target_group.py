"""The CUBB target group: who has a target-group benefit week in the window, within the age range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.read.dream import Register
from toolkit.register.status import group_mask, week_slices


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


def select_target_group(reg: Register, defs: Defs) -> Cohort:
    """Persons with a target-group benefit week in the window while aged within the age range."""
    tg = defs.spec.target_group
    if tg is None:
        raise DataError("the definitions have no target_group section", defs.path)
    codes = defs.codes
    a, b = month_index(tg.window[0]), month_index(tg.window[1])
    glut = codes.group_lut()
    in_groups = group_mask(codes, tg.groups, "target_group.groups")[glut]  # per code, as every lookup here
    need_vis = group_mask(codes, tg.visitation.groups, "target_group.visitation.groups")[glut] if tg.visitation else None
    vis_ok = np.isin(reg.visitation, tg.visitation.values) if (tg.visitation and reg.visitation is not None) else None
    # one lookup per week: bit 1 = a target-group code, bit 2 = one that counts only with visitation
    kind = in_groups.astype(np.uint8)
    if need_vis is not None and vis_ok is not None:
        kind = np.where(in_groups & need_vis, np.uint8(2), kind).astype(np.uint8)
    birth = reg.persons["birth_month"].to_numpy()
    known = birth >= 0
    lo_m = np.where(known, birth + 12 * tg.age[0], np.iinfo(np.int32).max)  # first month aged age_min
    end = np.minimum(b, np.where(known, birth + 12 * (tg.age[1] + 1) - 1, -1))  # last month aged age_max
    n, M = reg.n, reg.n_months
    target_month = np.zeros((n, M), bool, order="F")
    for m, sl in week_slices(reg).items():
        if not a <= m <= b:
            continue
        acc = np.zeros(n, np.uint8)
        for w in range(sl.start, sl.stop):
            acc |= np.take(kind, reg.codes[:, w])
        any_t = (acc & 1).astype(bool)
        if vis_ok is not None and need_vis is not None:
            any_t |= (acc >> 1).astype(bool) & vis_ok[:, reg.visitation_quarters.index(m // 3)]
        target_month[:, m - reg.month0] = any_t & (m >= lo_m) & (m <= end)
    member = target_month.any(axis=1)
    first = np.where(member, reg.month0 + target_month.argmax(axis=1), -1).astype(np.int32)
    last = np.where(member, reg.month0 + M - 1 - target_month[:, ::-1].argmax(axis=1), -1).astype(np.int32)
    muni = reg.municipality_in(np.where(member, first // 12, b // 12)).astype(np.int32)
    return Cohort(member, first, last, target_month, end, muni, (a, b))
