"""Outcome definitions (registers/cubb.yaml, registers/nychance.yaml): target groups, exits,
goals, columns of the extract; validated on load, every key checked against the code list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from toolkit.config.codes import CodeList, load_codes
from toolkit.config.yaml import read_yaml
from toolkit.core.calendar import month_index
from toolkit.core.errors import ConfigError
from toolkit.core.resources import registers_file


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _month(v: Any) -> str:
    month_index(str(v))
    return str(v).strip()


class Columns(_Model):
    """Which extract column means what ({yyyy} and {q} are filled in for per-year/quarter columns)."""

    id: str = "pnr"
    weeks: str = "y_"
    grad: str = "grad_"
    sex: Optional[str] = "kon"
    birth: Optional[str] = "foed_dato"
    age: Optional[str] = None
    age_at: Optional[str] = None
    origin: Optional[str] = "herkomst"
    municipality: str = "nykom{yyyy}"
    match: Optional[str] = "match"
    visitation: Optional[str] = "visit{q}kv{yyyy}"
    seniority: Optional[str] = None


class Employment(_Model):
    min_grad: float = 0.0
    hours_per_grad: float = 1.6033
    min_hours: float = 0.0


class Municipalities(_Model):
    programme: dict[int, str]
    programme_label: str = "Programkommuner"
    rest_label: str = "Landsplan"
    anonymise: bool = False


class Visitation(_Model):
    groups: list[str]
    values: list[int]


class TargetGroup(_Model):
    groups: list[str]
    window: tuple[str, str]
    age: tuple[int, int] = (18, 65)
    visitation: Optional[Visitation] = None

    @field_validator("window")
    @classmethod
    def _w(cls, v: tuple[str, str]) -> tuple[str, str]:
        a, b = _month(v[0]), _month(v[1])
        if month_index(a) > month_index(b):
            raise ValueError("the window's start is after its end")
        return (a, b)


class Exit(_Model):
    label: str
    groups: list[str] = []
    rule: Optional[Literal["job", "self_support", "censored", "other"]] = None
    show: bool = True


class Target1(_Model):
    exits: list[Exit]


class Target2(_Model):
    reference_month: str
    exclude_groups: list[str] = []
    exclude_activation: list[str] = []

    @field_validator("reference_month")
    @classmethod
    def _m(cls, v: str) -> str:
        return _month(v)


class Programme(_Model):
    start: str
    end: str
    observed_through: Optional[str] = None

    @field_validator("start", "end", "observed_through")
    @classmethod
    def _m(cls, v: Optional[str]) -> Optional[str]:
        return None if v is None else _month(v)


class Cohort(_Model):
    groups: list[str]
    passive_weeks: Optional[tuple[int, int]] = None  # (at least, of the last N weeks before start)
    age: tuple[int, int] = (18, 64)


class Goal(_Model):
    key: str
    label: str
    kind: Literal["job_education", "self_support", "activation"]
    groups: list[str]
    target: Optional[float] = None


class Seniority(_Model):
    groups: list[str]
    lookback_weeks: Optional[int] = None


class TableText(_Model):
    number: str = ""
    title: Optional[str] = None


class Definitions(_Model):
    """One definitions file: CUBB-style targets (target_group/target1/target2) and/or
    NY CHANCE-style quarterly goals (programme/cohort/goals)."""

    name: str
    codes: str = "dream_codes.yaml"
    source: str = "Kilde: DREAM, egne beregninger."
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
    exclude_groups: list[str] = ["doed", "udrejst"]
    seniority: Optional[Seniority] = None
    match_heavy: list[int] = [4, 5]
    ranking_min_persons: int = 20
    municipality_names: str = "municipalities.csv"
    tables: dict[str, TableText] = {}


@dataclass
class Defs:
    """Validated definitions plus the code list they refer to."""

    spec: Definitions
    codes: CodeList
    path: Path | None = None
    names: dict[int, str] = field(default_factory=dict)

    def table_text(self, table_id: str, title: str) -> tuple[str, str]:
        """(number, title) for a table: the definitions file may renumber or retitle it."""
        t = self.spec.tables.get(table_id)
        if t is None:
            return "", title
        return t.number, t.title or title


def _check_groups(defs: Definitions, codes: CodeList, path: Path | None) -> None:
    """Every group and activation key in the definitions must exist in the code list."""
    def groups(keys: list[str], where: str) -> None:
        for k in keys:
            codes.group_id(k, where)

    def wrap(fn: Any) -> None:
        try:
            fn()
        except ConfigError as e:
            raise ConfigError(e.message, path) from None

    tg = defs.target_group
    checks: list[tuple[list[str], str]] = [(defs.exclude_groups, "exclude_groups")]
    if tg:
        checks.append((tg.groups, "target_group.groups"))
        if tg.visitation:
            checks.append((tg.visitation.groups, "target_group.visitation.groups"))
    if defs.target1:
        rules = [ex.rule for ex in defs.target1.exits]
        for i, ex in enumerate(defs.target1.exits):
            checks.append((ex.groups, f"target1.exits[{i}].groups"))
            if bool(ex.groups) == bool(ex.rule):
                raise ConfigError(f"target1.exits[{i}]: give either groups or a rule (job, self_support, censored, other)", path)
        for r in ("job", "censored", "other"):
            if rules.count(r) != 1:
                raise ConfigError(f"target1.exits: exactly one exit needs rule: {r}", path)
    if defs.target2:
        checks.append((defs.target2.exclude_groups, "target2.exclude_groups"))
        for a in defs.target2.exclude_activation:
            wrap(lambda a=a: codes.activation_id(a, "target2.exclude_activation"))
    if defs.cohort:
        checks.append((defs.cohort.groups, "cohort.groups"))
    for i, g in enumerate(defs.goals):
        checks.append((g.groups, f"goals[{i}].groups"))
    if defs.seniority:
        checks.append((defs.seniority.groups, "seniority.groups"))
    for keys, where in checks:
        wrap(lambda keys=keys, where=where: groups(keys, where))
    if (defs.target1 or defs.target2) and not tg:
        raise ConfigError("target1/target2 need a target_group section", path)
    if (defs.target1 or defs.target2 or defs.goals) and not defs.municipalities:
        raise ConfigError("municipalities: missing (programme municipalities and labels)", path)
    if defs.goals and not (defs.programme and defs.cohort):
        raise ConfigError("goals need the programme and cohort sections", path)
    if defs.target2 and tg and not (month_index(tg.window[0]) <= month_index(defs.target2.reference_month) <= month_index(tg.window[1])):
        raise ConfigError("target2.reference_month: must lie inside target_group.window", path)


def load_definitions(path: str | Path) -> Defs:
    """Read and validate an outcome definitions YAML and the code list it names."""
    p = Path(path)
    raw = read_yaml(p)
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping of definitions", p)
    try:
        spec = Definitions.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ConfigError(f"{loc}: {err['msg']}", p) from None
    codes_path = Path(spec.codes)
    if not codes_path.is_absolute():
        codes_path = p.parent / codes_path
    codes = load_codes(codes_path)
    _check_groups(spec, codes, p)
    return Defs(spec, codes, p, load_municipality_names(_beside(p, spec.municipality_names)))


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
