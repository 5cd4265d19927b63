"""`toolkit demo`: write the synthetic demo wave's data files."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.demo.surveys import all_instruments, margins_with_labels, to_writable
from toolkit.publish.atomic import atomic_path


def write_demo_surveys(folder: Path, seed: int = 2024) -> list[Path]:
    """Write the four questionnaires as labelled .sav files and the citizen margins as CSV."""
    import pyreadstat

    folder.mkdir(parents=True, exist_ok=True)
    instruments, margins = all_instruments(seed)
    written = []
    for inst in instruments:
        path = folder / f"{inst.name}.sav"
        with atomic_path(path) as tmp:
            pyreadstat.write_sav(dst_path=str(tmp), **to_writable(inst))
        written.append(path)
    path = folder / "margins_borgere.csv"
    with atomic_path(path) as tmp:
        margins_with_labels(margins).to_csv(tmp, index=False, encoding="utf-8")
    written.append(path)
    return written


def demo(
    folder: Path = typer.Argument(Path("surveys/demo/data"), help="Folder to write the demo data into."),
    seed: int = typer.Option(2024, help="Random seed (the shipped demo uses 2024)."),
    register_extract: bool = typer.Option(True, "--register/--no-register", help="Also write the synthetic DREAM extract (dream.parquet)."),
) -> None:
    """Generate the synthetic demo wave's data files: surveys, margins, DREAM extract (deterministic)."""
    for p in write_demo_surveys(folder, seed):
        typer.echo(f"wrote {p}")
    from toolkit.cli.model import (
        write_demo_register,  # municipality register outcomes for `toolkit model`
    )

    typer.echo(f"wrote {write_demo_register(folder, seed)}")
    if register_extract:
        from toolkit.cli.demo_dream import write_demo_dream

        typer.echo(f"wrote {write_demo_dream(folder, seed)}")


def register(app: typer.Typer) -> None:
    app.command("demo", rich_help_panel="Demo")(demo)
