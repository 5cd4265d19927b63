"""A streamed read of the DREAM extract gives byte-identical outputs whatever the batch size: the
tidy CSVs of `outcomes -d cubb -d nychance`, `profile` and the wave report, on the demo extract
and on one sorted by municipality, so that batches split municipalities and cohorts unevenly
(small municipalities sit in one batch only, large ones and the cohorts cross batch boundaries)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import run_main

# (persons per batch, threads): the first is the whole extract in one batch, serially
RUNS = {"parquet": ((10**6, 1), (997, 1), (997, 2), (211, 2)), "csv": ((10**6, 1), (1499, 2))}


@pytest.fixture(scope="module")
def sorted_extracts(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """6,000 demo persons ordered by their municipality at the programme start (Parquet and CSV)."""
    df = pd.read_parquet(demo_dir / "dream.parquet").iloc[:6000]
    df = df.sort_values("nykom2021", kind="mergesort").reset_index(drop=True)
    folder = tmp_path_factory.mktemp("sorted")
    out = {"parquet": folder / "sorted.parquet", "csv": folder / "sorted.csv"}
    df.to_parquet(out["parquet"], index=False)
    df.to_csv(out["csv"], index=False, sep=";")
    return out


def test_the_sorted_extract_splits_municipalities_unevenly(sorted_extracts: dict[str, Path]) -> None:
    kom = pd.read_parquet(sorted_extracts["parquet"], columns=["nykom2021"])["nykom2021"].to_numpy()
    batch = pd.Series(range(len(kom))) // 997
    spread = pd.Series(batch.to_numpy()).groupby(kom).nunique()
    assert (spread == 1).sum() >= 10 and (spread > 1).sum() >= 3  # whole municipalities in one batch, and cut ones


def tidy_bytes(tmp_path: Path, *args: object) -> bytes:
    """The tidy CSV `toolkit ARGS --tidy` writes, as bytes."""
    tidy = tmp_path / "t.csv"
    run_main(*args, "-o", tmp_path / "t.xlsx", "--tidy", tidy)
    data = tidy.read_bytes()
    tidy.unlink()
    (tmp_path / "t.xlsx").unlink()
    return data


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_outcomes_and_profile_are_identical_for_any_batch_size(sorted_extracts: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    x = sorted_extracts[fmt]
    for args in (["outcomes", x, "-d", "cubb", "-d", "nychance"], ["profile", x, "-d", "nychance", "--threshold", "1"]):
        got = {(b, j): tidy_bytes(tmp_path, *args, "--batch-size", b, "--jobs", j) for b, j in RUNS[fmt]}
        whole = got[RUNS[fmt][0]]
        assert whole.count(b"\n") > 200  # real tables
        assert all(v == whole for v in got.values()), args[0]


def test_demo_outcomes_are_identical_in_batches(demo_dir: Path, tmp_path: Path) -> None:
    x = demo_dir / "dream.parquet"
    args = ["outcomes", x, "-d", "cubb", "-d", "nychance"]
    assert tidy_bytes(tmp_path, *args, "--jobs", 1) == tidy_bytes(tmp_path, *args, "--batch-size", 4999, "--jobs", 2)


def test_demo_report_is_identical_in_batches(demo_wave_dir: Path, tmp_path: Path) -> None:
    text = (demo_wave_dir / "wave.yaml").read_text(encoding="utf-8")
    batched = demo_wave_dir / "wave_batched.yaml"
    batched.write_text(text.replace("parameters:\n", "parameters:\n  batch_size: 4999\n  jobs: 2\n", 1), encoding="utf-8")
    out = {}
    for name, wave in (("whole", demo_wave_dir / "wave.yaml"), ("batched", batched)):
        run_main("report", wave, "--out", tmp_path / f"{name}.xlsx", "--tidy", tmp_path / f"{name}.csv")
        out[name] = (tmp_path / f"{name}.csv").read_bytes()
    assert out["whole"].count(b"\n") > 1000 and out["whole"] == out["batched"]


@pytest.mark.parametrize("option, what", [("--batch-size", "persons"), ("--jobs", "threads")])
@pytest.mark.parametrize("value", ["0", "-5"])
def test_batch_size_and_jobs_must_be_positive(cli, demo_dir: Path, tmp_path: Path, option: str, what: str, value: str) -> None:
    for command in (["outcomes", demo_dir / "dream.parquet", "-d", "cubb"], ["profile", demo_dir / "dream.parquet", "-d", "nychance"]):
        code, _, err = cli(*command, "-o", tmp_path / "x.xlsx", option, value)
        assert code == 2 and f"error: {option} must be a positive whole number of {what}, not {value}" in err
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("key, value", [("batch_size", 0), ("jobs", 0), ("batch_size", "many")])
def test_wave_batch_size_and_jobs_are_checked(demo_wave_dir: Path, cli, tmp_path: Path, key: str, value: object) -> None:
    text = (demo_wave_dir / "wave.yaml").read_text(encoding="utf-8")
    bad = demo_wave_dir / f"wave_bad_{key}.yaml"
    bad.write_text(text.replace("parameters:\n", f"parameters:\n  {key}: {value}\n", 1), encoding="utf-8")
    code, _, err = cli("report", bad, "--out", tmp_path / "x.xlsx")
    assert code == 2 and err.startswith("error: ") and key in err
