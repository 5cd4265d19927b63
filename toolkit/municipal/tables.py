"""Tables (and the Figur 4.2-style chart) from a ModelResult, in the seed report's Danish wording.

Register values are declared with the persons they describe (`protect.register_cell`), so the
data sheet hides a small one; the estimates and descriptives never use such a value
(`protect.py`: it counts as missing), and each table of estimates says how many municipalities
disclosure control left out.
"""

from __future__ import annotations

import math
from typing import Mapping

import pandas as pd

from toolkit.config.model import DIRECTIONS, ModelSpec
from toolkit.core.fmt import dk
from toolkit.core.table import Cell, Derived, Figure, Kind, Table
from toolkit.municipal.join import REGISTER, describe
from toolkit.municipal.model import ModelResult, run_model
from toolkit.municipal.ols import CONST, Fit
from toolkit.municipal.protect import Rules, persons_of, register_cell
from toolkit.read.tabular import Dataset

MINUS = "−"
ROLE_GROUPS = {"dependent": "Afhængig variabel", "robustness": "Robusthed", "control": "Kontrolvariable", "candidate": "Kandidater"}


def sign(b: float) -> str:
    return "" if b is None or (isinstance(b, float) and math.isnan(b)) else ("+" if b > 0 else MINUS)


def _num(v: float | int | None, kind: Kind, n: int | None = None) -> Cell:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return Cell(None, kind)
    return Cell(float(v) if kind not in (Kind.COUNT, Kind.BASE) else int(v), kind, n=n)


def _text(s: str) -> Cell:
    return Cell(s, Kind.TEXT)


def _source(res: ModelResult) -> str:
    if res.spec.source:
        return res.spec.source if res.spec.source.startswith("Kilde:") else f"Kilde: {res.spec.source}"
    insts = sorted({v.source for v in res.joined.variables.values() if v.source != REGISTER})
    titles = [res.spec.title(i).lower() for i in insts]
    if not titles:
        return "Kilde: Registerdata."
    listed = ", ".join(titles[:-1]) + (" og " if len(titles) > 1 else "") + titles[-1]
    return f"Kilde: Spørgeskemaundersøgelser blandt {listed} samt registerdata."


def _warn_notes(res: ModelResult) -> list[str]:
    return list(res.notes)


def _protect_notes(res: ModelResult) -> list[str]:
    """The note on municipalities left out for disclosure control, for every table of estimates."""
    return [res.joined.protect_note] if res.joined.protect_note else []


def _dep(res: ModelResult) -> str:
    return res.joined.label(res.spec.dependent)


def basis_table(res: ModelResult) -> Table:
    """How many municipalities each source covers and how many enter the model."""
    rows = [what for what, _ in res.joined.basis]
    cells = [[Cell(k, Kind.BASE)] for _, k in res.joined.basis]
    notes = [_source(res), f"Anm.: {len(res.joined.lost)} kommuner indgår ikke i modellen; årsagerne står i tabellen over kommuner uden for analysen."]
    return Table("model_grundlag", "Datagrundlag: kommuner i analysen", rows, ["Antal kommuner"], cells,
                 notes=notes + _warn_notes(res) + list(res.spec.notes))


def lost_table(res: ModelResult) -> Table:
    """Every municipality left out of the model and why (flags per reason, then the reason in words)."""
    lost = res.joined.lost
    insts = sorted({v.source for v in res.joined.variables.values() if v.source != REGISTER and v.role == "candidate"})
    shield = len(res.joined.protected) > 0
    cols = ["Ingen registerdata", "Mangler afhængig variabel eller kontrolvariabel"]
    cols += ["Skjult af hensyn til diskretionering"] if shield else []
    cols += [f"Intet svar fra {res.spec.title(i).lower()}" for i in insts]
    cols += ["Indikatorer uden værdi", "Årsag"]
    rows, cells = [], []
    for k, r in lost.iterrows():
        rows.append(f"{r['navn']} ({k})")
        row = [_num(1 if r["ingen_register"] else None, Kind.COUNT), _num(len(r["mangler"]) or None, Kind.COUNT)]
        row += [_num(len(r["skjult"]) or None, Kind.COUNT)] if shield else []
        row += [_num(1 if i in r["tavse"] else None, Kind.COUNT) for i in insts]
        row += [_num(len(r["uden_vaerdi"]) or None, Kind.COUNT), _text(r["aarsag"][:1].upper() + r["aarsag"][1:])]
        cells.append(row)
    notes = [_source(res), "Anm.: 1 = årsagen gælder kommunen; tal = antal manglende variable. En indikator uden værdi "
             "kan skyldes, at kommunens svar alle var 'Ved ikke' eller ubesvarede."]
    return Table("model_tabte", "Kommuner uden for analysen og årsagen", rows, cols, cells,
                 stub_header="Kommune (kode)", notes=notes)


def variables_table(res: ModelResult) -> Table:
    """Every variable: source, how it is measured, descriptives in the model sample, status."""
    j = res.joined
    names = list(j.variables)
    desc = describe(j.usable.loc[j.sample], names)  # without the values disclosure control hides
    rows, groups, cells = [], [], []
    for name in names:
        v = j.variables[name]
        kind = Kind.PERCENT if v.percent else Kind.MEAN
        d = desc.loc[name]
        src = "Register" if v.source == REGISTER else res.spec.title(v.source)
        status = v.status or ("i modellen" if name in res.selection.variables else "")
        rows.append(v.label)
        groups.append(ROLE_GROUPS[v.role])
        cells.append([_text(src), _num(d["n"], Kind.BASE), _num(d["mean"], kind),
                      _num(d["sd"], kind), _num(d["min"], kind), _num(d["max"], kind), _text(status)])
    cols = ["Kilde", "Kommuner", "Gennemsnit", "Std.afv.", "Min.", "Maks.", "Status"]
    return Table("model_variable", "Variable i analysen (beskrivende statistik for kommunerne i modellen)", rows, cols, cells,
                 row_groups=groups, notes=[_source(res), "Anm.: Andele vises i procent; gennemsnit af svarkoder er uden 'Ved ikke'."]
                 + _protect_notes(res))


def screen_table(res: ModelResult) -> Table:
    """Bivariate OLS of the dependent variable on each candidate, without and with the controls."""
    s = res.screen
    j = res.joined
    rows, cells = [], []
    for _, r in s.iterrows():
        rows.append(j.label(r["name"]))
        row = []
        for suffix in ("", "_k"):
            row += [_num(r["b" + suffix], Kind.COEF), _num(r["se" + suffix], Kind.SE), _num(r["p" + suffix], Kind.P),
                    _num(r["r2" + suffix], Kind.STAT), _num(r["n" + suffix], Kind.BASE)]
        cells.append(row)
    cols = ["Koefficient", "SE", "p", "R²", "n"] * 2
    groups = ["Uden kontrolvariable"] * 5 + ["Med kontrolvariable"] * 5
    ctrl = ", ".join(j.label(c) for c in res.spec.controls) or "ingen"
    notes = [_source(res),
             f"Anm.: OLS af {_dep(res).lower()} på hver indikator for sig blandt kommuner med data for indikatoren; "
             f"kontrolvariable: {ctrl}. Sorteret efter p-værdien uden kontrolvariable."]
    failed = [f"{j.label(n)}: {note}" for n, note in zip(s["name"], s["note_k"]) if note]
    notes += [f"Anm.: Kunne ikke estimeres med kontrolvariable – {f}." for f in failed]
    left = [f"{v.label} ({v.status})" for v in j.variables.values() if v.status]
    if left:
        notes.append("Anm.: Udeladte indikatorer: " + "; ".join(left) + ".")
    notes += _protect_notes(res)
    return Table("model_bivariat", f"Bivariat screening: sammenhængen mellem hver indikator og {_dep(res).lower()}",
                 rows, cols, cells, column_groups=groups, notes=notes)


def trace_table(res: ModelResult) -> Table:
    """The stepwise selection step by step."""
    j = res.joined
    sel = res.spec.selection
    action = {"start": "Start", "add": "Tilføjet", "remove": "Fjernet", "stop": "Stop"}
    rows, groups, cells = [], [], []
    for st in res.selection.trace:
        groups.append(f"Trin {st.step}" if st.action != "stop" else "Slut")
        if st.variable:
            rows.append(j.label(st.variable))
        elif st.action == "start":
            rows.append("Kontrolvariable: " + ", ".join(j.label(c) for c in res.spec.controls) if res.spec.controls else "Kun konstant")
        else:
            rows.append("Ingen flere ændringer")
        note = st.note if st.nearest is None else f"{st.note} ({j.label(st.nearest)})"
        cells.append([_text(action[st.action]), _num(st.p, Kind.P), _num(st.rsquared, Kind.STAT),
                      _num(st.rsquared_adj, Kind.STAT), _num(st.k, Kind.COUNT), _text(note)])
    cols = ["Handling", "p", "R²", "Justeret R²", "Antal variable", "Bemærkning"]
    notes = [_source(res),
             f"Anm.: {DIRECTIONS[sel.direction].capitalize()} selektion blandt {len(j.candidates)} kandidater i "
             f"{res.fit.n} kommuner; p for optagelse < {dk(sel.p_enter, 2)}, p for fjernelse > {dk(sel.p_remove, 2)}; "
             "kontrolvariablene indgår i alle trin."] + _protect_notes(res)
    return Table("model_trin", "Trinvis selektion: forløb", rows, cols, cells, row_groups=groups, notes=notes)


def _fit_rows(fit: Fit) -> list[tuple[str, Cell]]:
    return [("R²", _num(fit.rsquared, Kind.STAT)), ("Justeret R²", _num(fit.rsquared_adj, Kind.STAT)),
            ("Antal kommuner", _num(fit.n, Kind.BASE))]


def _alpha_label(alpha: float) -> str:
    return f"{dk(100 * (1 - alpha), None)} %"


def model_table(res: ModelResult) -> Table:
    """The selected multivariate model: coefficient, SE, t, p, sign, standardised coefficient, fit."""
    f = res.fit
    j = res.joined
    alpha = res.spec.alpha
    rows, groups, cells = [], [], []
    for x in f.xs + [CONST]:
        rows.append(j.label(x) if x != CONST else "Konstant")
        groups.append("Kontrolvariable" if x in res.spec.controls else ("Udvalgte faktorer" if x != CONST else ""))
        b, p = float(f.params[x]), float(f.pvalues[x])
        cells.append([_num(b, Kind.COEF), _num(f.bse[x], Kind.SE), _num(f.tvalues[x], Kind.T), _num(p, Kind.P),
                      _text(sign(b) if x != CONST else ""), _num(f.std_params.get(x), Kind.STAT),
                      _text(("Ja" if p < alpha else "Nej") if x != CONST else "")])
    for lab, cell in _fit_rows(f):
        rows.append(lab)
        groups.append("Model")
        cells.append([cell] + [Cell(None, Kind.STAT)] * 3 + [_text("")] + [Cell(None, Kind.STAT)] + [_text("")])
    cols = ["Koefficient", "SE", "t", "p", "Fortegn", "Standardiseret koefficient", f"Signifikant ({_alpha_label(alpha)})"]
    notes = [_source(res),
             f"Anm.: Multivariat OLS-regression blandt {f.n} kommuner (R² = {dk(f.rsquared, 3)}); faktorerne er valgt ved "
             f"{DIRECTIONS[res.spec.selection.direction]} selektion, kontrolvariablene er altid med. Standardiseret "
             "koefficient = koefficient × std.afv.(faktor) / std.afv.(afhængig variabel)."]
    return Table("model_resultat", f"Multivariat regressionsanalyse: hvilke faktorer forklarer {_dep(res).lower()}?",
                 rows, cols, cells, row_groups=groups, notes=notes + _protect_notes(res) + list(res.spec.notes))


def figure_table(res: ModelResult, number: str = "") -> Table:
    """Figur 4.2: the significant factors with their sign, drawn as a native bar chart."""
    f = res.fit
    j = res.joined
    sig = [x for x in f.xs if float(f.pvalues[x]) < res.spec.alpha]
    rows = [j.label(x) for x in sig]
    cells = [[_text(sign(float(f.params[x]))), _num(f.std_params[x], Kind.STAT)] for x in sig]
    title = f"Regressionsanalyse: Hvilke faktorer forklarer {_dep(res).lower()}?"
    notes = [_source(res),
             f"Anm.: Figuren er baseret på en multivariat OLS-regressionsanalyse blandt {f.n} kommuner og har en "
             f"forklaringskraft på {dk(100 * f.rsquared, 0)} % (R² = {dk(f.rsquared, 3)}). Figuren viser signifikante sammenhænge "
             f"på {_alpha_label(res.spec.alpha)} konfidensniveau. '+' angiver en positiv sammenhæng, '{MINUS}' en negativ; "
             "søjlerne er de standardiserede koefficienter."]
    if not sig:
        notes.append("Anm.: Ingen faktorer er signifikante.")
    notes += _protect_notes(res)
    return Table("model_figur", title, rows, ["Fortegn", "Standardiseret koefficient"], cells, notes=notes,
                 figure=Figure(kind="barh", title=title, columns=[1], number=number, y_title="Standardiseret koefficient"))


def robustness_table(res: ModelResult) -> Table:
    """The selected model with robust SEs, re-estimated on each robustness outcome, and VIFs."""
    j = res.joined
    hc = res.spec.robust_se
    main = res.robustness.main_hc
    xs = main.xs + [CONST]
    cols, groups = [], []
    dep_label = _dep(res)
    cols += ["Koefficient", f"SE ({hc})", f"p ({hc})"]
    groups += [dep_label] * 3
    for r in res.robustness.others:
        cols += ["Koefficient", "SE", "p", f"SE ({hc})", f"p ({hc})", "Fortegn"]
        groups += [j.label(r)] * 6
    cols.append("VIF")
    groups.append("Kollinearitet")
    rows, rgroups, cells = [], [], []
    for x in xs:
        rows.append(j.label(x) if x != CONST else "Konstant")
        rgroups.append("Kontrolvariable" if x in res.spec.controls else ("Udvalgte faktorer" if x != CONST else ""))
        row = [_num(main.params[x], Kind.COEF), _num(main.bse[x], Kind.SE), _num(main.pvalues[x], Kind.P)]
        for classic, robust in res.robustness.others.values():
            b = float(classic.params[x])
            row += [_num(b, Kind.COEF), _num(classic.bse[x], Kind.SE), _num(classic.pvalues[x], Kind.P),
                    _num(robust.bse[x], Kind.SE), _num(robust.pvalues[x], Kind.P), _text(sign(b) if x != CONST else "")]
        row.append(_num(res.robustness.vif.get(x), Kind.STAT) if x != CONST else Cell(None, Kind.STAT))
        cells.append(row)
    for k, lab in enumerate(["R²", "Justeret R²", "Antal kommuner"]):
        rows.append(lab)
        rgroups.append("Model")
        row = [_fit_rows(main)[k][1], Cell(None, Kind.SE), Cell(None, Kind.P)]
        for classic, _ in res.robustness.others.values():
            row += [_fit_rows(classic)[k][1]] + [Cell(None, Kind.SE), Cell(None, Kind.P)] * 2 + [_text("")]
        row.append(Cell(None, Kind.STAT))
        cells.append(row)
    others = ", ".join(j.label(r).lower() for r in res.robustness.others) or "ingen andre udfald"
    fewer = (" (de af dem, hvor udfaldet findes og ikke er skjult af hensyn til diskretionering)"
             if any(classic.n != main.n for classic, _ in res.robustness.others.values()) else "")
    notes = [_source(res),
             f"Anm.: Den udvalgte model for {dep_label.lower()} genberegnet med heteroskedasticitetsrobuste standardfejl "
             f"({hc}) og på {others} blandt de samme kommuner{fewer}. VIF = variansinflationsfaktor (over 10 tyder på stærk "
             "kollinearitet)."] + _protect_notes(res)
    title = "Robusthed: den udvalgte model med robuste standardfejl" + (f" og på {others}" if res.robustness.others else "")
    return Table("model_robusthed", title, rows, cols, cells, row_groups=rgroups, column_groups=groups, notes=notes)


def data_table(res: ModelResult) -> Table:
    """One row per municipality: every variable, and whether the municipality is in the model."""
    j = res.joined
    names = list(j.variables)
    insample = set(j.sample)
    rows, cells = [], []
    for k in j.frame.index:
        rows.append(j.names.get(int(k), f"Kommune {k}"))
        persons = persons_of(j.persons, k)
        row = [_text(str(k)), _text("Ja" if k in insample else "Nej")]
        for c in names:
            v = j.variables[c]
            value = j.frame.at[k, c]
            if v.source == REGISTER:  # declared with the persons it describes: the same cell the sample rule judges
                row.append(register_cell(None if pd.isna(value) else float(value), persons=persons, percent=v.percent))
            else:
                row.append(_num(value, Kind.PERCENT if v.percent else Kind.MEAN))
        cells.append(row)
    keys = ["Kode", "I modellen"] + names
    notes = [_source(res), "Anm.: Kolonnerne er variablene i oversigten over variable. Tom celle = ingen værdi."]
    return Table("model_data", "Kommunedata: én række pr. kommune", rows, ["Kode", "I modellen"] + [j.label(c) for c in names],
                 cells, stub_header="Kommune", notes=notes, register=True, column_keys=keys)  # labels shown, names as keys


def derive_descriptives(variables: Table, data: Table, res: ModelResult) -> None:
    """The register rows' mean, sd, min and max are computed from the data sheet's cells of the
    model's municipalities: hidden with any of them (a mean of n beside n − 1 shown, or a minimum,
    gives a hidden one away). They are computed without the values disclosure control hides
    (`protect.py`), so their inputs are the model's municipalities with a usable value."""
    j = res.joined
    row = {k: i for i, k in enumerate(j.frame.index)}  # the data sheet has one row per municipality, in this order
    persons = int(j.persons.reindex(j.sample).fillna(0).sum()) if j.persons is not None else None
    for i, name in enumerate(j.variables):
        if j.variables[name].source != REGISTER or persons is None:
            continue
        used = [row[k] for k in j.sample if k in row and not pd.isna(j.usable.at[k, name])]
        inputs = [data.ref(r, data.column_keys.index(name)) for r in used]
        for k in range(2, 6):  # Gennemsnit, Std.afv., Min., Maks.
            variables.cells[i][k].n = persons
            variables.derived.append(Derived(variables.ref(i, k), inputs))
        variables.register = True


def result_tables(res: ModelResult, figure_number: str = "") -> list[Table]:
    """All model tables in reading order."""
    variables, data = variables_table(res), data_table(res)
    derive_descriptives(variables, data, res)
    return [basis_table(res), lost_table(res), variables, screen_table(res), trace_table(res),
            model_table(res), figure_table(res, figure_number), robustness_table(res), data]


def model_tables(
    register: pd.DataFrame,
    surveys: Mapping[str, Dataset],
    spec: ModelSpec,
    names: Mapping[int, str] | None = None,
    figure_number: str = "",
    *,
    rules: Rules | None = None,
) -> list[Table]:
    """The municipality model's tables, with municipalities the disclosure `rules` protect kept out."""
    return result_tables(run_model(register, surveys, spec, names, rules=rules), figure_number)
