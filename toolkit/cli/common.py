"""Helpers shared by the command modules: writing outputs with provenance, the command line."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, Sequence

import typer

from toolkit.config.template import load_template
from toolkit.core.table import Table
from toolkit.pipeline.inputs import Input
from toolkit.publish.atomic import guard_outputs
from toolkit.publish.excel import Provenance, write_workbook
from toolkit.publish.tidy import write_tidy


def command_line() -> str:
    """The command as typed (for the provenance sheet)."""
    return " ".join(["toolkit"] + [shlex.quote(a) for a in sys.argv[1:]])


def write_outputs(
    tables: Sequence[Table],
    out: Path,
    inputs: Sequence[Input | Path],
    tidy: Path | None = None,
    parameters: dict[str, Any] | None = None,
    template: Path | None = None,
) -> None:
    """Write the workbook (and the tidy CSV) atomically, refusing to overwrite any input.

    `inputs` are the files read, as `Input`s hashed by the read step (a bare path is hashed now)."""
    paths = [i.path if isinstance(i, Input) else Path(i) for i in inputs]
    guard_outputs([out, tidy], paths)
    prov = Provenance(command=command_line(), inputs=[i if isinstance(i, Input) else Path(i) for i in inputs],
                      parameters=parameters or {})
    write_workbook(tables, out, prov, load_template(template))
    typer.echo(f"wrote {out} ({len(tables)} tables)")
    if tidy is not None:
        write_tidy(tables, tidy)
        typer.echo(f"wrote {tidy}")


def echo_warnings(messages: Sequence[str]) -> None:
    """Print each warning of a run as one line `warning: …` on stderr."""
    for m in messages:
        typer.echo(f"warning: {m}", err=True)
