"""The wave report: run weight → crosstab → outcomes → model → profile from one wave file.

This is the one place that ties a wave's inputs to the analyses: it reads each input once
(surveys, weights, register extracts), runs the items of each chapter in order, numbers the
tables by chapter and applies disclosure control to every register table. `check_wave` does
all the reading and validation without the analyses and collects every problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolkit.config.base import ConfigProblems
from toolkit.config.wave import Problem, Wave, file_problems, parse_wave
from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ConfigError, ToolkitError
from toolkit.core.table import Table, keyed, renumber
from toolkit.read.tabular import Dataset, read_data

Progress = Callable[[str], None]


@dataclass
class Context:
    """Inputs read once per run and shared by the items that need them."""

    wave: Wave
    datasets: dict[str, Dataset] = field(default_factory=dict)
    weights: dict[str, Any] = field(default_factory=dict)  # survey → WeightingResult
    definitions: dict[Path, Any] = field(default_factory=dict)  # path → Defs
    registers: dict[Path, Any] = field(default_factory=dict)  # definitions path → Register
    inputs: list[Path] = field(default_factory=list)

    @property
    def threshold(self) -> int:
        return self.wave.spec.parameters.disclosure_threshold

    def used(self, path: Path) -> Path:
        if path not in self.inputs:
            self.inputs.append(path)
        return path

    # ---------------------------------------------------------------- surveys
    def dataset(self, name: str) -> Dataset:
        if name not in self.datasets:
            spec = self.wave.spec.surveys[name]
            self.datasets[name] = read_data(self.used(self.wave.resolve(spec.data)))
        return self.datasets[name]

    def weighting(self, name: str) -> Any:
        """The survey's raking result (computed once), or None when the survey is unweighted."""
        spec = self.wave.spec.surveys[name].weights
        if spec is None:
            return None
        if name not in self.weights:
            from toolkit.config.margins import read_margins
            from toolkit.survey.weighting import Trim, weight_dataset

            margins = read_margins(self.used(self.wave.resolve(spec.margins)))
            self.weights[name] = weight_dataset(self.dataset(name), margins, spec.base_weight, spec.scale,
                                                Trim.parse(spec.trim) if spec.trim else None)
        return self.weights[name]

    def crosstab_weights(self, name: str) -> Any:
        """The survey's weights in the form crosstab takes (matched by respondent id)."""
        from toolkit.survey.weighting import respondent_ids, weights_frame
        from toolkit.survey.weights import weights_from_frame

        result = self.weighting(name)
        if result is None:
            return None
        spec = self.wave.spec.surveys[name].weights
        assert spec is not None
        frame = weights_frame(result, respondent_ids(self.dataset(name), spec.id))
        return weights_from_frame(frame, f"{name} (vægte)", None)  # the note's wording comes from the codebook

    # ---------------------------------------------------------------- registers
    def definitions_files(self) -> list[Path]:
        reg = self.wave.spec.register
        if reg is None:
            return []
        files = list(reg.definitions)
        return [self.wave.resolve(f) for f in files]

    def defs(self, path: Path) -> Any:
        if path not in self.definitions:
            from toolkit.config.definitions import load_definitions

            self.definitions[path] = apply_parameters(load_definitions(self.used(path)), self.wave)
        return self.definitions[path]

    def pick_definitions(self, options: dict[str, Any], needs: Callable[[Any], bool], what: str) -> Any:
        """The item's `definitions` file, else the first of the wave's that has what the item needs."""
        if "definitions" in options:
            return self.defs(self.wave.resolve(str(options["definitions"])))
        for path in self.definitions_files():
            d = self.defs(path)
            if needs(d):
                return d
        raise ConfigError(f"no definitions file of the wave has {what}", self.wave.path)

    def register(self, defs: Any) -> Any:
        from toolkit.register.extract import read_for

        key = defs.path
        if key not in self.registers:
            assert self.wave.spec.register is not None
            extract = self.used(self.wave.resolve(self.wave.spec.register.extract))
            self.registers[key] = read_for(extract, defs)
        return self.registers[key]


def apply_parameters(defs: Any, wave: Wave) -> Any:
    """Wave parameters override the definitions: window, reference month, programme municipalities."""
    from toolkit.config.definitions import override_definitions

    p = wave.spec.parameters
    return override_definitions(defs, window=(p.window.start, p.window.end) if p.window else None,
                                reference_month=p.reference_month, programme=p.programme_municipalities, source=wave.path)


# -------------------------------------------------------------------- the item runners
def _survey_names(options: dict[str, Any], wave: Wave) -> list[str]:
    names = options.get("survey", list(wave.spec.surveys))
    return [names] if isinstance(names, str) else list(names)


def run_weights(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """Weighting diagnostics (achieved vs target margins, weight spread, Kish n_eff)."""
    from toolkit.survey.weight_tables import diagnostics

    tables = []
    for name in _survey_names(options, ctx.wave):
        result = ctx.weighting(name)
        if result is None:
            raise ConfigError(f"survey '{name}' has no weights section", ctx.wave.path)
        tables += diagnostics(result)
    return tables


def codebook_of(options: dict[str, Any], names: list[str], wave: Wave) -> Path | None:
    """The codebook a crosstab item uses: its own, else (for one survey) the survey's, else none."""
    rel = options.get("codebook") or (wave.spec.surveys[names[0]].codebook if len(names) == 1 else None)
    return wave.resolve(str(rel)) if rel else None


def run_crosstab(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """Questionnaire tables: the item's codebook (or the survey's own), weighted where the survey is."""
    from toolkit.config.codebook import Codebook, DatasetSpec, load_codebook
    from toolkit.survey.crosstab import build_tables

    names = _survey_names(options, ctx.wave)
    surveys = ctx.wave.spec.surveys
    cb_file = codebook_of(options, names, ctx.wave)
    cb = load_codebook(ctx.used(cb_file)) if cb_file else Codebook()
    for n in names:
        old = cb.dataset(n)
        cb.datasets[n] = DatasetSpec(group=surveys[n].group or old.group, source=surveys[n].source or old.source,
                                     weighted_to=old.weighted_to, cluster=old.cluster, strata=old.strata)
    datasets = {n: ctx.dataset(n) for n in names}
    weights = {n: w for n in names if (w := ctx.crosstab_weights(n)) is not None}
    tables = build_tables(datasets, cb, weights, by=options.get("by"), layout=options.get("layout"))
    only = options.get("tables")
    if only:
        ids = {t.id for t in tables}
        missing = [t for t in only if t not in ids]
        if missing:
            raise ConfigError(f"crosstab: no table '{missing[0]}'; the codebook makes {', '.join(sorted(ids))}", ctx.wave.path)
        order = {t: i for i, t in enumerate(only)}
        tables = sorted((t for t in tables if t.id in order), key=lambda t: order[t.id])
    return tables


def run_cubb(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """CUBB target 1 (cohort) and target 2 (cross-section) tables."""
    from toolkit.register import cubb_tables

    defs = ctx.pick_definitions(options, lambda d: d.spec.target1 is not None or d.spec.target2 is not None, "CUBB targets (target1/target2)")
    return _mark_register(cubb_tables(ctx.register(defs), defs))


def run_goals(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """NY CHANCE goals per quarter and municipality, projection, best/worst ten."""
    from toolkit.register import goal_tables

    defs = ctx.pick_definitions(options, lambda d: bool(d.spec.goals), "goals")
    return _mark_register(goal_tables(ctx.register(defs), defs))


def run_profile(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """Residual group vs employment group at the reference quarter, and a sub-group profile."""
    from toolkit.core.calendar import parse_quarter
    from toolkit.profile import ProfileSettings, Subgroup, profile_from_register

    defs = ctx.pick_definitions(options, lambda d: d.spec.programme is not None and d.spec.cohort is not None, "a programme and a cohort")
    q_text = options.get("quarter") or ctx.wave.spec.parameters.reference_quarter
    try:
        q = parse_quarter(q_text) if q_text else None
    except ValueError as e:
        raise ConfigError(f"profile quarter: {e}", ctx.wave.path) from None
    settings = ProfileSettings(min_cell=ctx.threshold)
    sub = options.get("subgroup")
    if sub:
        settings.subgroup = Subgroup(values=tuple([sub] if isinstance(sub, str) else sub))
    return _mark_register(profile_from_register(ctx.register(defs), defs, q, settings))


def run_model(ctx: Context, options: dict[str, Any]) -> list[Table]:
    """Municipality model: register outcomes per municipality + survey indicators, stepwise OLS."""
    from toolkit.municipal import model_tables, register_frame, spec_from_dict
    from toolkit.register import municipality_frame

    cfg_file = ctx.used(ctx.wave.resolve(str(options.get("config") or ctx.wave.spec.model)))
    spec = spec_from_dict(read_yaml(cfg_file), str(cfg_file))
    if options.get("register"):
        reg_df = read_data(ctx.used(ctx.wave.resolve(str(options["register"])))).data
    else:
        defs = ctx.pick_definitions(options, lambda d: bool(d.spec.goals), "goals (for the municipality outcomes)")
        reg_df = municipality_frame(ctx.register(defs), defs).reset_index()
    reg = register_frame(reg_df, spec, "register outcomes")
    surveys = {}
    for name in sorted({i.instrument for i in spec.indicators}):
        if name in ctx.wave.spec.surveys:  # the wave's survey of that name
            surveys[name] = ctx.dataset(name)
        else:  # else the file the model config names (relative to the config)
            inst = spec.instruments.get(name)
            if inst is None or not inst.file:
                raise ConfigError(f"model instrument '{name}' is neither a survey of the wave nor has a file", cfg_file)
            surveys[name] = read_data(ctx.used(cfg_file.parent / inst.file))
    from toolkit.config.definitions import load_municipality_names

    names = load_municipality_names()
    return model_tables(reg, surveys, spec, names)


RUNNERS: dict[str, Callable[[Context, dict[str, Any]], list[Table]]] = {
    "weights": run_weights,
    "crosstab": run_crosstab,
    "cubb": run_cubb,
    "goals": run_goals,
    "profile": run_profile,
    "model": run_model,
}


def _mark_register(tables: list[Table]) -> list[Table]:
    for t in tables:
        t.register = True
    return tables


def build_report(wave: Wave, progress: Progress | None = None) -> tuple[list[Table], list[Path]]:
    """Every chapter's tables, numbered, register tables disclosure-controlled; and the inputs used."""
    from toolkit.publish.disclosure import suppress

    ctx = Context(wave)
    tables: list[Table] = []
    for ch in wave.spec.chapters:
        chapter_tables: list[Table] = []
        for i, item in enumerate(ch.items):
            if progress:
                progress(f"Kapitel {ch.number}: {item.kind}")
            try:
                chapter_tables += keyed(RUNNERS[item.kind](ctx, item.options), f"{ch.number}/{i + 1}")
            except ToolkitError as e:
                if e.file is None:
                    e.at(wave.path)
                e.message = f"chapter {ch.number}, item {i + 1} ({item.kind}): {e.message}"
                e.args = (str(e),)
                raise
        tables += renumber(chapter_tables, ch.number)
    register_tables = [t for t in tables if t.register]
    if register_tables:
        suppress(register_tables, wave.spec.parameters.disclosure_threshold)
    inputs = [wave.path] + ctx.inputs
    return tables, inputs


# -------------------------------------------------------------------- check
def _problem(e: ToolkitError, wave: Wave, key: str) -> Problem:
    where = e.file or str(wave.path)
    extra = ", ".join(x for x in (f"row {e.row}" if e.row is not None else "", f"column {e.column}" if e.column else "") if x)
    return Problem(e.message + (f" [{extra}]" if extra else ""), where, key)


def check_wave(path: str | Path) -> list[Problem]:
    """Validate the wave file and every input without running the analyses; all problems at once."""
    wave, problems = parse_wave(path)
    if wave is None:
        return problems
    problems += file_problems(wave)
    ctx = Context(wave)

    def attempt(key: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except ConfigProblems as e:  # a configuration file the wave names: each of its problems at its own key
            problems.extend(e.problems)
        except ToolkitError as e:
            problems.append(_problem(e, wave, key))

    from toolkit.config.codebook import load_codebook

    for name, s in wave.spec.surveys.items():
        if not wave.resolve(s.data).is_file():
            continue
        attempt(f"surveys.{name}.data", lambda name=name: ctx.dataset(name))
        if s.codebook and wave.resolve(s.codebook).is_file():
            attempt(f"surveys.{name}.codebook", lambda s=s: load_codebook(wave.resolve(s.codebook)))
        if s.weights and wave.resolve(s.weights.margins).is_file() and name in ctx.datasets:
            attempt(f"surveys.{name}.weights", lambda name=name: ctx.weighting(name))
    for ci, ch in enumerate(wave.spec.chapters):
        for ii, item in enumerate(ch.items):
            if item.kind != "crosstab":
                continue
            key = f"chapters[{ci + 1}].items[{ii + 1}].crosstab"
            names = _survey_names(item.options, wave)
            if any(n not in wave.spec.surveys for n in names):
                continue  # already reported by file_problems
            cb = codebook_of(item.options, names, wave)
            if item.options.get("codebook") and cb is not None and not cb.is_file():
                problems.append(Problem(f"file not found: {cb}", str(wave.path), key + ".codebook"))
            elif all(n in ctx.datasets for n in names) and (cb is None or cb.is_file()):
                # questionnaire tables take milliseconds: building them checks the codebook against the data
                attempt(key, lambda item=item: run_crosstab(ctx, item.options))
    reg = wave.spec.register
    if reg is not None:
        for path in ctx.definitions_files():
            if path.is_file():
                attempt("register.definitions", lambda path=path: ctx.defs(path))
        extract = wave.resolve(reg.extract)
        if extract.is_file():
            from toolkit.register.extract import (
                plan_for,  # the header only: a national extract is checked in a second
            )

            for path, defs in list(ctx.definitions.items()):
                attempt("register.extract", lambda defs=defs: plan_for(extract, defs))
    if wave.spec.model and wave.resolve(wave.spec.model).is_file():
        from toolkit.municipal import spec_from_dict

        attempt("model", lambda: spec_from_dict(read_yaml(wave.resolve(wave.spec.model)), str(wave.resolve(wave.spec.model))))
    return list({str(p): p for p in problems}.values())  # one line per distinct problem, in order
