"""The `toolkit` command: thin wrappers that read, analyse and write; errors become one line.

Each command lives in its own module in this package and exposes ``register(app)``; modules are
discovered at start-up, so adding a command is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Optional

import typer

from toolkit import __version__
from toolkit.core.errors import ToolkitError

app = typer.Typer(
    name="toolkit",
    help="Tables for evaluations of Danish labour-market programmes: weighting, cross-tabs, "
    "DREAM register outcomes, municipality models, residual-group profiles and the ministry workbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # never print respondent/register data in a traceback
    rich_markup_mode="rich",
)

STATE = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"toolkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show a full traceback on errors."),
) -> None:
    STATE["debug"] = debug


def _register_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        if hasattr(module, "register"):
            module.register(app)


_register_commands()


def usage_error(e: typer.TyperException) -> None:
    """A command-line mistake as one `error:` line naming the command's help, exit 2 (a bare command: its help)."""
    ctx = getattr(e, "ctx", None)
    if type(e).__name__ == "NoArgsIsHelpError":  # `toolkit` alone: the list of commands, as before
        e.show()  # type: ignore[attr-defined]
        sys.exit(2)
    message = " ".join(e.format_message().split()).rstrip(".")
    hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    typer.echo(f"error: {message}{hint}", err=True)
    sys.exit(getattr(e, "exit_code", 2) or 2)


def main() -> None:
    """Entry point: run the app; a ToolkitError prints one line and exits 2."""
    debug = "--debug" in sys.argv[1:]
    try:
        code = app(prog_name="toolkit", standalone_mode=False)  # usage errors come here, not to typer's boxed screen
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as e:  # click's usage errors (bad option value, unknown option, missing argument)
        usage_error(e)
    except ToolkitError as e:
        if debug:
            raise
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # a bug, not a user error: say so without dumping data
        if debug:
            raise
        typer.echo(f"internal error: {type(e).__name__}: {e} (run with --debug for a traceback and report it)", err=True)
        sys.exit(1)
