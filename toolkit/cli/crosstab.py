"""`toolkit crosstab`: questionnaire tables to the workbook and the tidy CSV."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..crosstab import labelled_tables
from ..io import read_data
from ..table import numbered
from .common import write_outputs


def crosstab(
    data: List[Path] = typer.Argument(..., help="Survey data file(s): .sav, .csv, .xlsx, .dta, .parquet."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
) -> None:
    """Tabulate questionnaires: one table per labelled question (Antal / Procent)."""
    tables = []
    for path in data:
        tables += labelled_tables(read_data(path))
    write_outputs(numbered(tables), out, inputs=list(data), tidy=tidy)


def register(app: typer.Typer) -> None:
    app.command("crosstab", rich_help_panel="Surveys")(crosstab)
