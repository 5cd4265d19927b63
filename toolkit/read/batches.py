"""A DREAM extract read in batches of rows, only the needed columns: CSV through pyarrow's
streaming reader, Parquet through polars' reader (pyarrow's where polars cannot), .sas7bdat/.xpt
through pyreadstat's chunked reader."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa

from toolkit.core.errors import DataError, InputError
from toolkit.read.tabular import csv_dialect, first_row, read_columns


def arrow_pool() -> None:
    """Decode extracts into pyarrow's jemalloc pool where the wheel has it (Linux), unless the user
    chose a pool (ARROW_DEFAULT_MEMORY_POOL): the demo wave's report at 1 M persons peaked at
    0.80 GB with it against 0.97-1.05 GB with the default mimalloc, at the same CPU (at 2 M: 0.91
    against 1.08 GB). Buffers already allocated stay with the pool they came from."""
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a build without jemalloc
        return
    pa.set_memory_pool(pool)


def header_of(p: Path) -> list[str]:
    """Column names of an extract without reading rows (.xpt too, which toolkit.io does not list)."""
    if p.suffix.lower() == ".xpt":
        import pyreadstat

        return list(pyreadstat.read_xport(str(p), metadataonly=True)[0].columns)
    return read_columns(p)


# a CSV is parsed in ranges of whole lines of about this many bytes, two at a time on threads of
# their own: reading 1 M persons' columns of the wide CSV took 20.3 s wall / 22.9 CPU s / 1.06 GB
# as one stream, 11.4 s / 20.8 / 0.79 GB in 64 MB ranges on two threads (256 MB: 13.2 s; 32 MB: 14.6 s;
# three threads: 12.9 s)
CSV_RANGE = 64 << 20
CSV_THREADS = 2
# pyarrow's block: one stream parses several blocks ahead, each as wide as the file (1,928 columns of
# a national-shaped extract): as one stream, 64 MB blocks peaked at 2.6 GB, 16 MB at 0.8 GB, same CPU
CSV_BLOCK = 16 << 20
# encodings in which a line break is the byte 0x0A and nothing else contains it: they can be cut at line breaks
LINE_CUT_ENCODINGS = {"utf-8", "utf8", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252", "windows-1252", "ascii"}


def line_ranges(p: Path, size: int) -> list[tuple[int, int]]:
    """The data lines of a CSV (after its header line) as (offset, length) byte ranges of about `size`
    bytes, each ending just after a line break (the last at the end of the file)."""
    total = p.stat().st_size
    with open(p, "rb") as f:
        cuts = [len(f.readline())]
        while cuts[-1] + size < total:
            f.seek(cuts[-1] + size)
            f.readline()  # on to the end of the line the cut falls in
            if f.tell() >= total:
                break
            cuts.append(f.tell())
    cuts.append(total)
    return [(a, b - a) for a, b in zip(cuts, cuts[1:]) if b > a]


def _csv_batches(p: Path, cols: list[str], types: dict[str, pa.DataType], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The CSV's record batches in file order: a file of more than one range is parsed range by range
    on `CSV_THREADS` threads (pyarrow releases the GIL), the ranges yielded in order."""
    import pyarrow.csv as pcsv

    from toolkit.core.parallel import ordered_map

    enc, sep, _ = csv_dialect(p)
    enc = "utf-8" if enc == "utf-8-sig" else enc
    header = header_of(p)
    parse = pcsv.ParseOptions(delimiter=sep)
    convert = pcsv.ConvertOptions(include_columns=cols, column_types=types, strings_can_be_null=True)
    ranges = line_ranges(p, CSV_RANGE) if enc.lower() in LINE_CUT_ENCODINGS else []
    try:
        if len(ranges) < 2:
            yield from pcsv.open_csv(p, read_options=pcsv.ReadOptions(encoding=enc, block_size=CSV_BLOCK),
                                     parse_options=parse, convert_options=convert)
            return
        source = pa.OSFile(str(p))  # each range a stream of its own over the one file (positional reads)

        def read(section: tuple[int, int]) -> list[pa.RecordBatch]:
            options = pcsv.ReadOptions(encoding=enc, block_size=CSV_BLOCK, column_names=header)  # no header line in a range
            return list(pcsv.open_csv(source.get_stream(*section), read_options=options, parse_options=parse,
                                      convert_options=convert))

        parts = ordered_map(read, iter(ranges), CSV_THREADS)
        try:
            for part in parts:
                yield from part
        finally:  # stopped early (an error downstream): the range reads in flight end before the file closes
            parts.close()
            source.close()
    except pa.ArrowInvalid as e:
        raise _arrow_error(e, p, header, enc, sep) from None


def _arrow_error(e: Exception, p: Path, header: list[str], enc: str, sep: str) -> DataError:
    """pyarrow's 'In CSV column #5: CSV conversion error to double: invalid value 'x'' → an error
    naming the column and (found by re-reading that one column) the row."""
    msg = str(e)
    m = re.search(r"column #(\d+)", msg)
    col = header[int(m.group(1))] if m and int(m.group(1)) < len(header) else None
    bad = re.search(r"invalid value '([^']*)'", msg)
    if not (bad and col):
        return DataError(f"cannot read the CSV: {msg}", p, column=col)
    values = pd.read_csv(p, sep=sep, encoding=enc, usecols=[col], dtype=str, keep_default_na=False)[col]
    hit = (values == bad.group(1)).to_numpy()
    what = "a numeric code" if col.startswith("y_") else "a number"
    row = first_row(hit) if hit.any() else None
    if pd.notna(pd.to_numeric(bad.group(1), errors="coerce")):  # 40000 or 730.0: a number, just not a code
        return DataError(f"value '{bad.group(1)}' is not {what} of the expected kind (whole number 1-999)", p, row=row, column=col)
    return DataError(f"non-numeric value '{bad.group(1)}' where {what} is expected", p, row=row, column=col)


def _parquet_batches(p: Path, cols: list[str], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    """The columns in batches of rows, decoded by polars (one query per batch: it reads only the
    pages the rows lie in), else by pyarrow. At 1 M persons of the national-shaped extract, CUBB's
    279 columns took 1.2 s wall / 1.3 CPU s through polars against 2.5 s / 3.1 through pyarrow's
    `iter_batches`, in bounded memory either way (polars' own streaming `collect_batches` runs ahead
    of a slower reader and held the whole file's columns: 0.8 GB against 0.3). The footer is parsed
    by polars alone unless pyarrow must take over (see `tabular._parquet_columns`)."""
    import pyarrow.parquet as pq

    start = 0
    for batch in _polars_batches(p, cols, chunk_rows):
        if batch is None:  # polars cannot read this file: pyarrow reads it from the next row on (or says why not)
            break
        start += batch.num_rows
        yield batch
    else:
        return
    try:
        # pages streamed through a 1 MB buffer: memory does not grow with the row groups (a whole
        # 1M-row row group's column chunks are otherwise held while it is read; same speed)
        pf = pq.ParquetFile(p, pre_buffer=False, buffer_size=1 << 20)
    except Exception as e:
        raise InputError(f"cannot read as Parquet: {e}", p) from None
    try:
        skip = start
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=cols):
            if skip >= batch.num_rows:
                skip -= batch.num_rows
                continue
            yield batch.slice(skip)
            skip = 0
    except (OSError, pa.ArrowException) as e:  # a damaged data page
        raise InputError(f"cannot read as Parquet (damaged file): {e}", p) from None


def _polars_batches(p: Path, cols: list[str], chunk_rows: int) -> Iterator[pa.RecordBatch | None]:
    """Rows start…start+chunk_rows of the columns per polars query, as pyarrow batches, until a query
    returns fewer rows than asked (none when the rows divide evenly); None (then nothing more) where
    polars is missing or fails, for pyarrow to read on or name the damage."""
    try:
        import polars as pl
    except ImportError:
        yield None
        return
    start = 0
    while True:
        try:
            if start == 0:
                lf = pl.scan_parquet(p, glob=False).select(cols)  # the path as it is: dream[12].parquet is no pattern
            table = lf.slice(start, chunk_rows).collect().to_arrow()
        except Exception:  # polars' errors are not all PolarsError (a panic in its reader, an OSError)
            yield None
            return
        parts, short = table.to_batches(), table.num_rows < chunk_rows
        del table  # not held while the next rows are read
        while parts:
            yield parts.pop(0)
        if short:
            return
        start += chunk_rows


def _stat_batches(p: Path, cols: list[str], chunk_rows: int) -> Iterator[pa.RecordBatch]:
    import pyreadstat

    reader = pyreadstat.read_sas7bdat if p.suffix.lower() == ".sas7bdat" else pyreadstat.read_xport
    try:
        for df, _meta in pyreadstat.read_file_in_chunks(reader, str(p), chunksize=chunk_rows, usecols=cols):
            yield pa.RecordBatch.from_pandas(df, preserve_index=False)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as e:
        raise InputError(f"cannot read as {p.suffix} file: {e}", p) from None


def batches(p: Path, cols: list[str], types: dict[str, pa.DataType], chunk_rows: int) -> Iterator[pa.Table]:
    """The given columns in batches of exactly `chunk_rows` rows (the last smaller), by the file's type
    (.csv/.txt/.tsv, .parquet, .sas7bdat/.xpt)."""
    ext = p.suffix.lower()
    if ext in {".csv", ".txt", ".tsv"}:
        return rebatch(_csv_batches(p, cols, types, chunk_rows), chunk_rows)  # the CSV reader cuts by bytes
    if ext == ".parquet":
        return rebatch(_parquet_batches(p, cols, chunk_rows), chunk_rows)  # and Parquet at row groups
    if ext in {".sas7bdat", ".xpt"}:
        return rebatch(_stat_batches(p, cols, chunk_rows), chunk_rows)
    raise InputError(f"unsupported DREAM extract type '{ext or p.name}'; use .csv, .parquet or .sas7bdat", p)


def rebatch(parts: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Record batches of any size regrouped into tables of exactly `rows` rows (the last smaller), without copying."""
    buf: list[pa.RecordBatch] = []
    have = 0
    for b in parts:
        if b.num_rows == 0:
            continue
        buf.append(b)
        have += b.num_rows
        del b
        while have >= rows:
            t = pa.Table.from_batches(buf)
            out, rest = [t.slice(0, rows)], t.slice(rows)
            buf, have = rest.to_batches(), rest.num_rows
            del t, rest  # nothing but `buf` (the rows after this table) held while the consumer has it
            yield out.pop()
    if have:
        yield pa.Table.from_batches(buf)


def row_count(p: Path) -> int | None:
    """Rows of a Parquet file from its metadata (None for formats that need a full pass)."""
    if p.suffix.lower() != ".parquet":
        return None
    try:  # polars' count from the footer (see tabular._parquet_columns), else pyarrow's
        import polars as pl

        return int(pl.scan_parquet(p, glob=False).select(pl.len()).collect().item())
    except Exception:
        pass
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(p).num_rows)
    except Exception:
        return None


def expected_rows(p: Path) -> int | None:
    """Rows to expect, for a progress bar: Parquet's and SAS's metadata; for a CSV the file size over
    the mean length of its first lines (an estimate); None when unknown."""
    ext = p.suffix.lower()
    try:
        if ext == ".parquet":
            return row_count(p)
        if ext in {".sas7bdat", ".xpt"}:
            import pyreadstat

            reader = pyreadstat.read_sas7bdat if ext == ".sas7bdat" else pyreadstat.read_xport
            n = reader(str(p), metadataonly=True)[1].number_rows
            return int(n) if n else None
        with open(p, "rb") as f:
            head = f.read(1 << 20)
        lines = head.count(b"\n")
        if lines < 2 or len(head) == p.stat().st_size:
            return max(1, lines - 1)
        first = head.index(b"\n") + 1  # the header is no person
        return max(1, round((p.stat().st_size - first) * (lines - 1) / (len(head) - first)))
    except Exception:  # a damaged file: the read itself reports it
        return None
