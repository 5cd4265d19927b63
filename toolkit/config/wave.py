"""The wave file (YAML): inputs, parameters and the ordered chapters of the ministry workbook.

Validated by strict models (toolkit.config.base) so that *all* problems are found in one pass;
each problem names the file and the key (e.g. ``chapters[2].items[1].crosstab.survey``). Months
and programme municipalities follow the register definitions' own rules. Paths are relative to
the wave file's folder. See surveys/README.md ("Wave file") for the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from toolkit.config.base import (
    ConfigProblems,
    Month,
    MunicipalityCode,
    Name,
    OneOrMany,
    Problem,
    Quarter,
    Strict,
    Text,
    problems_of,
    suggest,
)
from toolkit.config.definitions import window_problem
from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ToolkitError

ITEM_KINDS = ("weights", "crosstab", "cubb", "goals", "model", "profile")
__all__ = ["Problem", "Wave", "WaveModel", "load_wave", "parse_wave", "file_problems"]


class Window(Strict):
    start: Month
    end: Month

    @model_validator(mode="after")
    def _order(self) -> "Window":
        problem = window_problem((self.start, self.end))
        if problem:
            raise ValueError(problem)
        return self


class Parameters(Strict):
    """Run parameters; window, reference month and programme municipalities override the definitions."""

    disclosure_threshold: int = Field(5, ge=1)
    window: Optional[Window] = None
    reference_month: Optional[Month] = None
    reference_quarter: Optional[Quarter] = None
    programme_municipalities: OneOrMany[MunicipalityCode] = Field(default_factory=list)


class WeightSpec(Strict):
    margins: Text
    id: Name = "id"
    base_weight: Optional[Name] = None
    trim: Optional[Text] = None
    scale: Literal["population", "n"] = "population"


class Survey(Strict):
    data: Text
    codebook: Optional[Text] = None
    group: Optional[Text] = None
    source: Optional[Text] = None
    weights: Optional[WeightSpec] = None


class Register(Strict):
    extract: Text
    definitions: OneOrMany[Text] = Field(min_length=1)
    source: Optional[Text] = None


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
            raise ValueError(suggest(kind, ITEM_KINDS, "item"))
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


class Chapter(Strict):
    number: Text
    title: Text
    items: list[Item] = Field(min_length=1)


class WaveModel(Strict):
    name: Text
    title: Text
    parameters: Parameters = Field(default_factory=Parameters)
    surveys: dict[Name, Survey] = Field(default_factory=dict)
    register_: Optional[Register] = Field(None, alias="register")
    model: Optional[Text] = None
    chapters: list[Chapter] = Field(min_length=1)

    @property
    def register(self) -> Register | None:
        return self.register_


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
        return None, problems_of(e, raw, p) + missing_files(raw, p.parent, p)


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
        raise ConfigProblems(problems)
    assert wave is not None
    return wave
