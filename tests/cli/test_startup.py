"""Start-up: `toolkit --help` and the command modules load no analysis library (measured: 1.07 s → 0.23 s)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "openpyxl", "yaml")  # (typer itself loads pydantic)

SCRIPT = """
import json, sys
from toolkit.cli import main
sys.argv = ["toolkit", *{args!r}]
try:
    main()
except SystemExit as e:
    code = e.code
print(json.dumps({{"code": code, "loaded": sorted(m for m in {heavy!r} if m in sys.modules)}}))
"""


def loaded_after(*args: str) -> dict:
    """Run `toolkit ARGS` in a fresh interpreter; its exit code and which heavy libraries it imported."""
    r = subprocess.run([sys.executable, "-c", SCRIPT.format(args=list(args), heavy=HEAVY)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("outcomes", "--help"), ("weight", "--help"), ("report", "--help"),
                                  ("diff", "--help"), ("--version",)])
def test_help_imports_no_analysis_library(args: tuple[str, ...]) -> None:
    res = loaded_after(*args)
    assert res["code"] in (0, None)
    assert res["loaded"] == []


def test_weight_help_shows_the_raking_defaults() -> None:
    from toolkit.survey import weighting
    from toolkit.survey.limits import DEFAULT_MAX_ITER, DEFAULT_TOL

    assert (weighting.DEFAULT_MAX_ITER, weighting.DEFAULT_TOL) == (DEFAULT_MAX_ITER, DEFAULT_TOL)
    r = subprocess.run([sys.executable, "-m", "toolkit", "weight", "--help"], capture_output=True, text=True,
                       env={"COLUMNS": "200", "PATH": ""})
    assert str(DEFAULT_MAX_ITER) in r.stdout and "1e-10" in r.stdout
