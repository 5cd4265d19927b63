"""Questionnaire tables in every shape of the seed reports, from Datasets (+ codebook, + weights).

Shapes (SPEC §2): single question with Antal/Procent (Tabel 3.1), battery (3.11), groups side
by side as rows (2.1) or columns (2.4), multi-response (3.21, 6.2), two-way (6.7), filter
questions (3.6) and coded open answers per group (2.5). Pure functions: no file I/O, no
printing; `build_tables` is what the CLI and the wave report call. The shapes are built in
`shapes.py` over the inputs of `sources.py`; weights come from `weights.py`.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import replace

from toolkit.config.codebook import Codebook, TableSpec, default_id
from toolkit.core.codes import show_code
from toolkit.core.errors import ConfigError, ToolkitWarning
from toolkit.core.table import Table
from toolkit.read.tabular import Dataset
from toolkit.survey.shapes import TableBuilder
from toolkit.survey.sources import (
    Context,
    Group,
    Source,
    groups_for,
    make_sources,
    require_columns,
    table_sources,
)
from toolkit.survey.weights import Weights


def build_table(spec: TableSpec, sources: list[Source], codebook: Codebook | None = None,
                by: str | None = None, letters: bool = False) -> Table:
    """One table as the spec says, over the sources it names (groups side by side when several)."""
    cb = codebook or Codebook()
    ctx = Context(cb)
    srcs = table_sources(spec, cb, sources)
    by = spec.by or by
    if by:
        require_columns(TableSpec(type="single", key=spec.key, variable=by), cb, srcs)
    groups = groups_for(ctx, spec, srcs, by)
    builder = TableBuilder(ctx, spec, groups, srcs, letters)
    builder.notes += empty_selection(spec, groups)
    return builder.build()


def empty_selection(spec: TableSpec, groups: list[Group]) -> list[str]:
    """A filter that leaves a group (or the whole table) without respondents: a warning and the table's note,
    so an empty table is not read as a finding."""
    empty = [g for g in groups if not g.mask.any()]
    if not empty or not spec.filter:
        return []
    what = "; ".join(f"{var} = {', '.join(show_code(c) for c in codes)}" for var, codes in spec.filter.items())
    whom = "" if len(empty) == len(groups) else f" i {', '.join(g.label for g in empty)}"
    name = spec.id or default_id(spec)
    _warnings.warn(ToolkitWarning(f"table '{name}' ({spec.key}): nobody{whom.replace(' i ', ' in ', 1)} matches its filter ({what}); "
                                  "the table says so in a note"), stacklevel=2)
    return [f"Anm.: Ingen respondenter{whom} opfylder tabellens udvælgelse ({what}); der er ingen svar at vise."]


def auto_specs(sources: list[Source], codebook: Codebook | None = None, side_by_side: bool = False,
               by: str | None = None, layout: str | None = None) -> list[tuple[TableSpec, list[Source]]]:
    """Without `tables:` in a codebook: one single-question table per labelled variable.

    Variables labelled in every file are shown side by side when `side_by_side`; with several
    files the table id is prefixed with the file name where the same variable occurs twice.
    """
    cb = codebook or Codebook()
    ctx = Context(cb)
    out: list[tuple[TableSpec, list[Source]]] = []
    done: set[str] = set()
    labelled = {s.name: [c for c in s.ds.data.columns if ctx.labelled(s, c) and not cb.skipped(c) and c != by] for s in sources}
    if side_by_side and len(sources) > 1:
        shared = [c for c in labelled[sources[0].name] if all(c in labelled[s.name] for s in sources[1:])]
        for c in shared:
            out.append((TableSpec(type="single", key=f"auto:{c}", variable=c, layout=layout), list(sources)))
            done.add(c)
    counts: dict[str, int] = {}
    for s in sources:
        for c in labelled[s.name]:
            counts[c] = counts.get(c, 0) + 1
    for s in sources:
        for c in labelled[s.name]:
            if c in done:
                continue
            tid = f"{s.name}.{c}" if counts[c] > 1 else c
            out.append((TableSpec(type="single", key=f"auto:{c}", id=tid, variable=c, layout=layout), [s]))
    return out


def build_tables(datasets: dict[str, Dataset], codebook: Codebook | None = None,
                 weights: dict[str, Weights] | None = None, by: str | None = None,
                 letters: bool = False, side_by_side: bool = False, layout: str | None = None) -> list[Table]:
    """Every table a codebook asks for (or one per labelled variable) from named Datasets.

    `datasets` maps a name (file stem or NAME=PATH) to its data; `weights` maps names to
    respondent weights. Tables are returned unnumbered unless the codebook numbers them.
    """
    if not datasets:
        raise ConfigError("no data files given")
    cb = codebook or Codebook()
    sources = make_sources(datasets, cb, weights)
    if cb.tables is None:
        jobs = auto_specs(sources, cb, side_by_side, by, layout)
    else:
        jobs = [(replace(spec, layout=spec.layout or (layout if spec.type != "battery" else None)), sources)
                for spec in cb.tables]
    return [build_table(spec, srcs, cb, by, letters) for spec, srcs in jobs]
