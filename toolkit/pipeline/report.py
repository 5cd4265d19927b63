"""The wave report: run weight → crosstab → outcomes → model → profile from one wave file.

Each item calls the same run function as its CLI command (`pipeline/weight.py`, `crosstab.py`,
`outcomes.py`, `model.py`, `profile.py`), so a warning or a note shown by one is shown by the
other. Inputs are read once per report through one `Inputs`: each survey once, each survey
weighted once, and the DREAM extract once with what every definitions file of the register
items needs, its monthly status and cohorts computed once and shared (`register/extract.py`).
Tables are numbered by chapter; each run has already applied disclosure control to its
register tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from toolkit.config.wave import Wave
from toolkit.core.errors import ConfigError, ToolkitError
from toolkit.core.table import Table, renumber
from toolkit.pipeline.inputs import Input, Inputs
from toolkit.pipeline.run import Part, Run, unique
from toolkit.read.tabular import Dataset

if TYPE_CHECKING:
    from toolkit.config.definitions import Defs
    from toolkit.pipeline.weight import WeightRun
    from toolkit.register.extract import PassBar, SharedExtract
    from toolkit.survey.weights import Weights

Progress = Callable[[str], None]
REGISTER_ITEMS = ("cubb", "goals", "profile", "model")


class Context:
    """Inputs read once per report and shared by the items that need them."""

    def __init__(self, wave: Wave, bar: "PassBar | None" = None) -> None:
        self.wave = wave
        self.bar = bar
        self.inputs = Inputs()
        self.inputs.record(wave.path)
        self.weight_runs: dict[str, "WeightRun"] = {}
        self._defs: dict[Path, "Defs"] = {}
        self._anonymised: dict[tuple[Path | None, bool], "Defs"] = {}
        self._extract: "SharedExtract | None" = None

    @cached_property
    def policy(self) -> Any:
        """The wave's disclosure rules, for every run of the report."""
        return wave_policy(self.wave)

    # ---------------------------------------------------------------- surveys
    def data_path(self, name: str) -> Path:
        return self.wave.resolve(self.wave.spec.surveys[name].data)

    def dataset(self, name: str) -> Dataset:
        spec = self.wave.spec.surveys[name].weights  # a weighted survey's ids are read as written (017 is not 17)
        return self.inputs.data(self.data_path(name), text=[spec.id] if spec else ())

    def weighting(self, name: str) -> "WeightRun | None":
        """The survey's weighting run (computed once), or None when the survey is unweighted."""
        spec = self.wave.spec.surveys[name].weights
        if spec is None:
            return None
        if name not in self.weight_runs:
            from toolkit.pipeline.weight import run_weight

            margins = self.wave.resolve(spec.margins)
            m = self.inputs.margins(margins)
            ds = self.dataset(name)
            self.weight_runs[name] = run_weight(ds, m, id_column=spec.id, base_weight=spec.base_weight, scale=spec.scale,
                                                trim=spec.trim, inputs=self.inputs.of(self.data_path(name), margins))
        return self.weight_runs[name]

    def crosstab_weights(self, name: str) -> "Weights | None":
        """The survey's weights in the form crosstab takes (matched by respondent id)."""
        from toolkit.survey.weights import weights_from_frame

        run = self.weighting(name)
        if run is None:
            return None
        return weights_from_frame(run.weights(), f"{name} (vægte)", None)  # the note's wording comes from the codebook

    def margins_path(self, name: str) -> Path | None:
        spec = self.wave.spec.surveys[name].weights
        return self.wave.resolve(spec.margins) if spec else None

    # ---------------------------------------------------------------- registers
    def definitions_files(self) -> list[Path]:
        reg = self.wave.spec.register
        if reg is None:
            return []
        return [self.wave.resolve(f) for f in reg.definitions]

    def defs(self, path: Path) -> "Defs":
        if path not in self._defs:
            self._defs[path] = apply_parameters(self.inputs.definitions(path), self.wave)
        return self._defs[path]

    def anonymised(self, defs: "Defs", anonymise: bool | None) -> "Defs":
        """The definitions with the item's `anonymise` ("Kommune 1…"), one object per file and choice."""
        mu = defs.spec.municipalities
        if anonymise is None or mu is None or mu.anonymise == anonymise:
            return defs
        key = (defs.path, anonymise)
        if key not in self._anonymised:
            spec = defs.spec.model_copy(update={"municipalities": mu.model_copy(update={"anonymise": anonymise})})
            self._anonymised[key] = replace(defs, spec=spec)
        return self._anonymised[key]

    def pick_definitions(self, options: dict[str, Any], needs: Callable[["Defs"], bool], what: str) -> "Defs":
        """The item's `definitions` file, else the first of the wave's that has what the item needs."""
        if "definitions" in options:
            return self.defs(self.wave.resolve(str(options["definitions"])))
        for path in self.definitions_files():
            d = self.defs(path)
            if needs(d):
                return d
        raise ConfigError(f"no definitions file of the wave has {what}", self.wave.path)

    def item_definitions(self, kind: str, options: dict[str, Any]) -> "Defs | None":
        """The definitions file a register item works with (None: the item reads no DREAM extract)."""
        if kind == "cubb":
            d = self.pick_definitions(options, lambda d: d.spec.target1 is not None or d.spec.target2 is not None,
                                      "CUBB targets (target1/target2)")
            return self.anonymised(d, options.get("anonymise"))
        if kind == "goals":
            return self.pick_definitions(options, lambda d: bool(d.spec.goals), "goals")
        if kind == "profile":
            return self.pick_definitions(options, lambda d: d.spec.programme is not None and d.spec.cohort is not None,
                                         "a programme and a cohort")
        if kind == "model" and not options.get("register"):
            return self.pick_definitions(options, lambda d: bool(d.spec.goals), "goals (for the municipality outcomes)")
        return None

    def extract(self) -> "SharedExtract":
        """The DREAM extract, read once with what the definitions of every register item need."""
        if self._extract is None:
            reg = self.wave.spec.register
            if reg is None:
                raise ConfigError("the wave has no 'register' section", self.wave.path)
            needed: list["Defs"] = []
            wants: list[tuple["Defs", Any, int | None]] = []
            for ch in self.wave.spec.chapters:
                for item in ch.items:
                    d = self.item_definitions(item.kind, item.options) if item.kind in REGISTER_ITEMS else None
                    if d is None:
                        continue
                    if all(d is not x for x in needed):
                        needed.append(d)
                    wants += self.item_wants(item.kind, item.options, d)
            self._extract = self.inputs.extract(self.wave.resolve(reg.extract), needed, batch_size=self.wave.spec.parameters.batch_size,
                                                jobs=self.wave.spec.parameters.jobs, bar=self.bar)
            for d, kind, q in wants:  # one pass over the extract computes every item's analyses
                self._extract.want(d, kind, q)
        return self._extract

    def item_wants(self, kind: str, options: dict[str, Any], defs: "Defs") -> list[tuple["Defs", Any, int | None]]:
        """The streamed analyses a register item will ask the extract for."""
        if kind == "cubb":
            return [(defs, "cubb", None)]
        if kind == "goals":
            return [(defs, "goals", None)]
        if kind == "model":
            return [(defs, "goals", None), (defs, "features", None)]
        try:
            return [(defs, "persons", self.profile_quarter(options))]
        except ConfigError:
            return []  # the item reports it when it runs

    def profile_quarter(self, options: dict[str, Any]) -> int | None:
        """A profile item's reference quarter: its own, else the wave's, else None (the last observed)."""
        from toolkit.core.calendar import parse_quarter

        q_text = options.get("quarter") or self.wave.spec.parameters.reference_quarter
        try:
            return parse_quarter(q_text) if q_text else None
        except ValueError as e:
            raise ConfigError(f"profile quarter: {e}", self.wave.path) from None

    def register_inputs(self, defs: "Defs") -> list[Input]:
        """The files behind a register item: the extract, its definitions file and code list."""
        reg = self.wave.spec.register
        return self.inputs.of(self.wave.resolve(reg.extract) if reg else None, defs.path, defs.codes.path, defs.names_path)


def apply_parameters(defs: "Defs", wave: Wave) -> "Defs":
    """Wave parameters override the definitions: window, reference month, programme municipalities."""
    from toolkit.config.definitions import override_definitions

    p = wave.spec.parameters
    return override_definitions(defs, window=(p.window.start, p.window.end) if p.window else None,
                                reference_month=p.reference_month, programme=p.programme_municipalities, source=wave.path)


# -------------------------------------------------------------------- the item runners
def survey_names(options: dict[str, Any], wave: Wave) -> list[str]:
    names = options.get("survey", list(wave.spec.surveys))
    return [names] if isinstance(names, str) else list(names)


def codebook_of(options: dict[str, Any], names: list[str], wave: Wave) -> Path | None:
    """The codebook a crosstab item uses: its own, else (for one survey) the survey's, else none."""
    rel = options.get("codebook") or (wave.spec.surveys[names[0]].codebook if len(names) == 1 else None)
    return wave.resolve(str(rel)) if rel else None


def run_weights(ctx: Context, options: dict[str, Any]) -> Run:
    """Weighting diagnostics (achieved vs target margins, weight spread, Kish n_eff), one part per survey."""
    runs = []
    for name in options.get("survey") or [n for n, s in ctx.wave.spec.surveys.items() if s.weights]:  # default: the weighted ones
        run = ctx.weighting(name)
        if run is None:
            raise ConfigError(f"survey '{name}' has no weights section", ctx.wave.path)
        runs.append((name, run))
    if len(runs) == 1:
        return runs[0][1]
    return Run([Part(name, r.tables) for name, r in runs], unique([w for _, r in runs for w in r.warnings]),
               list(dict.fromkeys(i for _, r in runs for i in r.inputs)), runs[0][1].parameters)


def run_crosstab(ctx: Context, options: dict[str, Any]) -> Run:
    """Questionnaire tables: the item's codebook (or the survey's own), weighted where the survey is."""
    from toolkit.config.codebook import Codebook, DatasetSpec
    from toolkit.pipeline.crosstab import run_crosstab as crosstab_run

    names = survey_names(options, ctx.wave)
    surveys = ctx.wave.spec.surveys
    cb_file = codebook_of(options, names, ctx.wave)
    cb = ctx.inputs.codebook(cb_file) if cb_file else Codebook()
    for n in names:
        old = cb.dataset(n)
        cb.datasets[n] = DatasetSpec(group=surveys[n].group or old.group, source=surveys[n].source or old.source,
                                     weighted_to=old.weighted_to, cluster=old.cluster, strata=old.strata)
    datasets = {n: ctx.dataset(n) for n in names}
    weights = {n: w for n in names if (w := ctx.crosstab_weights(n)) is not None}
    used = [ctx.data_path(n) for n in names] + [cb_file] + [ctx.margins_path(n) for n in weights]
    return crosstab_run(datasets, cb, weights, by=options.get("by"), layout=options.get("layout"),
                        only=options.get("tables"), inputs=ctx.inputs.of(*used))


def run_cubb(ctx: Context, options: dict[str, Any]) -> Run:
    """CUBB target 1 (cohort) and target 2 (cross-section) tables."""
    from toolkit.pipeline.outcomes import run_outcomes

    defs = ctx.item_definitions("cubb", options)
    assert defs is not None
    return run_outcomes(ctx.extract(), [defs], tables="cubb", policy=ctx.policy, inputs=ctx.register_inputs(defs))


def run_goals(ctx: Context, options: dict[str, Any]) -> Run:
    """NY CHANCE goals per quarter and municipality, projection, best/worst ten."""
    from toolkit.pipeline.outcomes import run_outcomes

    defs = ctx.item_definitions("goals", options)
    assert defs is not None
    return run_outcomes(ctx.extract(), [defs], tables="goals", policy=ctx.policy, inputs=ctx.register_inputs(defs))


def run_profile(ctx: Context, options: dict[str, Any]) -> Run:
    """Residual group vs employment group at the reference quarter, and a sub-group profile."""
    from toolkit.pipeline.profile import run_profile as profile_run
    from toolkit.profile import ProfileSettings, Subgroup

    defs = ctx.item_definitions("profile", options)
    assert defs is not None
    q = ctx.profile_quarter(options)
    settings = ProfileSettings()
    sub = options.get("subgroup")
    if sub:
        settings.subgroup = Subgroup(values=tuple([sub] if isinstance(sub, str) else sub))
    return profile_run(ctx.extract(), defs, quarter=q, settings=settings, policy=ctx.policy, inputs=ctx.register_inputs(defs))


def run_model(ctx: Context, options: dict[str, Any]) -> Run:
    """Municipality model: register outcomes per municipality + survey indicators, stepwise OLS."""
    from toolkit.config.model import spec_from_dict
    from toolkit.core.resources import registers_file
    from toolkit.pipeline.model import run_model as model_run

    cfg_file = ctx.wave.resolve(str(options.get("config") or ctx.wave.spec.model))
    spec = spec_from_dict(ctx.inputs.yaml(cfg_file), str(cfg_file))
    used: list[Path | None] = [cfg_file]
    names_file = registers_file("municipalities.csv")
    if options.get("register"):
        reg_file = ctx.wave.resolve(str(options["register"]))
        reg_df, source = ctx.inputs.data(reg_file).data, str(reg_file)
        used.append(reg_file)
    else:
        from toolkit.register.features import municipality_frame_of
        from toolkit.register.goals import series_of

        defs = ctx.item_definitions("model", options)
        assert defs is not None
        ex = ctx.extract()
        gc, sums = ex.goals(defs)
        reg_df = municipality_frame_of(ex.features(defs), series_of(sums, gc, defs), defs, gc).reset_index()
        source = "register outcomes"
        used += [i.path for i in ctx.register_inputs(defs)]
        names_file = defs.names_path or names_file  # the definitions' municipality list
    surveys = {}
    for name in sorted({i.instrument for i in spec.indicators}):
        if name in ctx.wave.spec.surveys:  # the wave's survey of that name
            surveys[name] = ctx.dataset(name)
            used.append(ctx.data_path(name))
        else:  # else the file the model config names (relative to the config)
            inst = spec.instruments.get(name)
            if inst is None or not inst.file:
                raise ConfigError(f"model instrument '{name}' is neither a survey of the wave nor has a file", cfg_file)
            surveys[name] = ctx.inputs.data(cfg_file.parent / inst.file)
            used.append(cfg_file.parent / inst.file)
    names = ctx.inputs.municipality_names(names_file)
    used.append(names_file)
    return model_run(spec, reg_df, surveys, names=names, policy=ctx.policy,
                     register_source=source, inputs=ctx.inputs.of(*used))


RUNNERS: dict[str, Callable[[Context, dict[str, Any]], Run]] = {
    "weights": run_weights,
    "crosstab": run_crosstab,
    "cubb": run_cubb,
    "goals": run_goals,
    "profile": run_profile,
    "model": run_model,
}


@dataclass
class ItemRun:
    """One item of a chapter, its run (`index` counts from 1 within the chapter) and its tables as
    published: keyed "<chapter>/<index>/<name>" and numbered in the chapter."""

    chapter: str
    index: int
    kind: str
    run: Run
    tables: list[Table]


@dataclass
class Report:
    """A whole wave: every item's run in order, the files read (hashed when read), the parameters."""

    items: list[ItemRun]
    inputs: list[Input]
    parameters: dict[str, Any] = field(default_factory=dict)
    extra_warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [t for it in self.items for t in it.tables]

    @property
    def warnings(self) -> list[str]:
        return unique([w for it in self.items for w in it.run.warnings] + self.extra_warnings)


def wave_policy(wave: Wave) -> Any:
    """The disclosure rules of the wave (its `parameters`, defaults documented in publish.disclosure)."""
    from toolkit.publish.disclosure import Policy

    p = wave.spec.parameters
    return Policy(threshold=p.disclosure_threshold, zeros=p.disclosure_zeros, complements=p.disclosure_complements)


def build_report(wave: Wave, progress: Progress | None = None, bar: "PassBar | None" = None) -> Report:
    """Every chapter's tables, numbered, register tables disclosure-controlled; with the inputs used.
    `bar` shows the progress of the pass over the DREAM extract."""
    from toolkit.config.base import raise_problems
    from toolkit.pipeline.check import preflight

    ctx = Context(wave, bar)
    raise_problems(preflight(ctx))  # what `toolkit check` refuses, refused before the first item runs
    items: list[ItemRun] = []
    for ch in wave.spec.chapters:
        chapter_tables: list[Table] = []
        for i, item in enumerate(ch.items):
            if progress:
                progress(f"Kapitel {ch.number}: {item.kind}")
            try:
                run = RUNNERS[item.kind](ctx, item.options)
            except ToolkitError as e:
                if e.file is None:
                    e.at(wave.path)
                e.message = f"chapter {ch.number}, item {i + 1} ({item.kind}): {e.message}"
                e.args = (str(e),)
                raise
            items.append(ItemRun(ch.number, i + 1, item.kind, run, run.published(f"{ch.number}/{i + 1}")))
            chapter_tables += items[-1].tables
        renumber(chapter_tables, ch.number)
    # each run protected its own tables; the whole output once more, as the items share persons
    # (two profile items on one cohort, CUBB and NY CHANCE on one extract)
    from toolkit.publish.disclosure import suppress

    register_tables = [t for it in items for t in it.tables if t.register]
    if register_tables:
        suppress(register_tables, ctx.policy)
    # a survey weighted only for its cross-tabs still says what its margins file needs
    weight_warnings = [w for r in ctx.weight_runs.values() for w in r.warnings]
    return Report(items, ctx.inputs.files, parameters_in_force(wave, ctx), weight_warnings)


def parameters_in_force(wave: Wave, ctx: Context) -> dict[str, Any]:
    """Every parameter the report ran with, defaults spelt out: the wave's parameters (a window,
    reference month or programme left unset is the definitions' value, named per file), the
    disclosure rules, the DREAM read's batch size."""
    p = wave.spec.parameters
    out: dict[str, Any] = {"wave": wave.spec.name}
    policy = ctx.policy
    out |= {f"disclosure_{k}": v for k, v in vars(policy).items()}
    for k, v in p.model_dump().items():
        if k.startswith("disclosure_"):
            continue
        if v in (None, []):
            v = "ikke sat (definitionernes værdi)" if k != "reference_quarter" else "ikke sat (sidste observerede kvartal)"
        out[k] = f"{v['start']} – {v['end']}" if isinstance(v, dict) else (", ".join(map(str, v)) if isinstance(v, list) else v)
    for path, defs in ctx._defs.items():
        spec, name = defs.spec, Path(path).name
        if spec.target_group is not None:
            out[f"{name}: target_group.window"] = " – ".join(map(str, spec.target_group.window))
        if spec.target2 is not None:
            out[f"{name}: target2.reference_month"] = spec.target2.reference_month
        if spec.municipalities is not None:
            out[f"{name}: municipalities.programme"] = ", ".join(f"{k} {v}" for k, v in spec.municipalities.programme.items())
    return out
