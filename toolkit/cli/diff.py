"""`toolkit diff`: what changed between two runs (two tidy CSVs, or two workbooks by their tidy CSVs)."""

from __future__ import annotations

from math import isfinite, isnan
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from toolkit.core.errors import ConfigError

if TYPE_CHECKING:  # publish.diff and readback (pandas) are imported when the command runs (start-up time)
    from toolkit.publish.diff import Comparison

MAX_LINES = 200  # cells printed without --out
CHANGES = {"value": "cells moved", "base": "bases changed", "suppression": "suppression changed",
           "added": "cells added", "removed": "cells removed"}


def diff(
    old: Path = typer.Argument(..., help="The earlier run: its tidy CSV, or its workbook (.xlsx) with <name>_tidy.csv beside it."),
    new: Path = typer.Argument(..., help="The later run, likewise."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the differences as a workbook (.xlsx); else print them."),
    tidy: Optional[Path] = typer.Option(None, "--tidy", help="Also write the diff workbook's tidy CSV here."),
    tolerance: Optional[float] = typer.Option(None, "--tolerance", help="Smallest move that counts, for every number "
                                              "(default: half the last decimal shown – 0.05 percentage points, 0.5 for counts)."),
    template: Optional[Path] = typer.Option(None, "--template", help="Excel styling YAML; its number formats set the default tolerance."),
) -> None:
    """Compare two runs: tables added, removed or renumbered, cells that moved, bases, suppression, inputs (SHA-256)."""
    from toolkit.cli.common import write_outputs
    from toolkit.config.template import load_template
    from toolkit.core.table import numbered
    from toolkit.publish.atomic import guard_outputs
    from toolkit.publish.diff import compare, diff_tables, shown_tolerance
    from toolkit.publish.readback import WORKBOOKS, read_run, tidy_beside

    if tolerance is not None and not (isfinite(tolerance) and tolerance >= 0):
        raise ConfigError(f"--tolerance must be a number ≥ 0, not {tolerance}")
    if tidy is not None and out is None:
        raise ConfigError("--tidy needs --out (the tidy CSV is that of the diff workbook)")
    sources = [p for p in (old, new) for p in ([p, tidy_beside(p)] if p.suffix.lower() in WORKBOOKS else [p])]
    guard_outputs([out, tidy], sources)
    formats = load_template(template)["formats"]
    tol = shown_tolerance(formats) if tolerance is None else {k: tolerance for k in formats}
    comparison = compare(read_run(old), read_run(new), tolerance=tol)
    for line in summary_lines(comparison):
        typer.echo(line)
    if out is None:
        for line in cell_lines(comparison):
            typer.echo(line)
        return
    write_outputs(numbered(diff_tables(comparison)), out, inputs=sources, tidy=tidy,
                  parameters={"tolerance": tolerance if tolerance is not None else "shown decimals"}, template=template)


def summary_lines(c: Comparison) -> list[str]:
    """What changed, one line per changed table, then the inputs that differ."""
    if not c.changed and not any(a != b for _, a, b in c.inputs or []):
        return [f"no differences: {len(c.tables)} tables, every published number within the tolerance"]
    counts = {s: sum(t.status == s for t in c.tables) for s in ("added", "removed", "changed", "unchanged")}
    out = [f"{len(c.tables)} tables: {counts['changed']} changed, {counts['added']} added, {counts['removed']} removed, "
           f"{sum(t.renumbered for t in c.tables)} renumbered, {counts['unchanged']} unchanged; {len(c.cells)} cells differ"]
    for t in c.tables:
        if t.status == "unchanged" and not t.renumbered:
            continue
        s = t.shown
        what = {"added": "added", "removed": "removed"}.get(t.status) or ", ".join(
            f"{t.counts[k]} {text}" for k, text in CHANGES.items() if t.counts.get(k))
        if t.renumbered:
            what = f"{what}; renumbered {t.old.number} → {t.new.number}" if t.status == "changed" else f"renumbered {t.old.number} → {t.new.number}"  # type: ignore[union-attr]
        out.append(f"  {s.number or '-'} [{s.key}]: {what}")
    for path, a, b in c.inputs or []:
        if a != b:
            out.append(f"  input {'changed' if a and b else 'only in ' + ('old' if a else 'new')}: {path}")
    for key, a, b in c.settings or []:
        out.append(f"  {key}: {a} → {b}")
    return out


def cell_lines(c: Comparison) -> list[str]:
    """Each cell that differs: table, cell, old → new (difference)."""
    from toolkit.publish.diff import STAT_NAMES

    out = []
    for r in c.cells.head(MAX_LINES).itertuples(index=False):
        t = c.tables[int(r.table)].shown
        where = " | ".join(x for x in (r.group, r.row, r.column) if x)
        old = "-" if r.change == "added" else "x" if isnan(r.old) else f"{r.old:g}"
        new = "-" if r.change == "removed" else "x" if isnan(r.new) else f"{r.new:g}"
        d = "" if isnan(r.difference) else f" ({r.difference:+.4g})"
        out.append(f"{t.number or t.key}: {where} [{STAT_NAMES.get(r.stat, r.stat)}] {old} → {new}{d}")
    if len(c.cells) > MAX_LINES:
        out.append(f"… and {len(c.cells) - MAX_LINES} more; --out diff.xlsx lists them all")
    return out


def register(app: typer.Typer) -> None:
    app.command("diff", rich_help_panel="Report")(diff)
