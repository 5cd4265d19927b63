"""`internal error` is reserved for real bugs: truncated and garbled versions of the demo inputs fed to
the commands that read them end either in a result or in one `error:` line with exit 2."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _damage(raw: bytes, how: str, seed: int) -> bytes:
    """`half`: the first half of the bytes; `garbled`: 64 bytes overwritten in the middle, deterministically."""
    if how == "half":
        return raw[: len(raw) // 2]
    rng = random.Random(seed)
    out = bytearray(raw)
    for _ in range(64):
        i = rng.randrange(len(out) // 4, 3 * len(out) // 4)
        out[i] = rng.randrange(256)
    return bytes(out)


# (input in the demo wave, command with {x} for the damaged copy, {w} the wave, {d} an output folder)
RUNS = [
    ("data/borgere.sav", "weight {x} --margins {w}/margins_borgere.csv --id id -o {d}/w.csv"),
    ("data/borgere.sav", "crosstab {x} -c {w}/codebook_borgere.yaml -o {d}/o.xlsx"),
    ("data/borgere.sav", "codebook {x} -o {d}/c.yaml"),
    ("margins_borgere.csv", "weight {w}/data/borgere.sav --margins {x} --id id -o {d}/w.csv"),
    ("codebook_borgere.yaml", "crosstab {w}/data/borgere.sav -c {x} -o {d}/o.xlsx"),
    ("data/dream.parquet", f"outcomes {{x}} -d {ROOT / 'registers' / 'cubb.yaml'} -o {{d}}/o.xlsx"),
    ("data/kommuner_register.csv", "codebook {x} -o {d}/c.yaml"),
]


@pytest.mark.parametrize("how", ["half", "garbled"])
@pytest.mark.parametrize("name, command", RUNS, ids=[f"{c.split()[0]}-{Path(n).name}" for n, c in RUNS])
def test_damaged_input_is_never_an_internal_error(name: str, command: str, how: str, tmp_path: Path, demo_wave_dir: Path, cli) -> None:
    damaged = tmp_path / Path(name).name
    damaged.write_bytes(_damage((demo_wave_dir / name).read_bytes(), how, seed=len(name)))
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = cli(*[a.format(x=damaged, w=demo_wave_dir, d=out) for a in command.split()])
    assert "internal error" not in err and "Traceback" not in err, err
    assert code in (0, 2), err
    if code == 2:
        assert [ln for ln in err.splitlines() if ln.startswith("error: ")], err
        assert list(out.iterdir()) == []
