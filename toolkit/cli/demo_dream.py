"""`toolkit demo-dream`: write a synthetic DREAM extract like the demo wave's, of any size."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.demo.wave import write_demo_dream


def demo_dream(
    folder: Path = typer.Argument(..., help="Folder to write the extract into (created if missing)."),
    seed: int = typer.Option(2024, help="Random seed (the shipped demo uses 2024)."),
    persons: int = typer.Option(30_000, min=100, help="Number of persons."),
    csv: bool = typer.Option(False, "--csv", help="Write a ';'-separated CSV instead of Parquet."),
    force: bool = typer.Option(False, "--force", help="Replace an existing extract of that name."),
    history_from: Optional[int] = typer.Option(None, "--history-from", min=1991, help="Also weekly codes from this year (DREAM starts in week 32 of 1991) and grad from 2008, as wide as the national extract (~1,900 columns from 1991); the earlier years repeat the simulated ones."),
) -> None:
    """Generate a synthetic DREAM extract (deterministic; the demo wave's has 30,000 persons)."""
    for path in write_demo_dream(folder, seed=seed, persons=persons, csv=csv, force=force, history_from=history_from):
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("demo-dream", rich_help_panel="Registers")(demo_dream)
