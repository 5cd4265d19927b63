"""The wave file (YAML): inputs, parameters and the ordered chapters of the ministry workbook.

Validated with pydantic so that *all* problems are found in one pass; each problem names the
file and the key (e.g. ``chapters[2].items[1].crosstab.survey``). Paths are relative to the
wave file's folder. See surveys/README.md ("Wave file") for the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from toolkit.config.yaml import read_yaml
from toolkit.core.calendar import month_index, parse_quarter
from toolkit.core.errors import ConfigError, ToolkitError

ITEM_KINDS = ("weights", "crosstab", "cubb", "goals", "model", "profile")


def _month(v: Any) -> str | None:
    """A month written YYYY-MM (the same rule as the register definitions), or None."""
    if v is None:
        return None
    month_index(str(v))  # raises ValueError with the reason
    return str(v)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Window(_Strict):
    start: str
    end: str

    _months = field_validator("start", "end")(_month)

    @model_validator(mode="after")
    def _order(self) -> "Window":
        if month_index(self.start) > month_index(self.end):
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class Parameters(_Strict):
    disclosure_threshold: int = Field(5, ge=1)
    window: Window | None = None
    reference_month: str | None = None
    reference_quarter: str | None = None
    programme_municipalities: list[int] = Field(default_factory=list)

    _months = field_validator("reference_month")(_month)

    @field_validator("reference_quarter")
    @classmethod
    def _quarter(cls, v: str | None) -> str | None:
        if v is not None:
            parse_quarter(str(v))  # raises ValueError with the reason (the rule the report reads it by)
        return v


class WeightSpec(_Strict):
    margins: str
    id: str = "id"
    base_weight: str | None = None
    trim: str | None = None
    scale: Literal["population", "n"] = "population"


class Survey(_Strict):
    data: str
    codebook: str | None = None
    group: str | None = None
    source: str | None = None
    weights: WeightSpec | None = None


class Register(_Strict):
    extract: str
    definitions: str | list[str]
    source: str | None = None


class Item(BaseModel):
    """One entry of a chapter: exactly one of the item kinds with its options."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict) or len(data) != 1:
            raise ValueError(f"each item must be a mapping with exactly one of: {', '.join(ITEM_KINDS)}")
        kind = next(iter(data))
        if kind not in ITEM_KINDS:
            raise ValueError(f"unknown item '{kind}'; allowed: {', '.join(ITEM_KINDS)}")
        opts = data[kind]
        if opts is not None and not isinstance(opts, dict):
            raise ValueError(f"the options of '{kind}' must be a mapping")
        return data

    @property
    def kind(self) -> str:
        return next(iter(self.model_extra or {}))

    @property
    def options(self) -> dict[str, Any]:
        return dict((self.model_extra or {})[self.kind] or {})


class Chapter(_Strict):
    number: str
    title: str
    items: list[Item] = Field(min_length=1)

    @field_validator("number", mode="before")
    @classmethod
    def _num(cls, v: Any) -> str:
        return str(v)


class WaveModel(_Strict):
    name: str
    title: str
    parameters: Parameters = Field(default_factory=Parameters)
    surveys: dict[str, Survey] = Field(default_factory=dict)
    register_: Register | None = Field(None, alias="register")
    model: str | None = None
    chapters: list[Chapter] = Field(min_length=1)

    @property
    def register(self) -> Register | None:
        return self.register_


@dataclass
class Problem:
    """One thing wrong with a wave: where (file, key) and what."""

    message: str
    file: str
    key: str = ""

    def __str__(self) -> str:
        return f"{self.message} ({self.file}{', key ' + self.key if self.key else ''})"


@dataclass
class Wave:
    """A validated wave file with its folder (relative paths resolve against it)."""

    path: Path
    spec: WaveModel
    raw: dict[str, Any]

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve(self, rel: str) -> Path:
        p = Path(rel)
        return p if p.is_absolute() else (self.folder / p)

    def input_files(self) -> list[tuple[str, Path]]:
        """(key, path) of every file the wave names, for existence checks and provenance."""
        return [(key, self.resolve(rel)) for key, rel in named_files(self.raw)]


def named_files(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, relative path) of every input file a wave mapping names; tolerant of a broken wave
    so that `toolkit check` can report missing files beside structural mistakes."""

    def get(d: Any, key: str) -> Any:
        return d.get(key) if isinstance(d, dict) else None

    out: list[tuple[str, str]] = []
    surveys = get(raw, "surveys")
    for name, s in (surveys.items() if isinstance(surveys, dict) else []):
        for key in ("data", "codebook"):
            if isinstance(get(s, key), str):
                out.append((f"surveys.{name}.{key}", get(s, key)))
        if isinstance(get(get(s, "weights"), "margins"), str):
            out.append((f"surveys.{name}.weights.margins", get(get(s, "weights"), "margins")))
    reg = get(raw, "register")
    if isinstance(get(reg, "extract"), str):
        out.append(("register.extract", get(reg, "extract")))
    defs = get(reg, "definitions")
    if isinstance(defs, str):
        out.append(("register.definitions", defs))
    elif isinstance(defs, list):
        out += [(f"register.definitions[{i + 1}]", d) for i, d in enumerate(defs) if isinstance(d, str)]
    if isinstance(get(raw, "model"), str):
        out.append(("model", get(raw, "model")))
    return out


def missing_files(raw: dict[str, Any], folder: Path, wave_path: Path) -> list[Problem]:
    """A problem for every named input file that does not exist."""
    problems = []
    for key, rel in named_files(raw):
        path = Path(rel) if Path(rel).is_absolute() else folder / rel
        if not path.is_file():
            problems.append(Problem(f"file not found: {path}", str(wave_path), key))
    return problems


def _loc(loc: tuple[Any, ...]) -> str:
    """'chapters[2].items[1].crosstab' – list positions counted from 1, as a reader counts."""
    out = ""
    for x in loc:
        if isinstance(x, int):
            out += f"[{x + 1}]"
        elif x not in ("function-after", "function-before"):
            out += ("." if out else "") + str(x)
    return out


def parse_wave(path: str | Path) -> tuple[Wave | None, list[Problem]]:
    """Parse and validate the structure; return the wave (if usable) and every problem found."""
    p = Path(path)
    try:
        raw = read_yaml(p)
    except ToolkitError as e:
        return None, [Problem(e.message, str(p), f"line {e.row}" if e.row else "")]
    if not isinstance(raw, dict):
        return None, [Problem("a wave file must be a YAML mapping (name, title, surveys, chapters, …)", str(p))]
    try:
        return Wave(p, WaveModel.model_validate(raw), raw), []
    except ValidationError as e:
        problems = []
        for err in e.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(Problem(msg, str(p), _loc(err["loc"])))
        return None, problems + missing_files(raw, p.parent, p)


def file_problems(wave: Wave) -> list[Problem]:
    """Every named input file that does not exist, and item references to unknown surveys."""
    problems = missing_files(wave.raw, wave.folder, wave.path)
    for ci, ch in enumerate(wave.spec.chapters):
        for ii, item in enumerate(ch.items):
            names = item.options.get("survey")
            for name in [names] if isinstance(names, str) else (names or []):
                if name not in wave.spec.surveys:
                    problems.append(Problem(f"unknown survey '{name}'; the wave has {', '.join(wave.spec.surveys) or 'none'}",
                                            str(wave.path), f"chapters[{ci + 1}].items[{ii + 1}].{item.kind}.survey"))
            if item.kind in ("cubb", "goals", "profile") and wave.spec.register is None:
                problems.append(Problem(f"item '{item.kind}' needs a 'register' section", str(wave.path), f"chapters[{ci + 1}].items[{ii + 1}]"))
            if item.kind == "model" and wave.spec.model is None and "config" not in item.options:
                problems.append(Problem("item 'model' needs a 'model' file at the top level or a 'config' option", str(wave.path), f"chapters[{ci + 1}].items[{ii + 1}]"))
    return problems


def load_wave(path: str | Path) -> Wave:
    """Load a wave or raise a ConfigError listing every problem (one per line)."""
    wave, problems = parse_wave(path)
    if wave is not None:
        problems += file_problems(wave)
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in the wave file:\n  " + "\n  ".join(str(x) for x in problems), path)
    assert wave is not None
    return wave
