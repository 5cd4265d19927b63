"""The residual-group profile run: from a DREAM extract (NY CHANCE-style definitions) or from a
person-level file; tables suppressed at the profile's minimum cell."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import pandas as pd

from toolkit.config.definitions import Defs
from toolkit.core.calendar import quarter_text
from toolkit.core.errors import ConfigError, DataError
from toolkit.pipeline.inputs import Input
from toolkit.pipeline.outcomes import part_key, unknown_code_warning
from toolkit.pipeline.run import Part, Run, caught_warnings, mark_register, policy_parameters
from toolkit.profile import ProfileSettings, profile_tables
from toolkit.profile.register import profile_of
from toolkit.publish.disclosure import Policy, suppress
from toolkit.register.extract import SharedExtract


def _parameters(settings: ProfileSettings, policy: Policy) -> dict[str, object]:
    sub = settings.subgroup
    params: dict[str, object] = {**policy_parameters(policy), "chapter": settings.chapter}
    if sub is not None:
        params.update({"subgroup": ", ".join(sub.values), "subgroup_in": sub.group or "alle"})
    return params


def require_cohort(defs: Defs) -> Defs:
    """The definitions, if they have the programme and cohort a profile needs (checked before a long read)."""
    if defs.spec.programme is None or defs.spec.cohort is None:
        raise ConfigError("the profile needs definitions with a programme and a cohort (NY CHANCE style, "
                          "e.g. registers/nychance.yaml)", defs.path)
    return defs


def run_profile(
    extract: SharedExtract,
    defs: Defs,
    *,
    quarter: int | None = None,
    settings: ProfileSettings | None = None,
    policy: Policy = Policy(),
    inputs: Sequence[Input] = (),
) -> Run:
    """The profile of the definitions' cohort at the quarter (default: the last observed), suppressed
    by `policy` (its threshold is also the profile's minimum cell for coarsened tests and notes)."""
    require_cohort(defs)
    s = replace(settings or ProfileSettings(), min_cell=policy.threshold)
    caught: list[str] = []
    with caught_warnings(caught):  # e.g. a sub-group with nobody
        tables = profile_of(extract.persons(defs, quarter), defs, s)
    suppress(mark_register(tables), policy)
    params = {**_parameters(s, policy), "definitions": defs.path, "quarter": quarter_text(quarter) if quarter is not None else "sidste observerede"}
    warning = unknown_code_warning(extract, defs)
    return Run([Part(part_key(defs), tables)], ([warning] if warning else []) + caught, list(inputs), params, policy=policy)


def run_profile_persons(
    persons: pd.DataFrame,
    settings: ProfileSettings,
    *,
    source: str | None = None,
    policy: Policy = Policy(),
    inputs: Sequence[Input] = (),
) -> Run:
    """The profile of a person-level file (one row per person with gruppe, kon, alder, …)."""
    settings = replace(settings, min_cell=policy.threshold)
    caught: list[str] = []
    try:
        with caught_warnings(caught):
            tables = profile_tables(persons.reset_index(drop=True), settings)
    except DataError as e:
        raise e.at(source) from None
    suppress(mark_register(tables), policy)
    return Run([Part("", tables)], caught, list(inputs), _parameters(settings, policy), policy=policy)
