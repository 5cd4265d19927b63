"""What a definitions file needs from a DREAM extract: its months, the weeks of history before
them and the person attributes – checked from the header alone or read."""

from __future__ import annotations

from pathlib import Path

from toolkit.config.definitions import Defs
from toolkit.core.calendar import month_index
from toolkit.core.errors import DataError
from toolkit.read.batches import header_of
from toolkit.read.dream import CHUNK_ROWS, SENIORITY_WEEKS, Register, read_dream
from toolkit.read.dream_columns import Plan, Request, parse_grad_columns, plan_extract
from toolkit.read.tabular import _existing


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
