"""YAML configuration files read one way for every format, so that codes and ids keep their text.

PyYAML's default (YAML 1.1) reads ``0657`` as the octal number 431, ``yes``/``no``/``on``/``off``
as booleans, ``1:30`` as 91 (sexagesimal) and ``2020-01-15`` as a date. A municipality or answer
code must never change that way, so `ConfigLoader` resolves plain scalars by YAML 1.2-like rules
of its own: only decimal integers without a leading zero are ints (``0657`` stays the text
"0657", which an int field reads as 657), only true/false are booleans, floats need a decimal
point (and keep the text they were written with), and everything else is text. A key given twice
in one mapping is an error instead of silently keeping the last value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from toolkit.core.errors import ConfigError
from toolkit.read.tabular import _existing


class YamlFloat(float):
    """A float that remembers how the file wrote it ('2.10'), so a text field gets that text back."""

    text: str

    def __new__(cls, text: str) -> "YamlFloat":
        self = super().__new__(cls, text)
        self.text = text
        return self


class ConfigLoader(yaml.SafeLoader):
    """SafeLoader with its own implicit resolvers: ints, floats, booleans and nulls, nothing else."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key '{key}' is given twice in one mapping", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"[-+]?(?:0|[1-9][0-9]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
     "-+0123456789."),
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"<<", "<"),
]
for _tag, _pattern, _first in _RESOLVERS:
    ConfigLoader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_pattern})$"), list(_first))


def _int(loader: ConfigLoader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node), 10)  # never octal, hex or sexagesimal, even when tagged !!int


def _float(loader: ConfigLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        return float(text.replace(".", "", 1))
    return YamlFloat(text)


ConfigLoader.add_constructor("tag:yaml.org,2002:int", _int)
ConfigLoader.add_constructor("tag:yaml.org,2002:float", _float)


def parse_yaml(text: str, source: str | Path = "<yaml>") -> Any:
    """Parse YAML text with `ConfigLoader`; syntax errors name the line."""
    try:
        return yaml.load(text, Loader=ConfigLoader)  # noqa: S506 - ConfigLoader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise ConfigError(f"invalid YAML: {e.problem}", source, row=line) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", source) from None


def read_yaml(path: str | Path) -> Any:
    """Read a YAML configuration file (UTF-8, else cp1252) with `ConfigLoader`."""
    p = _existing(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        try:
            text = p.read_text(encoding="cp1252")
        except UnicodeDecodeError as e:
            raise ConfigError(f"not a text (YAML) file: byte 0x{e.object[e.start]:02x} at position {e.start} is neither "
                              "UTF-8 nor Windows-1252 text", p) from None
    if "\x00" in text:
        raise ConfigError("not a text (YAML) file: it holds binary data", p)
    return parse_yaml(text, p)
