"""`toolkit render`: a workbook rendered to PDF and PNG pages with LibreOffice (Danish locale)."""

from __future__ import annotations

from pathlib import Path

import typer

from toolkit.publish.render import render as render_workbook


def render(
    workbook: Path = typer.Argument(..., help="Workbook (.xlsx) to render."),
    outdir: Path = typer.Option(Path("out/render"), "--outdir", help="Folder for the PDF and PNG pages."),
    dpi: int = typer.Option(80, help="PNG resolution."),
) -> None:
    """Render a workbook to PDF and PNG as a reader sees it (needs LibreOffice)."""
    pdf, pngs = render_workbook(workbook, outdir, dpi)
    typer.echo(f"wrote {pdf} and {len(pngs)} PNG page(s) in {outdir}")


def register(app: typer.Typer) -> None:
    app.command("render", rich_help_panel="Report")(render)
