"""The wave file (YAML): inputs, parameters and the ordered chapters of the ministry workbook.

Validated by strict models (toolkit.config.base) so that *all* problems are found in one pass;
each problem names the file and the key (e.g. ``chapters[2].items[1].crosstab.survey``). Months
and programme municipalities follow the register definitions' own rules. Paths are relative to
the wave file's folder. See surveys/README.md ("Wave file") for the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from toolkit.config.base import (
    ConfigProblems,
    Flag,
    Month,
    MunicipalityCode,
    Name,
    OneOrMany,
    Problem,
    Quarter,
    Strict,
    Text,
    describe,
    fail,
    problems_of,
    suggest,
)
from toolkit.config.definitions import window_problem
from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ToolkitError

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
    disclosure_zeros: Literal["show", "small-groups", "all"] = "show"
    disclosure_complements: bool = True
    window: Optional[Window] = None
    reference_month: Optional[Month] = None
    reference_quarter: Optional[Quarter] = None
    programme_municipalities: OneOrMany[MunicipalityCode] = Field(default_factory=list)
    batch_size: int = Field(50_000, ge=1)  # persons per batch of the streamed DREAM read (memory ∝ batch size)
    jobs: Optional[int] = Field(None, ge=1)  # threads for the DREAM analyses (default: the cores, at most 4)


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


# --------------------------------------------------------------------------- items, one model per kind
Surveys = Annotated[OneOrMany[Name], Field(min_length=1)]


class Item(Strict):
    """One entry of a chapter, written `- KIND: {options}`; each kind has exactly the options its
    runner (toolkit.pipeline.report) reads."""

    kind: str

    @classmethod
    def keys(cls) -> list[str]:
        return [k for k in super().keys() if k != "kind"]

    @property
    def options(self) -> dict[str, Any]:
        """The options the file gives (typed: `tables: x` is ['x'])."""
        return self.model_dump(exclude={"kind"}, exclude_unset=True, by_alias=True)

    def files(self) -> list[tuple[str, str]]:
        """(option, relative path) of every file the item names."""
        return [(k, v) for k, v in self.options.items() if k in ("codebook", "definitions", "config", "register")]


class WeightsItem(Item):
    """Raking diagnostics of the weighted surveys (default: every survey of the wave)."""

    kind: Literal["weights"]
    survey: Optional[Surveys] = None


class CrosstabItem(Item):
    """Questionnaire tables of one survey, or several side by side."""

    kind: Literal["crosstab"]
    survey: Optional[Surveys] = None
    codebook: Optional[Text] = None
    tables: Optional[Annotated[OneOrMany[Name], Field(min_length=1)]] = None  # ids to keep, in this order
    by: Optional[Name] = None
    layout: Optional[Literal["columns", "rows"]] = None


class CubbItem(Item):
    """CUBB target 1 and 2 from a definitions file with target1/target2."""

    kind: Literal["cubb"]
    definitions: Optional[Text] = None
    anonymise: Optional[Flag] = None  # "Kommune 1…" for the programme municipalities (default: the definitions' `anonymise`)


class GoalsItem(Item):
    """NY CHANCE goals from a definitions file with goals."""

    kind: Literal["goals"]
    definitions: Optional[Text] = None


class ProfileItem(Item):
    """The residual-group profile at a quarter (default the wave's reference quarter)."""

    kind: Literal["profile"]
    definitions: Optional[Text] = None
    quarter: Optional[Quarter] = None
    subgroup: Optional[Annotated[OneOrMany[Text], Field(min_length=1)]] = None


class ModelItem(Item):
    """The municipality model (config default: the wave's `model`)."""

    kind: Literal["model"]
    config: Optional[Text] = None
    register_: Optional[Text] = Field(None, alias="register")  # a per-municipality file instead of the extract's outcomes
    definitions: Optional[Text] = None


ITEM_MODELS: dict[str, type[Item]] = {
    "weights": WeightsItem, "crosstab": CrosstabItem, "cubb": CubbItem, "goals": GoalsItem, "model": ModelItem, "profile": ProfileItem,
}
ITEM_KINDS = tuple(ITEM_MODELS)


def _one_kind(data: Any) -> Any:
    """`{profile: {quarter: …}}` → `{kind: profile, quarter: …}` for the union below."""
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError(f"each item must be a mapping with exactly one of: {', '.join(ITEM_KINDS)}")
    kind, options = next(iter(data.items()))
    if kind not in ITEM_MODELS:
        raise ValueError(suggest(kind, ITEM_KINDS, "item"))
    if options is not None and not isinstance(options, dict):
        raise ValueError(f"the options of '{kind}' must be a mapping ({{}} for none), got {describe(options)}")
    if options and "kind" in options:
        fail(((kind, "kind"), suggest("kind", ITEM_MODELS[kind].keys())))
    return {"kind": kind, **(options or {})}


AnyItem = Annotated[
    Union[WeightsItem, CrosstabItem, CubbItem, GoalsItem, ModelItem, ProfileItem],
    Field(discriminator="kind"),
    BeforeValidator(_one_kind),
]


class Chapter(Strict):
    number: Text
    title: Text
    items: list[AnyItem] = Field(min_length=1)


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
    """Every named input file that does not exist (the items' too), and item references to unknown surveys."""
    problems = missing_files(wave.raw, wave.folder, wave.path)
    first: dict[str, int] = {}
    for ci, ch in enumerate(wave.spec.chapters):
        if ch.number in first:  # tables 'Tabel 1.1' twice, one contents heading for two chapters
            problems.append(Problem(f"chapter number {ch.number} is also chapters[{first[ch.number]}]'s; each chapter needs its own number",
                                    str(wave.path), f"chapters[{ci + 1}].number"))
        first.setdefault(ch.number, ci + 1)
        for ii, item in enumerate(ch.items):
            key = f"chapters[{ci + 1}].items[{ii + 1}]"
            if isinstance(item, WeightsItem):
                named = item.survey or [n for n, s in wave.spec.surveys.items() if s.weights]
                problems += [Problem(f"survey '{n}' has no weights section (surveys.{n}.weights), so it has no weighting diagnostics",
                                     str(wave.path), f"{key}.weights.survey") for n in named if n in wave.spec.surveys and not wave.spec.surveys[n].weights]
                if not named:
                    problems.append(Problem("no survey of the wave has a weights section", str(wave.path), f"{key}.weights"))
            for name in getattr(item, "survey", None) or []:
                if name not in wave.spec.surveys:
                    problems.append(Problem(suggest(name, wave.spec.surveys, "survey", "the wave has"), str(wave.path), f"{key}.{item.kind}.survey"))
            for option, rel in item.files():
                if not wave.resolve(rel).is_file():
                    problems.append(Problem(f"file not found: {wave.resolve(rel)}", str(wave.path), f"{key}.{item.kind}.{option}"))
            if item.kind in ("cubb", "goals", "profile") and wave.spec.register is None:
                problems.append(Problem(f"item '{item.kind}' needs a 'register' section", str(wave.path), key))
            if isinstance(item, ModelItem) and wave.spec.model is None and item.config is None:
                problems.append(Problem("item 'model' needs a 'model' file at the top level or a 'config' option", str(wave.path), key))
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
