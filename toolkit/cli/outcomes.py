"""`toolkit outcomes`: register outcome tables (CUBB targets, NY CHANCE goals) from a DREAM extract."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.common import write_outputs
from toolkit.config.definitions import load_definitions
from toolkit.core.resources import definitions_file
from toolkit.core.table import keyed, prefixes
from toolkit.publish.atomic import guard_outputs
from toolkit.publish.disclosure import suppress
from toolkit.read.dream import unknown_codes
from toolkit.register.extract import read_for
from toolkit.register.outcomes import register_tables


def outcomes(
    extract: Path = typer.Argument(..., help="DREAM extract: .parquet, .csv (',' or ';') or .sas7bdat."),
    definitions: List[Path] = typer.Option(..., "--definitions", "-d", help="Definitions: a shipped name (cubb, nychance) or a YAML path; repeat for several."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    threshold: int = typer.Option(5, "--threshold", min=1, help="Suppress cells describing fewer persons than this."),
    unknown: Optional[str] = typer.Option(None, "--unknown-codes", help="'other' (count, list, treat as Andet) or 'error'; default from the code list."),
) -> None:
    """Register outcomes: target groups, CUBB targets 1-2 and NY CHANCE goals, with disclosure control."""
    if unknown not in (None, "other", "error"):
        raise typer.BadParameter("expected 'other' or 'error'", param_hint="--unknown-codes")
    definitions = [definitions_file(d) for d in definitions]
    guard_outputs([out, tidy], [extract, *definitions])  # before reading a national extract
    tables = []
    warned: set[str] = set()
    for path, prefix in zip(definitions, prefixes(definitions)):
        defs = load_definitions(path)
        reg = read_for(extract, defs)
        found = unknown_codes(reg, defs.codes.known)
        text = ", ".join(f"{c} ({k} weeks)" for c, k in sorted(found.items()))
        if found and (unknown or defs.codes.unknown) == "other" and text not in warned:
            typer.echo(f"warning: {len(found)} DREAM code(s) not in the code list, counted as 'Andet': {text}", err=True)
            warned.add(text)
        tables += keyed(register_tables(reg, defs, unknown), prefix)
    suppress(tables, threshold)
    write_outputs(tables, out, inputs=[extract, *definitions], tidy=tidy, parameters={"threshold": threshold})


def register(app: typer.Typer) -> None:
    app.command("outcomes", rich_help_panel="Registers")(outcomes)
