"""A finished run read back for `toolkit diff`: its tidy CSV, and from its workbook the contents
(numbers, titles) and the provenance sheet (settings, inputs with SHA-256).

Tidy CSVs of both generations are read: ``table, number, group, row, column, stat, value`` (table =
a key unique in the run) and the older ``table, group, row, column, stat, value`` (table = the id,
which could repeat: a repeated block of lines is keyed ``id#2``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.core.errors import DataError, InputError
from toolkit.publish.diff import InputFile, Run
from toolkit.publish.tidy import COLUMNS

OLD_COLUMNS = [c for c in COLUMNS if c != "number"]
WORKBOOKS = {".xlsx", ".xlsm"}


def tidy_beside(workbook: Path) -> Path:
    """The tidy CSV `toolkit report` writes beside a workbook: <name>_tidy.csv."""
    return workbook.with_name(workbook.stem + "_tidy.csv")


def read_run(path: str | Path) -> Run:
    """A run from its tidy CSV, or from a workbook and the tidy CSV beside it."""
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", p)
    ext = p.suffix.lower()
    if ext in WORKBOOKS:
        tidy = tidy_beside(p)
        if not tidy.exists():
            raise InputError(f"no tidy CSV beside the workbook (expected {tidy.name}, which `toolkit report` writes); "
                             "give the two tidy CSVs instead", p)
        lines, keyed = read_tidy(tidy)
        contents, settings, inputs = read_workbook(p)
        titles = _titles(lines, keyed, contents)
        if not keyed and titles:
            lines["number"] = lines["table"].map({k: n for k, (n, _) in titles.items()}).fillna("")
        return Run(str(p), lines, keyed, {k: t for k, (_, t) in titles.items()}, settings, inputs)
    if ext not in (".csv", ".txt"):
        raise InputError(f"expected a tidy CSV (.csv) or a workbook (.xlsx) with its tidy CSV beside it, not '{ext or p.name}'", p)
    lines, keyed = read_tidy(p)
    return Run(str(p), lines, keyed)


def read_tidy(path: Path) -> tuple[pd.DataFrame, bool]:
    """The tidy lines with value as float (NaN = suppressed), a unique table key and the occurrence
    of each cell; True when the file has the number column (its table keys are unique)."""
    if not path.exists():
        raise InputError("file not found", path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty; expected a tidy CSV written by toolkit (--tidy)", path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; expected a tidy CSV written by toolkit (--tidy)", path) from None
    except pd.errors.ParserError as e:
        raise InputError(f"malformed CSV: {e}", path) from None
    cols = [str(c) for c in df.columns]
    if cols not in (COLUMNS, OLD_COLUMNS):
        raise DataError(f"not a tidy CSV of toolkit: expected the columns {', '.join(COLUMNS)} (or the same without number); "
                        f"found {', '.join(cols[:8])}{' …' if len(cols) > 8 else ''}", path)
    keyed = "number" in cols
    if not keyed:
        df.insert(1, "number", "")
    text = df["value"].str.strip()
    value = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (text != "") & value.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"value '{df['value'].iloc[i]}' is not a number (a suppressed cell has an empty value)", path,
                        row=i + 2, column="value")
    df["value"] = value.astype(float)
    block = (df["table"] != df["table"].shift()).cumsum()
    nth = block.groupby(df["table"]).rank(method="dense").astype(int)
    df["table"] = np.where(nth > 1, df["table"] + "#" + nth.astype(str), df["table"])
    df["occurrence"] = df.groupby(["table", "group", "row", "column", "stat"], sort=False).cumcount()
    return df, keyed


def read_workbook(path: Path) -> tuple[list[tuple[str, str]], dict[str, str] | None, list[InputFile] | None]:
    """(contents rows (number or key, title), provenance settings, inputs) of a toolkit workbook."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # zip/xml errors from a corrupt or foreign file
        raise InputError(f"cannot read as Excel workbook: {e}", path) from None
    try:
        contents = []
        if "Indhold" in wb.sheetnames:
            for row in wb["Indhold"].iter_rows(min_row=4, max_col=2, values_only=True):
                if row and row[0] is not None:
                    contents.append((str(row[0]), "" if row[1] is None else str(row[1])))
        if "Proveniens" not in wb.sheetnames:
            return contents, None, None
        settings: dict[str, str] = {}
        inputs: list[InputFile] = []
        in_files = False
        for row in wb["Proveniens"].iter_rows(min_row=3, max_col=3, values_only=True):
            a, b, c = (list(row) + [None, None, None])[:3]
            if a == "Inputfil":
                in_files = True
            elif in_files and a is not None:
                inputs.append(InputFile(str(a), "" if b is None else str(b), int(c) if isinstance(c, (int, float)) else None))
            elif not in_files and a is not None:
                settings[str(a)] = "" if b is None else str(b)
        return contents, settings, inputs
    finally:
        wb.close()


def _titles(lines: pd.DataFrame, keyed: bool, contents: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Table key → (number, title) from the contents sheet: by number or key, or for an old tidy CSV
    (no numbers) by position when every table of the workbook has lines in it."""
    first = lines.drop_duplicates("table")
    if keyed:
        by_head = dict(contents)
        return {k: (n, by_head.get(n or k, "")) for k, n in zip(first["table"], first["number"])}
    if len(contents) != len(first):
        return {}
    return {k: (n if n.split(" ")[0] in ("Tabel", "Figur") else "", t) for k, (n, t) in zip(first["table"], contents)}
