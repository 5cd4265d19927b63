"""Safe output: atomic writes (temp file in the same folder + rename) and input protection."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

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
        seen.add(o)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it is removed.

    A run that fails half-way therefore never leaves a half-written file, and the previous
    version of the output (if any) survives until the new one is complete.
    """
    target = Path(path)
    if not target.parent.exists():
        raise OutputError("output folder does not exist", target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
