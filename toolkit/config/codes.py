"""The DREAM code list (registers/dream_codes.yaml): code groups in precedence order and
activation types, with the lookup tables the register pipeline vectorises over.

Format in registers/README.md; validated on load by strict models, every problem listed with the
file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

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
    suggest,
    validate,
)
from toolkit.config.yaml import YamlFloat, read_yaml
from toolkit.core.errors import ConfigError
from toolkit.core.resources import registers_file
from toolkit.read.dream import MAX_CODE

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

    def unknown_lut(self) -> np.ndarray:
        """bool lookup code → in no group of the list (0, a blank week, is no code)."""
        return self.group_lut() == self.unknown_id

    def known(self, code: int) -> bool:
        return any(code in g.codes for g in self.groups)


# --------------------------------------------------------------------------- the file's models
def _code_range(v: Any) -> Any:
    """130 or "730-739" → (first, last)."""
    text = str(v.text if isinstance(v, YamlFloat) else v).strip() if isinstance(v, (int, float, str)) and not isinstance(v, bool) else None
    m = re.fullmatch(r"0*(\d{1,3})(?:\s*-\s*0*(\d{1,3}))?", text or "")  # 0657 is the code 657
    if not m:
        raise ValueError(f"{describe(v)} is not a code (1-{MAX_CODE}) or a range like 130-139")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if not 1 <= a <= b <= MAX_CODE:
        raise ValueError(f"'{text}' is not a valid code range within 1-{MAX_CODE}")
    return (a, b)


CodeRange = Annotated[tuple[int, int], BeforeValidator(_code_range)]
Digit = Annotated[int, Field(ge=0, le=9)]


class GroupModel(Strict):
    label: Text
    codes: OneOrMany[CodeRange] = Field(min_length=1)
    benefit: Flag = True
    activity: Flag = False


class ActivationTypeModel(Strict):
    label: Text
    digits: OneOrMany[Digit] = []
    groups: OneOrMany[Name] = []


class ActivationModel(Strict):
    passive_digits: OneOrMany[Digit] = [0]
    types: MappingOf[Name, ActivationTypeModel] = {}


class CodeListModel(Strict):
    """A code list file as written; the checks across groups are listed together."""

    unknown_codes: Literal["other", "error"] = "other"
    groups: dict[Name, GroupModel] = Field(min_length=1, max_length=250)
    activation: ActivationModel = ActivationModel()

    @model_validator(mode="after")
    def _across(self) -> "CodeListModel":
        problems: list[tuple[Loc | str, str]] = []
        seen: dict[int, str] = {}
        for key, g in self.groups.items():
            twice = sorted({c for a, b in g.codes for c in range(a, b + 1) if c in seen})
            if twice:
                problems.append((("groups", key, "codes"), f"code {twice[0]} is already in group '{seen[twice[0]]}'"
                                 + (f" ({len(twice)} codes of this group are in other groups)" if len(twice) > 1 else "")))
            for a, b in g.codes:
                for c in range(a, b + 1):
                    seen.setdefault(c, key)
        passive = set(self.activation.passive_digits)
        for key, t in self.activation.types.items():
            where = ("activation", "types", key)
            if set(t.digits) & passive:
                problems.append(((*where, "digits"), f"digit {min(set(t.digits) & passive)} is passive (activation.passive_digits)"))
            problems += [((*where, "groups"), suggest(g, self.groups, "code group")) for g in t.groups if g not in self.groups]
        check_all(problems)
        return self


def load_codes(path: str | Path | None = None) -> CodeList:
    """Read and validate a code list YAML (default registers/dream_codes.yaml); every problem is listed."""
    p = Path(path) if path is not None else registers_file("dream_codes.yaml")
    m = validate(CodeListModel, read_yaml(p), p)
    groups = [Group(key, g.label, frozenset(c for a, b in g.codes for c in range(a, b + 1)), g.benefit, g.activity)
              for key, g in m.groups.items()]
    types = [ActivationType(key, t.label, frozenset(t.digits), frozenset(t.groups)) for key, t in m.activation.types.items()]
    return CodeList(groups, types, frozenset(m.activation.passive_digits), m.unknown_codes, p)
