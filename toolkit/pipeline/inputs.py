"""The read step of every run: each input file read once and hashed (SHA-256) when it is read.

The CLI commands and the wave report read through one `Inputs`; it keeps what was parsed (a
second request for the same file returns the same object) and the list of files with their
hashes, which a run passes on to the workbook's provenance sheet – the hash of what was read,
not of whatever lies at that path when the workbook is written.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence, TypeVar

from toolkit.read.digest_cache import file_sha256
from toolkit.read.tabular import Dataset, read_columns, read_data

if TYPE_CHECKING:
    from toolkit.config.codebook import Codebook
    from toolkit.config.definitions import Defs
    from toolkit.config.margins import Margins
    from toolkit.register.extract import PassBar, SharedExtract
    from toolkit.survey.weights import Weights

T = TypeVar("T")


class Input(NamedTuple):
    """An input file as it was read: its path and the SHA-256 of its bytes."""

    path: Path
    sha256: str


class Inputs:
    """The input files of a run in the order first read, each parsed once and hashed when read."""

    def __init__(self) -> None:
        self._files: dict[Path, Input | Future[Input]] = {}
        self._parsed: dict[tuple[Any, ...], Any] = {}

    def _done(self, key: Path) -> Input:
        got = self._files[key]
        if isinstance(got, Future):
            got = self._files[key] = got.result()
        return got

    @property
    def files(self) -> list[Input]:
        return [self._done(k) for k in list(self._files)]

    @property
    def later(self) -> "Later":
        """The inputs as a sequence read when first used – after the run's work – so that an
        extract's hash (on its own thread) overlaps the pass instead of delaying it: pass this, not
        `files`, as a run's `inputs` (arguments are evaluated before the run starts)."""
        return Later(self)

    def of(self, *paths: str | Path | None) -> "Later":
        """The recorded inputs among these paths (each once, in the order given), resolved when first
        used like `later`: a register item's inputs name the extract, whose hash must not delay its pass."""
        keys = dict.fromkeys(Path(p).resolve() for p in paths if p is not None)
        return Later(self, [k for k in keys if k in self._files])

    def record(self, path: str | Path, *, background: bool = False) -> Path:
        """Note a file as read (hashing it once: now, or – a register extract of gigabytes – on a
        thread of its own while the extract is read; hashlib releases the GIL); returns the path."""
        p = Path(path)
        key = p.resolve()
        if key not in self._files:
            if background:
                pool = ThreadPoolExecutor(1, thread_name_prefix="sha256")
                self._files[key] = pool.submit(lambda: Input(p, file_sha256(p)))
                pool.shutdown(wait=False)
            else:
                self._files[key] = Input(p, file_sha256(p))
        return p

    def _once(self, key: tuple[Any, ...], path: str | Path, parse: Callable[[], T], also: Callable[[T], Sequence[Path | None]] = lambda _: ()) -> T:
        full = (key[0], Path(path).resolve(), *key[1:])
        if full not in self._parsed:
            value = parse()
            self.record(path)
            for extra in also(value):
                if extra is not None:
                    self.record(extra)
            self._parsed[full] = value
        return self._parsed[full]  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- surveys and configs
    def data(self, path: str | Path, columns: Sequence[str] | None = None, *, text: Sequence[str] = ()) -> Dataset:
        """A data file (.sav, .csv, .xlsx, …), optionally only some columns; `text` columns (ids) kept as written."""
        cols = tuple(columns) if columns is not None else None
        return self._once(("data", cols, tuple(text)), path, lambda: read_data(path, list(cols) if cols is not None else None, text=text))

    def margins(self, path: str | Path) -> "Margins":
        from toolkit.config.margins import read_margins

        return self._once(("margins",), path, lambda: read_margins(path))

    def codebook(self, path: str | Path) -> "Codebook":
        """A codebook, parsed anew on each call (it is small, and a wave item adjusts its copy)."""
        from toolkit.config.codebook import load_codebook

        cb = load_codebook(path)
        self.record(path)
        return cb

    def definitions(self, path: str | Path) -> "Defs":
        """A definitions file; the code list it names is an input too."""
        from toolkit.config.definitions import load_definitions

        return self._once(("definitions",), path, lambda: load_definitions(path), lambda d: [d.codes.path, d.names_path])

    def municipality_names(self, path: str | Path | None = None) -> dict[int, str]:
        """Municipality code → name (default registers/municipalities.csv)."""
        from toolkit.config.definitions import load_municipality_names
        from toolkit.core.resources import registers_file

        p = Path(path) if path is not None else registers_file("municipalities.csv")
        return self._once(("names",), p, lambda: load_municipality_names(p))

    def yaml(self, path: str | Path) -> Any:
        from toolkit.config.yaml import read_yaml

        return self._once(("yaml",), path, lambda: read_yaml(path))

    def weights(self, path: str | Path, weighted_to: str | None = None) -> "Weights":
        """A weights file written by `toolkit weight` (id column + weight, ids read as written), for crosstab."""
        from toolkit.survey.weights import weights_from_frame

        ids = [c for c in read_columns(path) if c != "weight"]
        return self._once(("weights", weighted_to), path, lambda: weights_from_frame(read_data(path, text=ids).data, str(path), weighted_to))

    # ---------------------------------------------------------------- registers
    def extract(self, path: str | Path, definitions: Sequence["Defs"], *, batch_size: int | None = None,
                jobs: int | None = None, bar: "PassBar | None" = None) -> "SharedExtract":
        """A DREAM extract, streamed in batches of `batch_size` persons (default 50,000) on `jobs`
        threads (default: the cores, at most 4) in one pass with what every one of the definitions
        needs (its header checked now); `bar` shows the pass's progress."""
        from toolkit.read.batches import arrow_pool
        from toolkit.read.dream import CHUNK_ROWS
        from toolkit.register.extract import default_jobs, read_shared

        arrow_pool()
        shared = read_shared(path, definitions, batch_size or CHUNK_ROWS, jobs=jobs or default_jobs(), bar=bar)
        self.record(path, background=True)
        return shared


class Later(Sequence[Input]):
    """Recorded inputs (all of them, or the given keys) resolved on first use, waiting for any hash still running."""

    def __init__(self, inputs: Inputs, keys: list[Path] | None = None) -> None:
        self._inputs, self._keys = inputs, keys

    def _resolved(self) -> list[Input]:
        return self._inputs.files if self._keys is None else [self._inputs._done(k) for k in self._keys]

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        return self._resolved()[i]

    def __len__(self) -> int:
        return len(self._resolved())

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._resolved())  # the list once, not once per item
