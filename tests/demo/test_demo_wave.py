"""`toolkit demo DIR`: a complete, self-contained wave; refusal to overwrite; --force; --data-only.

The session's demo wave (conftest `demo_wave_dir`) is written by the same function; `toolkit check`
and `toolkit report` on it are tested in tests/pipeline/test_report.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import yaml
from conftest import ROOT, run_cli

DATA = ["data/ledere.sav", "data/medarbejdere.sav", "data/politikere.sav", "data/borgere.sav",
        "data/kommuner_register.csv", "data/dream.parquet"]
WAVE = ["codebook_borgere.yaml", "codebook_grupper.yaml", "codebook_ledere.yaml", "codebook_medarbejdere.yaml",
        "codebook_politikere.yaml", "margins_borgere.csv", "model.yaml", "wave.yaml"]
REGISTERS = ["registers/nychance.yaml", "registers/cubb.yaml", "registers/dream_codes.yaml", "registers/municipalities.csv"]


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` (relative name → bytes, mtime in ns)."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy(demo_wave_dir: Path, target: Path) -> Path:
    """A private copy of the session's wave (mtimes kept; not what other tests added), to change."""
    for name in DATA + WAVE + REGISTERS:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(demo_wave_dir / name, target / name)
    return target


def _wave_paths(wave: Path) -> list[Path]:
    """Every file a wave file and its model config name, resolved as the toolkit resolves them."""
    raw = yaml.safe_load(wave.read_text(encoding="utf-8"))
    rel = [s[k] for s in raw["surveys"].values() for k in ("data", "codebook") if k in s]
    rel += [s["weights"]["margins"] for s in raw["surveys"].values() if "weights" in s]
    rel += [raw["register"]["extract"], *raw["register"]["definitions"], raw["model"]]
    rel += [it["crosstab"]["codebook"] for c in raw["chapters"] for it in c["items"] if "codebook" in it.get("crosstab", {})]
    model = yaml.safe_load((wave.parent / raw["model"]).read_text(encoding="utf-8"))
    rel += [i["file"] for i in model["instruments"].values()] + [model["register"]["file"]]
    return [wave.parent / r for r in rel]


def test_the_wave_is_complete_and_self_contained(demo_wave_dir: Path) -> None:
    names = set(_files(demo_wave_dir))
    assert set(DATA + WAVE + REGISTERS) <= names
    paths = _wave_paths(demo_wave_dir / "wave.yaml")
    assert all(p.resolve().is_relative_to(demo_wave_dir.resolve()) and p.is_file() for p in paths), paths
    defs = [p for p in paths if p.parent.name == "registers"]
    assert sorted(p.name for p in defs) == ["cubb.yaml", "nychance.yaml"]
    for d in defs:  # the code list and municipality names the definitions use are the copies beside them
        spec = yaml.safe_load(d.read_text(encoding="utf-8"))
        assert spec["codes"] == "dream_codes.yaml" and "municipality_names" not in spec
    # the copies are the shipped files, the codebooks and model those of the template
    for name in REGISTERS:
        assert (demo_wave_dir / name).read_bytes() == (ROOT / name).read_bytes(), name
    for name in WAVE:
        if name != "wave.yaml":  # the shipped margins are the generated ones (seed 2024)
            assert (demo_wave_dir / name).read_bytes() == (ROOT / "surveys/demo" / name).read_bytes(), name
    template = (ROOT / "surveys/demo/wave.yaml").read_text(encoding="utf-8")
    copy = (demo_wave_dir / "wave.yaml").read_text(encoding="utf-8")
    assert [ln for ln in copy.splitlines() if ln not in template.splitlines()] == [
        "  definitions: [registers/nychance.yaml, registers/cubb.yaml]"]


def test_a_second_run_is_refused_and_touches_nothing(demo_wave_dir: Path, tmp_path: Path) -> None:
    wave = _copy(demo_wave_dir, tmp_path / "wave")
    before = _files(wave)
    r = run_cli("demo", wave)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == (f"error: refusing to overwrite 18 existing file(s): {', '.join(DATA + WAVE + REGISTERS)}; "
                        f"use --force to replace them ({wave})\n")
    assert _files(wave) == before  # same files, bytes and modification times; no temporary file left


def test_one_existing_file_is_named_and_nothing_is_written(tmp_path: Path, cli) -> None:
    (tmp_path / "wave").mkdir()
    (tmp_path / "wave" / "model.yaml").write_text("mine\n", encoding="utf-8")
    code, _, err = cli("demo", tmp_path / "wave")
    assert code == 2
    assert err == f"error: refusing to overwrite 1 existing file(s): model.yaml; use --force to replace them ({tmp_path / 'wave'})\n"
    assert [p.name for p in (tmp_path / "wave").iterdir()] == ["model.yaml"]
    assert (tmp_path / "wave" / "model.yaml").read_text(encoding="utf-8") == "mine\n"


def test_a_file_given_as_the_folder_is_an_error(tmp_path: Path, cli) -> None:
    f = tmp_path / "wave"
    f.write_text("not a folder", encoding="utf-8")
    for target in (f, f / "sub"):
        code, _, err = cli("demo", target)
        assert code == 2
        assert err == f"error: exists and is not a folder; give a folder for the demo wave ({f})\n"
    assert f.read_text(encoding="utf-8") == "not a folder"


def test_force_rewrites_the_wave(demo_wave_dir: Path, tmp_path: Path, cli) -> None:
    wave = _copy(demo_wave_dir, tmp_path / "wave")
    (wave / "wave.yaml").write_text("name: edited\n", encoding="utf-8")
    (wave / "registers" / "cubb.yaml").unlink()
    (wave / "data" / "dream.parquet").write_bytes(b"")
    (wave / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, out, _ = cli("demo", wave, "--force")
    assert code == 0
    assert out.splitlines() == [f"wrote {wave / n}" for n in DATA + WAVE + REGISTERS] + [f"next: toolkit check {wave / 'wave.yaml'}"]
    fresh, shared = _files(wave), _files(demo_wave_dir)
    assert set(fresh) == set(DATA + WAVE + REGISTERS) | {"notes.txt"}  # files of its own are left alone
    for name in fresh:
        if name.endswith(".sav"):  # SPSS files carry their creation time: compare what they hold
            a, ma = pyreadstat.read_sav(str(wave / name))
            b, mb = pyreadstat.read_sav(str(demo_wave_dir / name))
            pd.testing.assert_frame_equal(a, b)
            assert ma.column_labels == mb.column_labels and ma.variable_value_labels == mb.variable_value_labels
        elif name != "notes.txt":
            assert fresh[name][0] == shared[name][0], name


def test_data_only_lets_the_checkout_template_run_in_place(tmp_path: Path, cli) -> None:
    """The repository's surveys/demo/wave.yaml runs in place (definitions at ../../registers)
    once `toolkit demo surveys/demo --data-only` has written its data/."""
    demo = tmp_path / "surveys" / "demo"
    shutil.copytree(ROOT / "surveys" / "demo", demo, ignore=shutil.ignore_patterns("data", "out"))
    (tmp_path / "registers").symlink_to(ROOT / "registers")
    template = _files(demo)
    code, _, err = cli("demo", demo)  # the template's own files are not overwritten
    assert code == 2 and f"refusing to overwrite {len(WAVE)} existing file(s): {', '.join(WAVE)};" in err
    code, out, err = cli("demo", demo, "--data-only")
    assert code == 0 and out.splitlines() == [f"wrote {demo / n}" for n in DATA], err
    files = _files(demo)
    assert set(files) == set(template) | set(DATA)
    assert all(files[n] == template[n] for n in template)
    code, out, err = cli("check", demo / "wave.yaml")
    assert code == 0 and out.startswith("ok:"), err
