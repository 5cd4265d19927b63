"""`toolkit demo-dream`: write the demo wave's synthetic DREAM extract."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.demo.dream import synthetic_extract
from toolkit.publish.atomic import atomic_path


def write_demo_dream(folder: Path, seed: int = 2024, persons: int = 30_000, csv: bool = False) -> Path:
    """Write dream.parquet (or dream.csv, ';'-separated with decimal commas) into the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    df = synthetic_extract(seed, persons)
    path = folder / ("dream.csv" if csv else "dream.parquet")
    with atomic_path(path) as tmp:
        if csv:
            df.to_csv(tmp, sep=";", decimal=",", index=False, encoding="utf-8")
        else:
            df.to_parquet(tmp, index=False)
    return path


def demo_dream(
    folder: Path = typer.Argument(Path("surveys/demo/data"), help="Folder to write the extract into."),
    seed: int = typer.Option(2024, help="Random seed (the shipped demo uses 2024)."),
    persons: int = typer.Option(30_000, min=100, help="Number of persons."),
    csv: bool = typer.Option(False, "--csv", help="Write a ';'-separated CSV instead of Parquet."),
) -> None:
    """Generate the synthetic DREAM extract of the demo wave (deterministic)."""
    typer.echo(f"wrote {write_demo_dream(folder, seed, persons, csv)}")


def register(app: typer.Typer) -> None:
    app.command("demo-dream", rich_help_panel="Registers")(demo_dream)
