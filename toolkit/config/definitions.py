"""Outcome definitions (registers/cubb.yaml, registers/nychance.yaml): target groups, exits,
goals, columns of the extract; validated on load by strict models, every group and activation
key checked against the code list, every problem listed with its key path."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, ValidationError, field_validator, model_validator

from toolkit.config.base import (
    Flag,
    Loc,
    MappingOf,
    Month,
    MunicipalityCode,
    Name,
    OneOrMany,
    Problem,
    Strict,
    Text,
    check_all,
    key_path,
    problems_of,
    raise_problems,
    suggest,
    validate,
)
from toolkit.config.codes import CodeList, load_codes
from toolkit.config.yaml import read_yaml
from toolkit.core.calendar import month_index
from toolkit.core.errors import ConfigError
from toolkit.core.resources import registers_file


class Columns(Strict):
    """Which extract column means what ({yyyy} and {q} are filled in for per-year/quarter columns)."""

    id: Name = "pnr"
    weeks: Name = "y_"
    grad: Name = "grad_"
    sex: Optional[Name] = "kon"
    birth: Optional[Name] = "foed_dato"
    age: Optional[Name] = None
    age_at: Optional[Name] = None
    origin: Optional[Name] = "herkomst"
    municipality: Name = "nykom{yyyy}"
    match: Optional[Name] = "match"
    visitation: Optional[Name] = "visit{q}kv{yyyy}"
    seniority: Optional[Name] = None


class Employment(Strict):
    min_grad: float = 0.0
    hours_per_grad: float = 1.6033
    min_hours: float = 0.0


class Municipalities(Strict):
    programme: dict[MunicipalityCode, Text]
    programme_label: str = "Programkommuner"
    rest_label: str = "Landsplan"
    anonymise: Flag = False


class Visitation(Strict):
    groups: OneOrMany[Name]
    values: OneOrMany[int]


def window_problem(window: tuple[str, str]) -> str | None:
    """The one rule for an observation window (definitions and wave): start not after end."""
    if month_index(window[0]) > month_index(window[1]):
        return f"the window's start {window[0]} is after its end {window[1]}"
    return None


class TargetGroup(Strict):
    groups: OneOrMany[Name]
    window: tuple[Month, Month]
    age: tuple[int, int] = (18, 65)
    visitation: Optional[Visitation] = None

    @field_validator("window")
    @classmethod
    def _w(cls, v: tuple[str, str]) -> tuple[str, str]:
        problem = window_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class Exit(Strict):
    label: Text
    groups: OneOrMany[Name] = []
    rule: Optional[Literal["job", "self_support", "censored", "other"]] = None
    show: Flag = True


class Target1(Strict):
    exits: list[Exit] = Field(min_length=1)
    # each_spell: an exit after every spell, a person once per category reached (the seed's
    # Metodebilag); last_spell: one exit per person, after the last target-group month
    exit_after: Literal["each_spell", "last_spell"] = "each_spell"


class Target2(Strict):
    reference_month: Month
    exclude_groups: OneOrMany[Name] = []
    exclude_activation: OneOrMany[Name] = []


class Programme(Strict):
    start: Month
    end: Month
    observed_through: Optional[Month] = None


class Cohort(Strict):
    groups: OneOrMany[Name]
    passive_weeks: Optional[tuple[int, int]] = None  # (at least, of the last N weeks before start)
    age: tuple[int, int] = (18, 64)


class Goal(Strict):
    key: Name
    label: Text
    kind: Literal["job_education", "self_support", "activation"]
    groups: OneOrMany[Name]
    target: Optional[float] = None


class Seniority(Strict):
    groups: OneOrMany[Name]
    lookback_weeks: Optional[int] = None


class TableText(Strict):
    number: Text = ""
    title: Optional[Text] = None


class Definitions(Strict):
    """One definitions file: CUBB-style targets (target_group/target1/target2) and/or
    NY CHANCE-style quarterly goals (programme/cohort/goals)."""

    name: Text
    codes: Text = "dream_codes.yaml"
    source: Text = "Kilde: DREAM, egne beregninger."
    columns: Columns = Columns()
    employment: Employment = Employment()
    municipalities: Optional[Municipalities] = None
    target_group: Optional[TargetGroup] = None
    target1: Optional[Target1] = None
    target2: Optional[Target2] = None
    programme: Optional[Programme] = None
    cohort: Optional[Cohort] = None
    goals: list[Goal] = []
    projection_quarters: int = 5
    ranking: int = 10
    exclude_groups: OneOrMany[Name] = ["doed", "udrejst"]
    seniority: Optional[Seniority] = None
    match_heavy: OneOrMany[int] = [4, 5]
    ranking_min_persons: int = 20
    municipality_names: Text = "municipalities.csv"
    tables: MappingOf[Name, TableText] = {}

    @model_validator(mode="after")
    def _sections(self) -> "Definitions":
        """The checks that span sections (those against the code list follow in `group_problems`)."""
        problems: list[tuple[Loc | str, str]] = []
        tg = self.target_group
        if self.target1:
            for i, ex in enumerate(self.target1.exits):
                if bool(ex.groups) == bool(ex.rule):
                    problems.append((("target1", "exits", i), "give either groups or a rule (job, self_support, censored, other)"))
            rules = [ex.rule for ex in self.target1.exits]
            problems += [(("target1", "exits"), f"exactly one exit needs rule: {r}") for r in ("job", "censored", "other")
                         if rules.count(r) != 1]
        problems += [(k, "needs a target_group section") for k in ("target1", "target2") if getattr(self, k) and not tg]
        if (self.target1 or self.target2 or self.goals) and not self.municipalities:
            problems.append(("municipalities", "required key is missing (the programme municipalities and labels)"))
        if self.goals and not (self.programme and self.cohort):
            problems.append(("goals", "goals need the programme and cohort sections"))
        if self.target2 and tg and not (month_index(tg.window[0]) <= month_index(self.target2.reference_month) <= month_index(tg.window[1])):
            problems.append((("target2", "reference_month"),
                             f"{self.target2.reference_month} must lie inside target_group.window ({tg.window[0]} to {tg.window[1]})"))
        check_all(problems)
        return self


@dataclass
class Defs:
    """Validated definitions plus the code list they refer to."""

    spec: Definitions
    codes: CodeList
    path: Path | None = None
    names: dict[int, str] = field(default_factory=dict)
    names_path: Path | None = None  # the municipality list the names were read from

    def table_text(self, table_id: str, title: str) -> tuple[str, str]:
        """(number, title) for a table: the definitions file may renumber or retitle it."""
        t = self.spec.tables.get(table_id)
        if t is None:
            return "", title
        return t.number, t.title or title


def group_problems(defs: Definitions, codes: CodeList) -> list[tuple[Loc, str]]:
    """(location, message) of every code group and activation type the code list does not have."""
    groups = [g.key for g in codes.groups]
    acts = [a.key for a in codes.activation]
    lists: list[tuple[Loc, list[str], list[str], str]] = [(("exclude_groups",), defs.exclude_groups, groups, "code group")]
    tg = defs.target_group
    if tg:
        lists.append((("target_group", "groups"), tg.groups, groups, "code group"))
        if tg.visitation:
            lists.append((("target_group", "visitation", "groups"), tg.visitation.groups, groups, "code group"))
    if defs.target1:
        lists += [(("target1", "exits", i, "groups"), ex.groups, groups, "code group") for i, ex in enumerate(defs.target1.exits)]
    if defs.target2:
        lists.append((("target2", "exclude_groups"), defs.target2.exclude_groups, groups, "code group"))
        lists.append((("target2", "exclude_activation"), defs.target2.exclude_activation, acts, "activation type"))
    if defs.cohort:
        lists.append((("cohort", "groups"), defs.cohort.groups, groups, "code group"))
    lists += [(("goals", i, "groups"), g.groups, groups, "code group") for i, g in enumerate(defs.goals)]
    if defs.seniority:
        lists.append((("seniority", "groups"), defs.seniority.groups, groups, "code group"))
    return [((*loc, j), suggest(k, valid, what)) for loc, keys, valid, what in lists for j, k in enumerate(keys) if k not in valid]


def load_definitions(path: str | Path) -> Defs:
    """Read and validate an outcome definitions YAML and the code list it names; every problem is listed."""
    p = Path(path)
    raw = read_yaml(p)
    spec = validate(Definitions, raw, p)
    codes_path = Path(spec.codes)
    if not codes_path.is_absolute():
        codes_path = p.parent / codes_path
    codes = load_codes(codes_path)
    raise_problems([Problem(msg, str(p), key_path(loc, raw)) for loc, msg in group_problems(spec, codes)])
    names_path = _beside(p, spec.municipality_names)
    return Defs(spec, codes, p, load_municipality_names(names_path), names_path)


WAVE_OVERRIDES = {"target_group.window": "parameters.window", "target2.reference_month": "parameters.reference_month",
                  "municipalities.programme": "parameters.programme_municipalities"}


def override_definitions(defs: Defs, *, window: tuple[str, str] | None = None, reference_month: str | None = None,
                         programme: list[int] | None = None, source: str | Path | None = None) -> Defs:
    """The definitions with a wave's window, reference month and programme municipalities, checked by
    the definitions' own rules; a problem names `source` (the wave) and its parameter."""
    spec = defs.spec
    data = spec.model_dump()
    where = str(source or defs.path)
    problems: list[Problem] = []
    if window and spec.target_group is not None:
        data["target_group"] = {**data["target_group"], "window": list(window)}
    if reference_month and spec.target2 is not None:
        data["target2"] = {**data["target2"], "reference_month": reference_month}
    if programme and spec.municipalities is not None:
        names = defs.names or {}
        problems += [Problem(f"{k} is not a municipality code (the municipality list has no {k})", where,
                             f"parameters.programme_municipalities[{i + 1}]") for i, k in enumerate(programme) if names and int(k) not in names]
        data["municipalities"] = {**data["municipalities"], "programme": {int(k): names.get(int(k), str(k)) for k in programme}}
    if data == spec.model_dump():
        return defs
    try:
        new = Definitions.model_validate(data)
    except ValidationError as e:
        given = [w for w, v in zip(WAVE_OVERRIDES.values(), (window, reference_month, programme)) if v]
        for p in problems_of(e, data, where):
            key = next((w for d, w in WAVE_OVERRIDES.items() if p.key.startswith(d)), "")
            key = key if key in given else given[0]  # the parameter that broke the definitions' rule
            problems.append(Problem(f"{p.message}, by the rules of {Path(str(defs.path)).name} ({p.key})", where, key))
    raise_problems(problems)
    return replace(defs, spec=new)


def _beside(p: Path, name: str) -> Path:
    """A file named in a definitions file: relative to it, else in registers/."""
    q = Path(name)
    if q.is_absolute():
        return q
    return p.parent / q if (p.parent / q).exists() else registers_file(name)


def load_municipality_names(path: str | Path | None = None) -> dict[int, str]:
    """Municipality code → name from a CSV with columns kode, kommune (registers/municipalities.csv)."""
    from toolkit.read.tabular import read_data

    p = Path(path) if path is not None else registers_file("municipalities.csv")
    if not p.exists():
        raise ConfigError("municipality names file not found", p)
    df = read_data(p).data
    if not {"kode", "kommune"} <= set(df.columns):
        raise ConfigError("the municipality list needs columns 'kode' and 'kommune'", p)
    return {int(k): str(v) for k, v in zip(df["kode"], df["kommune"])}
