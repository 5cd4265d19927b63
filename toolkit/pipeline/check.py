"""`toolkit check`: validate a wave file and every input it names without running the register
analyses, and collect every problem (each with the file and the wave key it concerns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from toolkit.config.base import ConfigProblems
from toolkit.config.wave import Problem, Wave, file_problems, parse_wave
from toolkit.core.calendar import parse_quarter
from toolkit.core.errors import ToolkitError
from toolkit.pipeline.report import Context, codebook_of, run_crosstab, survey_names


def _problem(e: ToolkitError, wave: Wave, key: str) -> Problem:
    where = e.file or str(wave.path)
    extra = ", ".join(x for x in (f"row {e.row}" if e.row is not None else "", f"column {e.column}" if e.column else "") if x)
    return Problem(e.message + (f" [{extra}]" if extra else ""), where, key)


def preflight(ctx: Context) -> list[Problem]:
    """What `toolkit report` refuses before it runs an item, and `toolkit check` refuses alike: wave
    parameters that break a definitions file's own rules, a profile quarter the extract does not observe
    (known from its header)."""
    from toolkit.register.extract import plan_for
    from toolkit.register.goals import observed_quarters, outside_quarters

    wave, problems = ctx.wave, []
    named = [str(it.options["definitions"]) for ch in wave.spec.chapters for it in ch.items if "definitions" in it.options]
    for path in dict.fromkeys([*ctx.definitions_files(), *map(wave.resolve, named)]):
        try:
            if path.is_file():
                ctx.defs(path)
        except ConfigProblems as e:
            problems += e.problems
        except ToolkitError as e:
            problems.append(_problem(e, wave, "register.definitions"))
    problems = list({str(p): p for p in problems}.values())  # a parameter both definitions files take: once
    reg = wave.spec.register
    if problems or reg is None or not wave.resolve(reg.extract).is_file():
        return problems
    for ci, ch in enumerate(wave.spec.chapters):
        for ii, item in enumerate(ch.items):
            q_text = item.options.get("quarter") or wave.spec.parameters.reference_quarter
            if item.kind != "profile" or not q_text:
                continue
            try:
                defs = ctx.item_definitions("profile", item.options)
                assert defs is not None
                plan = plan_for(wave.resolve(reg.extract), defs)
            except ToolkitError:
                continue  # named by check at the definitions or the extract
            why = outside_quarters(parse_quarter(q_text), observed_quarters(defs, plan.month0 + len(plan.grad) - 1))
            if why:
                key = f"chapters[{ci + 1}].items[{ii + 1}].profile.quarter" if "quarter" in item.options else "parameters.reference_quarter"
                problems.append(Problem(why, str(wave.resolve(reg.extract)), key))
    return problems


def check_wave(path: str | Path) -> list[Problem]:
    """Validate the wave file and every input without running the analyses; all problems at once."""
    wave, problems = parse_wave(path)
    if wave is None:
        return problems
    problems += file_problems(wave)
    ctx = Context(wave)
    read: set[str] = set()  # surveys whose data file was read

    def attempt(key: str, fn: Callable[[], Any]) -> bool:
        try:
            fn()
            return True
        except ConfigProblems as e:  # a configuration file the wave names: each of its problems at its own key
            problems.extend(e.problems)
            return False
        except ToolkitError as e:
            problems.append(_problem(e, wave, key))
            return False

    for name, s in wave.spec.surveys.items():
        if not wave.resolve(s.data).is_file():
            continue
        if attempt(f"surveys.{name}.data", lambda name=name: ctx.dataset(name)):
            read.add(name)
        if s.codebook and wave.resolve(s.codebook).is_file():
            attempt(f"surveys.{name}.codebook", lambda s=s: ctx.inputs.codebook(wave.resolve(s.codebook)))
        if s.weights and wave.resolve(s.weights.margins).is_file() and name in read:
            attempt(f"surveys.{name}.weights", lambda name=name: ctx.weighting(name))
    for ci, ch in enumerate(wave.spec.chapters):
        for ii, item in enumerate(ch.items):
            if item.kind != "crosstab":
                continue
            key = f"chapters[{ci + 1}].items[{ii + 1}].crosstab"
            names = survey_names(item.options, wave)
            if any(n not in wave.spec.surveys for n in names):
                continue  # already reported by file_problems
            cb = codebook_of(item.options, names, wave)
            if item.options.get("codebook") and cb is not None and not cb.is_file():
                problems.append(Problem(f"file not found: {cb}", str(wave.path), key + ".codebook"))
            elif all(n in read for n in names) and (cb is None or cb.is_file()):
                # questionnaire tables take milliseconds: building them checks the codebook against the data
                attempt(key, lambda item=item: run_crosstab(ctx, item.options))
    reg = wave.spec.register
    if reg is not None:
        loaded = [ctx.defs(path) for path in ctx.definitions_files()  # ctx.defs parses each file once
                  if path.is_file() and attempt("register.definitions", lambda path=path: ctx.defs(path))]
        extract = wave.resolve(reg.extract)
        if extract.is_file():
            from toolkit.register.extract import plan_for  # the header only: a national extract is checked in a second

            for defs in loaded:
                attempt("register.extract", lambda defs=defs: plan_for(extract, defs))
    problems += preflight(ctx)
    if wave.spec.model and wave.resolve(wave.spec.model).is_file():
        from toolkit.config.model import spec_from_dict

        model = wave.resolve(wave.spec.model)
        attempt("model", lambda: spec_from_dict(ctx.inputs.yaml(model), str(model)))
    return list({str(p): p for p in problems}.values())  # one line per distinct problem, in order
