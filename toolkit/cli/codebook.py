"""`toolkit codebook`: draft a codebook from a labelled data file (or extend an existing one)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

import typer

from toolkit.core.errors import DataError


def codebook(
    data: Path = typer.Argument(..., help="Survey data file: a labelled .sav/.dta (or .csv/.xlsx with --codebook giving the labels)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Codebook YAML to write (default: print it)."),
    existing: Optional[Path] = typer.Option(None, "--codebook", "-c", help="An existing codebook to extend: its labels are used, "
                                            "its tables kept, and tables are drafted for the columns it does not cover."),
) -> None:
    """Draft a codebook: single questions, batteries, multi-response sets, filter candidates, skipped columns, missing codes."""
    from toolkit.config.codebook import load_codebook, parse_codebook
    from toolkit.config.yaml import parse_yaml
    from toolkit.publish.atomic import atomic_path, guard_outputs
    from toolkit.read.tabular import read_data
    from toolkit.survey.draft import draft_codebook
    from toolkit.survey.draft_yaml import draft_yaml, extend_yaml

    guard_outputs([out], [data, existing])
    ds = read_data(data)
    cb = load_codebook(existing) if existing else None
    draft = draft_codebook(ds, missing=ds.missing_ranges, codebook=cb)
    target = shlex.quote(str(out)) if out else "codebook.yaml"
    check = f"toolkit crosstab {shlex.quote(str(data))} --codebook {target} --out tables.xlsx"
    if existing:
        raw = existing.read_bytes()
        try:
            old = raw.decode("utf-8")
        except UnicodeDecodeError:
            old = raw.decode("cp1252")  # load_codebook read it the same way
        text = extend_yaml(old, draft, source=str(existing), command=check)
    elif not draft.tables:
        raise DataError("nothing to tabulate: no column has value labels or forms a 0/1 multi-response set; "
                        "give the labels in a codebook and extend it with --codebook", data)
    else:
        text = draft_yaml(draft, command=check)
    parse_codebook(parse_yaml(text, target), target)  # the draft must load as it stands
    summary = (f"{len(draft.tables)} tables drafted, {len(draft.skipped)} columns not tabulated"
               + (f", {len(draft.covered)} already covered by {existing}" if existing else ""))
    if out is None:
        typer.echo(text, nl=False)
        typer.echo(summary, err=True)
        return
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({summary})")


def register(app: typer.Typer) -> None:
    app.command("codebook", rich_help_panel="Surveys")(codebook)
