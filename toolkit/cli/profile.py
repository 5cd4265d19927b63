"""`toolkit profile`: the residual-group profile (seed 004 ch. 5) to the workbook and the tidy CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Literal, Optional

import typer

from toolkit.cli.common import BATCH_HELP, COMPLEMENTS, JOBS_HELP, ZEROS, batch_size, jobs_option, policy_option
from toolkit.core.calendar import parse_quarter
from toolkit.core.errors import ConfigError
from toolkit.core.resources import definitions_file

if TYPE_CHECKING:  # imported by the command when it runs (start-up time)
    from toolkit.profile import Subgroup


def subgroup_option(values: list[str], within: str, title: str | None) -> Subgroup | None:
    """The Tabel 5.5 selection from the options; no values = no sub-group table."""
    from toolkit.profile import GROUPS, Subgroup

    if not values or values == ["-"]:
        return None
    groups = {g.lower(): g for g in GROUPS}
    if within.lower() not in groups and within.lower() != "alle":
        raise ConfigError(f"--subgroup-in must be {', '.join(GROUPS)} or 'alle', not '{within}'")
    return Subgroup(values=tuple(values), group=groups.get(within.lower()), title=title or "")


def profile(
    extract: Optional[Path] = typer.Argument(None, help="DREAM extract (.csv, .parquet, .sas7bdat); needs --definitions."),
    definitions: Optional[str] = typer.Option(None, "--definitions", "-d", help="Definitions with programme, cohort and goals: a shipped name (nychance) or a YAML path."),
    persons: Optional[Path] = typer.Option(None, "--persons", help="Instead of an extract: a person-level file, one row per person with gruppe, kon, alder, herkomst, match, anciennitet, status and 0/1 columns akt_<type>."),
    out: Path = typer.Option(..., "--out", "-o", help="Workbook to write (.xlsx)."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the tidy long CSV here."),
    quarter: Optional[str] = typer.Option(None, "--quarter", help="Reference quarter, e.g. 2022Q4 or 2022-4 (default: the last observed quarter)."),
    subgroup: List[str] = typer.Option(["Førtidspension"], "--subgroup", help="Status value(s) of the sub-group profiled in Tabel 5.5 ('-' for none)."),
    subgroup_in: str = typer.Option("Restgruppen", "--subgroup-in", help="Look for the sub-group in 'Restgruppen', 'Beskæftigelsesgruppen' or 'alle'."),
    subgroup_title: Optional[str] = typer.Option(None, "--subgroup-title", help="Title of Tabel 5.5 (default: 'Profil af borgere i restgruppen på førtidspension')."),
    threshold: int = typer.Option(5, "--threshold", help="Disclosure control: suppress cells describing fewer persons than this."),
    zeros: Literal["show", "small-groups", "all"] = ZEROS,
    complements: bool = COMPLEMENTS,
    chapter: str = typer.Option("5", "--chapter", help="Chapter number of the tables and figures (Tabel 5.1 …)."),
    codes: Optional[Path] = typer.Option(None, "--codes", help="With --persons: the code list whose activation labels name the akt_<type> columns (default registers/dream_codes.yaml)."),
    reference: Optional[str] = typer.Option(None, "--reference", help="With --persons: the reference quarter as text for the titles (e.g. '3. kvt. 2007')."),
    start: Optional[str] = typer.Option(None, "--start", help="With --persons: when seniority was measured, for the title of Tabel 5.4."),
    template: Optional[Path] = typer.Option(None, "--template", help="Excel styling YAML (default templates/ministry.yaml)."),
    batch: Optional[int] = typer.Option(None, "--batch-size", help=BATCH_HELP),
    jobs: Optional[int] = typer.Option(None, "--jobs", help=JOBS_HELP),
) -> None:
    """Residual group vs employment group at a reference quarter (Tabel 5.1-5.5, Figur 5.1-5.5), tests in notes, small cells suppressed."""
    from toolkit.cli.common import echo_warnings, pass_bar, write_outputs
    from toolkit.config.codes import load_codes
    from toolkit.pipeline.inputs import Inputs
    from toolkit.pipeline.profile import require_cohort, run_profile, run_profile_persons
    from toolkit.profile import ProfileSettings, offer_columns
    from toolkit.publish.atomic import guard_outputs

    if (extract is None) == (persons is None):
        raise ConfigError("give either a DREAM extract (with --definitions) or --persons FILE, not both or neither")
    if threshold < 1:
        raise ConfigError(f"--threshold must be at least 1, not {threshold}")
    batch_size(batch)
    jobs_option(jobs)
    defs_file = definitions_file(definitions) if definitions else None
    guard_outputs([out, tidy], [p for p in (extract, defs_file, persons, codes) if p])  # before the long read
    settings = ProfileSettings(chapter=chapter, subgroup=subgroup_option(subgroup, subgroup_in, subgroup_title))
    policy = policy_option(threshold, zeros, complements)
    inputs = Inputs()
    if extract is not None:
        if defs_file is None:
            raise ConfigError("a DREAM extract needs --definitions (a YAML with programme, cohort and goals, e.g. registers/nychance.yaml)")
        try:
            q = parse_quarter(quarter) if quarter else None
        except ValueError as e:
            raise ConfigError(f"--quarter: {e}") from None
        defs = require_cohort(inputs.definitions(defs_file))  # before reading the extract
        run = run_profile(inputs.extract(extract, [defs], batch_size=batch, jobs=jobs, bar=pass_bar()), defs, quarter=q, settings=settings, policy=policy, inputs=inputs.later)
    else:
        assert persons is not None
        if quarter:
            raise ConfigError("--quarter needs a DREAM extract; with --persons the file already holds the status at the reference quarter (use --reference for the title)")
        ds = inputs.data(persons)
        if codes is not None:
            inputs.record(codes)
        labels = {a.key: a.label for a in load_codes(codes).activation}
        settings.offers = offer_columns(ds.data, labels)
        settings.reference, settings.start = reference or "", start or ""
        run = run_profile_persons(ds.data, settings, source=str(persons), policy=policy, inputs=inputs.files)
    echo_warnings(run.warnings)
    write_outputs(run.tables, out, inputs=run.inputs, tidy=tidy, parameters=run.parameters, template=template, policy=run.policy)


def register(app: typer.Typer) -> None:
    app.command("profile", rich_help_panel="Registers")(profile)
