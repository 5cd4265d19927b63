"""`toolkit report` and `toolkit check`: the whole ministry workbook of a wave, or its validation."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.core.errors import ConfigError


def report(
    wave: Path = typer.Argument(..., help="Wave file (YAML), e.g. surveys/demo/wave.yaml."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Tidy long CSV (default: beside the workbook, <name>_tidy.csv)."),
    template: Optional[Path] = typer.Option(None, "--template", help="Excel styling YAML (default templates/ministry.yaml)."),
) -> None:
    """Build the wave's ministry workbook: weights, cross-tabs, register outcomes, model, profile."""
    from toolkit.cli.common import echo_warnings, pass_bar, pass_columns, write_outputs
    from toolkit.publish.atomic import guard_outputs

    from rich.progress import Progress, TimeElapsedColumn

    from toolkit.config.wave import load_wave
    from toolkit.pipeline.report import build_report, wave_policy

    tidy = tidy or out.with_name(out.stem + "_tidy.csv")
    guard_outputs([out, tidy], [wave])  # before the analyses: a bad path should not cost a whole run
    w = load_wave(wave)
    steps = sum(len(ch.items) for ch in w.spec.chapters)
    with Progress(*pass_columns(), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("Læser input", total=steps)
        started = [False]

        def progress(text: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=text)

        rep = build_report(w, progress, pass_bar(bar))
        bar.advance(task)
    echo_warnings(rep.warnings)
    write_outputs(rep.tables, out, inputs=rep.inputs, tidy=tidy, parameters=rep.parameters, template=template,
                  chapters={ch.number: ch.title for ch in w.spec.chapters},
                  policy=wave_policy(w))


def check(
    wave: Path = typer.Argument(..., help="Wave file (YAML) to validate."),
) -> None:
    """Validate a wave file and every input it names (without running the analyses); list all problems."""
    from toolkit.config.base import ConfigProblems
    from toolkit.pipeline.check import check_wave

    problems = check_wave(wave)
    if len(problems) == 1:  # one problem is the error itself, worded as `toolkit report` words it
        raise ConfigProblems(problems)
    if problems:
        for p in problems:
            typer.echo(f"problem: {p}", err=True)
        raise ConfigError(f"{len(problems)} problem(s) found", wave)
    typer.echo(f"ok: {wave} and its inputs are valid")


def register(app: typer.Typer) -> None:
    app.command("report", rich_help_panel="Report")(report)
    app.command("check", rich_help_panel="Report")(check)
