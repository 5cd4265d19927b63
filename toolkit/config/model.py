"""The model specification: what to explain, which controls, which survey indicators, how to select.

Strict pydantic models (toolkit.config.base) so a YAML config, a wave file or a notebook can
build it; validation lists every problem with its key path. No file access here (paths stay strings for the CLI).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from toolkit.config.base import (
    Flag,
    Loc,
    MappingOf,
    Name,
    OneOrMany,
    Strict,
    Text,
    check_all,
    describe,
    fail,
    suggest,
    validate,
)
from toolkit.config.yaml import YamlFloat
from toolkit.core.errors import ConfigError

DIRECTIONS = {"forward": "fremadrettet", "backward": "baglæns", "both": "trinvis (begge veje)"}


def _answer(v: Any) -> Any:
    """An answer is a code (number) or a label (text)."""
    if v is None or isinstance(v, (dict, list, bool)):
        raise PydanticCustomError("code", "expected a code or an answer label, got {v}", {"v": describe(v)})
    return float(v) if isinstance(v, YamlFloat) else v


Code = Annotated[Union[int, float, str], BeforeValidator(_answer)]


class IndicatorSpec(Strict):
    """Survey indicators aggregated per municipality from one instrument.

    `variables` are column names or glob patterns (``akt_*``). `stat: share` is the share of
    answers in `codes` (labels such as "I høj grad" or numeric codes); `stat: mean` is the mean
    code. Codes in `exclude` leave the base; for `mean` the codes labelled "Ved ikke" are
    excluded by default.
    """

    instrument: Name
    variables: OneOrMany[Name]
    stat: Literal["share", "mean"]
    codes: OneOrMany[Code] = Field(default_factory=list)
    exclude: Optional[OneOrMany[Code]] = None
    name: Optional[Name] = None
    label: Optional[Text] = None

    @model_validator(mode="after")
    def _check(self) -> "IndicatorSpec":
        problems: list[tuple[Loc | str, str]] = []
        if self.stat == "share" and not self.codes:
            problems.append(((), "stat 'share' needs 'codes' (the answers counted, e.g. [I nogen grad, I høj grad])"))
        if self.stat == "mean" and self.codes:
            problems.append(("codes", "'codes' only applies to stat 'share'; use 'exclude' to leave codes out of a mean"))
        single = len(self.variables) == 1 and not any(ch in self.variables[0] for ch in "*?[")
        if (self.name or self.label) and not single:
            problems.append(("name" if self.name else "label",
                             "'name' and 'label' need exactly one variable (use the top-level 'labels' for several)"))
        if not self.variables:
            problems.append(("variables", "list at least one variable"))
        check_all(problems)
        return self


class InstrumentSpec(Strict):
    """A questionnaire file and the title used in indicator labels ("Ledere")."""

    file: Optional[Text] = None
    title: Optional[Text] = None


class RegisterVariable(Strict):
    label: Optional[Text] = None
    percent: Flag = False  # a share 0-1, shown as percent


class RegisterSpec(Strict):
    """Register outcomes: one row per municipality (file given here or on the command line)."""

    file: Optional[Text] = None
    municipality: Name = "kommune"
    persons: Optional[Name] = None  # column with the number of persons behind each municipality's figures
    variables: MappingOf[Name, RegisterVariable] = Field(default_factory=dict)


class Candidates(Strict):
    """Candidate explanatory variables beside the survey indicators (`register:` columns)."""

    register_: OneOrMany[Name] = Field(default_factory=list, alias="register")


class SelectionSpec(Strict):
    direction: Literal["forward", "backward", "both"] = "both"
    p_enter: float = Field(0.05, gt=0, lt=1)
    p_remove: float = Field(0.10, gt=0, lt=1)
    max_steps: int = Field(200, ge=1)

    @model_validator(mode="after")
    def _no_cycling(self) -> "SelectionSpec":
        if self.direction == "both" and self.p_remove < self.p_enter:
            fail(("p_remove", 
                f"p_remove ({self.p_remove}) must be at least p_enter ({self.p_enter}); "
                "otherwise a variable can enter and leave again forever"))
        return self


class ModelSpec(Strict):
    """Everything the municipality model needs besides the data (YAML key `register` → `register_spec`)."""

    dependent: Name
    controls: OneOrMany[Name] = Field(default_factory=list)
    robustness: OneOrMany[Name] = Field(default_factory=list)
    candidates: Candidates = Field(default_factory=Candidates)
    indicators: list[IndicatorSpec] = Field(default_factory=list)
    municipality: Name = "kommune"  # municipality column in the survey files
    instruments: MappingOf[Name, InstrumentSpec] = Field(default_factory=dict)
    register_spec: RegisterSpec = Field(default_factory=RegisterSpec, alias="register")
    selection: SelectionSpec = Field(default_factory=SelectionSpec)
    alpha: float = Field(0.05, gt=0, lt=1)
    robust_se: Literal["HC0", "HC1", "HC2", "HC3"] = "HC3"
    max_missing: float = Field(0.5, ge=0, le=1)  # candidates missing for a larger share are left out
    max_hidden: float = Field(0.25, ge=0, le=1)  # register candidates disclosure control hides for a larger share are left out
    min_respondents: int = Field(1, ge=1)
    labels: MappingOf[Name, Text] = Field(default_factory=dict)
    source: Optional[Text] = None
    notes: OneOrMany[Text] = Field(default_factory=list)

    @property
    def register_candidates(self) -> list[str]:
        """The register columns that are candidates for the model (`candidates: register:`)."""
        return self.candidates.register_

    @field_validator("instruments", mode="before")
    @classmethod
    def _instrument_shorthand(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"file": x} if isinstance(x, str) else x) for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _check(self) -> "ModelSpec":
        problems: list[tuple[Loc | str, str]] = [
            (("controls", i), f"the dependent variable '{c}' is also a control") for i, c in enumerate(self.controls) if c == self.dependent]
        problems += [(("candidates", "register", i), f"'{c}' is listed as a candidate and as the dependent variable or a control")
                     for i, c in enumerate(self.register_candidates) if c in self.controls or c == self.dependent]
        if self.instruments:
            problems += [(("indicators", i, "instrument"), suggest(ind.instrument, self.instruments, "instrument"))
                         for i, ind in enumerate(self.indicators) if ind.instrument not in self.instruments]
        check_all(problems)
        return self

    def title(self, instrument: str) -> str:
        spec = self.instruments.get(instrument)
        return (spec.title if spec and spec.title else instrument.capitalize())


def spec_from_dict(data: Any, file: str | None = None) -> ModelSpec:
    """Validate a parsed YAML mapping into a ModelSpec; a ConfigError lists every problem with its key."""
    if not isinstance(data, dict):
        raise ConfigError("the model config must be a mapping (dependent:, controls:, indicators: …)", file)
    return validate(ModelSpec, data, file or "<model config>")
