"""Helpers shared by the command modules: writing outputs with provenance, the command line."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

import typer

from ..excel import Provenance, load_template, write_workbook
from ..output import guard_outputs
from ..table import Table
from ..tidy import write_tidy


def command_line() -> str:
    """The command as typed (for the provenance sheet)."""
    return " ".join(["toolkit"] + [shlex.quote(a) for a in sys.argv[1:]])


def write_outputs(
    tables: Sequence[Table],
    out: Path,
    inputs: Sequence[Path],
    tidy: Path | None = None,
    parameters: dict[str, Any] | None = None,
    template: Path | None = None,
) -> None:
    """Write the workbook (and the tidy CSV) atomically, refusing to overwrite any input."""
    guard_outputs([out, tidy], inputs)
    prov = Provenance(command=command_line(), inputs=[Path(p) for p in inputs], parameters=parameters or {})
    write_workbook(tables, out, prov, load_template(template))
    typer.echo(f"wrote {out} ({len(tables)} tables)")
    if tidy is not None:
        write_tidy(tables, tidy)
        typer.echo(f"wrote {tidy}")
