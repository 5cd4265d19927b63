"""`toolkit profile`: the residual-group profile (seed 004 ch. 5) to the workbook and the tidy CSV."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from toolkit.cli.common import write_outputs
from toolkit.config.codes import load_codes
from toolkit.config.definitions import load_definitions
from toolkit.core.calendar import parse_quarter
from toolkit.core.errors import ConfigError, DataError
from toolkit.core.resources import definitions_file
from toolkit.profile import (
    GROUPS,
    ProfileSettings,
    Subgroup,
    offer_columns,
    profile_from_register,
    profile_tables,
)
from toolkit.publish.atomic import guard_outputs
from toolkit.publish.disclosure import suppress
from toolkit.read.tabular import read_data
from toolkit.register.extract import read_for


def subgroup_option(values: list[str], within: str, title: str | None) -> Subgroup | None:
    """The Tabel 5.5 selection from the options; no values = no sub-group table."""
    if not values or values == ["-"]:
        return None
    groups = {g.lower(): g for g in GROUPS}
    if within.lower() not in groups and within.lower() != "alle":
        raise ConfigError(f"--subgroup-in must be {', '.join(GROUPS)} or 'alle', not '{within}'")
    return Subgroup(values=tuple(values), group=groups.get(within.lower()), title=title or "")


def profile(
    extract: Optional[Path] = typer.Argument(None, help="DREAM extract (.csv, .parquet, .sas7bdat); needs --definitions."),
    definitions: Optional[Path] = typer.Option(None, "--definitions", "-d", help="Definitions with programme, cohort and goals: a shipped name (nychance) or a YAML path."),
    persons: Optional[Path] = typer.Option(None, "--persons", help="Instead of an extract: a person-level file, one row per person with gruppe, kon, alder, herkomst, match, anciennitet, status and 0/1 columns akt_<type>."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    quarter: Optional[str] = typer.Option(None, "--quarter", help="Reference quarter, e.g. 2022Q4 or 2022-4 (default: the last observed quarter)."),
    subgroup: List[str] = typer.Option(["Førtidspension"], "--subgroup", help="Status value(s) of the sub-group profiled in Tabel 5.5 ('-' for none)."),
    subgroup_in: str = typer.Option("Restgruppen", "--subgroup-in", help="Look for the sub-group in 'Restgruppen', 'Beskæftigelsesgruppen' or 'alle'."),
    subgroup_title: Optional[str] = typer.Option(None, "--subgroup-title", help="Title of Tabel 5.5 (default: 'Profil af borgere i restgruppen på førtidspension')."),
    threshold: int = typer.Option(5, "--threshold", help="Disclosure control: suppress cells describing fewer persons than this."),
    chapter: str = typer.Option("5", "--chapter", help="Chapter number of the tables and figures (Tabel 5.1 …)."),
    codes: Optional[Path] = typer.Option(None, "--codes", help="With --persons: the code list whose activation labels name the akt_<type> columns (default registers/dream_codes.yaml)."),
    reference: Optional[str] = typer.Option(None, "--reference", help="With --persons: the reference quarter as text for the titles (e.g. '3. kvt. 2007')."),
    start: Optional[str] = typer.Option(None, "--start", help="With --persons: when seniority was measured, for the title of Tabel 5.4."),
    template: Optional[Path] = typer.Option(None, "--template", help="Excel styling YAML (default templates/ministry.yaml)."),
) -> None:
    """Residual group vs employment group at a reference quarter (Tabel 5.1-5.5, Figur 5.1-5.5), tests in notes, small cells suppressed."""
    if (extract is None) == (persons is None):
        raise ConfigError("give either a DREAM extract (with --definitions) or --persons FILE, not both or neither")
    if threshold < 1:
        raise ConfigError(f"--threshold must be at least 1, not {threshold}")
    definitions = definitions_file(definitions) if definitions is not None else None
    guard_outputs([out, tidy], [p for p in (extract, definitions, persons, codes) if p])  # before the long read
    sub = subgroup_option(subgroup, subgroup_in, subgroup_title)
    settings = ProfileSettings(chapter=chapter, subgroup=sub, min_cell=threshold)
    params: dict[str, object] = {"threshold": threshold, "subgroup": ", ".join(subgroup), "subgroup_in": subgroup_in}
    if extract is not None:
        if definitions is None:
            raise ConfigError("a DREAM extract needs --definitions (a YAML with programme, cohort and goals, e.g. registers/nychance.yaml)")
        defs = load_definitions(definitions)
        if defs.spec.programme is None or defs.spec.cohort is None:
            raise ConfigError("the profile needs definitions with a programme and a cohort (NY CHANCE style, "
                              "e.g. registers/nychance.yaml)", definitions)
        try:
            q = parse_quarter(quarter) if quarter else None
        except ValueError as e:
            raise ConfigError(f"--quarter: {e}") from None
        reg = read_for(extract, defs)
        tables = profile_from_register(reg, defs, q, settings)
        inputs = [extract, definitions]
        params.update({"definitions": definitions, "quarter": quarter or "sidste observerede"})
    else:
        assert persons is not None
        if quarter:
            raise ConfigError("--quarter needs a DREAM extract; with --persons the file already holds the status at the reference quarter (use --reference for the title)")
        ds = read_data(persons)
        labels = {a.key: a.label for a in load_codes(codes).activation}
        settings.offers = offer_columns(ds.data, labels)
        settings.reference, settings.start = reference or "", start or ""
        try:
            tables = profile_tables(ds.data.reset_index(drop=True), settings)
        except DataError as e:
            raise e.at(persons) from None
        inputs = [persons] + ([codes] if codes else [])
    suppress(tables, threshold=threshold)
    write_outputs(tables, out, inputs=inputs, tidy=tidy, parameters=params, template=template)


def register(app: typer.Typer) -> None:
    app.command("profile", rich_help_panel="Registers")(profile)
