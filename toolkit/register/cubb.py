"""CUBB targets 1 and 2 (seed 003 Tabel 3.1.1-3.2.2): exits after the target group and the
cross-section at the reference month, as pooled and per-municipality tables with chi-square notes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index, month_text
from toolkit.core.cells import base, pct
from toolkit.core.errors import DataError
from toolkit.core.fmt import p_text
from toolkit.core.stats import pearson_chi2
from toolkit.core.table import Cell, Figure, Relation, Role, Table, body_then
from toolkit.read.dream import Register
from toolkit.register.status import Status, group_mask, monthly_status
from toolkit.register.tables import (
    in_column,
    municipality_labels,
    programme_columns,
    register_table,
)
from toolkit.register.target_group import Cohort, select_target_group

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
            hit = group_mask(defs.codes, ex.groups, f"target1.exits[{k}].groups")[g]
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
    excl = group_mask(defs.codes, spec.exclude_groups, "target2.exclude_groups")
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
    masks = [in_column(muni, c, defs) for _, c in cols]
    cells, counts = _share_rows(flags, masks)
    ps = [pearson_chi2(np.array([[k, int(m.sum()) - k] for k, m in zip(ks, masks)])).p for ks in counts]
    mu = defs.spec.municipalities
    assert mu is not None
    note_p = "Anm.: Chi²-test af forskellen mellem {} og {}: ".format(mu.rest_label.lower(), mu.programme_label) + "; ".join(
        f"{lab.lower()} {p_text(p)}" for (lab, _), p in zip(flags, ps)) + "."
    overlap = "Anm.: Hver person tælles én gang; personer med både ordinært job og ordinære løntimer tælles under ordinært job."
    # Total sums job and wage hours (each person counted once); N is the base of the shares
    keys = {"row_keys": ["job", "wage", "total", "n"], "row_roles": [Role.BODY, Role.BODY, Role.TOTAL, Role.BASE]}
    t1 = register_table(defs, ids[0], titles[0], rows, [c[0] for c in cols], cells, notes=[overlap, note_p], stub_header=when, **keys)
    mcols = municipality_labels(defs)
    mmasks = [muni == code for _, code in mcols]
    mcells, mcounts = _share_rows(flags, mmasks)
    rest = masks[0]
    notes = [overlap]
    for (lab, f), ks in zip(flags, mcounts):
        k_rest = int((f & rest).sum())
        parts = [f"{name} {p_text(pearson_chi2(np.array([[k, int(m.sum()) - k], [k_rest, int(rest.sum()) - k_rest]])).p)}" for (name, _), k, m in zip(mcols, ks, mmasks)]
        notes.append(f"Anm.: Chi²-test af forskellen til {mu.rest_label.lower()}, {lab.lower()}: " + "; ".join(parts) + ".")
    t2 = register_table(defs, ids[1], titles[1], rows, [c[0] for c in mcols], mcells, notes=notes, stub_header=when, **keys)
    # the seed's Figur 3.1.1 / 3.2.1: job and wage hours stacked per municipality (not Total, not N)
    t2.figure = Figure(kind="bar", series_in="rows", rows=[0, 1], stacked=True, title=f"{JOB} og {WAGE.lower()} pr. kommune")
    # the pooled column of the first table is the sum of the municipality columns
    t2.relations = [Relation(t1.ref(i, 1), [t2.ref(i, j) for j in range(len(mcols))]) for i in range(len(rows))]
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
    masks = [in_column(t1.municipality, c, defs) for _, c in cols]
    shown = [k for k, ex in enumerate(spec.exits) if ex.show]
    rows = [spec.exits[k].label for k in shown] + ["Antal personer"]
    cells = [[pct(int(((t1.exit == k) & m).sum()), int(m.sum())) for m in masks] for k in shown]
    cells.append([base(int(m.sum())) for m in masks])
    p = pearson_chi2(np.array([[int(((t1.exit == k) & m).sum()) for k in range(len(spec.exits))] for m in masks])).p
    hidden = [spec.exits[k].label.lower() for k in range(len(spec.exits)) if not spec.exits[k].show]
    notes = [f"Anm.: Afgang måles i den første måned efter sidst registrerede ydelse i målgruppen; hver person tælles én gang. Chi²-test af fordelingen, {mu.rest_label.lower()} mod {mu.programme_label}: {p_text(p)}."]
    if hidden:
        notes.append(f"Anm.: Afgang til {', '.join(hidden)} fremgår af {jobs_table.number or 'tabellen ovenfor'} og indgår ikke her; andelene summerer med den til 100.")
    t = register_table(defs, "maal1_afgang", f"Andel af målgruppen til øvrige afgange i analyseperioden, {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
                       rows, [c[0] for c in cols], cells, notes=notes, row_roles=body_then(len(shown), Role.BASE))
    # all exit categories (including the job exit in the first table) add up to the base
    job_rows = [k for k in range(len(spec.exits)) if not spec.exits[k].show and spec.exits[k].rule == "job"]
    for j in range(len(cols)):
        parts = [t.ref(i, j) for i in range(len(shown))]
        if job_rows:
            parts.append(jobs_table.ref(0, j))
        t.relations.append(Relation(None, parts))
    return t
