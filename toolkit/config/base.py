"""One validation path for every configuration format: strict models and one error translator.

Each format (codebook, code list, definitions, margins, wave, model spec, template) is a tree of
`Strict` models: an unknown key is refused with the nearest valid name. `validate` runs a model
and turns *all* problems of a file into one `ConfigProblems` error, one line per problem: the
key path (list positions counted from 1, ``chapters[5].items[1].profile.quarter``; CSV files
give the spreadsheet row and column instead) and what is wrong. Checks that span several keys
raise `fail(...)` inside a validator, which reports each problem at its own key.
The scalar types shared by several formats (text, months, quarters, municipality codes, codes)
live here so that each rule exists once.
"""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass
from os import PathLike
from typing import Annotated, Any, Callable, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    model_validator,
)
from pydantic import Strict as StrictMode
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from toolkit.config.yaml import YamlFloat
from toolkit.core.calendar import month_index, parse_quarter
from toolkit.core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
_BUILTIN_ERRORS = set(typing.get_args(core_schema.ErrorType))


# --------------------------------------------------------------------------- problems
@dataclass
class Problem:
    """One thing wrong with a configuration file: where (file, key path or row/column) and what."""

    message: str
    file: str
    key: str = ""
    row: int | None = None
    column: str | None = None

    @property
    def where(self) -> str:
        """The key path, or 'row N, column X' for a tabular file."""
        if self.key:
            return self.key
        return ", ".join(x for x in (f"row {self.row}" if self.row is not None else "",
                                     f"column {self.column}" if self.column else "") if x)

    def line(self) -> str:
        """'key: message' – one line of a file's problem list."""
        return f"{self.where}: {self.message}" if self.where else self.message

    def __str__(self) -> str:
        where = "".join(x for x in (f", key {self.key}" if self.key else "", f", row {self.row}" if self.row is not None else "",
                                    f", column {self.column}" if self.column else ""))
        return f"{self.message} ({self.file}{where})"


class ConfigProblems(ConfigError):
    """Every problem found in one configuration file; one line each when there are several."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        if len(self.problems) == 1:
            super().__init__(f"{first.key}: {first.message}" if first.key else first.message, first.file, first.row, first.column)
        else:
            super().__init__(f"{len(self.problems)} problems in {first.file}:\n  " + "\n  ".join(p.line() for p in self.problems))
            self.file = first.file

    def __str__(self) -> str:
        return super().__str__() if len(self.problems) == 1 else self.message


def raise_problems(problems: list[Problem]) -> None:
    """Raise a ConfigProblems when there is anything to report."""
    if problems:
        raise ConfigProblems(problems)


# --------------------------------------------------------------------------- strict models
def suggest(name: object, valid: typing.Iterable[str], what: str = "key", listed: str = "allowed:") -> str:
    """"unknown key 'quater'; did you mean 'quarter'?" – or the list of valid names after `listed`."""
    names = list(valid)
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"{listed} {', '.join(names) or '(none)'}"
    return f"unknown {what} '{name}'; {hint}"


def _error(type_: str, message: str, loc: Loc, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(type_, "{message}", {"message": message}), loc=loc, input=value)


def fail(*problems: tuple[Loc | str, str], value: Any = None) -> typing.NoReturn:
    """Inside a validator: report each (key or loc relative to the model, message) as a problem."""
    raise ValidationError.from_exception_data("config", [
        _error("config", msg, (loc,) if isinstance(loc, str) else tuple(loc), value) for loc, msg in problems])


def check_all(checks: list[tuple[Loc | str, str]]) -> None:
    """Inside a validator: fail with every collected problem, if any."""
    if checks:
        fail(*checks)


class Strict(BaseModel):
    """A configuration mapping: unknown keys are refused, each with the nearest valid name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def keys(cls) -> list[str]:
        """The keys a file may use (aliases where a field has one)."""
        return [f.alias or name for name, f in cls.model_fields.items()]

    @model_validator(mode="wrap")
    @classmethod
    def _unknown_keys(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(data)
        except ValidationError as e:
            errors = e.errors(include_url=False)
            if not any(x["type"] == "extra_forbidden" and len(x["loc"]) == 1 for x in errors):
                raise
            out = []
            for x in errors:
                if x["type"] == "extra_forbidden" and len(x["loc"]) == 1:
                    out.append(_error("unknown_key", suggest(x["loc"][0], cls.keys()), x["loc"], x["input"]))
                elif x["type"] in _BUILTIN_ERRORS:
                    out.append(InitErrorDetails(type=x["type"], loc=x["loc"], input=x["input"], ctx=x.get("ctx", {})))
                else:
                    out.append(_error(x["type"], x["msg"], x["loc"], x["input"]))
            raise ValidationError.from_exception_data(cls.__name__, out) from None


# --------------------------------------------------------------------------- the translator
def key_path(loc: Loc, data: Any) -> str:
    """A pydantic location as the file's key path: list positions from 1, mapping keys as written."""
    out = ""
    node = data
    for x in loc:
        if x == "[key]":
            continue
        if isinstance(x, int) and not isinstance(node, dict):  # a list position (also where the data end)
            out += f"[{x + 1}]"
            node = node[x] if isinstance(node, list) and 0 <= x < len(node) else None
        else:
            out += ("." if out else "") + str(x)
            node = node.get(x) if isinstance(node, dict) else None
    return out


def file_order(loc: Loc, data: Any) -> tuple[int, ...]:
    """Where a location comes in the file (keys in their written order, missing keys last), so
    that problems are listed top to bottom."""
    out = []
    node = data
    for x in loc:
        if isinstance(node, dict):
            keys = list(node)
            out.append(keys.index(x) if x in node else len(keys))
            node = node.get(x)
        elif isinstance(node, list) and isinstance(x, int):
            out.append(x)
            node = node[x] if 0 <= x < len(node) else None
        elif x != "[key]":
            out.append(0)
    return tuple(out)


def describe(value: Any) -> str:
    """A value as a message shows it: 'a mapping', 'a list', 'nothing', or its text."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, YamlFloat):
        return value.text
    return repr(value) if isinstance(value, str) else str(value)


_EXPECTED = {
    "int_parsing": "a whole number", "int_type": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "float_type": "a number",
    "bool_parsing": "true or false", "bool_type": "true or false",
    "string_type": "text", "list_type": "a list", "tuple_type": "a list", "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)", "model_attributes_type": "a mapping (key: value lines)",
}


def message(err: Any) -> str:
    """A pydantic error's text as the toolkit says it."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {describe(value)}"
    if kind == "literal_error":
        allowed = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        return f"{describe(value)} is not allowed; use one of: {', '.join(allowed)}" + (f" (did you mean '{close[0]}'?)" if close else "")
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("greater than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, k = bounds[kind]
        return f"must be {words} {ctx.get(k)}, got {describe(value)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entry (got {ctx.get('actual_length', 0)})"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} entries (got {ctx.get('actual_length')})"
    return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def problems_of(error: ValidationError, data: Any, file: str | PathLike[str], *, key: str = "",
                row: int | None = None) -> list[Problem]:
    """Every error of a pydantic validation as a Problem naming `file` and the key path (below
    `key`); for a line of a tabular file (`row` given) the row and the column instead."""
    out = []
    errors = error.errors(include_url=False)
    if row is None:
        errors = sorted(errors, key=lambda err: file_order(tuple(err["loc"]), data))
    for err in errors:
        if row is not None:
            out.append(Problem(message(err), str(file), row=row, column=str(err["loc"][0]) if err["loc"] else None))
        else:
            path = key_path(tuple(err["loc"]), data)
            out.append(Problem(message(err), str(file), ".".join(x for x in (key, path) if x)))
    return out


def validate(model: type[M], data: Any, file: str | PathLike[str], *, context: dict[str, Any] | None = None) -> M:
    """`model` from parsed YAML/CSV data, or a ConfigProblems listing every problem of the file."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as e:
        raise ConfigProblems(problems_of(e, data, file)) from None


# --------------------------------------------------------------------------- shared scalar types
def as_text(v: Any) -> Any:
    """A scalar read as text: 657 → '657', 2.10 → '2.10' (as written); lists and mappings are refused."""
    if isinstance(v, bool):
        raise PydanticCustomError("string_type", "expected text, got {v}", {"v": describe(v)})
    if isinstance(v, YamlFloat):
        return v.text
    if isinstance(v, (int, float)):
        return str(v)
    return v


def _name(v: Any) -> Any:
    v = as_text(v)
    if isinstance(v, str):
        if not v.strip():
            raise ValueError("expected a name, got empty text")
        return v.strip()
    return v


def _month(v: Any) -> Any:
    if v is None or isinstance(v, (dict, list)):
        return v
    month_index(str(v))  # raises ValueError with the reason
    return str(v).strip()


def _quarter(v: Any) -> Any:
    if v is None or isinstance(v, (dict, list)):
        return v
    parse_quarter(str(v))  # raises ValueError with the reason (the rule the report reads it by)
    return str(v).strip()


def _municipality(v: Any) -> Any:
    text = str(v).strip() if isinstance(v, (int, str)) and not isinstance(v, bool) else None
    if text is None or not re.fullmatch(r"\d{1,4}", text) or not 1 <= int(text) <= 999:
        raise ValueError(f"expected a municipality code (a whole number 1-999, e.g. 657), got {describe(v)}")
    return int(text)


def _one_or_many(v: Any) -> Any:
    if v is None:
        return []
    return [v] if not isinstance(v, (list, tuple, dict)) else v


def _mapping(v: Any) -> Any:
    return {} if v is None else v


Text = Annotated[str, BeforeValidator(as_text)]
"""Text, where a plain number is read as its text (`number: 2.10` → '2.10')."""
Name = Annotated[str, BeforeValidator(_name)]
"""A non-empty name (a variable, a survey, a table id), surrounding blanks removed."""
Month = Annotated[str, BeforeValidator(_month)]
"""A month written YYYY-MM – the one rule for the wave and the register definitions."""
Quarter = Annotated[str, BeforeValidator(_quarter)]
"""A quarter as core.calendar reads it (2022Q4, 2022-4, 2022-Q4)."""
MunicipalityCode = Annotated[int, BeforeValidator(_municipality)]
"""A municipality code, 1-999; '0657' (a leading zero) is 657."""

Flag = Annotated[bool, StrictMode()]
"""true or false – not 'yes', 1 or 'ja'."""

T = TypeVar("T")
K = TypeVar("K")
OneOrMany = Annotated[list[T], BeforeValidator(_one_or_many)]
"""A list, where a single value stands for a list of one (`tables: barrierer` → ['barrierer']) and
an empty key (`missing:`) for none."""
MappingOf = Annotated[dict[K, T], BeforeValidator(_mapping)]
"""A mapping, where an empty key (`datasets:`) stands for none."""
