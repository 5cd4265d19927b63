"""Register outcomes from DREAM: target groups, monthly status, CUBB targets 1-2, NY CHANCE goals.

Everything works on the Register's integer arrays (person × week codes, person × month grad),
a week or a month at a time over all persons, so a national extract never becomes a long frame.
Definitions (which codes, which window, which exits) come from a `Defs` (registers/*.yaml).
Pure functions: no file access, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.config.codes import CodeList
from toolkit.config.definitions import Defs, Employment
from toolkit.core.calendar import month_index, month_text, quarter_text
from toolkit.core.errors import DataError
from toolkit.core.fmt import p_text
from toolkit.core.table import Cell, Figure, Kind, Table
from toolkit.read.dream import SENIORITY_WEEKS, Register, unknown_codes

# --------------------------------------------------------------------------- monthly status


@dataclass
class Status:
    """Monthly status of every person (n × months of the register).

    `group`: the month's predominant code group (most weeks; ties → the group listed first in
    the code list; 0 = no code any week). `benefit`: some week of the month holds a public
    benefit. `employed`: grad above the threshold (blank and 0 are both "not employed").
    `activation`: the month's predominant activation type (0 = none/passive).
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


def hours(grad: np.ndarray, emp: Employment) -> np.ndarray:
    """Employment degree converted to ordinary wage hours in the month."""
    return grad * emp.hours_per_grad


def monthly_status(reg: Register, codes: CodeList, emp: Employment) -> Status:
    """Each person's status in each month of the register (weeks mapped to months by Thursday)."""
    glut, alut, blut = codes.group_lut(), codes.activation_lut(), codes.benefit_lut()
    ng = codes.unknown_id + 1
    grank = np.zeros(ng, np.int32)
    grank[1:] = np.arange(ng - 1, 0, -1)  # first listed group ranks highest
    arank = np.zeros(len(codes.activation) + 1, np.int32)
    arank[1:] = np.arange(len(codes.activation), 0, -1)
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
        act[:, j] = predominant(a, arank)
    return Status(group, benefit, np.asarray(employed(reg.grad, emp), order="F"), act, reg.month0)


# --------------------------------------------------------------------------- target group


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


def _group_mask(codes: CodeList, keys: list[str], where: str) -> np.ndarray:
    """bool lookup over group ids: True for the listed groups."""
    mask = np.zeros(codes.unknown_id + 1, bool)
    mask[codes.group_ids(keys, where)] = True
    return mask


def select_target_group(reg: Register, defs: Defs) -> Cohort:
    """Persons with a target-group benefit week in the window while aged within the age range."""
    tg = defs.spec.target_group
    if tg is None:
        raise DataError("the definitions have no target_group section", defs.path)
    codes = defs.codes
    a, b = month_index(tg.window[0]), month_index(tg.window[1])
    glut = codes.group_lut()
    in_groups = _group_mask(codes, tg.groups, "target_group.groups")
    need_vis = _group_mask(codes, tg.visitation.groups, "target_group.visitation.groups") if tg.visitation else None
    vis_ok = np.isin(reg.visitation, tg.visitation.values) if (tg.visitation and reg.visitation is not None) else None
    birth = reg.persons["birth_month"].to_numpy()
    known = birth >= 0
    lo_m = np.where(known, birth + 12 * tg.age[0], np.iinfo(np.int32).max)  # first month aged age_min
    end = np.minimum(b, np.where(known, birth + 12 * (tg.age[1] + 1) - 1, -1))  # last month aged age_max
    n, M = reg.n, reg.n_months
    target_month = np.zeros((n, M), bool, order="F")
    for m, sl in week_slices(reg).items():
        if not a <= m <= b:
            continue
        any_t = np.zeros(n, bool)
        for w in range(sl.start, sl.stop):
            g = glut[reg.codes[:, w]]
            t = in_groups[g]
            if need_vis is not None and vis_ok is not None:
                t &= ~need_vis[g] | vis_ok[:, reg.visitation_quarters.index(m // 3)]
            any_t |= t
        target_month[:, m - reg.month0] = any_t & (m >= lo_m) & (m <= end)
    member = target_month.any(axis=1)
    first = np.where(member, reg.month0 + target_month.argmax(axis=1), -1).astype(np.int32)
    last = np.where(member, reg.month0 + M - 1 - target_month[:, ::-1].argmax(axis=1), -1).astype(np.int32)
    muni = reg.municipality_in(np.where(member, first // 12, b // 12)).astype(np.int32)
    return Cohort(member, first, last, target_month, end, muni, (a, b))


# --------------------------------------------------------------------------- CUBB target 1 and 2


JOB, WAGE, TOTAL = "Ordinært job", "Ordinære løntimer", "Total"


@dataclass
class Target1:
    """Per person (target-group members only): job exit, wage hours, exit category label."""

    job: np.ndarray
    wage: np.ndarray
    exit: np.ndarray
    municipality: np.ndarray
    labels: list[str]


def target1_persons(reg: Register, st: Status, coh: Cohort, defs: Defs) -> Target1:
    """CUBB target 1: exit measured in the first month after the last target-benefit week."""
    spec = defs.spec.target1
    if spec is None:
        raise DataError("the definitions have no target1 section", defs.path)
    idx = np.flatnonzero(coh.member)
    e = coh.last[idx] + 1
    censored = e > coh.end[idx]
    col = np.clip(e - st.month0, 0, st.group.shape[1] - 1)
    g = st.group[idx, col]
    ben = st.benefit[idx, col]
    emp = st.employed[idx, col]
    job = ~censored & ~ben & emp
    wage = (coh.target_month[idx] & st.employed[idx]).any(axis=1)
    labels = [x.label for x in spec.exits]
    # a censored person (still in the target group when follow-up ends) is in the censored row
    cat = np.where(censored, [x.rule for x in spec.exits].index("censored"), -1).astype(np.int16)
    for k, ex in enumerate(spec.exits):
        if ex.rule == "censored":
            continue
        if ex.rule == "job":
            hit = job
        elif ex.rule == "self_support":
            hit = (g == 0) & ~emp
        elif ex.rule == "other":
            hit = np.ones(len(idx), bool)
        else:
            hit = _group_mask(defs.codes, ex.groups, f"target1.exits[{k}].groups")[g]
        cat = np.where((cat < 0) & hit, k, cat)
    return Target1(job, wage, cat, coh.municipality[idx], labels)


@dataclass
class Target2:
    """Per person able to work at the reference month: ordinary job / wage hours."""

    job: np.ndarray
    wage: np.ndarray
    municipality: np.ndarray
    month: int


def target2_persons(reg: Register, st: Status, coh: Cohort, defs: Defs) -> Target2:
    """CUBB target 2: cross-section at the reference month among those who could work then."""
    spec = defs.spec.target2
    tg = defs.spec.target_group
    if spec is None or tg is None:
        raise DataError("the definitions have no target2 section", defs.path)
    r = month_index(spec.reference_month)
    j = st.at(r)
    excl = _group_mask(defs.codes, spec.exclude_groups, "target2.exclude_groups")
    act_ex = np.zeros(len(defs.codes.activation) + 1, bool)
    for a in spec.exclude_activation:
        act_ex[defs.codes.activation_id(a, "target2.exclude_activation")] = True
    age = reg.age_at(r)
    ok = (coh.member & (coh.first <= r) & ~excl[st.group[:, j]] & ~act_ex[st.activation[:, j]]
          & (age >= tg.age[0]) & (age <= tg.age[1]))
    idx = np.flatnonzero(ok)
    emp = st.employed[idx, j]
    ben = st.benefit[idx, j]
    return Target2(emp & ~ben, emp & ben, coh.municipality[idx], r)


# --------------------------------------------------------------------------- table helpers


def pct(k: int, n: int) -> Cell:
    """A percent cell (fraction) describing k persons out of n."""
    return Cell(k / n if n else None, Kind.PERCENT, n=int(k))


def base(n: int) -> Cell:
    return Cell(int(n), Kind.BASE, n=int(n))


def chi2_p(table: np.ndarray) -> float:
    """Pearson chi-square p-value (no continuity correction) of a contingency table."""
    t = np.asarray(table, float)
    t = t[:, t.sum(axis=0) > 0]
    t = t[t.sum(axis=1) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return float("nan")
    from scipy.stats import (
        chi2_contingency,  # imported here: scipy.stats costs a second at start-up
    )

    return float(chi2_contingency(t, correction=False)[1])


def programme_columns(defs: Defs) -> list[tuple[str, list[int] | None]]:
    """(label, municipality codes) of the comparison columns; None = the rest of the country."""
    mu = defs.spec.municipalities
    assert mu is not None
    return [(mu.rest_label, None), (mu.programme_label, list(mu.programme))]


def municipality_labels(defs: Defs) -> list[tuple[str, int]]:
    """(column label, code) per programme municipality; 'Kommune 1…' when anonymised."""
    mu = defs.spec.municipalities
    assert mu is not None
    return [(f"Kommune {k}" if mu.anonymise else name, code) for k, (code, name) in enumerate(mu.programme.items(), start=1)]


def _in(muni: np.ndarray, codes: list[int] | None, defs: Defs) -> np.ndarray:
    if codes is None:
        mu = defs.spec.municipalities
        assert mu is not None
        return ~np.isin(muni, list(mu.programme))
    return np.isin(muni, codes)


def _table(defs: Defs, tid: str, title: str, rows: list[str], cols: list[str], cells: list[list[Cell]], **kw: object) -> Table:
    number, title = defs.table_text(tid, title)
    notes = [defs.spec.source] + list(kw.pop("notes", []))  # type: ignore[call-overload]
    return Table(tid, title, rows, cols, cells, number=number, notes=notes, register=True, **kw)  # type: ignore[arg-type]


def _share_rows(flags: list[tuple[str, np.ndarray]], groups: list[np.ndarray]) -> tuple[list[list[Cell]], list[list[int]]]:
    """Rows of percent cells (one per flag) plus an N row, columns = person masks."""
    cells, counts = [], []
    for _, f in flags:
        ks = [int((f & g).sum()) for g in groups]
        counts.append(ks)
        cells.append([pct(k, int(g.sum())) for k, g in zip(ks, groups)])
    cells.append([base(int(g.sum())) for g in groups])
    return cells, counts


def target_tables(job: np.ndarray, wage: np.ndarray, muni: np.ndarray, defs: Defs, ids: tuple[str, str],
                  titles: tuple[str, str], when: str) -> list[Table]:
    """Job / wage hours / total: pooled vs rest (with chi-square) and one column per municipality.

    Each person is counted once: a person with both an ordinary job and wage hours counts under
    the job row; Total is the share with either.
    """
    wage_only = wage & ~job
    either = job | wage
    flags = [(JOB, job), (WAGE, wage_only), (TOTAL, either)]
    rows = [JOB, WAGE, TOTAL, "Antal personer"]
    cols = programme_columns(defs)
    masks = [_in(muni, c, defs) for _, c in cols]
    cells, counts = _share_rows(flags, masks)
    ps = [chi2_p(np.array([[k, int(m.sum()) - k] for k, m in zip(ks, masks)])) for ks in counts]
    mu = defs.spec.municipalities
    assert mu is not None
    note_p = "Anm.: Chi²-test af forskellen mellem {} og {}: ".format(mu.rest_label.lower(), mu.programme_label) + "; ".join(
        f"{lab.lower()} {p_text(p)}" for (lab, _), p in zip(flags, ps)) + "."
    overlap = "Anm.: Hver person tælles én gang; personer med både ordinært job og ordinære løntimer tælles under ordinært job."
    t1 = _table(defs, ids[0], titles[0], rows, [c[0] for c in cols], cells, notes=[overlap, note_p], stub_header=when)
    t1.relations = [(( ids[0], 2, j), [(ids[0], 0, j), (ids[0], 1, j)]) for j in range(len(cols))]
    mcols = municipality_labels(defs)
    mmasks = [muni == code for _, code in mcols]
    mcells, mcounts = _share_rows(flags, mmasks)
    rest = masks[0]
    notes = [overlap]
    for (lab, f), ks in zip(flags, mcounts):
        k_rest = int((f & rest).sum())
        parts = [f"{name} {p_text(chi2_p(np.array([[k, int(m.sum()) - k], [k_rest, int(rest.sum()) - k_rest]])))}" for (name, _), k, m in zip(mcols, ks, mmasks)]
        notes.append(f"Anm.: Chi²-test af forskellen til {mu.rest_label.lower()}, {lab.lower()}: " + "; ".join(parts) + ".")
    t2 = _table(defs, ids[1], titles[1], rows, [c[0] for c in mcols], mcells, notes=notes, stub_header=when)
    # the seed's Figur 3.1.1 / 3.2.1: job and wage hours stacked per municipality (not Total, not N)
    t2.figure = Figure(kind="bar", series_in="rows", rows=[0, 1], stacked=True, title=f"{JOB} og {WAGE.lower()} pr. kommune")
    t2.relations = [((ids[1], 2, j), [(ids[1], 0, j), (ids[1], 1, j)]) for j in range(len(mcols))]
    # the pooled column of the first table is the sum of the municipality columns
    t2.relations += [((ids[0], i, 1), [(ids[1], i, j) for j in range(len(mcols))]) for i in range(4)]
    return [t1, t2]


def cubb_tables(reg: Register, defs: Defs, st: Status | None = None) -> list[Table]:
    """Every CUBB table the definitions ask for: target 1 (3.1.1-3.1.3) and target 2 (3.2.1-3.2.2)."""
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    coh = select_target_group(reg, defs)
    mu = defs.spec.municipalities
    assert mu is not None and defs.spec.target_group is not None
    win = f"{month_text(coh.window[0])} – {month_text(coh.window[1])}"
    out: list[Table] = []
    if defs.spec.target1:
        t1 = target1_persons(reg, st, coh, defs)
        out += target_tables(
            t1.job, t1.wage, t1.municipality, defs, ("maal1_samlet", "maal1_kommuner"),
            (f"Andel af målgruppen der har opnået ordinær beskæftigelse (ordinært job eller ordinære løntimer) på et tidspunkt i analyseperioden, {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
             f"Andel af målgruppen der har opnået ordinær beskæftigelse (ordinært job eller ordinære løntimer) i løbet af analyseperioden i {mu.programme_label} (i pct.)"),
            win)
        out.append(exit_table(t1, defs, out[0]))
    if defs.spec.target2:
        t2 = target2_persons(reg, st, coh, defs)
        when = month_text(t2.month)
        out += target_tables(
            t2.job, t2.wage, t2.municipality, defs, ("maal2_samlet", "maal2_kommuner"),
            (f"Andel af målgruppen der er i ordinær beskæftigelse ved udgangen af analyseperioden, {when} (ordinært job eller ordinære løntimer), {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
             f"Andel af målgruppen der er i ordinær beskæftigelse ved udgangen af analyseperioden, {when} (ordinært job eller ordinære løntimer), i {mu.programme_label} (i pct.)"),
            when)
        out[-2].notes.append("Anm.: Opgjort blandt personer, der på tidspunktet kunne være i ordinær beskæftigelse (uden uddannelse, førtidspension, fleks- og skånejob, løntilskud, ledighedsydelse, døde og udrejste).")
    return out


def exit_table(t1: Target1, defs: Defs, jobs_table: Table) -> Table:
    """Tabel 3.1.3: the other exits (one per person) for the rest of the country and the programme."""
    spec = defs.spec.target1
    assert spec is not None
    mu = defs.spec.municipalities
    assert mu is not None
    cols = programme_columns(defs)
    masks = [_in(t1.municipality, c, defs) for _, c in cols]
    shown = [k for k, ex in enumerate(spec.exits) if ex.show]
    rows = [spec.exits[k].label for k in shown] + ["Antal personer"]
    cells = [[pct(int(((t1.exit == k) & m).sum()), int(m.sum())) for m in masks] for k in shown]
    cells.append([base(int(m.sum())) for m in masks])
    p = chi2_p(np.array([[int(((t1.exit == k) & m).sum()) for k in range(len(spec.exits))] for m in masks]))
    hidden = [spec.exits[k].label.lower() for k in range(len(spec.exits)) if not spec.exits[k].show]
    notes = [f"Anm.: Afgang måles i den første måned efter sidst registrerede ydelse i målgruppen; hver person tælles én gang. Chi²-test af fordelingen, {mu.rest_label.lower()} mod {mu.programme_label}: {p_text(p)}."]
    if hidden:
        notes.append(f"Anm.: Afgang til {', '.join(hidden)} fremgår af {jobs_table.number or 'tabellen ovenfor'} og indgår ikke her; andelene summerer med den til 100.")
    t = _table(defs, "maal1_afgang", f"Andel af målgruppen til øvrige afgange i analyseperioden, {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
               rows, [c[0] for c in cols], cells, notes=notes)
    # all exit categories (including the job exit in the first table) add up to the base
    job_rows = [k for k in range(len(spec.exits)) if not spec.exits[k].show and spec.exits[k].rule == "job"]
    for j in range(len(cols)):
        parts = [("maal1_afgang", i, j) for i in range(len(shown))]
        if job_rows:
            parts.append((jobs_table.id, 0, j))
        t.relations.append((None, parts))
    return t


# --------------------------------------------------------------------------- NY CHANCE goals


@dataclass
class GoalCohort:
    """The programme's fixed target group and the quarters observed."""

    member: np.ndarray
    municipality: np.ndarray
    start: int
    quarters: list[int]
    end_quarter: int


def select_cohort(reg: Register, defs: Defs) -> GoalCohort:
    """Persons on the cohort benefits just before the programme starts (passive for ≥ k of N weeks)."""
    pr, co = defs.spec.programme, defs.spec.cohort
    if pr is None or co is None:
        raise DataError("the definitions have no programme/cohort section", defs.path)
    s, e = month_index(pr.start), month_index(pr.end)
    through = month_index(pr.observed_through) if pr.observed_through else min(e, reg.last_month)
    last_q = (through + 1) // 3 - 1  # last complete quarter
    quarters = list(range(s // 3, min(last_q, e // 3) + 1))
    if not quarters:
        raise DataError(f"the extract ends before the programme's first full quarter ({quarter_text(s // 3)})", reg.path)
    glut, alut = defs.codes.group_lut(), defs.codes.activation_lut()
    in_groups = _group_mask(defs.codes, co.groups, "cohort.groups")
    before = np.flatnonzero(reg.week_month < s)
    if co.passive_weeks:
        k, of = co.passive_weeks
        ws = before[-of:]
        if len(ws) < of:
            raise DataError(f"cohort.passive_weeks needs {of} weeks before {pr.start}; the extract has {len(ws)}", reg.path)
        passive = np.zeros(reg.n, np.int32)
        for w in ws:
            c = reg.codes[:, w]
            passive += in_groups[glut[c]] & (alut[c] == 0)
        member = passive >= k
    else:
        member = in_groups[glut[reg.codes[:, before[-1]]]]
    age = reg.age_at(s)
    member &= (age >= co.age[0]) & (age <= co.age[1])
    muni = reg.municipality_in((s - 1) // 12).astype(np.int32)
    return GoalCohort(member, muni, s, quarters, e // 3)


@dataclass
class GoalSeries:
    """One goal per quarter: numerators/denominators nationally and per municipality."""

    key: str
    label: str
    target: float | None
    quarters: list[int]
    num: pd.DataFrame  # municipality × quarter
    den: pd.DataFrame
    persons: pd.DataFrame  # persons behind each value (for disclosure): numerator persons for
    #                        job/education, persons with weeks in the denominator otherwise
    size: pd.Series  # cohort persons per municipality
    national: np.ndarray
    national_persons: np.ndarray

    def values(self) -> pd.DataFrame:
        return self.num / self.den.where(self.den > 0)


def goal_series(reg: Register, st: Status, gc: GoalCohort, defs: Defs) -> list[GoalSeries]:
    """The quarterly goal metrics for the cohort, per municipality and for the whole country."""
    codes = defs.codes
    glut, alut = codes.group_lut(), codes.activation_lut()
    excl = _group_mask(codes, defs.spec.exclude_groups, "exclude_groups")
    idx = np.flatnonzero(gc.member)
    muni = gc.municipality[idx]
    kom, inv = np.unique(muni, return_inverse=True)
    K = len(kom)
    out = []
    for goal in defs.spec.goals:
        gm = _group_mask(codes, goal.groups, f"goals.{goal.key}.groups")
        num = np.zeros((K, len(gc.quarters)))
        den = np.zeros((K, len(gc.quarters)))
        per = np.zeros((K, len(gc.quarters)))
        for qi, q in enumerate(gc.quarters):
            if goal.kind == "job_education":
                j = st.at(3 * q + 2)
                g = st.group[idx, j]
                ok = ~excl[g]
                hit = ok & ((st.employed[idx, j] & ~st.benefit[idx, j]) | gm[g])
                n_num, n_den, n_per = hit.astype(float), ok.astype(float), hit
            else:
                ws = np.flatnonzero(reg.week_month // 3 == q)
                c = reg.codes[np.ix_(idx, ws)]
                g = glut[c]
                ok = ~excl[g]
                on = gm[g] & ok
                if goal.kind == "self_support":
                    n_num, n_den = (ok & ~on).sum(axis=1), ok.sum(axis=1)
                else:  # activation degree: activated share of the weeks on the listed benefits
                    n_num, n_den = (on & (alut[c] > 0)).sum(axis=1), on.sum(axis=1)
                n_per = n_den > 0
            num[:, qi] = np.bincount(inv, n_num, K)
            den[:, qi] = np.bincount(inv, n_den, K)
            per[:, qi] = np.bincount(inv, n_per, K)
        cols = gc.quarters
        mk = lambda a: pd.DataFrame(a, index=pd.Index(kom, name="kommune"), columns=cols)  # noqa: E731
        nat = num.sum(0) / np.where(den.sum(0) > 0, den.sum(0), np.nan)
        size = pd.Series(np.bincount(inv, minlength=K), index=pd.Index(kom, name="kommune"))
        out.append(GoalSeries(goal.key, goal.label, goal.target, cols, mk(num), mk(den), mk(per), size, nat, per.sum(0)))
    return out


def project(values: np.ndarray, ahead: int, k: int = 5) -> float:
    """Linear projection: the last value plus `ahead` times the mean change over the last k quarters
    (kept within 0-100 %).

    This is seed 004's method (footnote 4): 4.4 % → 17.0 % over five quarters projects to 22.0 %
    two quarters later.
    """
    v = np.asarray(values, float)
    k = min(k, len(v) - 1)
    if k < 1 or np.isnan(v[-1]) or np.isnan(v[-1 - k]):
        return float("nan")
    return float(np.clip(v[-1] + ahead * (v[-1] - v[-1 - k]) / k, 0.0, 1.0))


def change_per_quarter(values: np.ndarray) -> float:
    """Mean change per quarter from the first to the last observed quarter."""
    v = np.asarray(values, float)
    return float((v[-1] - v[0]) / (len(v) - 1)) if len(v) > 1 else float("nan")


def goal_tables(reg: Register, defs: Defs, st: Status | None = None) -> list[Table]:
    """The NY CHANCE goals: development with projection, best/worst ten, all municipalities."""
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = select_cohort(reg, defs)
    series = goal_series(reg, st, gc, defs)
    k = defs.spec.projection_quarters
    ahead = gc.end_quarter - gc.quarters[-1]
    out = [development_table(series, gc, defs, ahead, k)]
    for s in series:
        out.append(ranking_table(s, gc, defs, ahead, k))
    for s in series:
        out.append(municipality_table(s, gc, defs, ahead, k))
    return out


def development_table(series: list[GoalSeries], gc: GoalCohort, defs: Defs, ahead: int, k: int) -> Table:
    """Figur 2.1: each goal per quarter for the whole country, projected to the programme's end."""
    quarters = gc.quarters + list(range(gc.quarters[-1] + 1, gc.end_quarter + 1))
    rows = [quarter_text(q) + (" (fremskrevet)" if q > gc.quarters[-1] else "") for q in quarters]
    cells = []
    for qi, q in enumerate(quarters):
        row = []
        for s in series:
            if qi < len(gc.quarters):
                row.append(Cell(float(s.national[qi]), Kind.PERCENT, n=int(s.national_persons[qi])))
            else:
                row.append(Cell(project(s.national, q - gc.quarters[-1], k), Kind.PERCENT, n=int(s.national_persons[-1])))
        cells.append(row)
    targets = "; ".join(f"{s.label}: {s.target * 100:.0f} %".replace(".", ",") for s in series if s.target is not None)
    notes = [f"Anm.: Målgruppen er {int(gc.member.sum()):,} personer.".replace(",", "."),
             f"Anm.: Rækker markeret (fremskrevet) er lineære fremskrivninger ud fra de seneste {k} kvartalers udvikling."]
    if targets:
        notes.append(f"Anm.: Målsætninger – {targets}.")
    return _table(defs, "maal_udvikling", f"Udviklingen i målene for {defs.spec.name}", rows, [s.label for s in series], cells,
                  notes=notes, stub_header="Kvartal", figure=Figure(kind="line", title=f"Udviklingen i målene for {defs.spec.name}"))


def _ranked(s: GoalSeries, defs: Defs) -> pd.DataFrame:
    """Municipality values sorted by the latest quarter (best first), large enough to rank."""
    v = s.values()
    ok = (s.size >= defs.spec.ranking_min_persons) & v.iloc[:, -1].notna()
    return v[ok].sort_values(v.columns[-1], ascending=False, kind="mergesort")


def ranking_table(s: GoalSeries, gc: GoalCohort, defs: Defs, ahead: int, k: int) -> Table:
    """The best and worst ten municipalities on one goal: start, latest, change, projection."""
    top = defs.spec.ranking
    v = _ranked(s, defs)
    best, worst = v.head(top), v.tail(top).iloc[::-1]
    first, latest = quarter_text(gc.quarters[0]), quarter_text(gc.quarters[-1])
    end = quarter_text(gc.end_quarter)
    cols = [first, latest, "Ændring pr. kvartal (procentpoint)", f"Fremskrevet {end}", "Antal personer"]
    rows, groups, cells = [], [], []

    def line(label: str, group: str, series: np.ndarray, persons_first: int, persons_last: int, n: int) -> None:
        rows.append(label)
        groups.append(group)
        cells.append([
            Cell(float(series[0]), Kind.PERCENT, n=persons_first),
            Cell(float(series[-1]), Kind.PERCENT, n=persons_last),
            Cell(change_per_quarter(series) * 100, Kind.MEAN, n=n),
            Cell(project(series, ahead, k), Kind.PERCENT, n=n),
            base(n),
        ])

    names = defs.names
    for group, frame in ((f"De {top} bedste", best), (f"De {top} dårligste", worst)):
        for code, series in frame.iterrows():
            pr = s.persons.loc[code]
            line(names.get(int(code), str(code)), group, series.to_numpy(), int(pr.iloc[0]), int(pr.iloc[-1]), int(s.size.loc[code]))
        if len(frame):
            pr = s.persons.loc[frame.index].sum(axis=0)
            line("Gennemsnit", group, frame.mean(axis=0).to_numpy(), int(pr.iloc[0]), int(pr.iloc[-1]), int(s.size.loc[frame.index].sum()))
    line("Alle kommuner", "Landsplan", s.national, int(s.national_persons[0]), int(s.national_persons[-1]), int(s.size.sum()))
    notes = [f"Anm.: Kommuner rangeret efter niveauet i {latest}; kun kommuner med mindst {defs.spec.ranking_min_persons} personer i målgruppen.",
             f"Anm.: Fremskrivningen forudsætter, at de seneste {k} kvartalers udvikling fortsætter."]
    if s.target is not None:
        reach = sum(project(r.to_numpy(), ahead, k) >= s.target for _, r in v.iterrows())
        notes.append(f"Anm.: {reach} af {len(v)} kommuner når målet på {s.target * 100:.0f} % ved fremskrivningen.")
    return _table(defs, f"{s.key}_top", f"{s.label}: de {top} bedste og de {top} dårligste kommuner", rows, cols, cells,
                  row_groups=groups, notes=notes, stub_header="Kommune")


def municipality_table(s: GoalSeries, gc: GoalCohort, defs: Defs, ahead: int, k: int) -> Table:
    """One goal per municipality and quarter, with the projection (all municipalities)."""
    v = s.values()
    cols = [quarter_text(q) for q in gc.quarters] + [f"Fremskrevet {quarter_text(gc.end_quarter)}", "Antal personer"]
    rows, cells = [], []
    for code in v.index:
        series = v.loc[code].to_numpy()
        n = int(s.size.loc[code])
        row = [Cell(float(x) if np.isfinite(x) else None, Kind.PERCENT, n=int(s.persons.loc[code].iloc[i])) for i, x in enumerate(series)]
        row.append(Cell(project(series, ahead, k), Kind.PERCENT, n=n))
        row.append(base(n))
        rows.append(defs.names.get(int(code), str(code)))
        cells.append(row)
    return _table(defs, f"{s.key}_kommuner", f"{s.label} pr. kommune og kvartal", rows, cols, cells, stub_header="Kommune")


# --------------------------------------------------------------------------- frames for other analyses


def seniority_weeks(reg: Register, defs: Defs, at: int) -> np.ndarray:
    """Unemployment seniority in weeks before month `at`: the extract's column, or weeks on the
    seniority groups within the lookback (default: every week the register holds before `at`)."""
    col = reg.persons["seniority"].to_numpy()
    if defs.spec.seniority is None or not np.all(np.isnan(col)):
        return col.astype(float)
    sen = defs.spec.seniority
    gm = _group_mask(defs.codes, sen.groups, "seniority.groups")
    glut = defs.codes.group_lut()
    ws = np.flatnonzero(reg.week_month < at)
    ws = ws[-(sen.lookback_weeks or SENIORITY_WEEKS):]
    out = np.zeros(reg.n, np.int32)
    for w in ws:
        out += gm[glut[reg.codes[:, w]]]
    return out.astype(float)


def offers(reg: Register, defs: Defs, first: int, last: int) -> np.ndarray:
    """Activation offers per person and type (n × types) started in months first..last.

    An offer is a run of consecutive weeks with the same activation type.
    """
    alut = defs.codes.activation_lut()
    T = len(defs.codes.activation)
    out = np.zeros((reg.n, T), np.int16)
    ws = np.flatnonzero((reg.week_month >= first) & (reg.week_month <= last))
    prev = alut[reg.codes[:, ws[0] - 1]] if len(ws) and ws[0] > 0 else np.zeros(reg.n, np.uint8)
    for w in ws:
        a = alut[reg.codes[:, w]]
        start = (a > 0) & (a != prev)
        for t in range(1, T + 1):
            out[:, t - 1] += start & (a == t)
        prev = a
    return out


def municipality_frame(reg: Register, defs: Defs, st: Status | None = None, quarter: int | None = None) -> pd.DataFrame:
    """One row per municipality (index: code) with the register indicators of the municipality model.

    Columns: navn, personer, each goal's value at the quarter (default: the last observed) under the
    goal's key, anciennitet (mean seniority in weeks at the start), andel_match45 (share in the heavy
    match groups), akt_<type> (each activation type's share of the offers), tilbud (offers).
    """
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = select_cohort(reg, defs)
    series = goal_series(reg, st, gc, defs)
    q = gc.quarters[-1] if quarter is None else quarter
    if q not in gc.quarters:
        raise DataError(f"quarter {quarter_text(q)} is outside the observed quarters {quarter_text(gc.quarters[0])} – {quarter_text(gc.quarters[-1])}", reg.path)
    idx = np.flatnonzero(gc.member)
    muni = gc.municipality[idx]
    frame = pd.DataFrame({"kommune": muni})
    frame["anciennitet"] = seniority_weeks(reg, defs, gc.start)[idx]
    frame["match45"] = np.isin(reg.persons["match"].to_numpy()[idx], defs.spec.match_heavy).astype(float)
    off = offers(reg, defs, gc.start, 3 * q + 2)[idx]
    g = frame.groupby("kommune")
    out = pd.DataFrame({"personer": g.size(), "anciennitet": g["anciennitet"].mean(), "andel_match45": g["match45"].mean()})
    for s in series:
        out[s.key] = s.values()[q]
    tot = pd.Series(off.sum(axis=1)).groupby(muni).sum()
    for t, a in enumerate(defs.codes.activation):
        out[f"akt_{a.key}"] = pd.Series(off[:, t]).groupby(muni).sum() / tot.where(tot > 0)
    out["tilbud"] = tot
    out.insert(0, "navn", [defs.names.get(int(c), str(c)) for c in out.index])
    out.index.name = "kommune"
    return out


def status_labels(defs: Defs) -> list[str]:
    """Labels of the person-level status codes used by person_frame."""
    return defs.codes.labels()


def person_frame(reg: Register, defs: Defs, st: Status | None = None, quarter: int | None = None) -> pd.DataFrame:
    """One row per cohort person with everything the residual-group profile needs.

    Columns: id, kommune, kon, alder (at the end of the quarter), herkomst, match, anciennitet
    (weeks before the start), status (label at the quarter's last month: 'Ordinært job',
    'Selvforsørgelse' or the benefit group), aktivering (activation type label or ''),
    gruppe ('Beskæftigelsesgruppen' = job or education per the job_education goal, else
    'Restgruppen'), akt_<type> (took that offer in the period), antal_tilbud.
    """
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    gc = select_cohort(reg, defs)
    q = gc.quarters[-1] if quarter is None else quarter
    m = 3 * q + 2
    j = st.at(m)
    idx = np.flatnonzero(gc.member)
    g = st.group[idx, j]
    emp, ben = st.employed[idx, j], st.benefit[idx, j]
    labels = np.array(defs.codes.labels(), dtype=object)
    status = np.where(~ben & emp, "Ordinært job", np.where((g == 0) & ~emp, "Selvforsørgelse", labels[g]))
    alabels = np.array([""] + [a.label for a in defs.codes.activation], dtype=object)
    edu = [gl for gl in defs.spec.goals if gl.kind == "job_education"]
    in_edu = _group_mask(defs.codes, edu[0].groups, "goals")[g] if edu else np.zeros(len(idx), bool)
    off = offers(reg, defs, gc.start, m)[idx]
    df = pd.DataFrame({
        "id": reg.ids[idx],
        "kommune": gc.municipality[idx],
        "kon": reg.persons["kon"].to_numpy()[idx],
        "alder": reg.age_at(m)[idx],
        "herkomst": reg.persons["herkomst"].to_numpy()[idx],
        "match": reg.persons["match"].to_numpy()[idx],
        "anciennitet": seniority_weeks(reg, defs, gc.start)[idx],
        "status": status,
        "aktivering": alabels[st.activation[idx, j]],
        "gruppe": np.where((~ben & emp) | in_edu, "Beskæftigelsesgruppen", "Restgruppen"),
    })
    for t, a in enumerate(defs.codes.activation):
        df[f"akt_{a.key}"] = off[:, t] > 0
    df["antal_tilbud"] = off.sum(axis=1)
    return df


def unknown_code_note(reg: Register, codes: CodeList, policy: str | None = None) -> str | None:
    """Codes the code list lacks: an error (policy 'error') or an 'Anm.:' line listing them."""
    unknown = unknown_codes(reg, codes.known)
    if not unknown:
        return None
    listed = ", ".join(f"{c} ({k} uger)" for c, k in sorted(unknown.items())[:20])
    if (policy or codes.unknown) == "error":
        raise DataError(f"{len(unknown)} benefit code(s) not in the code list {codes.path}: {', '.join(map(str, sorted(unknown)))}; "
                        "add them to a group or set unknown_codes: other", reg.path)
    return f"Anm.: DREAM-koder, der ikke findes i kodelisten, er regnet som 'Andet': {listed}."


def register_tables(reg: Register, defs: Defs, unknown: str | None = None) -> list[Table]:
    """Every register table a definitions file asks for (CUBB targets and/or NY CHANCE goals)."""
    note = unknown_code_note(reg, defs.codes, unknown)
    st = monthly_status(reg, defs.codes, defs.spec.employment)
    out: list[Table] = []
    if defs.spec.target_group and (defs.spec.target1 or defs.spec.target2):
        out += cubb_tables(reg, defs, st)
    if defs.spec.goals:
        out += goal_tables(reg, defs, st)
    if note and out:
        out[0].notes.append(note)
    return out
