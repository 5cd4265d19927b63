"""What definitions files need from a DREAM extract: their months, the weeks of history before
them and the person attributes – checked from the header alone or read, once for them all.

`read_shared` reads an extract once with the union of what several definitions files need (the
months and history weeks of each, the person attributes of all) and gives each file its own
view of it – the very arrays `read_for` would have read for that file alone, as slices – with
its monthly status and cohorts computed once and kept, keyed by what they depend on. Files with
different `columns:` sections name different extract columns and get one read each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from toolkit.config.definitions import Columns, Defs
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.read.batches import header_of
from toolkit.read.dream import CHUNK_ROWS, SENIORITY_WEEKS, Register, read_dream, read_plan
from toolkit.read.dream_columns import Plan, Request, parse_grad_columns, plan_extract
from toolkit.read.tabular import _existing
from toolkit.register.goals import GoalCohort, select_cohort
from toolkit.register.status import Status, monthly_status
from toolkit.register.target_group import Cohort, select_target_group


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
    counts = shared.week_counts[a:b] if shared.week_counts is not None else None
    return Register(
        ids=shared.ids, weeks=shared.weeks[a:b], week_month=shared.week_month[a:b], month0=plan.month0,
        codes=shared.codes[:, a:b], grad=shared.grad[:, m:m + len(plan.grad)], persons=shared.persons,
        municipality=shared.municipality, municipality_years=shared.municipality_years, visitation=vis,
        visitation_quarters=quarters, code_counts=counts.sum(axis=0) if counts is not None else None,
        path=shared.path, week_counts=counts)


def _key(defs: Defs) -> tuple[str, str]:
    """What a definitions file's results depend on: the file and its (possibly overridden) content."""
    return str(defs.path), defs.spec.model_dump_json()


def _status_slice(st: Status, reg: Register) -> Status:
    """Monthly status restricted to a view's months (slices; each month depends on its own weeks only)."""
    a = reg.month0 - st.month0
    b = a + reg.n_months
    return Status(st.group[:, a:b], st.benefit[:, a:b], st.employed[:, a:b], st.activation[:, a:b], reg.month0)


@dataclass
class SharedExtract:
    """A DREAM extract read once for several definitions files, with each file's view, monthly
    status and cohorts computed once (status once per read, code list and employment rule)."""

    path: Path
    reads: list[tuple[Columns, Register]]
    plans: dict[tuple[str, str], tuple[int, Plan]]  # definitions key → (which read, its plan)
    _views: dict[tuple[str, str], Register] = field(default_factory=dict)
    _status: dict[tuple[Any, ...], Status] = field(default_factory=dict)
    _cohorts: dict[tuple[str, str], Any] = field(default_factory=dict)

    def _plan(self, defs: Defs) -> tuple[int, Plan]:
        try:
            return self.plans[_key(defs)]
        except KeyError:
            raise DataError("these definitions were not planned when the extract was read", defs.path) from None

    def register(self, defs: Defs) -> Register:
        """What `read_for(path, defs)` would have read, as a view of the shared read."""
        key = _key(defs)
        if key not in self._views:
            k, plan = self._plan(defs)
            self._views[key] = view(self.reads[k][1], plan)
        return self._views[key]

    def status(self, defs: Defs) -> Status:
        """The monthly status of the definitions' view, computed once per read, code list and employment rule."""
        k, _ = self._plan(defs)
        codes = str(defs.codes.path) if defs.codes.path else id(defs.codes)
        full = (k, codes, defs.spec.employment.model_dump_json())
        if full not in self._status:
            self._status[full] = monthly_status(self.reads[k][1], defs.codes, defs.spec.employment)
        return _status_slice(self._status[full], self.register(defs))

    def cohort(self, defs: Defs) -> GoalCohort:
        """The programme's cohort (NY CHANCE style), selected once per definitions."""
        key = ("cohort", *_key(defs))
        if key not in self._cohorts:
            self._cohorts[key] = select_cohort(self.register(defs), defs)
        return self._cohorts[key]  # type: ignore[no-any-return]

    def target_group(self, defs: Defs) -> Cohort:
        """The CUBB target group, selected once per definitions."""
        key = ("target_group", *_key(defs))
        if key not in self._cohorts:
            self._cohorts[key] = select_target_group(self.register(defs), defs)
        return self._cohorts[key]  # type: ignore[no-any-return]


def read_shared(path: str | Path, definitions: Sequence[Defs], chunk_rows: int = CHUNK_ROWS) -> SharedExtract:
    """Read an extract once for all the definitions files (once per distinct `columns:` section)."""
    p = _existing(path)
    groups: list[tuple[Columns, list[tuple[tuple[str, str], Plan]]]] = []
    for defs in definitions:
        plan = plan_for(p, defs)
        cols = defs.spec.columns
        for c, members in groups:
            if c == cols:
                members.append((_key(defs), plan))
                break
        else:
            groups.append((cols, [(_key(defs), plan)]))
    reads = [(cols, read_plan(p, cols, merge_plans([pl for _, pl in members]), chunk_rows=chunk_rows)) for cols, members in groups]
    plans = {key: (k, pl) for k, (_, members) in enumerate(groups) for key, pl in members}
    return SharedExtract(p, reads, plans)
