"""`toolkit weight`: rake survey respondents to population margins; weights CSV + diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.core.fmt import dk
from toolkit.core.table import Cell, Kind, Table
from toolkit.survey.limits import DEFAULT_MAX_ITER, DEFAULT_TOL


def _show(cell: Cell) -> str:
    value, kind = cell.value, cell.kind
    if isinstance(value, str) or value is None:
        return str(value or "")
    # the workbook's Danish style on the console too: 69,7 %, 12.000, 1,234, 6,7e-13
    if cell.display is not None and cell.display.notation == "scientific":
        return f"{value:.{1 if cell.display.decimals is None else cell.display.decimals}e}".replace(".", ",")
    if kind is Kind.PERCENT:
        return f"{dk(100 * value, 1)} %"
    if kind in (Kind.COUNT, Kind.BASE):
        return dk(int(value), 0, grouped=True)
    return dk(value, 3, grouped=True) if abs(value) < 1000 else dk(value, 1, grouped=True)


def render(table: Table) -> str:
    """A table as plain aligned text for the terminal."""
    stub = [f"{g}: {r}" if g else r for g, r in zip(table.row_groups, table.row_labels)]
    body = [[_show(c) for c in row] for row in table.cells]
    w0 = max(len(s) for s in stub + [table.stub_header])
    widths = [max(len(h), *(len(r[j]) for r in body)) for j, h in enumerate(table.column_labels)]
    lines = [table.title, "  ".join([table.stub_header.ljust(w0)] + [h.rjust(w) for h, w in zip(table.column_labels, widths)])]
    lines += ["  ".join([s.ljust(w0)] + [v.rjust(w) for v, w in zip(r, widths)]) for s, r in zip(stub, body)]
    return "\n".join(lines)


def weight(
    data: Path = typer.Argument(..., help="Survey data file: .sav, .csv, .xlsx, .dta, .parquet."),
    margins: Path = typer.Option(..., "--margins", "-m", help="Population margins: CSV with columns variable, category, target (or YAML); see surveys/README.md."),
    id_column: str = typer.Option(..., "--id", help="Respondent id column; the weights file is keyed by it."),
    out: Path = typer.Option(..., "--out", "-o", help="Weights CSV to write: the id column and `weight`, one row per respondent in data order."),
    base_weight: Optional[str] = typer.Option(None, "--base-weight", help="Column with a design (base) weight to start from."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write the diagnostics as an Excel workbook (.xlsx)."),
    trim: Optional[str] = typer.Option(None, "--trim", help="Cap extreme weights and re-rake: K caps at K × the median weight (e.g. 5); LOW:HIGH gives bounds (e.g. 0.3:40, :40)."),
    scale: str = typer.Option("population", "--scale", help="'population': weights sum to the margins' total; 'n': to the number of respondents."),
    max_iter: int = typer.Option(DEFAULT_MAX_ITER, "--max-iter", min=1, help="Most raking iterations (sweeps over all margins) before giving up with an error."),
    tol: float = typer.Option(DEFAULT_TOL, "--tol", min=0.0, help="Stop when every margin is within this relative error of its target."),
) -> None:
    """Rake respondents to population margins (origin, age, sex, match group …); write weights and diagnostics."""
    from toolkit.cli.common import echo_warnings, write_outputs
    from toolkit.pipeline.inputs import Inputs
    from toolkit.pipeline.weight import run_weight, weight_columns
    from toolkit.publish.atomic import atomic_path, guard_outputs
    from toolkit.publish.tidy import write_csv
    from toolkit.read.tabular import read_columns

    guard_outputs([out, report], [data, margins])
    inputs = Inputs()
    m = inputs.margins(margins)
    columns = weight_columns(m, id_column, base_weight)
    have = read_columns(data)
    ds = inputs.data(data, [c for c in have if c in columns] if all(c in have for c in columns) else None, text=[id_column])
    run = run_weight(ds, m, id_column=id_column, base_weight=base_weight, scale=scale, trim=trim, tol=tol,  # type: ignore[arg-type]
                     max_iter=max_iter, inputs=inputs.files)
    echo_warnings(run.warnings)
    assert run.result is not None
    frame = run.weights()
    for t in run.tables:
        typer.echo(render(t) + "\n")
    if report is None:
        with atomic_path(out) as tmp:
            write_csv(frame, tmp)
        typer.echo(f"wrote {out}")
    else:  # the weights and their report are committed together: a failing report leaves no weights
        write_outputs(run.tables, report, inputs=run.inputs, parameters={"margins": margins, **run.parameters},
                      also=[(out, lambda tmp: write_csv(frame, tmp))])
    typer.echo(f"{dk(run.result.n, 0, grouped=True)} weights summing to {dk(run.result.weights.sum(), 1, grouped=True)}")


def register(app: typer.Typer) -> None:
    app.command("weight", rich_help_panel="Surveys")(weight)
