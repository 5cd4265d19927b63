"""Shared fixtures: the demo wave generated once per test session; the CLI runners."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# property tests draw new random examples on every local run (to find what the fixed ones miss);
# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) draws the same ones every time, so a submission's CI
# result does not depend on the luck of the draw
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Remembered digests (read.digest_cache) go to the session's folder, not the user's ~/.cache
    (also for the CLI run as a subprocess, which inherits the environment)."""
    os.environ["TOOLKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


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


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `toolkit ARGS` in this process through main() (its error handling included): (code, stdout, stderr).

    A subprocess per call costs seconds of imports; `run_cli` keeps a few tests on `python -m toolkit`.
    """
    from toolkit.cli import main

    def run(*args: object) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.argv", ["toolkit", *map(str, args)])
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main()
        out = capsys.readouterr()
        return int(e.value.code or 0), out.out, out.err

    return run


@pytest.fixture(scope="session")
def demo_wave_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo wave (data/, codebooks, margins, model, wave.yaml, registers/), written once per
    session in-process by the function `toolkit demo DIR` runs. Shared: a test may add files to
    it, never change or remove what is there."""
    from toolkit.demo.wave import write_demo_wave

    folder = tmp_path_factory.mktemp("demo") / "wave"
    write_demo_wave(folder)
    return folder


@pytest.fixture(scope="session")
def demo_dir(demo_wave_dir: Path) -> Path:
    """The shared demo wave's data/ folder (the four questionnaires, the DREAM extract, …)."""
    return demo_wave_dir / "data"
