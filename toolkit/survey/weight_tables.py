"""Weighting diagnostics as Tables: achieved vs target margins per category, and the weights'
spread, Kish effective sample size, convergence and trimming."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from toolkit.core.fmt import dk
from toolkit.core.table import Cell, Display, Kind, Table
from toolkit.survey.design import effective_n
from toolkit.survey.weighting import WeightingResult


def _file_name(source: str) -> str:
    """The file name without its folder: a workbook handed on should not show local paths."""
    return source if source.startswith("<") else Path(source).name


def kish(weights: np.ndarray) -> tuple[float, float]:
    """(Kish effective sample size (Σw)²/Σw², design effect n/n_eff = 1 + CV² of the weights)."""
    n_eff = effective_n(np.asarray(weights, float))
    return n_eff, len(weights) / n_eff


def diagnostics(result: WeightingResult) -> list[Table]:
    """The two diagnostics tables: achieved vs target margins, and the weights' spread and convergence."""
    return [margin_table(result), weight_table(result)]


def margin_table(result: WeightingResult) -> Table:
    """Per variable and category: respondents, sample %, (base-weighted %), target %, weighted % after raking."""
    has_base = result.base is not None
    columns = ["Antal svar", "Stikprøve"] + (["Med startvægt"] if has_base else []) + ["Mål (population)", "Vægtet"]
    groups, rows, cells = [], [], []
    for m, code, labels, target in zip(result.margins.margins, result.encoded.codes, result.encoded.labels, result.targets):
        k = len(labels)
        n = np.bincount(code, minlength=k)
        weighted = np.bincount(code, result.weights, minlength=k)
        based = np.bincount(code, result.base, minlength=k) if has_base else None
        for i in range(k):
            row = [Cell(int(n[i]), Kind.COUNT), Cell(float(n[i] / result.n), Kind.PERCENT)]
            if based is not None:
                row.append(Cell(float(based[i] / based.sum()), Kind.PERCENT))
            row += [Cell(float(target[i] / target.sum()), Kind.PERCENT), Cell(float(weighted[i] / weighted.sum()), Kind.PERCENT)]
            groups.append(result.variable_labels.get(m.variable) or m.variable)
            rows.append(labels[i])
            cells.append(row)
    notes = [f"Kilde: {_file_name(result.source)}; marginaler fra {_file_name(result.margins.source)}.",
             "Anm.: Vægtet ved raking (iterativ proportional tilpasning) til alle marginaler på én gang"
             + (f", med startvægten {result.base_column}." if has_base else ".")]
    notes += [f"Anm.: Andelene for {v} summerede til {dk(s, 4, notation='general')} og er normaliseret til 1."
              for v, s in result.margins.normalised.items()]
    return Table("vaegtning_marginaler", "Vægtning: stikprøve, mål og vægtet fordeling", rows, columns, cells,
                 row_groups=groups, stub_header="Kategori", notes=notes)


def weight_table(result: WeightingResult) -> Table:
    """Weight min/median/max and max/min, Kish effective n and design effect, iterations, margin error, trimming."""
    w, r = result.weights, result.rake
    n_eff, deff = kish(w)
    rows: list[tuple[str, Cell]] = [
        ("Antal respondenter", Cell(result.n, Kind.COUNT)),
        ("Sum af vægte", Cell(float(w.sum()), Kind.MEAN)),
        ("Mindste vægt", Cell(float(w.min()), Kind.STAT)),
        ("Median vægt", Cell(float(np.median(w)), Kind.STAT)),
        ("Største vægt", Cell(float(w.max()), Kind.STAT)),
        ("Største/mindste vægt", Cell(float(w.max() / w.min()), Kind.STAT)),
        ("Effektiv stikprøvestørrelse (Kish)", Cell(n_eff, Kind.MEAN)),
        ("Designeffekt (1 + CV²)", Cell(deff, Kind.STAT)),
        ("Iterationer", Cell(r.iterations, Kind.COUNT)),
        ("Største resterende marginfejl (relativ)", Cell(float(r.max_error), Kind.STAT, display=Display(1, "scientific"))),
    ]
    notes = [f"Kilde: {_file_name(result.source)}."]
    if r.bounds is not None:
        lo, hi = r.bounds
        rows += [("Trimmede vægte (antal respondenter)", Cell(r.trimmed, Kind.COUNT)),
                 ("Trimningsrunder", Cell(r.trim_rounds, Kind.COUNT))]
        if lo > 0:
            rows.append(("Nedre grænse", Cell(lo, Kind.STAT)))
        if np.isfinite(hi):
            rows.append(("Øvre grænse", Cell(hi, Kind.STAT)))
        notes.append("Anm.: Vægte uden for grænserne er sat til grænsen og de øvrige vægte raket igen, "
                     "indtil ingen vægt ligger uden for grænserne og marginalerne stadig holder.")
    if result.scale == "n":
        to = "antallet af respondenter"
    elif result.margins.count_total() is not None:
        to = "populationens størrelse"
    else:
        to = "summen af startvægtene" if result.base is not None else "antallet af respondenter (marginalerne er andele)"
    notes.append(f"Anm.: Vægtene summerer til {to}. Designeffekt = n / effektiv n = 1 + CV² af vægtene (Kish).")
    return Table("vaegtning_vaegte", "Vægtning: vægtenes fordeling og effektiv stikprøvestørrelse",
                 [r_[0] for r_ in rows], ["Værdi"], [[r_[1]] for r_ in rows], stub_header="Nøgletal", notes=notes)
