"""Safe output: atomic writes (temp files in the same folder, renamed together) and input protection."""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from toolkit.core.errors import OutputError


def guard_outputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]) -> None:
    """Refuse an output path that is one of the inputs, names a folder or lies in no folder.

    Commands call this before the analyses too, so a long run does not fail only at the end."""
    ins = {Path(p).resolve() for p in inputs if p is not None}
    seen: set[Path] = set()
    for out in outputs:
        if out is None:
            continue
        o = Path(out).resolve()
        if o in ins:
            raise OutputError("refusing to overwrite an input file; choose another output path", out)
        if o in seen:
            raise OutputError("the same path is given for two outputs", out)
        if o.is_dir():
            raise OutputError("output path is a folder; give a file name", out)
        if not o.parent.is_dir():
            raise OutputError("output folder does not exist", o.parent)
        if not os.access(o.parent, os.W_OK | os.X_OK):
            raise OutputError("cannot write here: permission denied on the folder", o.parent)
        seen.add(o)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(folder: Path, name: str) -> None:
    """Remove temp files of `name` left in `folder` by a run that was killed (its process is gone)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        m = TEMP.match(entry.name)
        if m and m["name"] == name and int(m["pid"]) != os.getpid() and not _alive(int(m["pid"])):
            entry.unlink(missing_ok=True)


def _temp_beside(target: Path) -> Path:
    if not target.parent.exists():
        raise OutputError("output folder does not exist", target.parent)
    clean_stale(target.parent, target.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    except PermissionError:
        raise OutputError("cannot write here: permission denied on the folder", target.parent) from None
    except OSError as e:
        raise OutputError(f"cannot write here: {e.strerror}", target.parent) from None
    os.close(fd)
    return Path(tmp)


class Terminated(SystemExit):
    """SIGTERM while outputs are being written: unwinds so the temp files are removed."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated(128 + signum)


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While writing, SIGTERM raises (so `finally` blocks remove temp files) instead of killing outright."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def atomic_paths(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of `paths`; on success all replace their targets together,
    on any failure (or SIGTERM) all are removed and no target is touched.

    The outputs of one command are thus committed as one: never a new workbook beside the previous
    run's tidy CSV, never a weights file without the report that failed. Temp files a killed run
    left behind are removed by the next run writing the same output.
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    with _sigterm_unwinds():
        try:
            for t in targets:
                temps.append(_temp_beside(t))
            yield list(temps)
            mode = 0o666 & ~_umask()  # mkstemp makes 0600; give the usual permissions
            for tmp in temps:
                os.chmod(tmp, mode)
            for tmp, t in zip(temps, targets):
                try:
                    os.replace(tmp, t)
                except PermissionError:
                    raise OutputError("cannot replace the file: permission denied", t) from None
        finally:
            for tmp in temps:
                tmp.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it is removed.

    A run that fails half-way therefore never leaves a half-written file, and the previous
    version of the output (if any) survives until the new one is complete.
    """
    with atomic_paths([path]) as (tmp,):
        yield tmp
