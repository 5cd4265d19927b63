"""The demo wave on disk: what `toolkit demo DIR` writes (and the test session shares).

Unlike the other demo modules this one writes files. Everything comes from the generators here
and from the resources shipped in the wheel (toolkit.core.resources), never from a source tree,
so an installed toolkit writes the same wave as a checkout. Each file is written atomically.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from toolkit.core.errors import OutputError
from toolkit.core.resources import registers_file, shipped
from toolkit.publish.atomic import atomic_path, atomic_paths

if TYPE_CHECKING:
    import pyarrow as pa

# what the shipped template (surveys/demo/wave.yaml) calls the register folder, and what the copy does
TEMPLATE_REGISTERS, COPY_REGISTERS = "../../registers/", "registers/"
# the register files the demo wave uses: its two definitions, their code list and municipality names
REGISTER_FILES = ("nychance.yaml", "cubb.yaml", "dream_codes.yaml", "municipalities.csv")
DATA_FILES = ("ledere.sav", "medarbejdere.sav", "politikere.sav", "borgere.sav", "kommuner_register.csv", "dream.parquet")
GENERATED_MARGINS = "margins_borgere.csv"  # generated with the population, so another --seed stays consistent

Writer = Callable[[Path], None]


def shipped_demo_files() -> list[str]:
    """Names of the shipped demo wave's own files (codebooks, margins, model, wave file)."""
    root = files("toolkit.resources.surveys") / "demo"
    return sorted(p.name for p in root.iterdir() if p.is_file() and p.name.endswith((".yaml", ".csv")))


def wave_text(template: str) -> str:
    """The shipped wave file with its definitions pointing at the copies in the wave's registers/."""
    text = template.replace(TEMPLATE_REGISTERS, COPY_REGISTERS)
    if TEMPLATE_REGISTERS not in template or "../" in text:
        raise RuntimeError(f"the shipped demo wave.yaml no longer names its definitions as {TEMPLATE_REGISTERS}…")
    return text


def demo_wave_paths(folder: Path, *, data_only: bool = False) -> list[Path]:
    """Every file `write_demo_wave` writes into `folder`, in the order it writes them."""
    paths = [folder / "data" / n for n in DATA_FILES]
    if not data_only:
        paths += [folder / n for n in shipped_demo_files()]
        paths += [folder / "registers" / n for n in REGISTER_FILES]
    return paths


def _refuse_existing(folder: Path, paths: list[Path], force: bool) -> None:
    """Fail before anything is written: DIR is a file, or (without --force) files exist."""
    for p in (folder / "data", folder / "registers", folder, *folder.parents):
        if p.exists() and not p.is_dir():
            raise OutputError("exists and is not a folder; give a folder for the demo wave", p)
    folders = [p for p in paths if p.is_dir()]
    if folders:
        raise OutputError(f"cannot write the demo wave: {', '.join(str(p.relative_to(folder)) for p in folders)} "
                          "is a folder", folder)
    existing = [str(p.relative_to(folder)) for p in paths if p.exists() or p.is_symlink()]
    if existing and not force:
        raise OutputError(f"refusing to overwrite {len(existing)} existing file(s): {', '.join(existing)}; "
                          "use --force to replace them", folder)


def _copy_of(source: Path) -> Writer:
    return lambda tmp: tmp.write_bytes(source.read_bytes())


def _writers(folder: Path, seed: int, data_only: bool) -> dict[Path, Writer]:
    """Generate the data in memory (nothing is written if a generator fails) and say how to write each file."""
    import pyreadstat

    from toolkit.demo.dream import synthetic_extract
    from toolkit.demo.model import demo_register_outcomes
    from toolkit.demo.surveys import all_instruments, margins_with_labels, to_writable

    instruments, margins = all_instruments(seed)
    register, extract = demo_register_outcomes(seed), synthetic_extract(seed)
    data = folder / "data"
    out: dict[Path, Writer] = {}
    for inst in instruments:
        out[data / f"{inst.name}.sav"] = lambda tmp, inst=inst: pyreadstat.write_sav(dst_path=str(tmp), **to_writable(inst))
    out[data / "kommuner_register.csv"] = lambda tmp: register.to_csv(tmp, index=False, encoding="utf-8")
    out[data / "dream.parquet"] = lambda tmp: extract.to_parquet(tmp, index=False)
    if data_only:
        return out
    for name in shipped_demo_files():
        source = shipped("surveys", f"demo/{name}")
        if name == "wave.yaml":
            text = wave_text(source.read_text(encoding="utf-8"))
            out[folder / name] = lambda tmp, text=text: tmp.write_text(text, encoding="utf-8")
        elif name == GENERATED_MARGINS:
            out[folder / name] = lambda tmp: margins_with_labels(margins).to_csv(tmp, index=False, encoding="utf-8")
        else:
            out[folder / name] = _copy_of(source)
    for name in REGISTER_FILES:
        out[folder / "registers" / name] = _copy_of(registers_file(name))
    return out


def write_demo_wave(folder: Path, *, seed: int = 2024, force: bool = False, data_only: bool = False) -> list[Path]:
    """Write the complete, self-contained demo wave into `folder` (or only its data/); return the files.

    Refuses (OutputError, nothing written) when any of the files exists, unless `force`.
    """
    folder = Path(folder)
    paths = demo_wave_paths(folder, data_only=data_only)
    _refuse_existing(folder, paths, force)
    writers = _writers(folder, seed, data_only)
    assert list(writers) == paths, "demo_wave_paths and _writers disagree"
    try:
        for p in sorted({p.parent for p in paths}):
            p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create the folder: {e.strerror}", e.filename) from None
    for path, write in writers.items():
        with atomic_path(path) as tmp:
            write(tmp)
    return paths


def write_demo_dream(folder: Path, *, seed: int = 2024, persons: int = 30_000, csv: bool = False,
                     force: bool = True, history_from: int | None = None, formats: Sequence[str] = (),
                     batch: int = 100_000) -> list[Path]:
    """Write dream.parquet (or dream.csv, ';'-separated with decimal commas; `formats` for both from
    the same persons) into the folder; `history_from`: weekly codes from that year as a national
    extract has them. Without `force` an existing extract is refused before anything is generated.

    Persons are generated and written `batch` at a time, so any size fits in memory."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from toolkit.demo.dream import national_width, synthetic_extract

    fmts = list(formats) or ["csv" if csv else "parquet"]
    paths = [folder / f"dream.{f}" for f in fmts]
    if folder.exists() and not folder.is_dir():
        raise OutputError("exists and is not a folder; give a folder for the extract", folder)
    for path in paths:
        if path.exists() and not force:
            raise OutputError("refusing to overwrite an existing extract; use --force to replace it", path)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_paths(paths) as temps:
        writers: list[Any] = [None] * len(paths)
        for part, start in enumerate(range(0, persons, batch)):
            df = synthetic_extract(seed, min(batch, persons - start), part=part, first_id=start + 1)
            if history_from is not None:
                df = national_width(df, history_from)
            table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
            for i, (fmt, tmp) in enumerate(zip(fmts, temps)):
                if fmt == "parquet":
                    writers[i] = writers[i] or pq.ParquetWriter(tmp, table.schema)
                    writers[i].write_table(table)
                else:
                    text = _decimal_comma(table)
                    writers[i] = writers[i] or pcsv.CSVWriter(tmp, text.schema, write_options=pcsv.WriteOptions(delimiter=";", quoting_style="none"))
                    writers[i].write_table(text)
        for w in writers:
            w.close()
    return paths



def _decimal_comma(table: pa.Table) -> pa.Table:
    """Floating-point columns as text with a decimal comma, as Danish CSV deliveries write them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [pc.replace_substring(pc.cast(c, pa.string()), ".", ",") if pa.types.is_floating(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)
