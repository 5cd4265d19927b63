"""`toolkit audit`: the disclosure audit of a written workbook, as an output checker runs it."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.publish.disclosure import DisclosureError


def audit(
    workbook: Path = typer.Argument(..., help="A workbook written by toolkit report/outcomes/profile/model."),
    threshold: int = typer.Option(5, "--threshold", min=1, help="Fewest persons a suppressed cell must stay uncertain by."),
) -> None:
    """For every suppressed register cell, the interval of persons an intruder can derive from the published numbers."""
    from toolkit.publish.workbook_audit import audit_file

    res = audit_file(workbook, threshold)
    typer.echo(res.reading)
    if not res.ok:
        lines = "\n".join(f"  {x}" for x in res.leaks)
        raise DisclosureError(f"{len(res.leaks)} leak(s) below {threshold} persons ({res.checked} suppressed cells checked):\n{lines}", workbook)
    typer.echo(f"audit passed: {res.checked} suppressed cells, none can be narrowed below {threshold} persons, "
               f"no shown cell below it ({workbook})")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
