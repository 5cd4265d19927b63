"""CUBB targets 1 and 2 (seed 003 Tabel 3.1.1-3.2.2): exits after the target group and the
cross-section at the reference month, as pooled and per-municipality tables with chi-square notes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index, month_text
from toolkit.core.cells import base, pct
from toolkit.core.errors import DataError
from toolkit.core.fmt import p_text
from toolkit.core.stats import pearson_chi2
from toolkit.core.table import Cell, Figure, Relation, Role, Table, body_then, cite
from toolkit.read.dream import Register
from toolkit.register.combine import add_by_key, sum_by_key
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
    """Per target-group member: job exit, wage hours, and which exit categories were reached.

    `reached[i, k]`: some exit of person i fell in `labels[k]` – one exit per spell (each_spell,
    several categories per person possible) or one per person (last_spell, exactly one category).
    """

    job: np.ndarray
    wage: np.ndarray
    reached: np.ndarray
    municipality: np.ndarray
    labels: list[str]
    exit_after: str


def exits(coh: Cohort, idx: np.ndarray, month0: int, exit_after: str) -> tuple[np.ndarray, np.ndarray]:
    """(row in idx, absolute exit month) of every exit of the persons idx.

    each_spell: the month after every spell (a spell ends with the last month before a month
    without a target-group week); last_spell: the month after the last target-group month.
    """
    if exit_after == "last_spell":
        return np.arange(len(idx)), coh.last[idx] + 1
    tm = np.ascontiguousarray(coh.target_month[idx])
    ends = tm.copy()
    ends[:, :-1] &= ~tm[:, 1:]
    at = np.flatnonzero(ends)  # row-major, as np.nonzero (1.6× faster than it on 2-D)
    rows, cols = np.divmod(at, max(tm.shape[1], 1))
    return rows, month0 + cols + 1


def exit_category(st: Status, persons: np.ndarray, month: np.ndarray, end: np.ndarray, defs: Defs) -> np.ndarray:
    """The exits rule (first match wins) for each exit: person, exit month, that person's follow-up end.

    An exit month after the follow-up end (window end, or the month before turning age_max + 1)
    is no exit: the person was still in the target group when follow-up ended (rule censored).
    """
    spec = defs.spec.target1
    assert spec is not None
    censored = month > end
    col = np.clip(month - st.month0, 0, st.group.shape[1] - 1)
    emp = st.employed[persons, col]
    job = ~censored & ~st.benefit[persons, col] & emp
    cat = np.where(censored, [x.rule for x in spec.exits].index("censored"), -1).astype(np.int16)
    g = None  # the month's predominant group, computed at the first rule that needs it for the exits not yet placed

    def group() -> np.ndarray:
        nonlocal g
        if g is None:
            g = np.zeros(len(persons), np.uint8)
            left = np.flatnonzero(cat < 0)
            g[left] = st.group[persons[left], col[left]]
        return g
    for k, ex in enumerate(spec.exits):
        if ex.rule == "censored":
            continue
        if ex.rule == "job":
            hit = job
        elif ex.rule == "self_support":
            hit = (group() == 0) & ~emp
        elif ex.rule == "other":
            hit = np.ones(len(persons), bool)
        else:
            hit = group_mask(defs.codes, ex.groups, f"target1.exits[{k + 1}].groups")[group()]
        cat = np.where((cat < 0) & hit, k, cat)
    return cat


def target1_persons(reg: Register, st: Status, coh: Cohort, defs: Defs) -> Target1:
    """CUBB target 1: the exits after the spells (`target1.exit_after`) and wage hours during them.

    Job = some exit month with employment and no benefit week; wage hours = some target-group
    month with a benefit week and employment (the seed's Metodebilag: each person once however
    many spells, but a person may reach several exit categories).
    """
    spec = defs.spec.target1
    if spec is None:
        raise DataError("the definitions have no target1 section", defs.path)
    idx = np.flatnonzero(coh.member)
    rows, month = exits(coh, idx, st.month0, spec.exit_after)
    cat = exit_category(st, idx[rows], month, coh.end[idx[rows]], defs)
    reached = np.zeros((len(idx), len(spec.exits)), bool)
    reached[rows, cat] = True
    job = reached[:, [x.rule for x in spec.exits].index("job")]
    wage = (coh.target_month & st.benefit & st.employed).any(axis=1)[idx]  # over everyone, then the members: 8× faster than gathering rows first
    return Target1(job, wage, reached, coh.municipality[idx], [x.label for x in spec.exits], spec.exit_after)


@dataclass
class Target2:
    """Per person able to work at the reference month: ordinary job / wage hours."""

    job: np.ndarray
    wage: np.ndarray
    municipality: np.ndarray
    month: int


def target2_persons(reg: Register, st: Status, coh: Cohort, defs: Defs) -> Target2:
    """CUBB target 2: cross-section at the reference month among those who could work then.

    The month's status is the monthly status rule (the predominant group and the predominant
    activation, passive weeks counted); job = employment and no benefit week, wage hours =
    employment and any benefit week that month.
    """
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


def _share_rows(tc: TargetCounts, groups: list[np.ndarray]) -> tuple[list[list[Cell]], list[list[int]], list[int]]:
    """Rows of percent cells (job, wage hours only, either) plus an N row, columns = masks over the
    municipality codes; with the counts and the bases."""
    ns = [int(tc.counts[g, 0].sum()) for g in groups]
    cells, counts = [], []
    for f in range(1, 1 + FLAGS):
        ks = [int(tc.counts[g, f].sum()) for g in groups]
        counts.append(ks)
        cells.append([pct(k, n) for k, n in zip(ks, ns)])
    cells.append([base(n) for n in ns])
    return cells, counts, ns


def chi2_p(counts: Sequence[int], bases: Sequence[int]) -> float:
    """p of Pearson's chi-square: the share with a trait (counts of bases) differs between the columns."""
    return pearson_chi2(np.array([[k, n - k] for k, n in zip(counts, bases)])).p


def target_tables(tc: TargetCounts, defs: Defs, ids: tuple[str, str], titles: tuple[str, str], when: str,
                  rules: Sequence[str] = ()) -> list[Table]:
    """Job / wage hours / total: pooled vs rest (with chi-square) and one column per municipality.

    Each person is counted once: a person with both an ordinary job and wage hours counts under
    the job row; Total is the share with either. `rules`: notes stating how the target is counted.
    """
    flags = [JOB, WAGE, TOTAL]
    rows = [JOB, WAGE, TOTAL, "Antal personer"]
    cols = programme_columns(defs)
    masks = [in_column(tc.municipality, c, defs) for _, c in cols]
    cells, counts, ns = _share_rows(tc, masks)
    ps = [chi2_p(ks, ns) for ks in counts]
    mu = defs.spec.municipalities
    assert mu is not None
    note_p = "Anm.: Chi²-test af forskellen mellem {} og {}: ".format(mu.rest_label.lower(), mu.programme_label) + "; ".join(
        f"{lab.lower()} {p_text(p)}" for lab, p in zip(flags, ps)) + "."
    overlap = "Anm.: Hver person tælles én gang; personer med både ordinært job og ordinære løntimer tælles under ordinært job."
    # Total sums job and wage hours (each person counted once); N is the base of the shares
    keys = {"row_keys": ["job", "wage", "total", "n"], "row_roles": [Role.BODY, Role.BODY, Role.TOTAL, Role.BASE]}
    t1 = register_table(defs, ids[0], titles[0], rows, [c[0] for c in cols], cells, notes=[overlap, *rules, note_p], stub_header=when, **keys)
    mcols = municipality_labels(defs)
    mmasks = [tc.municipality == code for _, code in mcols]
    mcells, mcounts, mns = _share_rows(tc, mmasks)
    notes = [overlap, *rules]
    for lab, ks, k_rest in zip(flags, mcounts, (c[0] for c in counts)):  # each municipality against the rest (column 0)
        parts = [f"{name} {p_text(chi2_p([k, k_rest], [n, ns[0]]))}" for (name, _), k, n in zip(mcols, ks, mns)]
        notes.append(f"Anm.: Chi²-test af forskellen til {mu.rest_label.lower()}, {lab.lower()}: " + "; ".join(parts) + ".")
    t2 = register_table(defs, ids[1], titles[1], rows, [c[0] for c in mcols], mcells, notes=notes, stub_header=when, **keys)
    # the seed's Figur 3.1.1 / 3.2.1: job and wage hours stacked per municipality (not Total, not N)
    t2.figure = Figure(kind="bar", series_in="rows", rows=[0, 1], stacked=True, title=f"{JOB} og {WAGE.lower()} pr. kommune")
    # the pooled column of the first table is the sum of the municipality columns
    t2.relations = [Relation(t1.ref(i, 1), [t2.ref(i, j) for j in range(len(mcols))]) for i in range(len(rows))]
    return [t1, t2]


def age_note(defs: Defs, when: str | None = None) -> str:
    """The age rule as a table note: over the window (target 1) or at the reference month `when`."""
    tg = defs.spec.target_group
    assert tg is not None
    rule = "alderen regnes fra den første dag i fødselsmåneden"
    if when:
        return f"Anm.: Personerne er {tg.age[0]}-{tg.age[1]} år i {when}; {rule}."
    return (f"Anm.: Målgruppen er {tg.age[0]}-{tg.age[1]} år; {rule}. "
            f"Personer, der fylder {tg.age[1] + 1} år i perioden, følges til og med måneden før.")


def lower_first(label: str) -> str:
    """A label inside a sentence: 'Ordinær uddannelse' → 'ordinær uddannelse', 'FØP' stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def target1_notes(defs: Defs) -> list[str]:
    """How target 1 is counted (the definitions' exit_after rule), as table notes."""
    spec = defs.spec.target1
    assert spec is not None
    if spec.exit_after == "each_spell":
        rule = ("Anm.: Alle ledighedsforløb i perioden indgår, og hver person tælles én gang uanset antallet af forløb. Et forløb "
                "slutter med den sidste måned før en måned uden ydelse i målgruppen; afgangen måles i den første måned efter hvert "
                "forløb. Ordinært job: en afgangsmåned uden offentlig ydelse og med positiv beskæftigelsesgrad. Ordinære løntimer: "
                "en måned i et forløb med både ydelse og positiv beskæftigelsesgrad.")
    else:
        rule = ("Anm.: Afgangen måles i den første måned efter sidst registrerede ydelse i målgruppen (én afgang pr. person). "
                "Ordinært job: afgangsmåneden er uden offentlig ydelse og med positiv beskæftigelsesgrad. Ordinære løntimer: en "
                "måned i målgruppen med både ydelse og positiv beskæftigelsesgrad.")
    return [rule, age_note(defs)]


def target2_notes(defs: Defs, when: str) -> list[str]:
    """Who target 2 counts and how the month's status is read, as table notes."""
    spec = defs.spec.target2
    assert spec is not None
    groups, acts = {g.key: g.label for g in defs.codes.groups}, {a.key: a.label for a in defs.codes.activation}
    out = [groups[k] for k in spec.exclude_groups] + [acts[k] for k in spec.exclude_activation]
    either = out[0] if len(out) == 1 else f"{', '.join(out[:-1])} eller {out[-1]}"
    excluded = f" Frasorteret er personer, hvis status i {when} er {either}." if out else ""
    return [f"Anm.: Opgjort blandt personer, der på et tidspunkt til og med {when} har været i målgruppen, og som på tidspunktet "
            f"kunne være i ordinær beskæftigelse.{excluded}",
            "Anm.: Månedens status er den ydelsesgruppe og den aktiveringstype, der er registreret i flest af månedens uger (uger "
            f"med passiv ydelse tæller med). Ordinært job: ingen offentlig ydelse og positiv beskæftigelsesgrad i {when}; ordinære "
            f"løntimer: en offentlig ydelse (en hvilken som helst) og positiv beskæftigelsesgrad i {when}.",
            age_note(defs, when)]


@dataclass
class CubbPersons:
    """What the CUBB tables need, per person: target 1 and target 2 (None when not asked) and the window.

    Small (target-group members only) and additive over persons: the results of batches of persons,
    joined in batch order (`concat`), equal the result for all of them.
    """

    window: tuple[int, int]
    t1: Target1 | None
    t2: Target2 | None


FLAGS = 3  # job, wage hours only, either: the columns after persons in TargetCounts.counts


@dataclass
class TargetCounts:
    """One target's persons per municipality code and how many of them have each flag – all its
    tables count – so that batches of persons add up (`add_counts`) and nothing per person is kept.

    `counts[i]`: persons, job, wage hours only, either, then (target 1) each exit category reached,
    of the persons in municipality `municipality[i]` (sorted codes, only those with persons).
    """

    municipality: np.ndarray
    counts: np.ndarray
    labels: list[str]  # target 1's exit categories (columns 4…), else empty
    exit_after: str = ""
    month: int = 0  # target 2's reference month


@dataclass
class CubbCounts:
    """Target 1 and target 2 counted per municipality (None when not asked) and the window."""

    window: tuple[int, int]
    t1: TargetCounts | None
    t2: TargetCounts | None


def _counted(muni: np.ndarray, job: np.ndarray, wage: np.ndarray, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(codes, counts per code) of persons: persons, job, wage hours only, either, then extra's columns."""
    flags = [np.ones(len(muni), bool), job, wage & ~job, job | wage]
    return sum_by_key(muni, np.column_stack(flags + ([extra] if extra is not None else [])).astype(np.int64))


def cubb_counts(cp: CubbPersons) -> CubbCounts:
    """The per-person targets (`cubb_persons`) counted per municipality."""
    t1 = t2 = None
    if cp.t1 is not None:
        t1 = TargetCounts(*_counted(cp.t1.municipality, cp.t1.job, cp.t1.wage, cp.t1.reached), cp.t1.labels, cp.t1.exit_after)
    if cp.t2 is not None:
        t2 = TargetCounts(*_counted(cp.t2.municipality, cp.t2.job, cp.t2.wage), [], month=cp.t2.month)
    return CubbCounts(cp.window, t1, t2)


def add_counts(parts: Sequence[CubbCounts]) -> CubbCounts:
    """Batches' counts added per municipality (whole numbers: exact in any order)."""
    first = parts[0]

    def added(ts: list[TargetCounts | None]) -> TargetCounts | None:
        t = ts[0]
        if t is None:
            return None
        codes, counts = add_by_key([x.municipality for x in ts if x is not None], [x.counts for x in ts if x is not None])
        return replace(t, municipality=codes, counts=counts)

    return CubbCounts(first.window, added([p.t1 for p in parts]), added([p.t2 for p in parts]))


def members(cc: CubbCounts) -> np.ndarray:
    """The municipality codes with target-group members (target 1's, else target 2's)."""
    t = cc.t1 if cc.t1 is not None else cc.t2
    return t.municipality[t.counts[:, 0] > 0] if t is not None else np.zeros(0, np.int32)


def cubb_persons(reg: Register, defs: Defs, st: Status | None = None, coh: Cohort | None = None) -> CubbPersons:
    """The per-person part of the CUBB tables for the register's persons (a batch or all of them)."""
    st = st or monthly_status(reg, defs.codes, defs.spec.employment)
    coh = coh or select_target_group(reg, defs)
    mu = defs.spec.municipalities
    assert mu is not None and defs.spec.target_group is not None
    return CubbPersons(coh.window, target1_persons(reg, st, coh, defs) if defs.spec.target1 else None,
                       target2_persons(reg, st, coh, defs) if defs.spec.target2 else None)


def cubb_tables(reg: Register, defs: Defs, st: Status | None = None, coh: Cohort | None = None) -> list[Table]:
    """Every CUBB table the definitions ask for: target 1 (3.1.1-3.1.3) and target 2 (3.2.1-3.2.2)."""
    return cubb_tables_of(cubb_counts(cubb_persons(reg, defs, st, coh)), defs)


def cubb_tables_of(cp: CubbCounts, defs: Defs) -> list[Table]:
    """The CUBB tables from the targets counted per municipality over all persons (`cubb_counts`, added over batches)."""
    mu = defs.spec.municipalities
    assert mu is not None
    win = f"{month_text(cp.window[0])} – {month_text(cp.window[1])}"
    out: list[Table] = []
    if cp.t1 is not None:
        t1 = cp.t1
        out += target_tables(
            t1, defs, ("maal1_samlet", "maal1_kommuner"),
            (f"Andel af målgruppen der har opnået ordinær beskæftigelse (ordinært job eller ordinære løntimer) på et tidspunkt i analyseperioden, {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
             f"Andel af målgruppen der har opnået ordinær beskæftigelse (ordinært job eller ordinære løntimer) i løbet af analyseperioden i {mu.programme_label} (i pct.)"),
            win, target1_notes(defs))
        out.append(exit_table(t1, defs, out[0]))
    if cp.t2 is not None:
        t2 = cp.t2
        when = month_text(t2.month)
        out += target_tables(
            t2, defs, ("maal2_samlet", "maal2_kommuner"),
            (f"Andel af målgruppen der er i ordinær beskæftigelse ved udgangen af analyseperioden, {when} (ordinært job eller ordinære løntimer), {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
             f"Andel af målgruppen der er i ordinær beskæftigelse ved udgangen af analyseperioden, {when} (ordinært job eller ordinære løntimer), i {mu.programme_label} (i pct.)"),
            when, target2_notes(defs, when))
    return out


def exit_table(t1: TargetCounts, defs: Defs, jobs_table: Table) -> Table:
    """Tabel 3.1.3: the other exits for the rest of the country and the programme.

    each_spell: a person counts once in every category reached, so the shares may sum to more
    than 100 and each category is tested on its own; last_spell: one exit per person, the shares
    (with the job row) sum to 100 and the distribution is tested as a whole.
    """
    spec = defs.spec.target1
    assert spec is not None
    mu = defs.spec.municipalities
    assert mu is not None
    cols = programme_columns(defs)
    masks = [in_column(t1.municipality, c, defs) for _, c in cols]
    shown = [k for k, ex in enumerate(spec.exits) if ex.show]
    rows = [spec.exits[k].label for k in shown] + ["Antal personer"]
    reached = 1 + FLAGS  # the first exit category's column
    counts = [[int(t1.counts[m, reached + k].sum()) for m in masks] for k in range(len(spec.exits))]
    ns = [int(t1.counts[m, 0].sum()) for m in masks]
    cells = [[pct(counts[k][j], ns[j]) for j in range(len(masks))] for k in shown]
    cells.append([base(n) for n in ns])
    between = f"{mu.rest_label.lower()} mod {mu.programme_label}"
    hidden = [spec.exits[k].label.lower() for k in range(len(spec.exits)) if not spec.exits[k].show]
    tg = defs.spec.target_group
    assert tg is not None
    censored = next(ex.label for ex in spec.exits if ex.rule == "censored")
    end = (f"Anm.: {censored}: stadig i målgruppen, da opfølgningen sluttede (i periodens sidste måned eller i måneden før "
           f"personen fylder {tg.age[1] + 1} år).")
    if t1.exit_after == "each_spell":
        tests = "; ".join(f"{lower_first(spec.exits[k].label)} {p_text(chi2_p(counts[k], ns))}" for k in shown)
        notes = ["Anm.: Afgang måles i den første måned efter hvert ledighedsforløb i målgruppen (et forløb slutter med den sidste "
                 "måned før en måned uden ydelse i målgruppen). Hver person tælles én gang pr. afgangstype, men kan have flere "
                 "afgangstyper; andelene kan derfor summere til mere end 100.", end,
                 f"Anm.: Chi²-test af forskellen, {between}, pr. afgangstype: {tests}."]
        if hidden:
            notes.append(f"Anm.: Afgang til {', '.join(hidden)} fremgår af {cite(jobs_table.key)} og indgår ikke her.")
    else:
        p = pearson_chi2(np.array(counts).T).p
        notes = [f"Anm.: Afgang måles i den første måned efter sidst registrerede ydelse i målgruppen; hver person tælles én gang. "
                 f"Chi²-test af fordelingen, {between}: {p_text(p)}.", end]
        if hidden:
            notes.append(f"Anm.: Afgang til {', '.join(hidden)} fremgår af {cite(jobs_table.key)} og indgår ikke her; andelene summerer med den til 100.")
    t = register_table(defs, "maal1_afgang", f"Andel af målgruppen til øvrige afgange i analyseperioden, {mu.rest_label.lower()} og {mu.programme_label} (i pct.)",
                       rows, [c[0] for c in cols], cells, notes=notes, row_roles=body_then(len(shown), Role.BASE))
    if t1.exit_after == "last_spell":
        # one category per person: all of them (with the job exit in the first table) add up to the base
        job_rows = [k for k in range(len(spec.exits)) if not spec.exits[k].show and spec.exits[k].rule == "job"]
        for j in range(len(cols)):
            parts = [t.ref(i, j) for i in range(len(shown))]
            if job_rows:
                parts.append(jobs_table.ref(0, j))
            t.relations.append(Relation(None, parts))
    return t
