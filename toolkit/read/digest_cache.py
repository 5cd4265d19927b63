"""SHA-256 of a large input file, remembered between runs while the file is provably unchanged.

A wave report records the hash of its register extract; hashing reads every byte of it (27 GB for
the national CSV), i.e. the whole extract a second time on every run, even where the pass itself
reads only some Parquet columns. A digest is kept per file in the user's cache folder under the
file's identity – device, inode, size, modification and status-change times in nanoseconds, as git
trusts its index – and reused only while all of these are the same. Rewriting a file changes its
status-change time (which no user can set back: `touch -d` changes it too), so a changed file is
hashed anew. A file changed less than `SETTLE_S` seconds before it was hashed is not remembered
(a file system with coarse time stamps could keep its times through a second write within the
same tick); nor is a file that changed while it was hashed.

(On a file system without a status-change time of its own – FAT, exFAT – a same-size rewrite
whose modification time is then set back deliberately is not seen: use `TOOLKIT_CACHE_DIR=off`.)

`TOOLKIT_CACHE_DIR` chooses the folder (default `$XDG_CACHE_HOME/toolkit`, else `~/.cache/toolkit`);
`TOOLKIT_CACHE_DIR=off` hashes every file on every run. A cache that cannot be read or written is
passed over: the hash is then computed, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from toolkit.read.tabular import sha256

# files smaller than this are hashed each time (a definitions file, a survey: milliseconds)
MIN_BYTES = 64 << 20
SETTLE_S = 2.0
VERSION = 1


def cache_dir() -> Path | None:
    """Where digests are kept, or None when the cache is switched off."""
    chosen = os.environ.get("TOOLKIT_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen) / "sha256"
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (which the XDG specification says to ignore)
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # no home folder known (HOME unset, no passwd entry): no cache, not one in the working folder
        return None
    return Path(base) / "toolkit" / "sha256"


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _entry(folder: Path, path: Path) -> Path:
    return folder / (hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".json")


def _recalled(entry: Path, path: Path, identity: list[int]) -> str | None:
    try:
        got = json.loads(entry.read_text(encoding="utf-8"))
        if got.get("version") == VERSION and got.get("path") == str(path) and got.get("identity") == identity:
            digest = got.get("sha256")
            if isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
                return digest
    except (OSError, ValueError, AttributeError):
        pass  # absent, unreadable or damaged: hash the file
    return None


def _remember(entry: Path, path: Path, identity: list[int], digest: str) -> None:
    """Write the entry atomically (a whole file or none); a folder that cannot be written is passed over."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": VERSION, "path": str(path), "identity": identity, "sha256": digest}, f)
            os.replace(tmp, entry)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the file's bytes: remembered from an earlier run if the file is the same one,
    unchanged since (large files only), else computed (and remembered if the file was settled)."""
    p = Path(path).resolve()
    folder = cache_dir()
    try:
        before = p.stat()
    except OSError:
        return sha256(path)  # the read names the problem
    if folder is None or before.st_size < MIN_BYTES:
        return sha256(path)
    identity, entry = _identity(before), _entry(folder, p)
    if (known := _recalled(entry, p, identity)) is not None:
        return known
    started = time.time_ns()
    digest = sha256(p)
    settled = max(before.st_mtime_ns, before.st_ctime_ns) <= started - SETTLE_S * 1e9
    try:
        unchanged = _identity(p.stat()) == identity
    except OSError:
        unchanged = False
    if settled and unchanged:
        _remember(entry, p, identity, digest)
    return digest
