"""The Excel styling template (templates/ministry.yaml): fonts, fills, number formats, widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ConfigError
from toolkit.core.resources import shipped


def load_template(path: str | Path | None = None) -> dict[str, Any]:
    """The styling dictionary; a missing key falls back to the shipped template's value."""
    default = shipped("templates", "ministry.yaml")
    base = read_yaml(default)
    if path is None or Path(path) == default:
        return base
    custom = read_yaml(path)
    if not isinstance(custom, dict):
        raise ConfigError("template must be a mapping of style keys", path)
    unknown = set(custom) - set(base)
    if unknown:
        raise ConfigError(f"unknown template key '{sorted(unknown)[0]}'; allowed: {', '.join(sorted(base))}", path)
    return {**base, **custom}
