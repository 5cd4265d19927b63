"""`toolkit demo DIR`: write a complete, self-contained demo wave into a folder."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.demo.wave import write_demo_wave


def demo(
    folder: Path = typer.Argument(..., help="Folder to write the demo wave into (created if missing), e.g. wave."),
    force: bool = typer.Option(False, "--force", help="Replace files of an earlier demo wave in the folder."),
    seed: int = typer.Option(2024, help="Random seed (the shipped demo uses 2024)."),
    data_only: bool = typer.Option(False, "--data-only", help="Write only FOLDER/data/ (for a wave file kept elsewhere, e.g. a checkout's surveys/demo)."),
) -> None:
    """Write the demo wave: data/ (questionnaires, DREAM extract), codebooks, margins, model, wave.yaml, registers/.

    Deterministic. Then: toolkit check FOLDER/wave.yaml; toolkit report FOLDER/wave.yaml --out demo.xlsx.
    """
    paths = write_demo_wave(folder, seed=seed, force=force, data_only=data_only)
    for p in paths:
        typer.echo(f"wrote {p}")
    if not data_only:
        typer.echo(f"next: toolkit check {folder / 'wave.yaml'}")


def register(app: typer.Typer) -> None:
    app.command("demo", rich_help_panel="Demo")(demo)
