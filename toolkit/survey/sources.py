"""The inputs of a questionnaire table: data files as Sources (group label, weights, codebook entry),
the Groups shown side by side, and each variable's categories resolved once (Context)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from toolkit.config.codebook import Codebook, DatasetSpec, TableSpec
from toolkit.core.codes import Code, code_key, show_code
from toolkit.core.errors import ConfigError, DataError
from toolkit.read.tabular import Dataset, first_row
from toolkit.survey.weights import Weights, align_weights


@dataclass
class Source:
    """One data file ready for tabulation: its group label, weights and codebook entry."""

    name: str
    ds: Dataset
    group: str
    weights: np.ndarray | None = None
    target: str | None = None
    spec: DatasetSpec = field(default_factory=DatasetSpec)

    def __post_init__(self) -> None:
        if len(self.ds.data) == 0:
            raise DataError("the data file has no respondents (no data rows)", self.ds.name)


@dataclass
class Group:
    """Respondents shown together in a table: a whole file, or one value of a `by` variable."""

    label: str
    src: Source
    mask: np.ndarray


@dataclass
class Var:
    """A categorical variable over the table's sources: ordered categories and per-row indices."""

    name: str
    codes: list[Code]
    labels: list[str]
    index: dict[str, np.ndarray]  # source name → category position per row (−1 = missing)
    declared: list[tuple[str, Code, int]] = field(default_factory=list)  # (label, code, answers) the file declares missing


class Context:
    """Labels and indices of variables, resolved once per (variable, extra missing codes)."""

    def __init__(self, codebook: Codebook) -> None:
        self.cb = codebook
        self._cache: dict[tuple[str, tuple[str, ...], tuple[Code, ...]], Var] = {}

    def label(self, srcs: Sequence[Source], var: str) -> str:
        spec = self.cb.variable(var)
        if spec.label:
            return spec.label
        for s in srcs:
            if s.ds.variable_labels.get(var):
                return s.ds.variable_labels[var]
        return var

    def missing(self, var: str, extra: Sequence[Code] = ()) -> set[Code]:
        return set(self.cb.missing) | set(self.cb.variable(var).missing) | set(extra)

    def labelled(self, src: Source, var: str) -> bool:
        return self.cb.variable(var).values is not None or bool(src.ds.value_labels.get(var))

    def var(self, srcs: Sequence[Source], var: str, extra_missing: Sequence[Code] = (), where: str = "",
            table_decides: bool = False) -> Var:
        """The variable's categories over `srcs`. Codes the data file declares user-missing are left out
        (Var.declared, for the note) unless the codebook's `missing:` for the table (`table_decides`) or
        the variable is written: then the codebook alone decides and the declared answers count again."""
        key = (var, tuple(s.name for s in srcs), tuple(extra_missing), table_decides)
        if key not in self._cache:
            self._cache[key] = self._build(srcs, var, self.missing(var, extra_missing), where,
                                           table_decides or self.cb.variable(var).missing_given)
        return self._cache[key]

    def _build(self, srcs: Sequence[Source], var: str, missing: set[Code], where: str, codebook_decides: bool) -> Var:
        declared: dict[Code, int] = {}
        for s in srcs:
            for c, n in s.ds.user_missing.get(var, pd.Series(dtype=object)).value_counts().items():
                declared[code_key(c)] = declared.get(code_key(c), 0) + int(n)
        if not codebook_decides:
            missing = missing | set(declared)
        spec = self.cb.variable(var)
        labels: dict[Code, str] = {}
        if spec.values is not None:
            labels = dict(spec.values)
        else:
            for s in srcs:
                for k, v in s.ds.value_labels.get(var, {}).items():
                    labels.setdefault(code_key(k), str(v))
        if not labels:
            s = srcs[0]
            raise DataError(f"variable '{var}' has no value labels{where}; give them in the codebook "
                            f"(variables: {var}: values: {{1: …, 2: …}})", s.ds.name, column=var)
        cats = sorted((c for c in labels if c not in missing), key=code_order)
        pos = {c: i for i, c in enumerate(cats)}
        index = {}
        for s in srcs:
            col = s.ds.data[var]
            if codebook_decides and var in s.ds.user_missing:  # the declared answers are answers again
                col = col.copy()
                col[s.ds.user_missing[var].index] = s.ds.user_missing[var]
            fcodes, uniques = pd.factorize(col, use_na_sentinel=True)
            lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: NaN (code −1)
            for u, raw in enumerate(uniques):
                if isinstance(raw, str) and not raw.strip():
                    continue  # blank text = not answered
                c = code_key(raw)
                if c in missing:
                    continue
                if c not in pos:
                    bad = (fcodes == u)
                    known = ", ".join(show_code(k) for k in sorted(labels, key=code_order))
                    raise DataError(f"code {show_code(c)} in variable '{var}' has no label (labelled codes: {known}){where}; "
                                    f"add it under variables: {var}: values: in the codebook or list it as missing",
                                    s.ds.name, row=first_row(bad), column=var)
                lookup[u] = pos[c]
            index[s.name] = lookup[fcodes]  # fcodes == −1 picks the last slot
        left_out = [] if codebook_decides else [(labels.get(c, show_code(c)), c, declared[c]) for c in sorted(declared, key=code_order)]
        return Var(var, cats, [labels[c] for c in cats], index, left_out)


def code_order(c: Code) -> tuple[int, float, str]:
    """Sort key for codes: numbers in numeric order, then text codes."""
    return (1, 0.0, c) if isinstance(c, str) else (0, c, "")


def weighted(groups: Sequence[Group]) -> bool:
    """Whether any group in the table carries weights (the table is then weighted)."""
    return any(g.src.weights is not None for g in groups)


def make_sources(datasets: dict[str, Dataset], codebook: Codebook | None = None,
                 weights: dict[str, Weights] | None = None) -> list[Source]:
    """Sources in the given order; group labels from the codebook (else the capitalised name)."""
    cb = codebook or Codebook()
    weights = weights or {}
    unknown = [n for n in weights if n not in datasets]
    if unknown:
        raise ConfigError(f"weights given for '{unknown[0]}', but no data file has that name; names: {', '.join(datasets)}")
    out = []
    for name, ds in datasets.items():
        spec = cb.dataset(name)
        src = Source(name, ds, spec.group or (name[:1].upper() + name[1:]), spec=spec)
        for col, what in ((spec.cluster, "cluster"), (spec.strata, "strata")):
            if col and col not in ds.data.columns:
                raise DataError(f"codebook datasets.{name}.{what} names '{col}', which the data file lacks", ds.name, column=col)
        if name in weights:
            src.weights = align_weights(ds, weights[name])
            src.target = weights[name].target
        out.append(src)
    return out


def require_columns(spec: TableSpec, cb: Codebook, srcs: Sequence[Source]) -> None:
    """Every variable the spec names must be in every chosen data file; the error lists what the file has."""
    for s in srcs:
        for col in spec.variables() + ([spec.by] if spec.by else []):
            if col not in s.ds.data.columns:
                cols = list(s.ds.data.columns)
                shown = ", ".join(cols[:8]) + (f", … ({len(cols)} in all)" if len(cols) > 8 else "")
                raise DataError(f"codebook {cb.path} {spec.key} names variable '{col}', which the data file lacks; "
                                f"the file has {shown}", s.ds.name, column=col)


def table_sources(spec: TableSpec, cb: Codebook, sources: list[Source]) -> list[Source]:
    """The data files a table is built from: those it names, else those holding all its variables."""
    by_name = {s.name: s for s in sources}
    if spec.data:
        for n in spec.data:
            if n not in by_name:
                raise ConfigError(f"{spec.key}.data: no data file named '{n}'; given: {', '.join(by_name)} "
                                  f"(name a file NAME=PATH on the command line, or use its file name without extension)", cb.path)
        chosen = [by_name[n] for n in spec.data]
    elif len(sources) == 1:
        chosen = sources
    else:
        chosen = [s for s in sources if all(c in s.ds.data.columns for c in spec.variables())]
        if not chosen:
            chosen = sources[:1]  # _require names the missing variable
        elif spec.type == "twoway":
            chosen = chosen[:1]
    require_columns(spec, cb, chosen)
    return chosen


def groups_for(ctx: Context, spec: TableSpec, srcs: list[Source], by: str | None) -> list[Group]:
    """The table's groups: one per file, else one per value of `by`; the spec's filter applied to each."""
    if len(srcs) > 1:
        groups = [Group(s.group, s, np.ones(len(s.ds.data), bool)) for s in srcs]
    elif by and spec.type != "twoway":
        s = srcs[0]
        if ctx.labelled(s, by):
            v = ctx.var(srcs, by, (), " (the 'by' variable)")
            idx = v.index[s.name]
            groups = [Group(lab, s, idx == i) for i, lab in enumerate(v.labels) if (idx == i).any()]
        else:
            col = s.ds.data[by]
            values = sorted(col.dropna().unique().tolist(), key=lambda x: code_order(code_key(x)))
            groups = [Group(show_code(code_key(val)), s, (col == val).to_numpy()) for val in values]
        if not groups:
            raise DataError(f"the group variable '{by}' has no values", s.ds.name, column=by)
    else:
        groups = [Group(s.group, s, np.ones(len(s.ds.data), bool)) for s in srcs]
    for g in groups:
        for var, codes in spec.filter.items():
            g.mask = g.mask & in_codes(g.src.ds.data[var], codes)
    return groups


def in_codes(col: pd.Series, codes: Sequence[Code]) -> np.ndarray:
    """Rows whose value is one of `codes` (3, 3.0 and "3" alike); missing values never match."""
    fcodes, uniques = pd.factorize(col, use_na_sentinel=True)
    wanted = set(codes)
    hit = np.array([code_key(u) in wanted for u in uniques] + [False], dtype=bool)
    return hit[fcodes]
