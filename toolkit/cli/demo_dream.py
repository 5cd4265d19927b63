"""`toolkit demo-dream`: write a synthetic DREAM extract like the demo wave's, of any size."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.demo.wave import write_demo_dream


def demo_dream(
    folder: Path = typer.Argument(..., help="Folder to write the extract into (created if missing)."),
    seed: int = typer.Option(2024, help="Random seed (the shipped demo uses 2024)."),
    persons: int = typer.Option(30_000, min=100, help="Number of persons."),
    csv: bool = typer.Option(False, "--csv", help="Write a ';'-separated CSV instead of Parquet."),
    force: bool = typer.Option(False, "--force", help="Replace an existing extract of that name."),
) -> None:
    """Generate a synthetic DREAM extract (deterministic; the demo wave's has 30,000 persons)."""
    typer.echo(f"wrote {write_demo_dream(folder, seed=seed, persons=persons, csv=csv, force=force)}")


def register(app: typer.Typer) -> None:
    app.command("demo-dream", rich_help_panel="Registers")(demo_dream)
