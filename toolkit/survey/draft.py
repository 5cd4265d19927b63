"""A codebook drafted from a labelled data file: single questions, batteries, multi-response sets,
filter candidates, columns to skip and declared missing codes – each with the reason it was guessed.

`draft_codebook(Dataset) → Draft` decides; `toolkit.survey.draft_yaml` writes the Draft as YAML
text with its comments. Pure functions: no file access, no printing (`toolkit codebook` is the
command). The draft uses only keys the crosstab reads, so it runs as it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.config.codebook import Codebook, common_stem, default_id
from toolkit.core.codes import Code, code_key, show_code
from toolkit.read.tabular import Dataset
from toolkit.survey.shapes import split_question
from toolkit.survey.sources import code_order

MAX_CATEGORIES = 20  # more labelled codes: a classification (municipality, occupation), not a question
MAX_FILTER_CODES = 12  # a filter variable is a question with few answers
FILTER_COVERAGE = 0.8  # a filter candidate: at least this share of those asked answered
_ID_NAME = re.compile(r"(?i)(^|[_.])(id|lbnr|l[øo]benr|respid|respondent(id|nr)?|cpr|pnr|serial|caseid|lnr)$")
_WEIGHT_NAME = re.compile(r"(?i)v(ae|æ)gt|weight|wgt|(^|_)wt$")
_OPEN_LABEL = re.compile(r"(?i)\b(åben|åbent|åbne|open)\b")
_OPEN_NAME = re.compile(r"(?i)_(kode|kodet|code|coded)$")
_DONT_KNOW = re.compile(r"(?i)ved ikke|don.?t know|ubesvaret|ønsker ikke at svare")
_GENERIC_TICK = {"valgt", "ikke valgt", "markeret", "ikke markeret", "nævnt", "ikke nævnt", "ja", "nej", "yes", "no",
                 "x", "1", "0", "checked", "selected", "not selected", "unchecked"}

TableType = Literal["single", "battery", "multi", "open"]


@dataclass
class Column:
    """What the draft needs to know about one data column."""

    name: str
    position: int
    label: str
    values: dict[Code, str]  # value labels (the file's, or the codebook's when it gives them)
    answered: np.ndarray  # bool per row: not blank
    codes: list[Code]  # distinct answered values, in code order
    index: np.ndarray  # per row: position in `codes`, −1 when blank
    text: bool
    date: bool = False
    missing: list[Code] = field(default_factory=list)  # declared user-missing codes
    missing_text: str = ""  # the declaration as the file has it ("9", "97-99")


@dataclass
class DraftTable:
    """One drafted table; `why` says what was guessed, `filter` is proposed (written commented out)."""

    type: TableType
    variables: list[str]
    why: str
    position: int
    label: str = ""
    id: str | None = None
    title: str | None = None
    item_labels: dict[str, str] = field(default_factory=dict)
    missing: list[Code] = field(default_factory=list)
    missing_why: str = ""
    filter: dict[str, list[Code]] = field(default_factory=dict)
    filter_why: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    """A column not tabulated, and why (open text, an id, a weight, no labels, …)."""

    name: str
    why: str
    position: int


@dataclass
class Draft:
    """The drafted codebook: tables and skipped columns, each in file order."""

    name: str
    respondents: int
    columns: int
    tables: list[DraftTable]
    skipped: list[Skipped]
    covered: list[str] = field(default_factory=list)  # columns an existing codebook already handles


def draft_codebook(ds: Dataset, *, missing: Mapping[str, Sequence[tuple[Any, Any]]] | None = None,
                   codebook: Codebook | None = None) -> Draft:
    """Draft the tables of `ds`; `missing` holds the file's user-missing declarations (low, high),
    `codebook` an existing codebook whose labels are used and whose tables are left as they are."""
    cb = codebook or Codebook()
    covered = _covered(cb, list(ds.data.columns))
    cols = [_profile(ds, cb, name, i, (missing or {}).get(name, ())) for i, name in enumerate(ds.data.columns)]
    n = len(ds.data)
    kinds = [("covered", "") if c.name in covered else _classify(c, n) for c in cols]
    tables: list[DraftTable] = []
    skipped = [Skipped(c.name, why, c.position) for c, (kind, why) in zip(cols, kinds) if kind == "skip"]
    runs = groupby(zip(cols, (k for k, _ in kinds)), key=lambda ck: _run_key(*ck))
    for (kind, *_), run in runs:
        if kind in ("cat", "tick"):
            _flush([c for c, _ in run], kind, tables, skipped)
    tables.sort(key=lambda t: t.position)
    skipped.sort(key=lambda s: s.position)
    _settle(tables, cols, cb)
    order = list(ds.data.columns)
    return Draft(ds.path.name if ds.path else ds.name, n, len(cols), tables, skipped, sorted(covered, key=order.index))


def _run_key(c: Column, kind: str) -> tuple[Any, ...]:
    """Neighbouring columns with one key form a run (a battery or multi-response set)."""
    stem = _stem(c.name) if kind in ("cat", "tick") else None
    if stem is None:
        return (kind, c.position)  # a run of its own
    return (kind, stem[0], tuple(sorted(c.values.items(), key=lambda kv: code_order(kv[0]))) if kind == "cat" else ())


def _covered(cb: Codebook, columns: list[str]) -> set[str]:
    """Columns the existing codebook already tabulates (or skips on purpose)."""
    named = {v for t in cb.tables or [] for v in t.variables() + ([t.by] if t.by else [])}
    return {c for c in columns if c in named or cb.skipped(c)}


def _profile(ds: Dataset, cb: Codebook, name: str, position: int, declared: Sequence[tuple[Any, Any]]) -> Column:
    s = ds.data[name]
    spec = cb.variable(name)
    values = dict(spec.values) if spec.values is not None else {code_key(k): str(v) for k, v in ds.value_labels.get(name, {}).items()}
    date = pd.api.types.is_datetime64_any_dtype(s)
    text = not (pd.api.types.is_numeric_dtype(s) or date)
    answered = s.notna().to_numpy().copy()
    if text:
        answered &= (s.astype(str).str.strip() != "").to_numpy()
    fcodes, uniques = pd.factorize(s.where(answered), use_na_sentinel=True)
    keys = [code_key(u) if not isinstance(u, pd.Timestamp) else str(u) for u in uniques]
    codes = sorted(set(keys), key=code_order)
    pos = np.array([codes.index(k) for k in keys] + [-1], dtype=np.int64)
    col = Column(name, position, spec.label or ds.variable_labels.get(name) or "", values, answered, codes, pos[fcodes], text, date)
    col.missing, col.missing_text = _declared(declared, values)
    return col


def _declared(ranges: Sequence[tuple[Any, Any]], values: dict[Code, str]) -> tuple[list[Code], str]:
    """Codes of the file's user-missing declarations: single values, and the labelled codes of ranges."""
    codes: list[Code] = []
    shown = []
    for lo, hi in ranges:
        if isinstance(lo, str) and not lo.strip():
            continue  # blank text is missing anyway
        if code_key(lo) == code_key(hi):
            codes.append(code_key(lo))
            shown.append(show_code(code_key(lo)))
        else:
            a, b = float(lo), float(hi)
            codes += [c for c in values if isinstance(c, float) and a <= c <= b]
            shown.append(f"{show_code(code_key(lo))}-{show_code(code_key(hi))}")
    return sorted(set(codes), key=code_order), ", ".join(shown)


def _classify(c: Column, n: int) -> tuple[str, str]:
    """('cat' | 'tick' | 'skip', why): a labelled question, a 0/1 tick, or a column left out."""
    k = len(c.codes)
    if not c.answered.any():
        return "skip", "blank in every row"
    if c.date:
        return "skip", "a date or time"
    if _ID_NAME.search(c.name):
        return "skip", "the name says id"
    if c.values:
        if len(c.values) > MAX_CATEGORIES:
            return "skip", (f"{len(c.values)} labelled categories: a classification (municipality?), not a question "
                            "– use it with by: or give it a table of its own")
        if _is_tick(c) and not _yes_no(c.values):
            return "tick", ""
        return "cat", ""
    if c.text:
        if _OPEN_LABEL.search(c.label):
            return "skip", f"open text (the label says so; {k} different answers)"
        if k == 1:
            return "skip", "the same text in every row"
        if k > MAX_CATEGORIES or k > 0.5 * c.answered.sum():
            return "skip", f"open text ({k} different answers)"
        return "skip", f"text with {k} different values and no codes: give it codes and value labels to tabulate it"
    if _WEIGHT_NAME.search(c.name):
        return "skip", "the name says weight"
    if _is_tick(c):
        return "tick", ""
    numeric = np.array([x for x in c.codes if isinstance(x, float)])
    if len(numeric) and not np.all(np.mod(numeric, 1) == 0):
        return "skip", "numbers with decimals: a weight or a measurement, not answer codes"
    if k == c.answered.sum() and k >= 10:
        return "skip", "a different number in every row: an id"
    return "skip", f"numbers without value labels ({k} different values): give labels under variables: to tabulate"


def _is_tick(c: Column) -> bool:
    """0/1 or 1/blank: a column of a multi-response set."""
    return not c.text and set(c.codes) <= {0.0, 1.0} and set(c.values) <= {0.0, 1.0}


def _yes_no(values: dict[Code, str]) -> bool:
    """A Ja/Nej question coded 1/0 (a battery when several), not a tick."""
    return values.get(1.0, "").strip().lower() in ("ja", "yes") or values.get(0.0, "").strip().lower() in ("nej", "no")


def _stem(name: str) -> tuple[str, bool] | None:
    """`maal_3` → ('maal', True), `q5c` → ('q5', True), `q12` → ('q', False); None without an item suffix.

    The flag says the name itself looks like a battery item (a separator, or a letter after a number)."""
    m = re.fullmatch(r"(.*\d)([A-Za-z])", name) or re.fullmatch(r"(.+?)[_.]([A-Za-z])", name)
    if m:
        return m.group(1).rstrip("_."), True
    m = re.fullmatch(r"(.*?[A-Za-z_].*?)([_.]?)(\d+)", name)
    if m and m.group(1).rstrip("_."):
        return m.group(1).rstrip("_."), bool(m.group(2))
    return None


def _flush(run: list[Column], kind: str, tables: list[DraftTable], skipped: list[Skipped]) -> None:
    """A run of same-stem columns becomes one battery or multi table; anything else single tables."""
    if len(run) >= 2 and kind == "tick":
        tables.append(_multi(run))
        return
    if len(run) >= 2 and kind == "cat":
        table = _battery(run)
        if table is not None:
            tables.append(table)
            return
    for c in run:
        if kind == "tick" and not c.values:
            skipped.append(Skipped(c.name, "0/1 without value labels and no neighbours with its stem: give labels to tabulate", c.position))
        else:
            tables.append(_single(c))


def _scale_text(values: dict[Code, str]) -> str:
    codes = sorted(values, key=code_order)
    shown = [f"{show_code(c)} {values[c]}" for c in codes]
    return ", ".join(shown) if len(shown) <= 3 else f"{shown[0]} … {shown[-1]}"


def _single(c: Column) -> DraftTable:
    if _OPEN_LABEL.search(c.label) or _OPEN_NAME.search(c.name):
        why = "coded open answers (the name or label says so): counted, most frequent first"
        return DraftTable("open", [c.name], why, c.position, label=c.label)
    return DraftTable("single", [c.name], f"single question: {_scale_text(c.values)}", c.position, label=c.label)


def _battery(run: list[Column]) -> DraftTable | None:
    """Items sharing a stem and a scale; None when neither labels nor names say they belong together."""
    stem, structured = _stem(run[0].name)  # type: ignore[misc]
    labels = [c.label or c.name for c in run]
    question, _ = split_question(labels)
    span = f"{run[0].name} … {run[-1].name}"
    table = DraftTable("battery", [c.name for c in run], "", run[0].position)
    scale = _scale_text(run[0].values)
    if question:
        table.why = f"battery: {span} share the stem '{stem}', one scale ({scale}) and the question text"
        table.label = question
    elif (common := _common_words(labels)) is not None:
        head, rest = common
        table.title, table.item_labels, table.label = head, dict(zip(table.variables, rest)), head
        table.why = f"battery: {span} share the stem '{stem}' and one scale ({scale}); row labels = the differing end of the variable labels"
    elif structured:
        table.why = f"battery? {span} share the stem '{stem}' and one scale ({scale}), but their labels share no question text – check they belong together"
    else:
        return None
    return table


def _multi(run: list[Column]) -> DraftTable:
    stem, _ = _stem(run[0].name)  # type: ignore[misc]
    labels = [c.label or c.name for c in run]
    coding = "1/blank" if all(0.0 not in c.codes for c in run) else "0/1"
    table = DraftTable("multi", [c.name for c in run], f"multi-response: {run[0].name} … {run[-1].name} share the stem '{stem}' "
                       f"and hold only {coding}", run[0].position)
    question, _ = split_question(labels)
    ticked = [c.values.get(1.0, "").strip() for c in run]
    common = _common_words(labels)
    if question:
        table.label = question
    elif all(t and t.lower() not in _GENERIC_TICK for t in ticked) and len(set(ticked)) == len(ticked):
        table.item_labels = dict(zip(table.variables, ticked))
        table.title = table.label = common[0] if common else (labels[0] if len(set(labels)) == 1 else None)
        table.why += "; row labels = the label of code 1"
    elif common is not None:
        table.title, table.label = common[0], common[0]
        table.item_labels = dict(zip(table.variables, common[1]))
        table.why += "; row labels = the differing end of the variable labels"
    return table


def _common_words(labels: list[str]) -> tuple[str, list[str]] | None:
    """('Hvor tilfreds er du med', ['sagsbehandleren', 'tilbuddene']): a shared opening of at
    least two words and a non-empty differing rest for every label; None otherwise."""
    words = [lab.split() for lab in labels]
    k = 0
    while all(len(w) > k for w in words) and len({w[k] for w in words}) == 1:
        k += 1
    rest = [" ".join(w[k:]).strip(" -–:,.") for w in words]
    if k < 2 or not all(rest) or len(set(rest)) < len(rest):
        return None
    return " ".join(words[0][:k]).rstrip(" -–:,"), rest


def _settle(tables: list[DraftTable], cols: list[Column], cb: Codebook) -> None:
    """Per table: a unique id, the missing codes, notes on 'Ved ikke', and a filter candidate."""
    by_name = {c.name: c for c in cols}
    taken = {default_id(t) for t in cb.tables or []}
    sources = [c for c in cols if c.values and 2 <= len(c.codes) <= MAX_FILTER_CODES]
    for t in tables:
        members = [by_name[v] for v in t.variables]
        wanted = t.variables[0] if t.type in ("single", "open") else _stem(t.variables[0])[0]  # type: ignore[index]
        final, k = wanted, 1
        while final in taken:
            k += 1
            final = f"{wanted}_{k}"
        taken.add(final)
        default = t.variables[0] if t.type in ("single", "open") else common_stem(t.variables)
        t.id = final if final != default else None
        _missing(t, members, cb)
        asked = np.logical_or.reduce([c.answered for c in members])
        found = _filter_candidate(asked, [s for s in sources if s.position < t.position and s.name not in t.variables])
        if found:
            t.filter, t.filter_why = found


def _missing(t: DraftTable, members: list[Column], cb: Codebook) -> None:
    declared = sorted({m for c in members for m in c.missing}, key=code_order)
    already = set(cb.missing) | {m for c in members for m in cb.variable(c.name).missing}
    unlabelled = sorted({x for c in members if t.type != "multi" for x in c.codes if x not in c.values and x not in already},
                        key=code_order)
    why = []
    if declared:
        shown = "; ".join(sorted({c.missing_text for c in members if c.missing_text}))
        why.append(f"declared missing in the file ({shown})")
    if unlabelled:
        why.append(f"code(s) {', '.join(show_code(x) for x in unlabelled)} in the data have no value label: treated as missing "
                   "here – label them under variables: if they are answers")
    t.missing = sorted(set(declared) | set(unlabelled), key=code_order)
    t.missing_why = "; ".join(why)
    if t.type in ("single", "battery"):
        values = members[0].values
        for code in sorted(values, key=code_order):
            if _DONT_KNOW.search(values[code]) and code not in t.missing and code not in already:
                t.notes.append(f"'{values[code]}' ({show_code(code)}) counts in the base; add missing: [{show_code(code)}] to leave it out")


def _filter_candidate(asked: np.ndarray, sources: list[Column]) -> tuple[dict[str, list[Code]], str] | None:
    """The nearest earlier question whose answer decides who answered: everyone answering with
    codes S answered it (mostly), everyone else left it blank."""
    n = len(asked)
    if asked.all() or not asked.any():
        return None
    for src in reversed(sources):
        idx = src.index
        if (asked & (idx < 0)).any():
            continue
        chosen = np.unique(idx[asked])
        inside = np.isin(idx, chosen)
        others = (idx >= 0) & ~inside
        if others.sum() < max(3, 0.05 * n) or asked[inside].mean() < FILTER_COVERAGE:
            continue
        codes = [src.codes[i] for i in chosen]
        labels = " or ".join(f"{show_code(c)} '{src.values.get(c, show_code(c))}'" for c in codes)
        why = (f"guess: asked only of those with {src.name} = {labels}? {int(asked.sum())} of {int(inside.sum())} of them "
               f"answered, the {int(others.sum())} others all left it blank")
        return {src.name: codes}, why
    return None
