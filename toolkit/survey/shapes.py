"""The table builder: one method per table shape of the seed reports (single, battery, multi,
two-way, open answers), with the shared title, question and notes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.config.codebook import TableSpec, default_id
from toolkit.core.cells import base, count, percent
from toolkit.core.codes import Code, show_code
from toolkit.core.errors import DataError
from toolkit.core.fmt import dk
from toolkit.core.table import Cell, Kind, Role, Table, body_then
from toolkit.read.tabular import rows_text
from toolkit.survey.design import column_letters, effective_n, letter
from toolkit.survey.notes import group_test, stack_design, test_text
from toolkit.survey.sources import Context, Group, Source, Var, code_order, weighted

TOTAL = "Total"
I_ALT = "I alt"
DEFAULT_TARGET = "populationsfordelingen"
MULTI_NOTE = "Anm.: Procenterne summerer ikke til 100, da respondenterne har kunnet angive flere svar."


def _shares(idx: np.ndarray, mask: np.ndarray, w: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Unweighted counts, (weighted) shares and the unweighted base of one categorical in one group."""
    sel = mask & (idx >= 0)
    counts = np.bincount(idx[sel], minlength=k)
    wts = counts.astype(float) if w is None else np.bincount(idx[sel], weights=w[sel], minlength=k)
    tot = wts.sum()
    shares = wts / tot if tot > 0 else np.full(k, np.nan)
    return counts, shares, int(sel.sum())


def split_question(labels: list[str]) -> tuple[str | None, list[str]]:
    """'Question – item' labels → (the shared question, the items); (None, labels) otherwise."""
    for sep in (" – ", " - ", ": "):
        if len(labels) >= 2 and all(sep in lab for lab in labels):
            heads = {lab.rsplit(sep, 1)[0] for lab in labels}
            if len(heads) == 1:
                return heads.pop(), [lab.rsplit(sep, 1)[1] for lab in labels]
    return None, labels


class TableBuilder:
    """Builds the Table for one TableSpec over its groups."""

    def __init__(self, ctx: Context, spec: TableSpec, groups: list[Group], srcs: list[Source], letters: bool) -> None:
        self.ctx, self.spec, self.groups, self.srcs = ctx, spec, groups, srcs
        self.letters = letters or spec.letters
        self.where = f" (codebook {spec.key})" if not spec.key.startswith("auto") else ""
        self.notes: list[str] = []

    # -- shared pieces
    def var(self, name: str) -> Var:
        v = self.ctx.var(self.srcs, name, self.spec.missing, self.where, self.spec.missing_given)
        for label, code, n in v.declared:  # SPSS user-missing: out of the base, and said so
            note = (f"Anm.: '{label}' (kode {show_code(code)}) er i datafilen erklæret som manglende værdi og indgår ikke i "
                    f"basen ({dk(n, 0, grouped=True)} svar).")
            if note not in self.notes:
                self.notes.append(note)
        return v

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
        if weighted(self.groups):
            targets = {g.src.target or g.src.spec.weighted_to or DEFAULT_TARGET for g in self.groups if g.src.weights is not None}
            notes.append(f"Anm.: Tabellen er vægtet til {' og '.join(sorted(targets))}. Procenterne er vægtede; antal og N er uvægtede.")
            relabel = {"Antal": "Antal (uvægtet)", "Procent": "Procent (vægtet)"}  # which is which, beside each other
            table.column_labels = [relabel.get(x, x) for x in table.column_labels]
            table.column_groups = [relabel.get(x, x) for x in table.column_groups]
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
        kind = "Rao-Scott-korrigeret chi²-test (andenordens, vægtede data)" if weighted(self.groups) else "Chi²-test"
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
                          + (", effektiv N ved vægtede data)." if weighted(self.groups) else ")."))
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
            cells = [[count(counts[i]), percent(shares[i], int(counts[i]))] for i in range(k)]
            cells.append([count(n), percent(1.0 if n else np.nan, n)])
            t = Table(id=self.id(), title="", row_labels=v.labels + [TOTAL], column_labels=["Antal", "Procent"], cells=cells,
                      row_roles=body_then(k, Role.TOTAL))
            return self.finish(t, label, label)
        if self.spec.test:
            text, _ = group_test(self.groups, lambda g: v.index[g.src.name], k)
            self.test_note("af forskellen mellem grupperne", text)
        counts = np.array([c for c, _, _ in dists]).T  # categories × groups
        shares = np.array([sh for _, sh, _ in dists]).T
        bases = [g.mask & (v.index[g.src.name] >= 0) for g in self.groups]
        return self.grouped(v.labels, counts, shares, bases, label, label, Role.TOTAL)

    def grouped(self, categories: list[str], counts: np.ndarray, shares: np.ndarray, bases: list[np.ndarray],
                title: str, question: str | None, n_role: Role) -> Table:
        """Groups side by side: as columns with an I alt (N) row (Tabel 2.4, optional letters),
        or as rows with the categories as columns and a Total (N) column (Tabel 2.1 style).
        `n_role`: TOTAL when the categories add up to N, BASE when they overlap (multi-response)."""
        k, ng = counts.shape
        ns = [int(b.sum()) for b in bases]
        if self.layout("columns") == "rows":
            cells = [[percent(shares[i, j], int(counts[i, j])) for i in range(k)] + [base(ns[j])]
                     for j in range(ng)]
            t = Table(id=self.id(), title="", row_labels=[g.label for g in self.groups], column_labels=categories + [TOTAL], cells=cells,
                      column_roles=body_then(k, n_role))
            return self.finish(t, title, question)
        body = [[percent(shares[i, j], int(counts[i, j])) for j in range(ng)] for i in range(k)]
        body.append([base(n) for n in ns])
        labels = self.group_labels(self.letters)
        if self.letters:
            eff = [effective_n(g.src.weights[b]) if g.src.weights is not None else float(b.sum()) for g, b in zip(self.groups, bases)]
            labels, body = self.columns_with_letters(labels, body, shares, eff, k)
        t = Table(id=self.id(), title="", row_labels=categories + [I_ALT], column_labels=labels, cells=body, row_roles=body_then(k, n_role))
        return self.finish(t, title, question)

    def item_labels(self, items: list[str]) -> tuple[str | None, list[str]]:
        raw = [self.ctx.label(self.srcs, it) for it in items]
        question, split = split_question(raw)
        return question, [self.spec.item_labels.get(it) or split[i] for i, it in enumerate(items)]

    def battery(self) -> Table:
        items = self.spec.items
        vars_ = [self.var(it) for it in items]
        codes = sorted({c for v in vars_ for c in v.codes}, key=code_order)
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
                cells.append([percent(shares[i], int(counts[i])) for i in range(k)] + [base(n)])
                rows.append(g.label if many else lab)
                groups_col.append(lab if many else "")
            if many and self.spec.test:
                text, _ = group_test(self.groups, idx_of, k)
                tests.append(f"{lab}: {text}")
        if tests:
            self.test_note("af forskellen mellem grupperne", "; ".join(tests))
        t = Table(id=self.id(), title="", row_labels=rows, row_groups=groups_col,
                  column_labels=[labels_of[c][0] for c in codes] + [TOTAL], cells=cells, column_roles=body_then(k, Role.TOTAL))
        return self.finish(t, question or self.id(), question)

    def multi(self) -> Table:
        items = self.spec.items
        ticks = {g.src.name: self.ticks(g.src) for g in self.groups}
        question, item_labels = self.item_labels(items)
        per_group = []
        for g in self.groups:
            x, answered = ticks[g.src.name]
            asked = g.mask & (x.sum(axis=1) > 0 if self.spec.base == "answered" else answered)
            w = np.ones(len(asked)) if g.src.weights is None else g.src.weights
            counts = x[asked].sum(axis=0).astype(int)
            wsum = w[asked].sum()
            shares = (w[asked] @ x[asked]) / wsum if wsum > 0 else np.full(len(items), np.nan)
            per_group.append((counts, shares, int(asked.sum()), asked))
        self.notes.append(MULTI_NOTE)
        base_note = ("Procenterne er beregnet blandt respondenter, der har valgt mindst én svarmulighed."
                     if self.spec.base == "answered" else "Procenterne er beregnet blandt alle, der har besvaret spørgsmålet.")
        ns = " og ".join(f"{g.label} N = {dk(n, 0, grouped=True)}" if len(self.groups) > 1 else f"N = {dk(n, 0, grouped=True)}"
                         for g, (_, _, n, _) in zip(self.groups, per_group))
        self.notes.append(f"Anm.: {base_note[:-1]} ({ns}).")
        k = len(items)
        if len(self.groups) == 1:
            counts, shares, n, _ = per_group[0]
            cells = [[count(counts[i]), percent(shares[i], int(counts[i]))] for i in range(k)]
            cells.append([base(n), Cell(None, Kind.PERCENT)])  # the items overlap: no 100 % beside the base
            t = Table(id=self.id(), title="", row_labels=item_labels + [I_ALT], column_labels=["Antal", "Procent"], cells=cells,
                      row_roles=body_then(k, Role.BASE))  # the items overlap: N is the base, not their sum
            return self.finish(t, question or self.id(), question)
        if self.spec.test:
            tests = []
            bases = {id(g): b for g, (_, _, _, b) in zip(self.groups, per_group)}
            for i, lab in enumerate(item_labels):
                idx_of = lambda g, i=i: np.where(bases[id(g)], ticks[g.src.name][0][:, i], -1).astype(np.int64)  # noqa: E731
                text, _ = group_test(self.groups, idx_of, 2)
                tests.append(f"{lab}: {text}")
            self.test_note("af forskellen mellem grupperne", "; ".join(tests))
        counts = np.array([c for c, _, _, _ in per_group]).T  # items × groups
        shares = np.array([sh for _, sh, _, _ in per_group]).T
        return self.grouped(item_labels, counts, shares, [b for _, _, _, b in per_group], question or self.id(), question, Role.BASE)

    def ticks(self, src: Source) -> tuple[np.ndarray, np.ndarray]:
        """0/1 matrix (respondents × items) and who answered the set; anything else is an error."""
        cols = []
        answered = np.zeros(len(src.ds.data), bool)
        for it in self.spec.items:
            s = src.ds.data[it]
            vals = pd.to_numeric(s, errors="coerce").to_numpy(float)
            blank = s.isna().to_numpy(copy=True)  # pandas may hand out a read-only view
            if not pd.api.types.is_numeric_dtype(s):
                blank |= (s.astype(str).str.strip() == "").to_numpy()
            miss = self.ctx.missing(it, self.spec.missing)
            if miss:
                blank |= np.isin(vals, [float(m) for m in miss if isinstance(m, (int, float)) and not isinstance(m, bool)])
            bad = ~blank & ~np.isin(vals, [0.0, 1.0])
            if bad.any():
                seen = ", ".join(sorted({str(x) for x in s[bad].tolist()})[:5])
                raise DataError(f"multi-response column '{it}' must hold 0 (not ticked) or 1 (ticked){self.where}; "
                                f"found {seen} ({rows_text(bad)})", src.ds.name, column=it)
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
            cells.append([percent(wt[i, j] / tot if tot > 0 else np.nan, int(counts[i, j])) for j in range(nc)]
                         + [base(n)])
        col_tot = wt.sum(axis=0)
        n_all = int(counts.sum())
        cells.append([percent(col_tot[j] / col_tot.sum() if col_tot.sum() > 0 else np.nan, int(counts[:, j].sum()))
                      for j in range(nc)] + [base(n_all)])
        if spec.test:
            # the whole sample in the design, the table's respondents as the domain (stack_design)
            inside, row_of, weights, cl, st = stack_design([Group(g.label, g.src, both)], lambda _g: ri)
            text, _ = test_text(row_of, np.where(inside >= 0, ci, -1), weights, cl, st, counts)
            self.test_note("for uafhængighed", text)
        rlab, clab = self.ctx.label(self.srcs, rv.name), self.ctx.label(self.srcs, cv.name)
        t = Table(id=self.id(), title="", row_labels=rv.labels + [I_ALT], column_labels=cv.labels + [I_ALT],
                  row_roles=body_then(nr, Role.TOTAL), column_roles=body_then(nc, Role.TOTAL),
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
        cells = [[count(x) for x in body[i]] for i in order]
        cells.append([count(x) for x in body.sum(axis=0)])
        cols = [g.label for g in self.groups] + [TOTAL] if many else ["Antal"]
        t = Table(id=self.id(), title="", row_labels=[v.labels[i] for i in order] + [I_ALT], column_labels=cols, cells=cells,
                  row_roles=body_then(k, Role.TOTAL), column_roles=body_then(len(self.groups), Role.TOTAL) if many else [])
        label = self.ctx.label(self.srcs, v.name)
        return self.finish(t, label, label if self.spec.stub is None else None)

    def id(self) -> str:
        return self.spec.id or default_id(self.spec)

    def build(self) -> Table:
        return getattr(self, self.spec.type)()


def _common(values: list[str | None]) -> str | None:
    vals = {v for v in values if v}
    return " og ".join(sorted(vals)) if vals else None
