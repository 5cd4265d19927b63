"""One row per municipality: register outcomes joined with survey indicators.

Decides the model sample (municipalities complete on the dependent variable, the controls and
every retained candidate, a register value disclosure control hides counting as missing:
`protect.py`), says why each other municipality is out, and leaves out candidates that can't
carry information (missing or hidden for most municipalities, constant, perfectly collinear) with
a warning that names them.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from toolkit.config.model import ModelSpec
from toolkit.core.errors import DataError, ToolkitWarning
from toolkit.core.fmt import dk
from toolkit.municipal.indicators import (
    Indicator,
    expand,
    indicator_frame,
    municipality_codes,
    respondents,
)
from toolkit.municipal.ols import collinearity
from toolkit.municipal.protect import Rules, hidden, note, warning
from toolkit.read.tabular import Dataset

REGISTER = "register"


@dataclass
class Variable:
    """A column of the municipality frame and what it is."""

    name: str
    label: str
    role: str  # "dependent" | "robustness" | "control" | "candidate"
    source: str  # "register" or the instrument name
    description: str = ""
    percent: bool = False
    status: str = ""  # why a candidate was left out ("" = in the analysis)


@dataclass
class Joined:
    """The joined municipality frame, the model sample and the bookkeeping around it."""

    frame: pd.DataFrame  # every known municipality × every variable (NaN where missing): the data sheet
    usable: pd.DataFrame  # the same, NaN also where disclosure control hides a register value: the estimates
    sample: pd.Index  # municipalities in the model
    base: pd.Index  # municipalities any estimate may use: with a usable dependent variable
    variables: dict[str, Variable]
    candidates: list[str]  # candidates retained for the screen and the selection
    lost: pd.DataFrame  # kommune (index), navn, aarsag
    basis: list[tuple[str, int]]  # (what, number of municipalities)
    names: dict[int, str]
    persons: pd.Series | None = None
    warnings: list[str] = field(default_factory=list)
    protected: pd.Index = field(default_factory=lambda: pd.Index([], dtype=int))  # out because of a hidden value
    protect_note: str = ""  # the Danish note saying so ("" when none is)

    def label(self, name: str) -> str:
        v = self.variables.get(name)
        return v.label if v else name


def register_frame(register: pd.DataFrame, spec: ModelSpec, where: str = "register outcomes") -> pd.DataFrame:
    """The register DataFrame indexed by integer municipality code, with the needed columns checked."""
    col = spec.register_spec.municipality
    if col in register.columns:
        reg = register.set_index(municipality_codes(register[col], where, col).rename("kommune"))
        reg = reg.drop(columns=[col])
    else:
        reg = register.copy()
        reg.index = municipality_codes(pd.Series(register.index, index=register.index), where, col).to_numpy()
    if reg.index.isna().any():
        raise DataError(f"{int(reg.index.isna().sum())} rows have no municipality code", where, column=col)
    reg.index = pd.Index(reg.index.astype(int), name="kommune")
    dup = reg.index[reg.index.duplicated()]
    if len(dup):
        raise DataError(
            f"municipality {dup[0]} appears more than once; register outcomes need one row per municipality", where, column=col
        )
    needed = [spec.dependent] + spec.controls + spec.robustness + spec.register_candidates
    if spec.register_spec.persons:
        needed.append(spec.register_spec.persons)
    for c in needed:
        if c not in reg.columns:
            raise DataError(
                f"register outcomes lack column '{c}'; they have {', '.join(map(str, reg.columns[:12]))}", where, column=c
            )
        if not pd.api.types.is_numeric_dtype(reg[c]):
            conv = pd.to_numeric(reg[c], errors="coerce")
            bad = reg[c].notna() & conv.isna()
            if bad.any():
                raise DataError(f"column '{c}' must be numeric, found '{reg[c][bad].iloc[0]}' (municipality {reg.index[bad][0]})", where, column=c)
            reg[c] = conv
    for c in needed:
        rv = spec.register_spec.variables.get(c)
        if rv is not None and rv.percent:
            reg[c] = _share_scale(reg[c], c, where)
    return reg


def _share_scale(col: pd.Series, name: str, where: str) -> pd.Series:
    """A `percent: true` column as shares 0-1, its scale decided from the whole column: all values in
    0-1 are shares; any above 1 (and none above 100) make it percentages 0-100, divided by 100 and said
    (a ToolkitWarning); anything else is refused."""
    vals = col.dropna()
    if len(vals) == 0 or ((vals >= 0) & (vals <= 1)).all():
        return col
    bad = (vals < 0) | (vals > 100)
    if bad.any():
        k = vals.index[bad.to_numpy()][0]
        raise DataError(f"column '{name}' is marked percent: true but holds {dk(vals[k], None)} (municipality {k}); expected shares "
                        "0-1 or percentages 0-100 for every municipality", where, column=name)
    _warnings.warn(ToolkitWarning(
        f"register column '{name}' is marked percent: true and holds values above 1 (e.g. {dk(vals[vals > 1].iloc[0], None)}): "
        f"read as percentages 0-100 and divided by 100 (shares {dk(vals.min() / 100, 3)}-{dk(vals.max() / 100, 3)})"), stacklevel=3)
    return col / 100


def _register_variable(spec: ModelSpec, name: str, role: str) -> Variable:
    rv = spec.register_spec.variables.get(name)
    label = (rv.label if rv and rv.label else None) or spec.labels.get(name) or name
    return Variable(name, label, role, REGISTER, "register", bool(rv and rv.percent))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def join(
    register: pd.DataFrame,
    surveys: Mapping[str, Dataset],
    spec: ModelSpec,
    names: Mapping[int, str] | None = None,
    *,
    rules: Rules | None = None,
) -> Joined:
    """Join register outcomes and survey indicators per municipality; pick the model sample.

    With `rules` (the run's disclosure rules) a register value they suppress counts as missing in
    every estimate (`protect.py`); without them (an analysis that is not published) none does."""
    reg = register_frame(register, spec)
    warnings: list[str] = []
    indicators = expand(spec, surveys)
    used = {ind.instrument for ind in indicators}
    for inst in sorted(used):
        ds = surveys[inst]
        missing = int(ds.data[spec.municipality].isna().sum())
        if missing:
            warnings.append(f"{missing} respondents in '{inst}' have no municipality code ('{spec.municipality}') and are left out")
    ind_frame = indicator_frame(surveys, indicators, spec.municipality, spec.min_respondents)
    answered = {inst: respondents(surveys[inst], spec.municipality) for inst in sorted(used)}

    # variables
    variables: dict[str, Variable] = {spec.dependent: _register_variable(spec, spec.dependent, "dependent")}
    for r in spec.robustness:
        variables[r] = _register_variable(spec, r, "robustness")
    for c in spec.controls:
        variables[c] = _register_variable(spec, c, "control")
    for c in spec.register_candidates:
        variables[c] = _register_variable(spec, c, "candidate")
    by_ind: dict[str, Indicator] = {}
    for ind in indicators:
        if ind.name in variables:
            raise DataError(f"the indicator name '{ind.name}' is also a register column; give the indicator another 'name'", column=ind.name)
        variables[ind.name] = Variable(ind.name, ind.label, "candidate", ind.instrument, ind.description, ind.stat == "share")
        by_ind[ind.name] = ind

    # every municipality we know of
    all_names: dict[int, str] = {int(k): str(v) for k, v in (names or {}).items()}
    for inst in sorted(used):
        for k, v in surveys[inst].value_labels.get(spec.municipality, {}).items():
            try:
                all_names.setdefault(int(float(k)), str(v))
            except (TypeError, ValueError):
                pass
    universe = sorted(set(all_names) | set(reg.index) | set(ind_frame.index) | {k for s in answered.values() for k in s.index})
    reg_cols = [c for c in variables if variables[c].source == REGISTER]
    frame = reg[reg_cols].reindex(universe).join(ind_frame.reindex(universe))
    frame.index.name = "kommune"
    for k in universe:
        all_names.setdefault(int(k), f"Kommune {k}")

    # the dependent variable and the controls must be there
    with_dep = reg.index[reg[spec.dependent].notna()]
    if len(with_dep) == 0:
        raise DataError(f"the dependent variable '{spec.dependent}' has no values", column=spec.dependent)
    persons = reg[spec.register_spec.persons].reindex(universe) if spec.register_spec.persons else None
    if persons is not None:  # a register value whose persons are unknown could not be vouched for in the data sheet
        valued = reg[reg_cols].notna().any(axis=1) & reg[spec.register_spec.persons].isna()
        if valued.any():
            k = valued.index[valued.to_numpy()][0]
            what = next(c for c in reg_cols if pd.notna(reg.at[k, c]))
            raise DataError(f"municipality {k} has the register value '{what}' but no persons in "
                            f"'{spec.register_spec.persons}' ({int(valued.sum())} such municipalities); disclosure control needs "
                            "the persons behind every register value – fill them in, or leave the values blank too",
                            column=spec.register_spec.persons)
    shut = pd.DataFrame(False, index=frame.index, columns=reg_cols)
    if rules is not None:
        shut = hidden(frame, persons, {c: variables[c].percent for c in reg_cols}, rules)
    usable = frame.copy()
    usable[reg_cols] = frame[reg_cols].mask(shut)
    base = with_dep[usable.loc[with_dep, spec.dependent].notna().to_numpy()]
    if len(base) == 0:
        assert rules is not None  # without rules every value of the dependent variable is usable
        raise DataError(f"every value of '{spec.dependent}' is hidden by disclosure control (each describes fewer than "
                        f"{rules.threshold} persons): nothing to estimate", column=spec.dependent)
    hid = " (or hidden by disclosure control)" if rules is not None else ""
    for c in spec.controls:
        share = float(usable.loc[base, c].isna().mean())
        if share > spec.max_missing:
            raise DataError(
                f"control '{c}' is missing{hid} for {_pct(share)} of the {len(base)} municipalities with '{spec.dependent}'",
                column=c,
            )

    # screen the candidates
    candidates: list[str] = []
    for c in [v for v in variables if variables[v].role == "candidate"]:
        col = usable.loc[base, c]
        dark = float(shut.loc[base, c].mean()) if c in reg_cols else 0.0
        if dark > spec.max_hidden:  # kept, it would cost the model every municipality where it is hidden
            variables[c].status = f"udeladt: skjult af hensyn til diskretionering for {_pct(dark)} af kommunerne"
            warnings.append(
                f"register candidate '{c}' ({variables[c].label}) is hidden by disclosure control for {_pct(dark)} of the "
                f"{len(base)} municipalities with '{spec.dependent}' (more than max_hidden {_pct(spec.max_hidden)}); "
                "left out of the candidates"
            )
            continue
        share = float(col.isna().mean())
        if share > spec.max_missing:
            why = "mangler" + (" eller er skjult (diskretionering)" if c in reg_cols and shut.loc[base, c].any() else "")
            variables[c].status = f"udeladt: {why} for {_pct(share)} af kommunerne"
            warnings.append(
                f"indicator '{c}' ({variables[c].label}) is missing{hid if c in reg_cols else ''} for {_pct(share)} of the "
                f"{len(base)} municipalities with '{spec.dependent}' (more than max_missing {_pct(spec.max_missing)}); "
                "left out of the candidates"
            )
            continue
        vals = col.dropna()
        if vals.nunique() <= 1:
            variables[c].status = "udeladt: samme værdi i alle kommuner"
            warnings.append(
                f"indicator '{c}' ({variables[c].label}) has the same value ({f'{vals.iloc[0]:g}' if len(vals) else 'none'}) "
                "in every municipality; left out of the candidates"
            )
            continue
        candidates.append(c)

    def sample_for(cands: list[str]) -> pd.Index:
        cols = [spec.dependent] + spec.controls + cands
        return usable.loc[base].index[usable.loc[base, cols].notna().all(axis=1).to_numpy()]

    sample = sample_for(candidates)
    # perfectly collinear candidates (checked while the sample still has degrees of freedom)
    while True:
        order = spec.controls + candidates
        hit = collinearity(usable.loc[sample, order]) if order and len(sample) > 2 else None
        if hit is None:
            break
        name, deps = hit
        if name in spec.controls:
            break  # the model itself reports this as an error naming the control
        if len(deps) >= len(sample) - 2:
            break  # the columns simply outnumber the municipalities; the selection checks each model
        variables[name].status = "udeladt: perfekt kollinear med " + ", ".join(deps) if deps else "udeladt: samme værdi i alle kommuner"
        warnings.append(
            f"indicator '{name}' ({variables[name].label}) is "
            + (f"perfectly collinear with {', '.join(repr(d) for d in deps)}" if deps else "constant in the model sample")
            + "; left out of the candidates"
        )
        candidates.remove(name)
        sample = sample_for(candidates)

    # out because a value the sample needs is hidden (whatever else keeps it out)
    needed = [spec.dependent] + spec.controls + [c for c in candidates if c in reg_cols]
    out = shut.index[shut[needed].any(axis=1).to_numpy() & ~shut.index.isin(sample) & shut.index.isin(with_dep)]
    shielded = pd.Index(out, dtype=int, name="kommune")
    if rules is not None and len(shielded):
        warnings.append(warning(shielded, rules))
    lost = _lost(frame, shut, reg, sample, spec, variables, candidates, answered, all_names)
    basis = [("Kommuner i alt", len(universe)), ("Med registerdata", int(len(reg.index.intersection(universe))))]
    basis.append((f"Med værdi for {variables[spec.dependent].label}", len(with_dep)))
    if len(shielded):
        basis.append(("Udeladt af hensyn til diskretionering", len(shielded)))
    for inst in sorted(used):
        basis.append((f"Med svar fra {spec.title(inst).lower()}", int(answered[inst].index.isin(universe).sum())))
    basis.append(("Med komplette data (i modellen)", len(sample)))
    return Joined(frame, usable, sample, base, variables, candidates, lost, basis, all_names, persons, warnings, shielded,
                  note(len(shielded), rules) if rules is not None and len(shielded) else "")


def _lost(frame: pd.DataFrame, shut: pd.DataFrame, reg: pd.DataFrame, sample: pd.Index, spec: ModelSpec,
          variables: dict[str, Variable], candidates: list[str], answered: dict[str, pd.Series],
          names: dict[int, str]) -> pd.DataFrame:
    """Why each municipality outside the sample is out: one row each, all reasons, as flags and text.

    Columns: navn, ingen_register (bool), mangler (dependent/controls missing), skjult (the
    variables the sample needs whose value disclosure control hides), tavse (instruments without
    an answer), uden_vaerdi (candidates without a value), aarsag (text).
    """
    rows = []
    insample = set(sample)
    for k in frame.index:
        if k in insample:
            continue
        why: list[str] = []
        no_reg = k not in reg.index
        core = [] if no_reg else [c for c in [spec.dependent] + spec.controls if pd.isna(frame.at[k, c])]
        if no_reg:
            why.append("ingen registerdata")
        why += [f"mangler {variables[c].label}" for c in core]
        shielded = [] if no_reg else [c for c in [spec.dependent] + spec.controls + candidates
                                      if c in shut.columns and shut.at[k, c]]
        if shielded:
            why.append("skjult af hensyn til diskretionering: " + ", ".join(variables[c].label for c in shielded))
        silent = [inst for inst, resp in answered.items()
                  if k not in resp.index and any(variables[c].source == inst for c in candidates)]
        why += [f"intet svar fra {spec.title(inst).lower()}" for inst in silent]
        missing = [c for c in candidates if variables[c].source not in silent and pd.isna(frame.at[k, c])
                   and not (no_reg and variables[c].source == REGISTER)]
        if missing:
            shown = ", ".join(variables[c].label for c in missing[:3]) + (f" og {len(missing) - 3} andre" if len(missing) > 3 else "")
            why.append(f"mangler værdi for {shown}")
        rows.append({"kommune": int(k), "navn": names.get(int(k), f"Kommune {k}"), "ingen_register": no_reg,
                     "mangler": core, "skjult": shielded, "tavse": silent, "uden_vaerdi": missing,
                     "aarsag": "; ".join(why) or "ukendt"})
    cols = ["kommune", "navn", "ingen_register", "mangler", "skjult", "tavse", "uden_vaerdi", "aarsag"]
    return pd.DataFrame(rows, columns=cols).set_index("kommune")


def describe(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """n, mean, sd, min and max of each column (the variable overview)."""
    d = frame[columns].astype(float)
    return pd.DataFrame({
        "n": d.notna().sum(), "mean": d.mean(), "sd": d.std(ddof=1), "min": d.min(), "max": d.max(),
    })


