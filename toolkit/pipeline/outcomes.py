"""The register-outcomes run: CUBB targets and NY CHANCE goals of one or more definitions files
from one read of a DREAM extract, disclosure-controlled, with the unknown-code warning."""

from __future__ import annotations

from typing import Any, Literal, Sequence

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.table import prefixes
from toolkit.pipeline.inputs import Input
from toolkit.pipeline.run import Part, Run, mark_register, policy_parameters, unique
from toolkit.publish.disclosure import Policy, suppress
from toolkit.read.dream import unknown_codes
from toolkit.register.cubb import members
from toolkit.register.extract import SharedExtract
from toolkit.register.outcomes import Which, asks_for, tables_of


def part_key(defs: Defs) -> str:
    """The name a definitions file's tables go under: its file name without suffix (else its name)."""
    return prefixes([defs.path or defs.spec.name])[0]


def unknown_code_warning(extract: SharedExtract, defs: Defs) -> str | None:
    """The warning for DREAM codes the code list lacks, counted as 'Andet' (None when there are none)."""
    found = unknown_codes(extract.code_counts(defs), defs.codes.known)
    if not found:
        return None
    text = ", ".join(f"{c} ({k} weeks)" for c, k in sorted(found.items()))
    return f"{len(found)} DREAM code(s) not in the code list, counted as 'Andet': {text}"


def empty_selections(defs: Defs, groups: Sequence[tuple[str, str, Any]]) -> tuple[list[str], list[str]]:
    """(warnings, notes) for a target group or cohort with nobody, or a programme municipality with nobody
    in it: said on the console and in the tables, never shown as a finding. `groups`: (what, Danish, the
    municipality of each selected person, or None when not asked)."""
    warnings, notes = [], []
    programme = defs.spec.municipalities.programme if defs.spec.municipalities else {}
    for what, dansk, munis in groups:
        if munis is None:
            continue
        if len(munis) == 0:
            warnings.append(f"{part_key(defs)}: nobody in the extract is in the {what}; its tables say so in a note")
            notes.append(f"Anm.: Ingen personer i udtrækket opfylder afgrænsningen af {dansk}; der er ingen tal at vise.")
            continue
        present = set(np.unique(munis).tolist())
        for code, name in programme.items():
            if int(code) not in present:
                warnings.append(f"{part_key(defs)}: programme municipality {code} ({name}) has nobody in the {what}")
                notes.append(f"Anm.: Ingen personer i {dansk} i {name} ({code}).")
    return warnings, notes


def _members(extract: SharedExtract, defs: Defs) -> np.ndarray:
    """The municipality codes with CUBB target-group members (target 1's persons, else target 2's)."""
    return members(extract.cubb(defs))


def _cohort(extract: SharedExtract, defs: Defs) -> np.ndarray:
    """The municipality codes with programme cohort members (counted in the goals' sums)."""
    first = extract.goals(defs)[1][0]
    return first.kommune[first.size > 0]


def run_outcomes(
    extract: SharedExtract,
    definitions: Sequence[Defs],
    *,
    tables: Which = "all",
    unknown: Literal["other", "error"] | None = None,
    policy: Policy = Policy(),
    inputs: Sequence[Input] = (),
) -> Run:
    """Every register table the definitions ask for (`tables`: only the CUBB targets or only the
    goals), one part per definitions file, small cells suppressed by `policy`. DREAM codes the code list lacks
    are an error (`unknown` 'error'; default from the code list), else a warning and an 'Anm.:' line."""
    parts, warnings = [], []
    for defs in definitions:  # declared first: one pass over the extract computes them all
        cubb, goals = asks_for(defs, tables)
        if cubb:
            extract.want(defs, "cubb")
        if goals:
            extract.want(defs, "goals")
    for defs, key in zip(definitions, prefixes([d.path or d.spec.name for d in definitions])):
        cubb, goals = asks_for(defs, tables)
        found = tables_of(defs, extract.code_counts(defs), unknown, cubb=extract.cubb(defs) if cubb else None,
                          goals=extract.goals(defs) if goals else None, path=extract.path)
        warnings.append(unknown_code_warning(extract, defs))
        said, notes = empty_selections(defs, [("target group (target_group)", "målgruppen", _members(extract, defs) if cubb else None),
                                              ("cohort (programme, cohort)", "målgruppen", _cohort(extract, defs) if goals else None)])
        warnings += said
        for t in found:
            t.notes += [n for n in notes if n not in t.notes]
        suppress(mark_register(found), policy)
        parts.append(Part(key, found))
    params = {"unknown_codes": unknown, "tables": None if tables == "all" else tables}
    return Run(parts, unique([w for w in warnings if w]), list(inputs),
               {**policy_parameters(policy), **{k: v for k, v in params.items() if v}}, policy=policy)
