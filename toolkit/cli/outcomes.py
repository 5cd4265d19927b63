"""`toolkit outcomes`: register outcome tables (CUBB targets, NY CHANCE goals) from a DREAM extract."""

from __future__ import annotations

from pathlib import Path
from typing import List, Literal, Optional

import typer

from toolkit.cli.common import BATCH_HELP, COMPLEMENTS, JOBS_HELP, ZEROS, batch_size, jobs_option, policy_option
from toolkit.core.resources import definitions_file


def outcomes(
    extract: Path = typer.Argument(..., help="DREAM extract: .parquet, .csv (',' or ';') or .sas7bdat."),
    definitions: List[str] = typer.Option(..., "--definitions", "-d", help="Definitions: a shipped name (cubb, nychance) or a YAML path; repeat for several (the extract is read once)."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    threshold: int = typer.Option(5, "--threshold", min=1, help="Suppress cells describing fewer persons than this."),
    zeros: Literal["show", "small-groups", "all"] = ZEROS,
    complements: bool = COMPLEMENTS,
    unknown: Optional[str] = typer.Option(None, "--unknown-codes", help="'other' (count, list, treat as Andet) or 'error'; default from the code list."),
    batch: Optional[int] = typer.Option(None, "--batch-size", help=BATCH_HELP),
    jobs: Optional[int] = typer.Option(None, "--jobs", help=JOBS_HELP),
) -> None:
    """Register outcomes: target groups, CUBB targets 1-2 and NY CHANCE goals, with disclosure control."""
    from toolkit.cli.common import echo_warnings, pass_bar, write_outputs
    from toolkit.pipeline.inputs import Inputs
    from toolkit.pipeline.outcomes import run_outcomes
    from toolkit.publish.atomic import guard_outputs

    if unknown not in (None, "other", "error"):
        raise typer.BadParameter("expected 'other' or 'error'", param_hint="--unknown-codes")
    batch_size(batch)
    jobs_option(jobs)
    files = [definitions_file(d) for d in definitions]
    guard_outputs([out, tidy], [extract, *files])  # before reading a national extract
    inputs = Inputs()
    defs = [inputs.definitions(f) for f in files]
    run = run_outcomes(inputs.extract(extract, defs, batch_size=batch, jobs=jobs, bar=pass_bar()), defs, unknown=unknown,  # type: ignore[arg-type]
                       policy=policy_option(threshold, zeros, complements),
                       inputs=inputs.later)
    echo_warnings(run.warnings)
    write_outputs(run.published(by_part=True), out, inputs=run.inputs, tidy=tidy, parameters=run.parameters, policy=run.policy)


def register(app: typer.Typer) -> None:
    app.command("outcomes", rich_help_panel="Registers")(outcomes)
