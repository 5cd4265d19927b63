"""Pieces every register table shares: the programme's comparison columns and a Table with the
definitions' number, title and source note."""

from __future__ import annotations

import numpy as np

from toolkit.config.definitions import Defs
from toolkit.core.table import Cell, Table


def programme_columns(defs: Defs) -> list[tuple[str, list[int] | None]]:
    """(label, municipality codes) of the comparison columns; None = the rest of the country."""
    mu = defs.spec.municipalities
    assert mu is not None
    return [(mu.rest_label, None), (mu.programme_label, list(mu.programme))]


def municipality_labels(defs: Defs) -> list[tuple[str, int]]:
    """(column label, code) per programme municipality; 'Kommune 1…' when anonymised."""
    mu = defs.spec.municipalities
    assert mu is not None
    return [(f"Kommune {k}" if mu.anonymise else name, code) for k, (code, name) in enumerate(mu.programme.items(), start=1)]


def in_column(muni: np.ndarray, codes: list[int] | None, defs: Defs) -> np.ndarray:
    """Persons in a comparison column: the listed municipalities, or (None) the rest of the country."""
    if codes is None:
        mu = defs.spec.municipalities
        assert mu is not None
        return ~np.isin(muni, list(mu.programme))
    return np.isin(muni, codes)


def register_table(defs: Defs, tid: str, title: str, rows: list[str], cols: list[str], cells: list[list[Cell]], **kw: object) -> Table:
    """A register Table numbered and titled by the definitions, the source note first."""
    number, title = defs.table_text(tid, title)
    notes = [defs.spec.source] + list(kw.pop("notes", []))  # type: ignore[call-overload]
    return Table(tid, title, rows, cols, cells, number=number, notes=notes, register=True, **kw)  # type: ignore[arg-type]
