"""`toolkit model`: the municipality model (seed 004 ch. 4) from a YAML config to the workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import typer

from toolkit.cli.common import COMPLEMENTS, ZEROS, policy_option
from toolkit.core.errors import ConfigError, ToolkitError
from toolkit.core.fmt import dk


def _resolve(config: Path, file: str | None) -> Path | None:
    if not file:
        return None
    p = Path(file)
    return p if p.is_absolute() else config.parent / p


def model(
    config: Path = typer.Argument(..., help="Model config (YAML), e.g. surveys/demo/model.yaml."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    register: Optional[Path] = typer.Option(None, "--register", "-r", help="Register outcomes per municipality (.csv/.parquet/.xlsx/.sav); overrides register.file in the config."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    municipalities: Optional[Path] = typer.Option(None, "--municipalities", help="Municipality list (kode, kommune) for names and the loss report; default registers/municipalities.csv."),
    threshold: int = typer.Option(5, "--threshold", min=1, help="Suppress register cells describing fewer persons than this (needs register.persons)."),
    zeros: Literal["show", "small-groups", "all"] = ZEROS,
    complements: bool = COMPLEMENTS,
) -> None:
    """Municipality model: survey indicators + register outcomes, bivariate screen, stepwise OLS, robustness."""
    from toolkit.cli.common import echo_warnings, write_outputs
    from toolkit.config.definitions import load_municipality_names
    from toolkit.core.table import numbered
    from toolkit.pipeline.inputs import Inputs

    from toolkit.config.model import spec_from_dict
    from toolkit.pipeline.model import run_model

    inputs = Inputs()
    try:
        spec = spec_from_dict(inputs.yaml(config), str(config))
    except ToolkitError as e:
        raise e.at(config)
    reg_path = register or _resolve(config, spec.register_spec.file)
    if reg_path is None:
        raise ConfigError("no register outcomes: give --register FILE or register.file in the config", config)
    reg = inputs.data(reg_path)
    surveys = {}
    for name in sorted({i.instrument for i in spec.indicators}):
        inst = spec.instruments.get(name)
        path = _resolve(config, inst.file if inst else None)
        if path is None:
            raise ConfigError(f"key 'instruments.{name}.file': no data file given for instrument '{name}'", config)
        surveys[name] = inputs.data(path)
    names = load_municipality_names(municipalities)
    if municipalities is not None:
        inputs.record(municipalities)
    try:
        run = run_model(spec, reg.data, surveys, names=names, policy=policy_option(threshold, zeros, complements), register_source=str(reg_path),
                        inputs=inputs.files)
    except ConfigError as e:
        raise e.at(config)
    echo_warnings(run.warnings)
    assert run.result is not None
    f = run.result.fit
    typer.echo(f"model: {spec.dependent} ~ {' + '.join(f.xs) or '1'}  (R² = {dk(f.rsquared, 3)}, n = {f.n} municipalities)")
    write_outputs(numbered(run.tables), out, inputs=run.inputs, tidy=tidy, parameters=run.parameters, policy=run.policy)


def register(app: typer.Typer) -> None:
    app.command("model", rich_help_panel="Analyses")(model)
