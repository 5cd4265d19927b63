"""Shared fixtures: the demo wave's data generated once per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m toolkit ARGS` as a user would (through main()'s error handling)."""
    return subprocess.run([sys.executable, "-m", "toolkit", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def run_main(*args: object) -> None:
    """`toolkit ARGS` in-process through main(), as the console script runs it; must succeed."""
    from toolkit.cli import main

    old, sys.argv = sys.argv, ["toolkit", *map(str, args)]
    try:
        main()
    except SystemExit as e:
        assert e.code in (None, 0), e.code
    finally:
        sys.argv = old


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo survey files, written by the real `toolkit demo` code path."""
    from toolkit.cli.demo import write_demo_surveys

    folder = tmp_path_factory.mktemp("demo")
    write_demo_surveys(folder)
    return folder
