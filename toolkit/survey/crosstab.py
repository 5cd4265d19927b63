"""Questionnaire tables in every shape of the seed reports, from Datasets (+ codebook, + weights).

Shapes (SPEC §2): single question with Antal/Procent (Tabel 3.1), battery (3.11), groups side
by side as rows (2.1) or columns (2.4), multi-response (3.21, 6.2), two-way (6.7), filter
questions (3.6) and coded open answers per group (2.5). Pure functions: no file I/O, no
printing; `build_tables` is what the CLI and the wave report call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from toolkit.config.codebook import (
    Code,
    Codebook,
    DatasetSpec,
    TableSpec,
    code_key,
    default_id,
    show_code,
)
from toolkit.core.errors import ConfigError, DataError
from toolkit.core.fmt import dk, p_text
from toolkit.core.table import Cell, Kind, Table
from toolkit.read.tabular import Dataset, first_rows
from toolkit.survey.design import (
    column_letters,
    effective_n,
    letter,
    pearson_chi2,
    rao_scott,
)

TOTAL = "Total"
I_ALT = "I alt"
DEFAULT_TARGET = "populationsfordelingen"
MULTI_NOTE = "Anm.: Procenterne summerer ikke til 100, da respondenterne har kunnet angive flere svar."


# ---------------------------------------------------------------- weights
@dataclass
class Weights:
    """Respondent weights from `toolkit weight`: one weight per id (the CSV's two columns)."""

    values: pd.Series  # float, indexed by respondent id
    id_column: str
    target: str | None = None  # what the weights make the sample match (for the note)
    source: str = "<weights>"


def weights_from_frame(df: pd.DataFrame, source: str = "<weights>", target: str | None = None) -> Weights:
    """Validate a weights table: exactly an id column and `weight`, unique ids, positive weights."""
    cols = [str(c) for c in df.columns]
    if len(cols) != 2 or "weight" not in cols:
        raise DataError(f"a weights file must have exactly two columns, the respondent id and 'weight'; it has {', '.join(cols)}", source)
    id_col = cols[0] if cols[1] == "weight" else cols[1]
    if len(df) == 0:
        raise DataError("the weights file has no rows", source)
    ids = pd.Index(_normal_ids(df[id_col]))
    dup = ids.duplicated(keep=False)
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat an id; each respondent needs exactly one weight ({_rows(dup)})", source, column=id_col)
    w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(f"{int(bad.sum())} weights are missing, zero, negative or not numbers ({_rows(bad)})", source, column="weight")
    return Weights(pd.Series(w, index=ids), id_col, target, source)


def _normal_ids(s: pd.Series) -> np.ndarray:
    """Ids in one comparable form: numbers as float (17, 17.0 and "17" alike), other ids as text."""
    num = pd.to_numeric(s, errors="coerce")
    if num.notna().sum() == s.notna().sum():
        return num.to_numpy(float)
    fcodes, uniques = pd.factorize(s, use_na_sentinel=True)
    shown = np.array([show_code(code_key(u)) for u in uniques] + [None], dtype=object)
    return shown[fcodes]


def _some(values: Sequence[Any], k: int = 5) -> str:
    shown = ", ".join(str(x) for x in list(values)[:k])
    return shown + (", …" if len(values) > k else "")


def _rows(mask: np.ndarray) -> str:
    """'row 4' or 'rows 3, 7, …' (spreadsheet numbering) for the True positions of a mask."""
    return ("row " if int(np.sum(mask)) == 1 else "rows ") + first_rows(mask)


def align_weights(ds: Dataset, weights: Weights) -> np.ndarray:
    """The weight of every row of `ds`, matched by the id column; mismatches are errors."""
    if weights.id_column not in ds.data.columns:
        raise DataError(f"the weights are keyed by '{weights.id_column}', which the data file lacks; "
                        f"the weights file's id column must be the data's respondent id", ds.name, column=weights.id_column)
    ids = pd.Index(_normal_ids(ds.data[weights.id_column]))
    have = weights.values.index
    if ids.dtype != have.dtype:  # numeric ids on one side, text on the other: compare as text
        ids, have = pd.Index(_as_text(ids), dtype=object), pd.Index(_as_text(have), dtype=object)
    if ids.duplicated().any():
        raise DataError(f"respondent ids repeat in the data, so weights cannot be matched ({_rows(ids.duplicated())})",
                        ds.name, column=weights.id_column)
    missing, extra = ids[~ids.isin(have)], have[~have.isin(ids)]
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"{len(missing)} of {len(ids)} respondents have no weight in {weights.source} (ids {_some(_as_text(missing))})")
        if len(extra):
            parts.append(f"{len(extra)} ids in the weights file are not in the data (ids {_some(_as_text(extra))})")
        raise DataError(f"{'; '.join(parts)}: the weights do not belong to this data file", ds.name, column=weights.id_column)
    return weights.values.to_numpy(float)[have.get_indexer(ids)]


def _as_text(ids: Sequence[Any]) -> list[Any]:
    return [show_code(x) if isinstance(x, float) else x for x in ids]


# ---------------------------------------------------------------- prepared inputs
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
class _Var:
    """A categorical variable over the table's sources: ordered categories and per-row indices."""

    name: str
    codes: list[Code]
    labels: list[str]
    index: dict[str, np.ndarray]  # source name → category position per row (−1 = missing)


class _Context:
    """Labels and indices of variables, resolved once per (variable, extra missing codes)."""

    def __init__(self, codebook: Codebook) -> None:
        self.cb = codebook
        self._cache: dict[tuple[str, tuple[str, ...], tuple[Code, ...]], _Var] = {}

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

    def var(self, srcs: Sequence[Source], var: str, extra_missing: Sequence[Code] = (), where: str = "") -> _Var:
        key = (var, tuple(s.name for s in srcs), tuple(extra_missing))
        if key not in self._cache:
            self._cache[key] = self._build(srcs, var, self.missing(var, extra_missing), where)
        return self._cache[key]

    def _build(self, srcs: Sequence[Source], var: str, missing: set[Code], where: str) -> _Var:
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
        cats = sorted((c for c in labels if c not in missing), key=_code_order)
        pos = {c: i for i, c in enumerate(cats)}
        index = {}
        for s in srcs:
            col = s.ds.data[var]
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
                    known = ", ".join(show_code(k) for k in sorted(labels, key=_code_order))
                    raise DataError(f"code {show_code(c)} in variable '{var}' has no label (labelled codes: {known}){where}; "
                                    f"add it under variables: {var}: values: in the codebook or list it as missing",
                                    s.ds.name, row=int(np.flatnonzero(bad)[0]) + 2, column=var)
                lookup[u] = pos[c]
            index[s.name] = lookup[fcodes]  # fcodes == −1 picks the last slot
        return _Var(var, cats, [labels[c] for c in cats], index)


def _code_order(c: Code) -> tuple[int, float, str]:
    return (1, 0.0, c) if isinstance(c, str) else (0, c, "")


# ---------------------------------------------------------------- small helpers
def _cell_pct(share: float, n: int) -> Cell:
    return Cell(float(share), Kind.PERCENT, n=n)


def _shares(idx: np.ndarray, mask: np.ndarray, w: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Unweighted counts, (weighted) shares and the unweighted base of one categorical in one group."""
    sel = mask & (idx >= 0)
    counts = np.bincount(idx[sel], minlength=k)
    wts = counts.astype(float) if w is None else np.bincount(idx[sel], weights=w[sel], minlength=k)
    tot = wts.sum()
    shares = wts / tot if tot > 0 else np.full(k, np.nan)
    return counts, shares, int(sel.sum())


def _split_question(labels: list[str]) -> tuple[str | None, list[str]]:
    """'Question – item' labels → (the shared question, the items); (None, labels) otherwise."""
    for sep in (" – ", " - ", ": "):
        if len(labels) >= 2 and all(sep in lab for lab in labels):
            heads = {lab.rsplit(sep, 1)[0] for lab in labels}
            if len(heads) == 1:
                return heads.pop(), [lab.rsplit(sep, 1)[1] for lab in labels]
    return None, labels


def _weighted(groups: Sequence[Group]) -> bool:
    return any(g.src.weights is not None for g in groups)


def _test_note(row_of: np.ndarray, col_of: np.ndarray, w: np.ndarray | None,
               cluster: np.ndarray | None, strata: np.ndarray | None, counts: np.ndarray) -> tuple[str, float]:
    """The test's text (without a lead-in) and its p-value: Pearson, or Rao-Scott when weighted."""
    if w is None:
        t = pearson_chi2(counts)
        if not np.isfinite(t.p):
            return "kan ikke beregnes (kun én kategori med svar)", float("nan")
        text = f"χ² = {dk(t.statistic, 2)}, df = {t.df}, {p_text(t.p)}"
        if t.small_expected > 0.2:
            text += f" (forbehold: {round(100 * t.small_expected)} % af cellerne har forventet antal under 5)"
        return text, t.p
    rs = rao_scott(row_of, col_of, w, cluster=cluster, strata=strata)
    if not np.isfinite(rs.p):
        return "kan ikke beregnes (kun én kategori med svar)", float("nan")
    return f"F = {dk(rs.f, 2)}, df = {dk(rs.ndf, 2)} og {dk(rs.ddf, 1)}, {p_text(rs.p)}", rs.p


def _design(groups: Sequence[Group], idx_of: Callable[[Group], np.ndarray]):
    """Stack the groups' respondents: group number, category, weight, cluster and stratum per row.

    Separate files are independent samples, so each file is its own stratum and its weights are
    scaled to its sample size (weights from `toolkit weight` sum to the population); within a
    file the respondents are the PSUs unless the codebook names a cluster variable.
    """
    rows, cols, ws, cl, st = [], [], [], [], []
    any_cluster = any(g.src.spec.cluster for g in groups)
    names = list(dict.fromkeys(g.src.name for g in groups))
    for gi, g in enumerate(groups):
        m = g.mask
        idx = idx_of(g)[m]
        rows.append(np.full(len(idx), gi))
        cols.append(idx)
        w = g.src.weights  # scaled to mean 1 per file: independent samples keep their own size
        ws.append(np.ones(len(idx)) if w is None else w[m] / w.mean())
        spec, data, si = g.src.spec, g.src.ds.data, names.index(g.src.name)
        if any_cluster:
            psu = data[spec.cluster].to_numpy()[m] if spec.cluster else np.flatnonzero(m)
            cl.append(np.array([f"{si}:{p}" for p in psu], dtype=object))
        strat = data[spec.strata].astype(str).to_numpy()[m] if spec.strata else np.full(len(idx), "")
        st.append(np.array([f"{si}:{x}" for x in strat], dtype=object) if spec.strata else np.full(len(idx), si))
    r, c = np.concatenate(rows), np.concatenate(cols)
    w = np.concatenate(ws) if _weighted(groups) else None
    cluster = np.concatenate(cl) if any_cluster else None
    strata = np.concatenate(st).astype(str)
    return r, c, w, cluster, (strata if len(np.unique(strata)) > 1 else None)


def _group_test(groups: Sequence[Group], idx_of: Callable[[Group], np.ndarray], k: int) -> tuple[str, float]:
    """Test whether the groups differ on a categorical (rows = groups, columns = categories)."""
    r, c, w, cluster, strata = _design(groups, idx_of)
    ok = c >= 0
    counts = np.bincount(r[ok] * k + c[ok], minlength=len(groups) * k).reshape(len(groups), k)
    return _test_note(r, c, w, cluster, strata, counts)


# ---------------------------------------------------------------- the table builder
class _Builder:
    """Builds the Table for one TableSpec over its groups."""

    def __init__(self, ctx: _Context, spec: TableSpec, groups: list[Group], srcs: list[Source], letters: bool) -> None:
        self.ctx, self.spec, self.groups, self.srcs = ctx, spec, groups, srcs
        self.letters = letters or spec.letters
        self.where = f" (codebook {spec.key})" if not spec.key.startswith("auto") else ""
        self.notes: list[str] = []

    # -- shared pieces
    def var(self, name: str) -> _Var:
        return self.ctx.var(self.srcs, name, self.spec.missing, self.where)

    def finish(self, table: Table, title: str, question: str | None = None) -> Table:
        """Title, question, number, stub and notes. With a codebook title, the question text
        (variable label or the battery's shared question) moves to the question line."""
        spec = self.spec
        table.title = spec.title or title
        table.question = spec.question if spec.question is not None else ((question or "") if spec.title else "")
        table.number = spec.number
        table.chapter = self.ctx.cb.chapter
        if spec.stub is not None:
            table.stub_header = spec.stub
        notes = []
        src_text = spec.source or _common([g.src.spec.source for g in self.groups]) or self.ctx.cb.source
        if src_text:
            notes.append(src_text if src_text.startswith("Kilde") else f"Kilde: {src_text}")
        for n in spec.notes:
            notes.append(n if n.split(":")[0] in ("Anm.", "Anm", "Note", "Kilde", "Kilder") else f"Anm.: {n}")
        notes += self.filter_notes()
        notes += self.notes
        if _weighted(self.groups):
            targets = {g.src.target or g.src.spec.weighted_to or DEFAULT_TARGET for g in self.groups if g.src.weights is not None}
            notes.append(f"Anm.: Tabellen er vægtet til {' og '.join(sorted(targets))}. Procenterne er vægtede; antal og N er uvægtede.")
        table.notes = notes
        return table

    def filter_notes(self) -> list[str]:
        out = []
        for var, codes in self.spec.filter.items():
            srcs = [g.src for g in self.groups]
            labs = []
            if any(self.ctx.labelled(s, var) for s in srcs):
                v = self.ctx.var(srcs, var, (), self.where)
                labs = [v.labels[v.codes.index(c)] if c in v.codes else show_code(c) for c in codes]
            else:
                labs = [show_code(c) for c in codes]
            answers = " eller ".join(f"'{x}'" for x in labs)
            out.append(f"Anm.: Kun stillet til respondenter, der svarede {answers} til: {self.ctx.label(srcs, var)}")
        return out

    def test_note(self, what: str, text: str) -> None:
        weighted = _weighted(self.groups)
        kind = "Rao-Scott-korrigeret chi²-test (andenordens, vægtede data)" if weighted else "Chi²-test"
        self.notes.append(f"Anm.: {kind} {what}: {text}.")

    def group_labels(self, with_letters: bool) -> list[str]:
        return [f"{g.label} ({letter(j)})" if with_letters else g.label for j, g in enumerate(self.groups)]

    def columns_with_letters(self, labels: list[str], body: list[list[Cell]], shares: np.ndarray, bases: list[float],
                             letter_rows: int) -> tuple[list[str], list[list[Cell]]]:
        """Insert a text column of significance letters after each group column (SPSS style)."""
        marks = column_letters(shares[:letter_rows], bases)
        new_labels: list[str] = []
        for lab in labels:
            new_labels += [lab, ""]
        new_body = []
        for i, row in enumerate(body):
            new_row: list[Cell] = []
            for j, cell in enumerate(row):
                new_row += [cell, Cell(marks[i][j] if i < letter_rows else "", Kind.TEXT)]
            new_body.append(new_row)
        self.notes.append("Anm.: Et bogstav ved en andel angiver, at den er signifikant større end andelen i kolonnen med det "
                          "bogstav (z-test af kolonneandele, Bonferroni-korrigeret inden for rækken, 5 %-niveau"
                          + (", effektiv N ved vægtede data)." if _weighted(self.groups) else ")."))
        return new_labels, new_body

    def layout(self, default: str) -> str:
        return self.spec.layout or default

    # -- shapes
    def single(self) -> Table:
        v = self.var(self.spec.variable)  # type: ignore[arg-type]
        label = self.ctx.label(self.srcs, v.name)
        k = len(v.codes)
        dists = [_shares(v.index[g.src.name], g.mask, g.src.weights, k) for g in self.groups]
        if len(self.groups) == 1:
            counts, shares, n = dists[0]
            cells = [[Cell(int(counts[i]), Kind.COUNT, n=int(counts[i])), _cell_pct(shares[i], int(counts[i]))] for i in range(k)]
            cells.append([Cell(n, Kind.COUNT, n=n), _cell_pct(1.0 if n else np.nan, n)])
            t = Table(id=self.id(), title="", row_labels=v.labels + [TOTAL], column_labels=["Antal", "Procent"], cells=cells)
            return self.finish(t, label, label)
        if self.spec.test:
            text, _ = _group_test(self.groups, lambda g: v.index[g.src.name], k)
            self.test_note("af forskellen mellem grupperne", text)
        counts = np.array([c for c, _, _ in dists]).T  # categories × groups
        shares = np.array([sh for _, sh, _ in dists]).T
        bases = [g.mask & (v.index[g.src.name] >= 0) for g in self.groups]
        return self.grouped(v.labels, counts, shares, bases, label, label)

    def grouped(self, categories: list[str], counts: np.ndarray, shares: np.ndarray, bases: list[np.ndarray],
                title: str, question: str | None) -> Table:
        """Groups side by side: as columns with an I alt (N) row (Tabel 2.4, optional letters),
        or as rows with the categories as columns and a Total (N) column (Tabel 2.1 style)."""
        k, ng = counts.shape
        ns = [int(b.sum()) for b in bases]
        if self.layout("columns") == "rows":
            cells = [[_cell_pct(shares[i, j], int(counts[i, j])) for i in range(k)] + [Cell(ns[j], Kind.BASE, n=ns[j])]
                     for j in range(ng)]
            t = Table(id=self.id(), title="", row_labels=[g.label for g in self.groups], column_labels=categories + [TOTAL], cells=cells)
            return self.finish(t, title, question)
        body = [[_cell_pct(shares[i, j], int(counts[i, j])) for j in range(ng)] for i in range(k)]
        body.append([Cell(n, Kind.BASE, n=n) for n in ns])
        labels = self.group_labels(self.letters)
        if self.letters:
            eff = [effective_n(g.src.weights[b]) if g.src.weights is not None else float(b.sum()) for g, b in zip(self.groups, bases)]
            labels, body = self.columns_with_letters(labels, body, shares, eff, k)
        t = Table(id=self.id(), title="", row_labels=categories + [I_ALT], column_labels=labels, cells=body)
        return self.finish(t, title, question)

    def item_labels(self, items: list[str]) -> tuple[str | None, list[str]]:
        raw = [self.ctx.label(self.srcs, it) for it in items]
        question, split = _split_question(raw)
        return question, [self.spec.item_labels.get(it) or split[i] for i, it in enumerate(items)]

    def battery(self) -> Table:
        items = self.spec.items
        vars_ = [self.var(it) for it in items]
        codes = sorted({c for v in vars_ for c in v.codes}, key=_code_order)
        labels_of: dict[Code, tuple[str, str]] = {}
        for v in vars_:
            for c, lab in zip(v.codes, v.labels):
                first = labels_of.setdefault(c, (lab, v.name))
                if first[0] != lab:
                    raise DataError(f"the items of a battery must share one scale, but code {show_code(c)} is '{first[0]}' "
                                    f"in {first[1]} and '{lab}' in {v.name}{self.where}", self.srcs[0].ds.name)
        remap = [np.array([codes.index(c) for c in v.codes] + [-1], dtype=np.int64) for v in vars_]  # −1 stays −1
        k = len(codes)
        question, item_labels = self.item_labels(items)
        rows, groups_col, cells, tests = [], [], [], []
        many = len(self.groups) > 1
        for vi, (v, lab) in enumerate(zip(vars_, item_labels)):
            idx_of = lambda g, v=v, vi=vi: remap[vi][v.index[g.src.name]]  # noqa: E731
            for g in self.groups:
                counts, shares, n = _shares(idx_of(g), g.mask, g.src.weights, k)
                cells.append([_cell_pct(shares[i], int(counts[i])) for i in range(k)] + [Cell(n, Kind.BASE, n=n)])
                rows.append(g.label if many else lab)
                groups_col.append(lab if many else "")
            if many and self.spec.test:
                text, _ = _group_test(self.groups, idx_of, k)
                tests.append(f"{lab}: {text}")
        if tests:
            self.test_note("af forskellen mellem grupperne", "; ".join(tests))
        t = Table(id=self.id(), title="", row_labels=rows, row_groups=groups_col,
                  column_labels=[labels_of[c][0] for c in codes] + [TOTAL], cells=cells)
        return self.finish(t, question or self.id(), question)

    def multi(self) -> Table:
        items = self.spec.items
        ticks = {g.src.name: self.ticks(g.src) for g in self.groups}
        question, item_labels = self.item_labels(items)
        per_group = []
        for g in self.groups:
            x, answered = ticks[g.src.name]
            base = g.mask & (x.sum(axis=1) > 0 if self.spec.base == "answered" else answered)
            w = np.ones(len(base)) if g.src.weights is None else g.src.weights
            counts = x[base].sum(axis=0).astype(int)
            wsum = w[base].sum()
            shares = (w[base] @ x[base]) / wsum if wsum > 0 else np.full(len(items), np.nan)
            per_group.append((counts, shares, int(base.sum()), base))
        self.notes.append(MULTI_NOTE)
        base_note = ("Procenterne er beregnet blandt respondenter, der har valgt mindst én svarmulighed."
                     if self.spec.base == "answered" else "Procenterne er beregnet blandt alle, der har besvaret spørgsmålet.")
        self.notes.append(f"Anm.: {base_note}")
        k = len(items)
        if len(self.groups) == 1:
            counts, shares, n, _ = per_group[0]
            cells = [[Cell(int(counts[i]), Kind.COUNT, n=int(counts[i])), _cell_pct(shares[i], int(counts[i]))] for i in range(k)]
            cells.append([Cell(n, Kind.BASE, n=n), _cell_pct(1.0 if n else np.nan, n)])
            t = Table(id=self.id(), title="", row_labels=item_labels + [I_ALT], column_labels=["Antal", "Procent"], cells=cells)
            return self.finish(t, question or self.id(), question)
        if self.spec.test:
            tests = []
            bases = {id(g): b for g, (_, _, _, b) in zip(self.groups, per_group)}
            for i, lab in enumerate(item_labels):
                idx_of = lambda g, i=i: np.where(bases[id(g)], ticks[g.src.name][0][:, i], -1).astype(np.int64)  # noqa: E731
                text, _ = _group_test(self.groups, idx_of, 2)
                tests.append(f"{lab}: {text}")
            self.test_note("af forskellen mellem grupperne", "; ".join(tests))
        counts = np.array([c for c, _, _, _ in per_group]).T  # items × groups
        shares = np.array([sh for _, sh, _, _ in per_group]).T
        return self.grouped(item_labels, counts, shares, [b for _, _, _, b in per_group], question or self.id(), question)

    def ticks(self, src: Source) -> tuple[np.ndarray, np.ndarray]:
        """0/1 matrix (respondents × items) and who answered the set; anything else is an error."""
        cols = []
        answered = np.zeros(len(src.ds.data), bool)
        for it in self.spec.items:
            s = src.ds.data[it]
            vals = pd.to_numeric(s, errors="coerce").to_numpy(float)
            blank = s.isna().to_numpy()
            if not pd.api.types.is_numeric_dtype(s):
                blank |= (s.astype(str).str.strip() == "").to_numpy()
            miss = self.ctx.missing(it, self.spec.missing)
            if miss:
                blank |= np.isin(vals, [m for m in miss if isinstance(m, float)])
            bad = ~blank & ~np.isin(vals, [0.0, 1.0])
            if bad.any():
                seen = ", ".join(sorted({str(x) for x in s[bad].tolist()})[:5])
                raise DataError(f"multi-response column '{it}' must hold 0 (not ticked) or 1 (ticked){self.where}; "
                                f"found {seen} ({_rows(bad)})", src.ds.name, column=it)
            cols.append(np.where(blank, 0.0, vals))
            answered |= ~blank
        return np.column_stack(cols), answered

    def twoway(self) -> Table:
        spec = self.spec
        g = self.groups[0]
        rv, cv = self.var(spec.row), self.var(spec.column)  # type: ignore[arg-type]
        ri, ci = rv.index[g.src.name], cv.index[g.src.name]
        both = g.mask & (ri >= 0) & (ci >= 0)
        nr, nc = len(rv.codes), len(cv.codes)
        w = np.ones(len(ri)) if g.src.weights is None else g.src.weights
        cell = ri[both] * nc + ci[both]
        counts = np.bincount(cell, minlength=nr * nc).reshape(nr, nc)
        wt = np.bincount(cell, w[both], minlength=nr * nc).reshape(nr, nc)
        cells = []
        for i in range(nr):
            tot = wt[i].sum()
            n = int(counts[i].sum())
            cells.append([_cell_pct(wt[i, j] / tot if tot > 0 else np.nan, int(counts[i, j])) for j in range(nc)]
                         + [Cell(n, Kind.BASE, n=n)])
        col_tot = wt.sum(axis=0)
        n_all = int(counts.sum())
        cells.append([_cell_pct(col_tot[j] / col_tot.sum() if col_tot.sum() > 0 else np.nan, int(counts[:, j].sum()))
                      for j in range(nc)] + [Cell(n_all, Kind.BASE, n=n_all)])
        if spec.test:
            _, _, weights, cl, st = _design([Group(g.label, g.src, both)], lambda _g: ri)
            text, _ = _test_note(ri[both], ci[both], weights, cl, st, counts)
            self.test_note("for uafhængighed", text)
        rlab, clab = self.ctx.label(self.srcs, rv.name), self.ctx.label(self.srcs, cv.name)
        t = Table(id=self.id(), title="", row_labels=rv.labels + [I_ALT], column_labels=cv.labels + [I_ALT],
                  column_groups=[clab] * nc + [""], stub_header=rlab, cells=cells)
        return self.finish(t, f"{rlab} × {clab}", None)

    def open(self) -> Table:
        v = self.var(self.spec.variable)  # type: ignore[arg-type]
        k = len(v.codes)
        counts = np.array([_shares(v.index[g.src.name], g.mask, None, k)[0] for g in self.groups]).T  # codes × groups
        many = len(self.groups) > 1
        body = counts if not many else np.column_stack([counts, counts.sum(axis=1)])
        order = np.arange(k)
        if self.spec.sort == "count":
            order = np.lexsort((np.arange(k), -body[:, -1]))
        cells = [[Cell(int(x), Kind.COUNT, n=int(x)) for x in body[i]] for i in order]
        cells.append([Cell(int(x), Kind.COUNT, n=int(x)) for x in body.sum(axis=0)])
        cols = [g.label for g in self.groups] + [TOTAL] if many else ["Antal"]
        t = Table(id=self.id(), title="", row_labels=[v.labels[i] for i in order] + [I_ALT], column_labels=cols, cells=cells)
        label = self.ctx.label(self.srcs, v.name)
        return self.finish(t, label, label if self.spec.stub is None else None)

    def id(self) -> str:
        return self.spec.id or default_id(self.spec)

    def build(self) -> Table:
        return getattr(self, self.spec.type)()


def _common(values: list[str | None]) -> str | None:
    vals = {v for v in values if v}
    return " og ".join(sorted(vals)) if vals else None


# ---------------------------------------------------------------- orchestration
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


def _require(spec: TableSpec, cb: Codebook, srcs: Sequence[Source]) -> None:
    for s in srcs:
        for col in spec.variables() + ([spec.by] if spec.by else []):
            if col not in s.ds.data.columns:
                cols = list(s.ds.data.columns)
                shown = ", ".join(cols[:8]) + (f", … ({len(cols)} in all)" if len(cols) > 8 else "")
                raise DataError(f"codebook {cb.path} {spec.key} names variable '{col}', which the data file lacks; "
                                f"the file has {shown}", s.ds.name, column=col)


def _table_sources(spec: TableSpec, cb: Codebook, sources: list[Source]) -> list[Source]:
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
    _require(spec, cb, chosen)
    return chosen


def _groups_for(ctx: _Context, spec: TableSpec, srcs: list[Source], by: str | None) -> list[Group]:
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
            values = sorted(col.dropna().unique().tolist(), key=lambda x: _code_order(code_key(x)))
            groups = [Group(show_code(code_key(val)), s, (col == val).to_numpy()) for val in values]
        if not groups:
            raise DataError(f"the group variable '{by}' has no values", s.ds.name, column=by)
    else:
        groups = [Group(s.group, s, np.ones(len(s.ds.data), bool)) for s in srcs]
    for g in groups:
        for var, codes in spec.filter.items():
            g.mask = g.mask & _in_codes(g.src.ds.data[var], codes)
    return groups


def _in_codes(col: pd.Series, codes: Sequence[Code]) -> np.ndarray:
    """Rows whose value is one of `codes` (3, 3.0 and "3" alike); missing values never match."""
    fcodes, uniques = pd.factorize(col, use_na_sentinel=True)
    wanted = set(codes)
    hit = np.array([code_key(u) in wanted for u in uniques] + [False], dtype=bool)
    return hit[fcodes]


def build_table(spec: TableSpec, sources: list[Source], codebook: Codebook | None = None,
                by: str | None = None, letters: bool = False) -> Table:
    """One table as the spec says, over the sources it names (groups side by side when several)."""
    cb = codebook or Codebook()
    ctx = _Context(cb)
    srcs = _table_sources(spec, cb, sources)
    by = spec.by or by
    if by:
        _require(TableSpec(type="single", key=spec.key, variable=by), cb, srcs)
    groups = _groups_for(ctx, spec, srcs, by)
    return _Builder(ctx, spec, groups, srcs, letters).build()


def auto_specs(sources: list[Source], codebook: Codebook | None = None, side_by_side: bool = False,
               by: str | None = None, layout: str | None = None) -> list[tuple[TableSpec, list[Source]]]:
    """Without `tables:` in a codebook: one single-question table per labelled variable.

    Variables labelled in every file are shown side by side when `side_by_side`; with several
    files the table id is prefixed with the file name where the same variable occurs twice.
    """
    cb = codebook or Codebook()
    ctx = _Context(cb)
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


# ---------------------------------------------------------------- simple entry points
def single_question(ds: Dataset, column: str, weights: np.ndarray | None = None) -> Table:
    """Antal / Procent table with a Total row (seed Tabel 3.1): categories in code order.

    System-missing (NaN) is left out of the base; labelled codes (also "Ved ikke") stay in it.
    """
    ds.require([column])
    src = Source("data", ds, "Data", None if weights is None else np.asarray(weights, float))
    return build_table(TableSpec(type="single", key=f"auto:{column}", variable=column), [src])


def labelled_tables(ds: Dataset) -> list[Table]:
    """One single-question table per variable that has value labels, in file order."""
    return build_tables({"data": ds})
