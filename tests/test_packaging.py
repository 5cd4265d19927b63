"""The wheel holds what pyproject.toml declares: every subpackage and every shipped resource file.

.ci/run builds and installs the wheel for real; this finds a forgotten declaration in a second.
"""

from __future__ import annotations

import tomllib

from conftest import ROOT

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_declared() -> None:
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == found | set(SETUPTOOLS["package-dir"])


def test_every_resource_file_ships() -> None:
    """Each file of registers/, templates/, surveys/ matches the package-data globs (generated data/ aside)."""
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = ROOT / folder
        assert (root / "__init__.py").is_file(), folder  # an editable install finds it as a package
        shipped = {p for pattern in SETUPTOOLS["package-data"][package] for p in root.glob(pattern)}
        files = {p for p in root.rglob("*") if p.is_file() and p.name != "__init__.py"
                 and not {"__pycache__", "data", "out"} & set(p.relative_to(root).parts)}
        assert files - shipped == set(), folder
