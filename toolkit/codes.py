"""Register definitions as data: the DREAM code list with its groupings, and the outcome definitions.

Both live in YAML files under registers/ (format in registers/README.md), so a new wave or a new
programme is an edited file, not new code. Everything is validated on load; errors name the file
and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .errors import ConfigError
from .io import read_yaml

REGISTERS = Path(__file__).resolve().parent.parent / "registers"
MAX_CODE = 999  # DREAM codes are three digits

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(text: str) -> int:
    """'2023-12' → an absolute month number (year*12 + month-1) used for every month axis."""
    m = MONTH_RE.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    """The inverse of month_index: 24287 → '2023-12'."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


DANISH_MONTHS = ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]


def month_text(index: int) -> str:
    """A month as the seeds write it: 'dec. 2023'."""
    return f"{DANISH_MONTHS[index % 12]} {index // 12}"


def quarter_text(quarter: int) -> str:
    """Absolute quarter number (year*4 + q-1) → '3. kvt. 2006'."""
    return f"{quarter % 4 + 1}. kvt. {quarter // 4}"


# --------------------------------------------------------------------------- code list


@dataclass(frozen=True)
class Group:
    """A named set of DREAM codes (e.g. kontanthjælp, aktivitetsparat = 730-739)."""

    key: str
    label: str
    codes: frozenset[int]
    benefit: bool = True
    activity: bool = False


@dataclass(frozen=True)
class ActivationType:
    """An activation offer type: activity digits within activity groups, and/or whole groups."""

    key: str
    label: str
    digits: frozenset[int] = frozenset()
    groups: frozenset[str] = frozenset()


@dataclass
class CodeList:
    """The DREAM code list: groups (in precedence order) and activation types, with lookup tables.

    Group ids are 1-based positions in `groups`; 0 means a blank week; `unknown_id` is the id of
    codes found in no group. Activation ids are 1-based positions in `activation`; 0 = none/passive.
    """

    groups: list[Group]
    activation: list[ActivationType]
    passive_digits: frozenset[int] = frozenset({0})
    unknown: str = "other"
    path: Path | None = None
    _lut: np.ndarray | None = field(default=None, repr=False)
    _act: np.ndarray | None = field(default=None, repr=False)

    @property
    def unknown_id(self) -> int:
        return len(self.groups) + 1

    def labels(self) -> list[str]:
        """Group labels indexed by group id (0 = no benefit, last = unknown code)."""
        return ["Ingen ydelse"] + [g.label for g in self.groups] + ["Ukendt kode"]

    def group_id(self, key: str, where: str = "groups") -> int:
        for k, g in enumerate(self.groups, start=1):
            if g.key == key:
                return k
        raise ConfigError(f"{where}: unknown code group '{key}'; the code list has {', '.join(g.key for g in self.groups)}", self.path)

    def group_ids(self, keys: list[str], where: str = "groups") -> np.ndarray:
        return np.array([self.group_id(k, where) for k in keys], dtype=np.uint8)

    def activation_id(self, key: str, where: str = "activation") -> int:
        for k, a in enumerate(self.activation, start=1):
            if a.key == key:
                return k
        raise ConfigError(f"{where}: unknown activation type '{key}'; the code list has {', '.join(a.key for a in self.activation)}", self.path)

    def group_lut(self) -> np.ndarray:
        """uint8 lookup code → group id (index 0..999)."""
        if self._lut is None:
            lut = np.full(MAX_CODE + 1, self.unknown_id, dtype=np.uint8)
            lut[0] = 0
            for k, g in enumerate(self.groups, start=1):
                lut[list(g.codes)] = k
            self._lut = lut
        return self._lut

    def activation_lut(self) -> np.ndarray:
        """uint8 lookup code → activation type id (0 = none or passive)."""
        if self._act is None:
            act = np.zeros(MAX_CODE + 1, dtype=np.uint8)
            for k, a in enumerate(self.activation, start=1):
                for g in self.groups:
                    if g.key in a.groups:
                        act[list(g.codes)] = k
                    elif g.activity and a.digits:
                        cs = [c for c in g.codes if c % 10 in a.digits]
                        act[cs] = k
            self._act = act
        return self._act

    def benefit_lut(self) -> np.ndarray:
        """bool lookup group id → is a public benefit (unknown codes count as benefits)."""
        out = np.ones(len(self.groups) + 2, dtype=bool)
        out[0] = False
        for k, g in enumerate(self.groups, start=1):
            out[k] = g.benefit
        return out

    def known(self, code: int) -> bool:
        return any(code in g.codes for g in self.groups)


def parse_codes(items: Any, where: str, path: Path | None) -> set[int]:
    """[130, "730-739"] → the set of codes; errors name the key."""
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: expected a list of codes or ranges like \"130-139\"", path)
    out: set[int] = set()
    for it in items:
        text = str(it).strip()
        m = re.fullmatch(r"(\d{1,3})(?:\s*-\s*(\d{1,3}))?", text)
        if not m:
            raise ConfigError(f"{where}: '{text}' is not a code (1-{MAX_CODE}) or a range like 130-139", path)
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if not (1 <= a <= b <= MAX_CODE):
            raise ConfigError(f"{where}: '{text}' is not a valid code range within 1-{MAX_CODE}", path)
        out.update(range(a, b + 1))
    return out


def load_codes(path: str | Path | None = None) -> CodeList:
    """Read and validate a code list YAML (default registers/dream_codes.yaml)."""
    p = Path(path) if path is not None else REGISTERS / "dream_codes.yaml"
    raw = read_yaml(p)
    if not isinstance(raw, dict) or not isinstance(raw.get("groups"), dict) or not raw["groups"]:
        raise ConfigError("expected a mapping with a non-empty 'groups' section", p)
    unknown = raw.get("unknown_codes", "other")
    if unknown not in ("other", "error"):
        raise ConfigError(f"unknown_codes: expected 'other' or 'error', got '{unknown}'", p)
    groups: list[Group] = []
    seen: dict[int, str] = {}
    for key, spec in raw["groups"].items():
        if not isinstance(spec, dict) or "label" not in spec or "codes" not in spec:
            raise ConfigError(f"groups.{key}: expected {{label: …, codes: […]}}", p)
        extra = set(spec) - {"label", "codes", "benefit", "activity"}
        if extra:
            raise ConfigError(f"groups.{key}: unknown key '{sorted(extra)[0]}' (allowed: label, codes, benefit, activity)", p)
        codes = parse_codes(spec["codes"], f"groups.{key}.codes", p)
        for c in sorted(codes):
            if c in seen:
                raise ConfigError(f"groups.{key}.codes: code {c} is already in group '{seen[c]}'", p)
            seen[c] = key
        groups.append(Group(str(key), str(spec["label"]), frozenset(codes), bool(spec.get("benefit", True)), bool(spec.get("activity", False))))
    if len(groups) > 250:
        raise ConfigError("groups: at most 250 groups are supported", p)
    act_raw = raw.get("activation") or {}
    passive = frozenset(int(d) for d in act_raw.get("passive_digits", [0]))
    types: list[ActivationType] = []
    keys = {g.key for g in groups}
    for key, spec in (act_raw.get("types") or {}).items():
        if not isinstance(spec, dict) or "label" not in spec:
            raise ConfigError(f"activation.types.{key}: expected {{label: …, digits: […]}} or {{label: …, groups: […]}}", p)
        digits = frozenset(int(d) for d in spec.get("digits", []))
        if any(not 0 <= d <= 9 for d in digits) or digits & passive:
            raise ConfigError(f"activation.types.{key}.digits: digits must be 0-9 and not passive", p)
        gs = frozenset(str(g) for g in spec.get("groups", []))
        for g in gs:
            if g not in keys:
                raise ConfigError(f"activation.types.{key}.groups: unknown code group '{g}'", p)
        types.append(ActivationType(str(key), str(spec["label"]), digits, gs))
    return CodeList(groups, types, passive, unknown, p)


# --------------------------------------------------------------------------- outcome definitions


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
    return p.parent / q if (p.parent / q).exists() else REGISTERS / q


def load_municipality_names(path: str | Path | None = None) -> dict[int, str]:
    """Municipality code → name from a CSV with columns kode, kommune (registers/municipalities.csv)."""
    import pandas as pd

    p = Path(path) if path is not None else REGISTERS / "municipalities.csv"
    if not p.exists():
        raise ConfigError("municipality names file not found", p)
    df = pd.read_csv(p, encoding="utf-8")
    if not {"kode", "kommune"} <= set(df.columns):
        raise ConfigError("expected columns kode, kommune", p)
    return {int(k): str(v) for k, v in zip(df["kode"], df["kommune"])}
