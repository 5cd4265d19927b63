"""The DREAM code list (registers/dream_codes.yaml): code groups in precedence order and
activation types, with the lookup tables the register pipeline vectorises over.

Format in registers/README.md; validated on load, errors name the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config.yaml import read_yaml
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
    p = Path(path) if path is not None else registers_file("dream_codes.yaml")
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
