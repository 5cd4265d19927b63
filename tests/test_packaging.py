"""The wheel holds what pyproject.toml declares: every subpackage and every shipped resource file.

.ci/run builds and installs the wheel for real; this finds a forgotten declaration in a second.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folder(package: str) -> Path:
    """Where setuptools finds a package: its package-dir mapping (or a parent's), else toolkit/…."""
    parts = package.split(".")
    for k in range(len(parts), 0, -1):
        mapped = SETUPTOOLS["package-dir"].get(".".join(parts[:k]))
        if mapped is not None:
            return ROOT / mapped / Path(*parts[k:])
    return ROOT / Path(*parts)


def test_every_subpackage_is_declared() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")}
    declared = set(SETUPTOOLS["packages"])
    assert found <= declared and set(SETUPTOOLS["package-dir"]) <= declared
    assert all(_folder(p).is_dir() for p in declared), [p for p in declared if not _folder(p).is_dir()]


def test_every_resource_file_ships() -> None:
    """Each file of registers/, templates/, surveys/ matches the package-data globs (generated data/ aside)."""
    data = SETUPTOOLS["package-data"]
    shipped = {p for package, patterns in data.items() for pattern in patterns for p in _folder(package).glob(pattern)}
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = ROOT / folder
        assert (root / "__init__.py").is_file(), folder  # an editable install finds it as a package
        files = {p for p in root.rglob("*") if p.is_file() and p.name != "__init__.py"
                 and not {"__pycache__", "data", "out"} & set(p.relative_to(root).parts)}
        assert files - shipped == set(), folder
