"""`toolkit crosstab`: questionnaire tables (every seed shape) to the workbook and the tidy CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Mapping, Optional

import typer

from toolkit.core.errors import ConfigError, InputError

if TYPE_CHECKING:  # imported by the command when it runs (start-up time)
    from toolkit.pipeline.inputs import Inputs
    from toolkit.read.tabular import Dataset
    from toolkit.survey.weights import Weights


def named_path(arg: str) -> tuple[str | None, Path]:
    """'Ledere=ledere.sav' → ('Ledere', ledere.sav); a plain path → (None, path)."""
    if "=" in arg and not Path(arg).exists():
        name, _, path = arg.partition("=")
        if name.strip() and path.strip():
            return name.strip(), Path(path.strip())
    return None, Path(arg)


def data_names(data: list[str]) -> dict[str, Path]:
    """The data files by name (NAME=PATH, else the file name without extension), in order."""
    out: dict[str, Path] = {}
    for arg in data:
        name, path = named_path(arg)
        name = name or path.stem
        if name in out:
            raise InputError(f"two data files are both named '{name}'; name them apart with NAME=PATH", path)
        out[name] = path
    return out


def read_inputs(data: list[str], inputs: Inputs, weights: Mapping[str, Weights] | None = None) -> dict[str, Dataset]:
    """The data files by name; a weighted file's id column is read as written (017 is not 17)."""
    return {name: inputs.data(path, text=[weights[name].id_column] if weights and name in weights else ())
            for name, path in data_names(data).items()}


def read_weights(args: list[str], names: list[str], weighted_to: str | None, inputs: Inputs) -> dict[str, Weights]:
    """Weights files by data-file name; a bare path is fine when one data file is tabulated."""
    out: dict[str, Weights] = {}
    for arg in args:
        name, path = named_path(arg)
        if name is None:
            if len(names) != 1:
                raise ConfigError(f"--weights {arg}: say which data file it weights as NAME=PATH; names: {', '.join(names)}")
            name = names[0]
        out[name] = inputs.weights(path, weighted_to)
    return out


def crosstab(
    data: List[str] = typer.Argument(..., help="Survey data file(s): .sav, .csv, .xlsx, .dta, .parquet; NAME=PATH names a file (its group label)."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", "-c", help="Codebook YAML (batteries, multi-response, two-way, filters, labels; see surveys/README.md)."),
    by: Optional[str] = typer.Option(None, "--by", help="Show groups of this variable side by side (e.g. rolle, koen)."),
    weights: List[str] = typer.Option([], "--weights", "-w", help="Weights CSV from `toolkit weight` (id column + weight); NAME=PATH with several files."),
    weighted_to: Optional[str] = typer.Option(None, "--weighted-to", help="What the weights match, for the note (default from the codebook, else 'populationsfordelingen')."),
    side_by_side: bool = typer.Option(False, "--side-by-side", help="Without codebook tables: questions found in every file are shown with the files as groups."),
    layout: Optional[str] = typer.Option(None, "--layout", help="Groups as 'columns' (Tabel 2.4, default) or 'rows' (Tabel 2.1)."),
    letters: bool = typer.Option(False, "--letters", help="Add SPSS-style column-proportion letters where groups are columns."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    template: Optional[Path] = typer.Option(None, "--template", help="Excel styling YAML (default templates/ministry.yaml)."),
) -> None:
    """Tabulate questionnaires: single questions, batteries, multi-response, two-way, open answers, groups side by side."""
    from toolkit.cli.common import echo_warnings, write_outputs
    from toolkit.config.codebook import Codebook
    from toolkit.core.table import numbered
    from toolkit.pipeline.crosstab import run_crosstab
    from toolkit.pipeline.inputs import Inputs

    inputs = Inputs()
    cb = inputs.codebook(codebook) if codebook else Codebook()
    w = read_weights(weights, list(data_names(data)), weighted_to, inputs)
    datasets = read_inputs(data, inputs, w)
    run = run_crosstab(datasets, cb, w, by=by, letters=letters, side_by_side=side_by_side, layout=layout,  # type: ignore[arg-type]
                       inputs=inputs.files)
    echo_warnings(run.warnings)
    params = {k: v for k, v in {"codebook": codebook, "weights": ", ".join(weights), "weighted_to": weighted_to}.items() if v}
    write_outputs(numbered(run.tables, chapter=cb.chapter), out, inputs=run.inputs, tidy=tidy,
                  parameters={**params, **run.parameters}, template=template)


def register(app: typer.Typer) -> None:
    app.command("crosstab", rich_help_panel="Surveys")(crosstab)
