"""`toolkit model`: the municipality model (seed 004 ch. 4) from a YAML config to the workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from toolkit.cli.common import echo_warnings, write_outputs
from toolkit.config.definitions import load_municipality_names
from toolkit.config.yaml import read_yaml
from toolkit.core.errors import ConfigError, ToolkitError
from toolkit.core.table import numbered
from toolkit.read.tabular import read_data


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
) -> None:
    """Municipality model: survey indicators + register outcomes, bivariate screen, stepwise OLS, robustness."""
    # statsmodels/scipy take seconds to import: load them only when this command runs
    from toolkit.municipal import (
        ModelSpec,
        register_frame,
        result_tables,
        run_model,
        spec_from_dict,
    )
    from toolkit.publish.disclosure import suppress

    try:
        spec: "ModelSpec" = spec_from_dict(read_yaml(config), str(config))
    except ToolkitError as e:
        raise e.at(config)
    reg_path = register or _resolve(config, spec.register_spec.file)
    if reg_path is None:
        raise ConfigError("no register outcomes: give --register FILE or register.file in the config", config)
    surveys, inputs = {}, [config, reg_path]
    for name in sorted({i.instrument for i in spec.indicators}):
        inst = spec.instruments.get(name)
        path = _resolve(config, inst.file if inst else None)
        if path is None:
            raise ConfigError(f"key 'instruments.{name}.file': no data file given for instrument '{name}'", config)
        surveys[name] = read_data(path)
        inputs.append(path)
    reg = register_frame(read_data(reg_path).data, spec, str(reg_path))
    names = load_municipality_names(municipalities)
    if municipalities is not None:
        inputs.append(municipalities)
    with echo_warnings():
        try:
            res = run_model(reg, surveys, spec, names)
        except ConfigError as e:
            raise e.at(config)
    f = res.fit
    typer.echo(f"model: {spec.dependent} ~ {' + '.join(f.xs) or '1'}  (R² = {f.rsquared:.3f}, n = {f.n} municipalities)")
    sel = spec.selection
    params = {"dependent": spec.dependent, "controls": ", ".join(spec.controls), "direction": sel.direction,
              "p_enter": sel.p_enter, "p_remove": sel.p_remove, "robust_se": spec.robust_se}
    tables = numbered(result_tables(res))
    suppress(tables, threshold)
    write_outputs(tables, out, inputs=inputs, tidy=tidy, parameters={**params, "threshold": threshold})


def register(app: typer.Typer) -> None:
    app.command("model", rich_help_panel="Analyses")(model)
