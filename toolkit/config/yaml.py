"""YAML configuration files read one way for every format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from toolkit.core.errors import ConfigError
from toolkit.read.tabular import _existing


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML configuration file; syntax errors name the line."""
    p = _existing(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = p.read_text(encoding="cp1252")
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise ConfigError(f"invalid YAML: {e.problem}", p, row=line) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", p) from None
