"""What definitions files need from a DREAM extract: their months, the weeks of history before
them and the person attributes – checked from the header alone – and the one streamed read.

`read_shared` plans one pass over an extract with the union of what several definitions files
need (the months and history weeks of each, the person attributes of all). The pass reads the
extract in batches of persons; in each batch every file gets its own view (the very arrays
`read_for` would have read for it, as slices), its monthly status and cohorts computed once per
batch, and every analysis a run declared (`want`) computes its small per-batch result, which is
kept while the batch's arrays are dropped; the results are then added up
(`combine`). Batches are analysed on `jobs` threads while the next one is read. Files with
different `columns:` sections name different extract columns and get one pass each.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator, Literal, Sequence, TypeVar

import numpy as np

from toolkit.config.definitions import Columns, Defs
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.core.parallel import ordered_map
from toolkit.read.batches import expected_rows, header_of
from toolkit.read.dream import CHUNK_ROWS, SENIORITY_WEEKS, Register, raw_batches, read_dream, to_register
from toolkit.read.dream_values import MAX_CODE
from toolkit.read.dream_columns import Plan, Request, parse_grad_columns, plan_extract
from toolkit.read.tabular import _existing
from toolkit.register.cubb import CubbCounts, add_counts, cubb_counts, cubb_persons
from toolkit.register.features import (
    CohortTally,
    FeatureSums,
    MemberWeeks,
    add_cohort_tallies,
    add_features,
    cohort_persons,
    cohort_tally,
    feature_sums,
    member_features,
)
from toolkit.register.goals import GoalCohort, GoalSums, Quarters, add_sums, goal_sums, select_cohort
from toolkit.register.status import Marks, Status, benefit_weeks, monthly_status, week_marks
from toolkit.register.target_group import Cohort, select_target_group, target_lookups


def _request(p: Path, defs: Defs) -> Request:
    """The months, the weeks of history before them, the attributes and visitation a definitions file needs."""
    spec = defs.spec
    firsts, lasts, before = [], [], 0
    if spec.target_group:
        firsts.append(month_index(spec.target_group.window[0]))
        lasts.append(month_index(spec.target_group.window[1]))
    if spec.programme:
        firsts.append(month_index(spec.programme.start))
        end = month_index(spec.programme.observed_through or spec.programme.end)
        if not spec.programme.observed_through:  # observe as far as the extract goes
            have = parse_grad_columns(header_of(p), spec.columns.grad, p)
            end = min(end, max(have)) if have else end
        lasts.append(end)
        if spec.cohort and spec.cohort.passive_weeks:
            before = max(before, spec.cohort.passive_weeks[1])
        if spec.seniority:
            before = max(before, spec.seniority.lookback_weeks or SENIORITY_WEEKS)
    if not firsts:
        raise DataError("the definitions name neither a target_group nor a programme", defs.path)
    vis = bool(spec.target_group and spec.target_group.visitation)
    return Request(min(firsts), max(lasts), before, frozenset({"age", "municipality"}), vis)


def plan_for(path: str | Path, defs: Defs) -> Plan:
    """Check that an extract has every column a definitions file needs, reading only its header
    (what `toolkit check` does for a national extract in a second)."""
    p = _existing(path)
    return plan_extract(p, defs.spec.columns, _request(p, defs))


def read_for(path: str | Path, defs: Defs, chunk_rows: int = CHUNK_ROWS) -> Register:
    """Read exactly what a definitions file needs from an extract: its months, the weeks before
    (cohort rule, seniority lookback) and the person attributes it uses."""
    p = _existing(path)
    return read_dream(p, defs.spec.columns, _request(p, defs), chunk_rows=chunk_rows)


# --------------------------------------------------------------------------- one read, many definitions
def merge_plans(plans: Sequence[Plan]) -> Plan:
    """One plan reading every column any of the plans reads (weeks and months in order)."""
    weeks = sorted({w.key: w for p in plans for w in p.weeks}.values(), key=lambda w: w.key)
    month0 = min(p.month0 for p in plans)
    last = max(p.month0 + len(p.grad) - 1 for p in plans)
    grad = [""] * (last - month0 + 1)
    for p in plans:
        for k, name in enumerate(p.grad):
            grad[p.month0 - month0 + k] = grad[p.month0 - month0 + k] or name
    def union(part: str) -> dict[Any, str]:
        return {k: v for p in plans for k, v in sorted(getattr(p, part).items())}
    return Plan(weeks, grad, month0, union("attrs"), dict(sorted(union("municipality").items())),
                dict(sorted(union("visitation").items())))


def view(shared: Register, plan: Plan) -> Register:
    """The part of a merged read that one plan asked for: its weeks, months and visitation quarters
    as slices of the shared arrays (no copy), equal to what reading that plan alone gives."""
    keys = [w.key for w in shared.weeks]
    a = keys.index(plan.weeks[0].key)
    b = a + len(plan.weeks)
    assert keys[a:b] == [w.key for w in plan.weeks], "a plan's weeks are a run of the merged weeks"
    m = plan.month0 - shared.month0
    vis, quarters = None, sorted(plan.visitation)
    if quarters:
        assert shared.visitation is not None
        k = shared.visitation_quarters.index(quarters[0])
        assert shared.visitation_quarters[k:k + len(quarters)] == quarters
        vis = shared.visitation[:, k:k + len(quarters)]
    return Register(
        ids=shared.ids, weeks=shared.weeks[a:b], week_month=shared.week_month[a:b], month0=plan.month0,
        codes=shared.codes[:, a:b], grad=shared.grad[:, m:m + len(plan.grad)], persons=shared.persons,
        municipality=shared.municipality, municipality_years=shared.municipality_years, visitation=vis,
        visitation_quarters=quarters, path=shared.path, row0=shared.row0)


def _key(defs: Defs) -> tuple[str, str]:
    """What a definitions file's results depend on: the file and its (possibly overridden) content."""
    return str(defs.path), defs.spec.model_dump_json()


def _status_slice(st: Status, reg: Register) -> Status:
    """Monthly status restricted to a view's months (slices; each month depends on its own weeks only)."""
    a = reg.month0 - st.month0
    b = a + reg.n_months
    return Status(st.group[:, a:b], st.benefit[:, a:b], st.employed[:, a:b], st.activation[:, a:b], reg.month0)


Kind = Literal["cubb", "goals", "persons", "features"]
# the batches' results are added up every this many batches during a pass (each analysis' sums
# are exact, so in any grouping): a profile's tally is ~0.3 MB a batch of 50,000 persons, which
# otherwise piled up to 12 MB at 2 M persons
COMBINE_EVERY = 8
T = TypeVar("T")
# a progress display for one pass: (file name, persons expected or None) → a context giving done(persons)
PassBar = Callable[[str, "int | None"], ContextManager[Callable[[int], None]]]
Want = tuple[tuple[str, str], Kind, "int | None"]  # (definitions key, analysis, quarter)


@dataclass
class Batch:
    """One batch of persons seen by every definitions file: each file's view, status and cohorts
    computed once per batch (status once per code list and employment rule), then dropped."""

    reg: Register
    shared: "SharedExtract"
    _views: dict[tuple[str, str], Register] = field(default_factory=dict)
    _status: dict[tuple[Any, ...], Status] = field(default_factory=dict)
    _cohorts: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _marks: dict[bytes, tuple[int, np.ndarray, np.ndarray]] = field(default_factory=dict)  # lookup → (bit, months, outside)

    def register(self, defs: Defs) -> Register:
        key = _key(defs)
        if key not in self._views:
            self._views[key] = view(self.reg, self.shared.plans[key][1])
        return self._views[key]

    def _marked(self, lut: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """A lookup's bit in the batch's `week_marks`: the first request computes every lookup the
        pass declared (`SharedExtract.lookups`) in one pass over the weeks; another one gets a pass of its own."""
        key = np.asarray(lut, bool).tobytes()
        if key not in self._marks:
            todo: dict[bytes, np.ndarray] = {}
            for x in (np.asarray(x, bool) for x in [*self.shared.lookups, lut]):
                if x.tobytes() not in self._marks:
                    todo[x.tobytes()] = x
            luts = list(todo.values())
            for at in range(0, len(luts), 64):  # 64 lookups per pass (one uint64 per cell)
                months, outside = week_marks(self.reg, luts[at:at + 64], history=True)
                for k, x in enumerate(luts[at:at + 64]):
                    self._marks[x.tobytes()] = (1 << k, months, outside)
        return self._marks[key]

    def marks(self, lut: np.ndarray, within: slice = slice(None)) -> np.ndarray:
        """`any_week` of the batch's register for a per-code lookup (from the batch's one pass), in the
        register months `within` (only those unpacked)."""
        bit, months, _ = self._marked(lut)
        return (months[:, within] & months.dtype.type(bit)) != 0

    def _view_marks(self, defs: Defs) -> Marks:
        """`marks` restricted to a definitions file's months (each month depends on its own weeks only)."""
        reg = self.register(defs)
        a = reg.month0 - self.reg.month0
        return lambda lut: self.marks(lut, slice(a, a + reg.n_months))

    def status(self, defs: Defs) -> Status:
        codes = str(defs.codes.path) if defs.codes.path else id(defs.codes)
        full = (codes, defs.spec.employment.model_dump_json())
        if full not in self._status:
            self._status[full] = monthly_status(self.reg, defs.codes, defs.spec.employment, marks=self.marks)
        return _status_slice(self._status[full], self.register(defs))

    def unknown_counts(self, defs: Defs) -> np.ndarray:
        """Person-weeks per code the definitions' code list lacks, in its weeks (0 for every known
        code): counted over the persons whose weeks the batch's one pass marked with such a code
        only (a per-week count of every code was a quarter of a CUBB pass)."""
        lut = defs.codes.unknown_lut()
        bit, months, outside = self._marked(lut)
        b = months.dtype.type(bit)
        rows = np.flatnonzero(((months & b) != 0).any(axis=1) | ((outside & b) != 0))
        counts = np.zeros(MAX_CODE + 1, np.int64)
        if len(rows):
            counts = np.bincount(self.register(defs).codes[rows].ravel(), minlength=MAX_CODE + 1).astype(np.int64)
            counts[~lut] = 0
        return counts

    def _once(self, what: str, defs: Defs, make: Callable[[], T]) -> T:
        key = (what, *_key(defs))
        if key not in self._cohorts:
            self._cohorts[key] = make()
        return self._cohorts[key]  # type: ignore[no-any-return]

    def cohort(self, defs: Defs) -> GoalCohort:
        return self._once("cohort", defs, lambda: select_cohort(self.register(defs), defs))

    def member_weeks(self, defs: Defs) -> MemberWeeks:
        return self._once("weeks", defs, lambda: MemberWeeks(self.register(defs), defs, self.cohort(defs)))

    def target_group(self, defs: Defs) -> Cohort:
        return self._once("target_group", defs, lambda: select_target_group(self.register(defs), defs, marks=self._view_marks(defs)))

    def result(self, want: Want) -> Any:
        """The per-batch (map) part of one analysis: small, per person or per municipality."""
        key, kind, quarter = want
        defs = self.shared.defs[key]
        reg = self.register(defs)
        if kind == "cubb":
            return cubb_counts(cubb_persons(reg, defs, self.status(defs), self.target_group(defs)))
        gc = self.cohort(defs)
        if kind == "goals":
            return gc.when(), goal_sums(reg, self.status(defs), gc, defs)  # the per-person arrays stay with the batch
        if kind == "persons":
            return cohort_tally(cohort_persons(reg, defs, quarter, self.status(defs), gc, self.member_weeks(defs)))
        return feature_sums(member_features(reg, defs, gc, quarter, self.member_weeks(defs)))


def combine(kind: Kind, parts: list[Any]) -> Any:
    """The batches' results of one analysis added up (counts and sums: the same in any order)."""
    if kind == "cubb":
        return add_counts(parts)
    if kind == "features":
        return add_features(parts)
    if kind == "goals":
        return parts[0][0], add_sums([s for _, s in parts])  # the cohort's persons are counted in the sums
    return add_cohort_tallies(parts)


@dataclass
class SharedExtract:
    """A DREAM extract streamed in batches of persons for several definitions files at once.

    The analyses a run needs are declared with `want` (or asked for directly); the first request
    reads the extract once, batch by batch, and every batch feeds every wanted analysis of every
    definitions file (one pass per distinct `columns:` section). Only the small per-batch results
    outlive their batch, so memory depends on `batch_size`, not on the number of persons.
    """

    path: Path
    reads: list[tuple[Columns, Plan]]  # the merged plan of each distinct columns section
    plans: dict[tuple[str, str], tuple[int, Plan]]  # definitions key → (which read, its plan)
    defs: dict[tuple[str, str], Defs]
    batch_size: int = CHUNK_ROWS
    jobs: int = 1
    bar: PassBar | None = None  # shows each pass's progress (persons done of those expected)
    passes: int = 0
    _wanted: dict[Want, None] = field(default_factory=dict)
    _results: dict[Want, Any] = field(default_factory=dict)
    _counts: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    lookups: list[np.ndarray] = field(default_factory=list)  # what the running pass's batches mark weeks with (`week_marks`)

    def _plan(self, defs: Defs) -> tuple[int, Plan]:
        try:
            return self.plans[_key(defs)]
        except KeyError:
            raise DataError("these definitions were not planned when the extract was read", defs.path) from None

    def want(self, defs: Defs, kind: Kind, quarter: int | None = None) -> None:
        """Declare an analysis the run will ask for, so that one pass computes it with the others."""
        self._plan(defs)
        want = (_key(defs), kind, quarter)
        if want not in self._results:
            self._wanted[want] = None

    def _get(self, defs: Defs, kind: Kind, quarter: int | None = None) -> Any:
        self.want(defs, kind, quarter)
        want = (_key(defs), kind, quarter)
        if want not in self._results:
            self._run()
        return self._results[want]

    def cubb(self, defs: Defs) -> CubbCounts:
        """Target 1 and target 2 counted per municipality (`cubb_counts` of all persons)."""
        return self._get(defs, "cubb")  # type: ignore[no-any-return]

    def goals(self, defs: Defs) -> tuple[Quarters, list[GoalSums]]:
        """The programme's quarters and each goal's sums per municipality and quarter (the cohort's persons counted in them)."""
        return self._get(defs, "goals")  # type: ignore[no-any-return]

    def persons(self, defs: Defs, quarter: int | None = None) -> CohortTally:
        """The profile's cohort persons at the quarter (default: the last observed), tallied (`cohort_tally`)."""
        return self._get(defs, "persons", quarter)  # type: ignore[no-any-return]

    def features(self, defs: Defs, quarter: int | None = None) -> FeatureSums:
        """The model's features of the cohort summed per municipality (`feature_sums` of all persons)."""
        return self._get(defs, "features", quarter)  # type: ignore[no-any-return]

    def code_counts(self, defs: Defs) -> np.ndarray:
        """Person-weeks per code the code list lacks, in the definitions' weeks (the unknown-code warning; 0 for known codes)."""
        key = _key(defs)
        if key not in self._counts:
            self._plan(defs)
            self._run(force={(k, i) for k, (i, _) in self.plans.items() if k == key})
        return self._counts[key]

    def _run(self, force: set[tuple[tuple[str, str], int]] = frozenset()) -> None:  # type: ignore[assignment]
        """One pass per read with wanted analyses: every batch feeds them all, results combined in batch order."""
        wanted = list(self._wanted)
        for i, (cols, plan) in enumerate(self.reads):
            mine = [w for w in wanted if self.plans[w[0]][0] == i]
            if not mine and not any(r == i for _, r in force):
                continue
            keys = [k for k, (r, _) in self.plans.items() if r == i]
            parts: dict[Want, list[Any]] = {w: [] for w in mine}
            counts = {k: np.zeros(MAX_CODE + 1, np.int64) for k in keys}
            self.lookups = pass_lookups(self, mine, keys)
            with (self.bar or no_bar)(self.path.name, expected_rows(self.path)) as done:
                raw = raw_batches(self.path, cols, plan, chunk_rows=self.batch_size)
                def convert(item: list[Any]) -> tuple[dict[Want, Any], dict[tuple[str, str], np.ndarray], int]:
                    """A batch converted on the worker thread too (overlapping the next batch's read); its
                    table is let go once converted, not held through the analysis."""
                    table, first = item
                    item.clear()
                    reg = to_register(table, self.path, cols, plan, first)
                    del table
                    return map_batch(self, reg, mine, keys)
                for results, batch_counts, n in ordered_map(convert, raw, self.jobs):
                    for w in mine:
                        parts[w].append(results[w])
                        if len(parts[w]) >= COMBINE_EVERY:  # added up as the pass goes: what is kept does not grow with the batches
                            parts[w] = [combine(w[1], parts[w])]
                    for k in keys:
                        counts[k] += batch_counts[k]
                    done(n)
            self.passes += 1
            for w in mine:
                self._results[w] = combine(w[1], parts[w])
                del self._wanted[w]
            self._counts.update(counts)


def pass_lookups(shared: SharedExtract, wants: list[Want], keys: list[tuple[str, str]]) -> list[np.ndarray]:
    """The per-code lookups a pass's analyses mark weeks with (unknown codes of every file, benefit
    weeks of the monthly status, target-group weeks), for each batch's one pass over its weeks."""
    out = [shared.defs[k].codes.unknown_lut() for k in keys]
    for key, kind, _ in wants:
        defs = shared.defs[key]
        out.append(benefit_weeks(defs.codes))
        if kind == "cubb":
            out += target_lookups(defs, bool(shared.plans[key][1].visitation))
    return list({x.tobytes(): x for x in out}.values())


def map_batch(shared: SharedExtract, reg: Register, wants: list[Want], keys: list[tuple[str, str]]) -> tuple[dict[Want, Any], dict[tuple[str, str], np.ndarray], int]:
    """One batch through every wanted analysis (and the code counts of every definitions file); the
    batch's arrays are dropped on return, only the small results are kept."""
    batch = Batch(reg, shared)
    return {w: batch.result(w) for w in wants}, {k: batch.unknown_counts(shared.defs[k]) for k in keys}, reg.n


@contextmanager
def no_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """No progress shown."""
    yield lambda n: None


def default_jobs() -> int:
    """Threads for a pass: both cores of a two-core machine, at most 4 (the reader is one of them)."""
    return max(1, min(4, os.cpu_count() or 1))


def read_shared(path: str | Path, definitions: Sequence[Defs], chunk_rows: int = CHUNK_ROWS, *, jobs: int = 1,
                bar: PassBar | None = None) -> SharedExtract:
    """Plan one streamed read of an extract for all the definitions files (once per distinct
    `columns:` section), checking every needed column from the header; nothing is read yet."""
    p = _existing(path)
    groups: list[tuple[Columns, list[tuple[tuple[str, str], Plan]]]] = []
    by_key: dict[tuple[str, str], Defs] = {}
    for defs in definitions:
        plan = plan_for(p, defs)
        cols = defs.spec.columns
        by_key[_key(defs)] = defs
        for c, members in groups:
            if c == cols:
                members.append((_key(defs), plan))
                break
        else:
            groups.append((cols, [(_key(defs), plan)]))
    reads = [(cols, merge_plans([pl for _, pl in members])) for cols, members in groups]
    plans = {key: (k, pl) for k, (_, members) in enumerate(groups) for key, pl in members}
    return SharedExtract(p, reads, plans, by_key, batch_size=chunk_rows, jobs=jobs, bar=bar)
