"""The model specification: what to explain, which controls, which survey indicators, how to select.

A plain pydantic model so a YAML config, a wave file or a notebook can build it; validation
messages name the offending key. No file access here (paths stay strings for the CLI).
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from toolkit.core.errors import ConfigError

Code = Union[int, float, str]
DIRECTIONS = {"forward": "fremadrettet", "backward": "baglæns", "both": "trinvis (begge veje)"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorSpec(_Strict):
    """Survey indicators aggregated per municipality from one instrument.

    `variables` are column names or glob patterns (``akt_*``). `stat: share` is the share of
    answers in `codes` (labels such as "I høj grad" or numeric codes); `stat: mean` is the mean
    code. Codes in `exclude` leave the base; for `mean` the codes labelled "Ved ikke" are
    excluded by default.
    """

    instrument: str
    variables: list[str]
    stat: Literal["share", "mean"]
    codes: list[Code] = Field(default_factory=list)
    exclude: list[Code] | None = None
    name: str | None = None
    label: str | None = None

    @field_validator("variables", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> "IndicatorSpec":
        if self.stat == "share" and not self.codes:
            raise ValueError("stat 'share' needs 'codes' (the answers counted, e.g. [I nogen grad, I høj grad])")
        if self.stat == "mean" and self.codes:
            raise ValueError("'codes' only applies to stat 'share'; use 'exclude' to leave codes out of a mean")
        single = len(self.variables) == 1 and not any(ch in self.variables[0] for ch in "*?[")
        if (self.name or self.label) and not single:
            raise ValueError("'name' and 'label' need exactly one variable (use the top-level 'labels' for several)")
        if not self.variables:
            raise ValueError("'variables' is empty")
        return self


class InstrumentSpec(_Strict):
    """A questionnaire file and the title used in indicator labels ("Ledere")."""

    file: str | None = None
    title: str | None = None


class RegisterVariable(_Strict):
    label: str | None = None
    percent: bool = False  # a share 0-1, shown as percent


class RegisterSpec(_Strict):
    """Register outcomes: one row per municipality (file given here or on the command line)."""

    file: str | None = None
    municipality: str = "kommune"
    persons: str | None = None  # column with the number of persons behind each municipality's figures
    variables: dict[str, RegisterVariable] = Field(default_factory=dict)


class SelectionSpec(_Strict):
    direction: Literal["forward", "backward", "both"] = "both"
    p_enter: float = Field(0.05, gt=0, lt=1)
    p_remove: float = Field(0.10, gt=0, lt=1)
    max_steps: int = Field(200, ge=1)

    @model_validator(mode="after")
    def _no_cycling(self) -> "SelectionSpec":
        if self.direction == "both" and self.p_remove < self.p_enter:
            raise ValueError(
                f"p_remove ({self.p_remove}) must be at least p_enter ({self.p_enter}); "
                "otherwise a variable can enter and leave again forever"
            )
        return self


class ModelSpec(_Strict):
    """Everything the municipality model needs besides the data (YAML key `register` → `register_spec`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    dependent: str
    controls: list[str] = Field(default_factory=list)
    robustness: list[str] = Field(default_factory=list)
    register_candidates: list[str] = Field(default_factory=list)
    indicators: list[IndicatorSpec] = Field(default_factory=list)
    municipality: str = "kommune"  # municipality column in the survey files
    instruments: dict[str, InstrumentSpec] = Field(default_factory=dict)
    register_spec: RegisterSpec = Field(default_factory=RegisterSpec, alias="register")
    selection: SelectionSpec = Field(default_factory=SelectionSpec)
    alpha: float = Field(0.05, gt=0, lt=1)
    robust_se: Literal["HC0", "HC1", "HC2", "HC3"] = "HC3"
    max_missing: float = Field(0.5, ge=0, le=1)  # candidates missing for a larger share are left out
    min_respondents: int = Field(1, ge=1)
    labels: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("instruments", mode="before")
    @classmethod
    def _instrument_shorthand(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: ({"file": x} if isinstance(x, str) else x) for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _check(self) -> "ModelSpec":
        if self.dependent in self.controls:
            raise ValueError(f"the dependent variable '{self.dependent}' is also a control")
        for c in self.register_candidates:
            if c in self.controls or c == self.dependent:
                raise ValueError(f"'{c}' is listed as a candidate and as the dependent variable or a control")
        for i, ind in enumerate(self.indicators):
            if self.instruments and ind.instrument not in self.instruments:
                raise ValueError(
                    f"indicators[{i}] names instrument '{ind.instrument}', which is not under 'instruments' "
                    f"({', '.join(self.instruments)})"
                )
        return self

    def title(self, instrument: str) -> str:
        spec = self.instruments.get(instrument)
        return (spec.title if spec and spec.title else instrument.capitalize())


def spec_from_dict(data: Any, file: str | None = None) -> ModelSpec:
    """Validate a parsed YAML mapping into a ModelSpec; a ConfigError names the key at fault."""
    if not isinstance(data, dict):
        raise ConfigError("the model config must be a mapping (dependent:, controls:, indicators: …)", file)
    data = dict(data)
    cands = data.pop("candidates", None)
    if cands is not None:
        if not isinstance(cands, dict) or set(cands) - {"register"}:
            raise ConfigError("key 'candidates' must be a mapping with 'register: [columns]'", file)
        data["register_candidates"] = cands.get("register") or []
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        raise ConfigError(f"key '{key}': {msg}", file) from None
