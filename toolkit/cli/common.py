"""Helpers shared by the command modules: writing outputs with provenance, the command line."""

from __future__ import annotations

import shlex
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import typer

from toolkit.config.template import load_template
from toolkit.core.errors import ToolkitWarning
from toolkit.core.table import Table
from toolkit.publish.atomic import guard_outputs
from toolkit.publish.excel import Provenance, write_workbook
from toolkit.publish.tidy import write_tidy


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


@contextmanager
def echo_warnings() -> Iterator[None]:
    """Print each ToolkitWarning raised inside the block as one line `warning: …` on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ToolkitWarning)
        yield
    for w in caught:
        if issubclass(w.category, ToolkitWarning):
            typer.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
