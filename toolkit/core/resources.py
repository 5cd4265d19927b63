"""The files that ship inside the wheel – code list, definitions, municipality names, Excel
template, the demo wave's codebooks/margins/model/wave file – found with importlib.resources.

The repository's top-level `registers/`, `templates/` and `surveys/` folders are mapped into the
package `toolkit.resources` (pyproject.toml), so an installed toolkit and a checkout read the same
files and there is no second copy to drift.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from toolkit.core.errors import ConfigError

Folder = Literal["registers", "templates", "surveys"]


def shipped(folder: Folder, name: str) -> Path:
    """The path of a shipped file, e.g. shipped("registers", "cubb.yaml")."""
    path = Path(str(files(f"toolkit.resources.{folder}") / name))
    if not path.is_file():
        raise ConfigError(f"shipped file '{folder}/{name}' is missing from the installation (reinstall toolkit)")
    return path


def shipped_names(folder: Folder, suffix: str = ".yaml") -> list[str]:
    """Names (without suffix) of the shipped files of one kind, e.g. the definitions 'cubb', 'nychance'."""
    root = files(f"toolkit.resources.{folder}")
    return sorted(p.name[: -len(suffix)] for p in root.iterdir() if p.name.endswith(suffix))


def registers_file(name: str) -> Path:
    """A file of the shipped registers/ folder (code list, definitions, municipality names)."""
    return shipped("registers", name)


def definitions_file(name_or_path: str | Path) -> Path:
    """`-d cubb` / `-d nychance` name a shipped definitions file; anything else is a path."""
    text = str(name_or_path)
    p = Path(text)
    if p.suffix or p.parent != Path(".") or p.exists():
        return p
    available = [n for n in shipped_names("registers") if n != "dream_codes"]
    if text not in available:
        raise ConfigError(f"no shipped definitions named '{text}'; shipped: {', '.join(available)} (or give a path to a .yaml)")
    return registers_file(f"{text}.yaml")
