"""Helpers shared by the command modules: writing outputs with provenance, the command line."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, Mapping, Sequence

import typer

if TYPE_CHECKING:  # the writers are imported when used: `toolkit --help` must not load openpyxl and pandas
    from toolkit.core.table import Table
    from toolkit.pipeline.inputs import Input
    from toolkit.publish.disclosure import Policy


ZEROS = typer.Option("show", "--zeros", help="Disclosure control of zeros: 'show', 'small-groups' (hide a 0 % of fewer persons than the threshold) or 'all'.")
COMPLEMENTS = typer.Option(True, "--complements/--no-complements", help="Hide a share whose complement (the persons it does not describe) is below the threshold.")


def policy_option(threshold: int, zeros: Literal["show", "small-groups", "all"], complements: bool) -> Policy:
    """The disclosure rules from a command's --threshold, --zeros and --complements."""
    from toolkit.publish.disclosure import Policy

    return Policy(threshold=threshold, zeros=zeros, complements=complements)


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
    also: Sequence[tuple[Path, Callable[[Path], object]]] = (),
    chapters: Mapping[str, str] | None = None,
    policy: Policy | None = None,
) -> None:
    """Write the workbook, the tidy CSV and any `also` outputs (path, writer) as one commit: all or none,
    refusing to overwrite any input.

    `inputs` are the files read, as `Input`s hashed by the read step (a bare path is hashed now);
    `chapters` (number → title) gives the contents sheet its chapter headings; with register tables
    nothing is written unless the disclosure audit passes (`policy`: the rules the run suppressed
    them by – `Run.policy`; register tables without one are refused)."""
    from toolkit.config.template import load_template
    from toolkit.core.resources import shipped
    from toolkit.pipeline.inputs import Input
    from toolkit.publish.atomic import atomic_paths, guard_outputs
    from toolkit.publish.audit import checked
    from toolkit.publish.disclosure import Policy
    from toolkit.publish.excel import Provenance, write_workbook
    from toolkit.publish.tidy import write_tidy

    paths = [i.path if isinstance(i, Input) else Path(i) for i in inputs]
    extra = [p for p, _ in also]
    guard_outputs([out, tidy, *extra], paths)
    params = parameters or {}
    if policy is None and any(t.register for t in tables):
        raise ValueError("register tables reached write_outputs without the disclosure policy they were suppressed by")
    disclosure = checked(tables, policy or Policy())
    styling = [shipped("templates", "ministry.yaml"), *([template] if template is not None else [])]  # the template is read too
    prov = Provenance(command=command_line(), inputs=[i if isinstance(i, Input) else Path(i) for i in inputs] + styling,
                      parameters=params)
    targets = [out, *([tidy] if tidy is not None else []), *extra]
    with atomic_paths(targets) as temps:
        write_workbook(tables, temps[0], prov, load_template(template), chapters=chapters, disclosure=disclosure)
        if tidy is not None:
            write_tidy(tables, temps[1])
        for (_, writer), tmp in zip(also, temps[len(temps) - len(also):]):
            writer(tmp)
    for p in [*extra, out, *([tidy] if tidy is not None else [])]:
        typer.echo(f"wrote {p}" + (f" ({len(tables)} tables)" if p == out else ""))


def echo_warnings(messages: Sequence[str]) -> None:
    """Print each warning of a run as one line `warning: …` on stderr."""
    for m in messages:
        typer.echo(f"warning: {m}", err=True)


BATCH_HELP = ("Persons per batch of the streamed DREAM read (default 50,000; memory grows with it, "
              "about 0.5-0.6 GB per 100,000 persons for CUBB and NY CHANCE together; results never change).")


def batch_size(value: int | None) -> int | None:
    """The --batch-size option checked: a positive whole number of persons (None: the default)."""
    from toolkit.core.errors import ConfigError

    if value is not None and value < 1:
        raise ConfigError(f"--batch-size must be a positive whole number of persons, not {value}")
    return value


JOBS_HELP = "Threads for the DREAM analyses (default: the machine's cores, at most 4; results never change)."


def jobs_option(value: int | None) -> int | None:
    """The --jobs option checked: a positive whole number (None: the default)."""
    from toolkit.core.errors import ConfigError

    if value is not None and value < 1:
        raise ConfigError(f"--jobs must be a positive whole number of threads, not {value}")
    return value


def pass_bar(into: Any = None) -> Callable[[str, int | None], Any]:
    """A progress display for each pass over a DREAM extract – persons done, persons/s, time left –
    on stderr and only when stderr is a terminal (never in tests or logs); `into`: a rich Progress
    already shown (the report's), which then gets a line per pass."""
    from contextlib import contextmanager

    @contextmanager
    def bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        if into is None and not sys.stderr.isatty():
            yield lambda n: None
            return
        from rich.console import Console
        from rich.progress import Progress

        if into is not None:
            task = into.add_task(f"DREAM {label}", total=total, persons=True)
            try:
                yield lambda n: into.advance(task, n)
            finally:
                into.remove_task(task)
            return
        with Progress(*pass_columns(0), console=Console(stderr=True), transient=True) as p:
            task = p.add_task(f"DREAM {label}", total=total, persons=True)
            yield lambda n: p.advance(task, n)

    return bar


def pass_columns(width: int = 45) -> list[Any]:
    """The columns of a pass's progress line: label (padded to `width`), bar, persons done/expected,
    persons/s, time left."""
    from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Persons(ProgressColumn):
        def render(self, task: Any) -> Text:
            if not task.fields.get("persons"):
                return Text(f"{task.completed:.0f}/{task.total:.0f}" if task.total else "")
            total = f"{task.total:,.0f}" if task.total else "?"
            return Text(f"{task.completed:,.0f}/{total} persons {task.speed or 0:,.0f}/s")

    return [TextColumn(f"{{task.description:<{width}}}"), BarColumn(bar_width=16), Persons(), TimeRemainingColumn()]
