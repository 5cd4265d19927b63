"""The README's promise for bad input: one `error:` line, exit 2, nothing half-written, inputs untouched.

One case per line: the command (with `{d}` for the case's folder and `{w}` for the demo wave), the
files the case builds there, and the exact message (a trailing `…` means "starts with"). Every new
defect found in reading an input adds a line here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Callable

import pandas as pd
import pyreadstat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CUBB = str(ROOT / "registers" / "cubb.yaml")
WEIGHT = "weight {w}/data/borgere.sav --margins {w}/margins_borgere.csv --id id -o {d}/w.csv"


def _copy(name: str) -> Callable[[Path, Path], None]:
    return lambda w, d: (d / Path(name).name).write_bytes((w / name).read_bytes())


def _truncated(name: str, keep: int) -> Callable[[Path, Path], None]:
    return lambda w, d: (d / Path(name).name).write_bytes((w / name).read_bytes()[:keep])


def _nothing(w: Path, d: Path) -> None:
    pass


def _wave(*changes: tuple[str, str]) -> Callable[[Path, Path], None]:
    """The demo wave with `changes` (old, new) as {d}/wave.yaml, its inputs named by absolute path."""
    def build(w: Path, d: Path) -> None:
        text = re.sub(r"(?<=[\s{\[,:])(data/|codebook_|margins_|registers/|model\.yaml)", lambda m: f"{w}/{m.group(1)}",
                      (w / "wave.yaml").read_text(encoding="utf-8"))
        for old, new in changes:
            assert old in text, old
            text = text.replace(old, new)
        (d / "wave.yaml").write_text(text, encoding="utf-8")
    return build


def _ids_017_and_17(w: Path, d: Path) -> None:
    pd.DataFrame({"id": ["017", "17", "8"], "q": [1, 2, 1]}).to_csv(d / "s.csv", index=False)
    pd.DataFrame({"id": ["017", "17", "0008"], "weight": [1.0, 2.0, 3.0]}).to_csv(d / "w.csv", index=False)


def _register_maal2(value: float) -> Callable[[Path, Path], None]:
    def build(w: Path, d: Path) -> None:
        reg = pd.read_csv(w / "data" / "kommuner_register.csv")
        reg.loc[0, "maal2"] = value
        reg.to_csv(d / "r.csv", index=False)
    return build


def _random_csv(w: Path, d: Path) -> None:
    (d / "r.csv").write_bytes(bytes(range(256)) * 8)


def _undecodable_csv(w: Path, d: Path) -> None:
    (d / "r.csv").write_bytes(b"id,koen\n1,\x81\x8d\n2,1\n")


def _margins_xlsx(w: Path, d: Path) -> None:
    pd.read_csv(w / "margins_borgere.csv").to_excel(d / "m.xlsx", index=False)


def _sav_as_csv(dup: bool) -> Callable[[Path, Path], None]:
    def build(w: Path, d: Path) -> None:
        df, _ = pyreadstat.read_sav(str(w / "data" / "borgere.sav"))
        if dup:
            df.loc[4, "id"] = df.loc[1, "id"]
        df.to_csv(d / "s.csv", index=False)
    return build


def _multi(text: bool) -> Callable[[Path, Path], None]:
    def build(w: Path, d: Path) -> None:
        pd.DataFrame({"id": [1, 2, 3], "t1": ["1", "ja" if text else "1", "0"], "t2": [0, 1, 0]}).to_csv(d / "m.csv", index=False)
        (d / "c.yaml").write_text("title: t\ntables:\n  - {type: multi, id: x, title: x, items: [t1, t2], missing: [99]}\n")
    return build


def _dream(column: str, values: list[object]) -> Callable[[Path, Path], None]:
    def build(w: Path, d: Path) -> None:
        df = pd.read_parquet(w / "data" / "dream.parquet")
        df[column] = df[column].astype(str)
        df.loc[df.index[: len(values)], column] = values
        df.to_parquet(d / "x.parquet")
    return build


def _dream_csv(column: str, value: object) -> Callable[[Path, Path], None]:
    def build(w: Path, d: Path) -> None:
        df = pd.read_parquet(w / "data" / "dream.parquet")
        df[column] = df[column].astype(object)
        df.loc[df.index[4], column] = value
        df.to_csv(d / "x.csv", index=False)
    return build


CASES = [
    ("binary csv", "weight {d}/r.csv --margins {w}/margins_borgere.csv --id id -o {d}/w.csv", _random_csv,
     "not a text (CSV) file: it holds binary data; export it as CSV, or give the original file ({d}/r.csv)"),
    ("undecodable csv", "codebook {d}/r.csv -o {d}/c.yaml", _undecodable_csv,
     "not a text (CSV) file: byte 0x81 at position 10 is neither UTF-8 nor Windows-1252 text; export it as CSV (UTF-8) ({d}/r.csv)"),
    ("margins as xlsx", "weight {w}/data/borgere.sav --margins {d}/m.xlsx --id id -o {d}/w.csv", _margins_xlsx,
     "a margins file must be .csv or .yaml, not .xlsx; save the sheet as CSV (columns variable, category, target) ({d}/m.xlsx)"),
    ("truncated parquet", f"outcomes {{d}}/dream.parquet -d {CUBB} -o {{d}}/o.xlsx", _truncated("data/dream.parquet", 3000),
     "cannot read as Parquet (truncated or not a Parquet file): …"),
    ("truncated sav", "codebook {d}/borgere.sav -o {d}/c.yaml", _truncated("data/borgere.sav", 900), "cannot read as .sav file: …"),
    ("demo into a file", "demo {d}/x.txt", lambda w, d: (d / "x.txt").write_text("x"),
     "exists and is not a folder; give a folder for the demo wave ({d}/x.txt)"),
    ("duplicate ids", "weight {d}/s.csv --margins {w}/margins_borgere.csv --id id -o {d}/w.csv", _sav_as_csv(dup=True),
     "1 ids occur more than once (e.g. '2' in rows 3, 6); each respondent needs a unique id ({d}/s.csv, row 3, column id)"),
    ("output is the input", "weight {d}/s.csv --margins {w}/margins_borgere.csv --id id -o {d}/s.csv", _sav_as_csv(dup=False),
     "refusing to overwrite an input file; choose another output path ({d}/s.csv)"),
    ("text in a multi item", "crosstab {d}/m.csv -c {d}/c.yaml -o {d}/o.xlsx --tidy {d}/o.csv", _multi(text=True),
     "multi-response column 't1' must hold 0 (not ticked) or 1 (ticked) (codebook tables[1]); found ja (row 3) ({d}/m.csv, column t1)"),
    ("municipality names", f"outcomes {{d}}/x.parquet -d {CUBB} -o {{d}}/o.xlsx", _dream("nykom2022", ["Aarhus"]),
     "1 values in municipality column are not codes ('Aarhus'; rows 2); expected numeric municipality codes (e.g. 101), not names "
     "({d}/x.parquet, row 2, column nykom2022)"),
    ("birth date unknown", f"outcomes {{d}}/x.parquet -d {CUBB} -o {{d}}/o.xlsx --tidy {{d}}/o.csv", _dream("foed_dato", ["ukendt", "?"]),
     "2 values in birth date column are not dates ('ukendt', '?'; rows 2, 3); expected dates such as 1980-12-24, 24-12-1980, "
     "24.12.1980, 24/12/1980, 19801224 or 241280; leave unknown dates blank ({d}/x.parquet, row 2, column foed_dato)"),
    ("sex as text", f"outcomes {{d}}/x.parquet -d {CUBB} -o {{d}}/o.xlsx", _dream("kon", ["ukendt"]),
     "1 values in sex column are not codes ('ukendt'; rows 2); expected DST's 1 (man) / 2 (woman), or M/K, Mand/Kvinde, Male/Female "
     "({d}/x.parquet, row 2, column kon)"),
    ("week code too large", f"outcomes {{d}}/x.csv -d {CUBB} -o {{d}}/o.xlsx", _dream_csv("y_2010", 40000),
     "benefit code 40000 outside 1-999 ({d}/x.csv, row 6, column y_2010)"),
    ("week code a fraction", f"outcomes {{d}}/x.csv -d {CUBB} -o {{d}}/o.xlsx", _dream_csv("y_2010", 730.5),
     "benefit code 730.5 is not a whole number ({d}/x.csv, row 6, column y_2010)"),
    ("grad quoted as written", f"outcomes {{d}}/x.csv -d {CUBB} -o {{d}}/o.xlsx", _dream_csv("grad_2020_01", "1.234,5"),
     "non-numeric employment degree '1.234,5' ({d}/x.csv, row 6, column grad_2020_01)"),
    ("ids equal as numbers", "crosstab {d}/s.csv -w {d}/w.csv -o {d}/o.xlsx", _ids_017_and_17,
     "1 ids are written differently in the data and in {d}/w.csv (e.g. '8' and '0008'): equal as numbers, different as text; "
     "ids are matched exactly as written, so export both files with the same ids (leading zeros kept) ({d}/s.csv, column id)"),
    ("percent column above 100", "model {w}/model.yaml -r {d}/r.csv -o {d}/o.xlsx", _register_maal2(130.0),
     "column 'maal2' is marked percent: true but holds 130 (municipality 101); expected shares 0-1 or percentages 0-100 for "
     "every municipality ({d}/r.csv, column maal2)"),
    # options out of range, unknown options, missing arguments: one line naming the command's help, not typer's box
    ("trim nan", WEIGHT + " --trim nan", _nothing,
     "--trim 'nan': give finite numbers (nan and inf cap nothing); leave --trim out for no trimming"),
    ("trim bound inf", WEIGHT + " --trim 0.3:inf", _nothing,
     "--trim '0.3:inf': give finite numbers (nan and inf cap nothing); leave --trim out for no trimming"),
    ("trim negative", WEIGHT + " --trim -3", _nothing, "--trim '-3': the factor must exceed 1 (weights are capped at K × the median weight)"),
    ("max-iter 0", WEIGHT + " --max-iter 0", _nothing,
     "Invalid value for '--max-iter': Input should be greater than or equal to 1; see 'toolkit weight --help'"),
    ("threshold 0", f"outcomes {{w}}/data/dream.parquet -d {CUBB} -o {{d}}/o.xlsx --threshold 0", _nothing,
     "Invalid value for '--threshold': Input should be greater than or equal to 1; see 'toolkit outcomes --help'"),
    ("unknown option", WEIGHT + " --bogus", _nothing, "No such option: --bogus (Possible options: --out); see 'toolkit weight --help'"),
    ("missing argument", "weight --id id", _nothing, "Missing argument 'data'; see 'toolkit weight --help'"),
    ("unknown command", "weigth x", _nothing, "No such command 'weigth'. Did you mean 'weight'?; see 'toolkit --help'"),
    # check refuses whatever report would refuse, with the same line, before report runs anything
    *[(f"{cmd}: {name}", cmd + " {d}/wave.yaml" + (" --out {d}/o.xlsx" if cmd == "report" else ""), _wave(*change), message)
      for name, change, message in [
          ("profile quarter not observed", [("- profile: {}", '- profile: {quarter: "2030Q1"}')],
           "chapters[5].items[1].profile.quarter: quarter 1. kvt. 2030 is outside the observed quarters 3. kvt. 2021 – "
           "4. kvt. 2022 ({w}/data/dream.parquet)"),
          ("weights of an unweighted survey", [("- weights: {survey: borgere}", "- weights: {survey: ledere}")],
           "chapters[1].items[1].weights.survey: survey 'ledere' has no weights section (surveys.ledere.weights), so it has "
           "no weighting diagnostics ({d}/wave.yaml)"),
          ("reference month outside the window", [('reference_month: "2023-12"', 'reference_month: "2025-06"')],
           "parameters.reference_month: 2025-06 must lie inside target_group.window (2020-01 to 2023-12), by the rules of "
           "cubb.yaml (target2.reference_month) ({d}/wave.yaml)"),
          ("two chapters numbered 1", [("- number: 2\n", "- number: 1\n")],
           "chapters[2].number: chapter number 1 is also chapters[1]'s; each chapter needs its own number ({d}/wave.yaml)"),
          ("programme municipality unknown", [("[657, 661, 740, 820]", "[657, 661, 740, 999]")],
           "parameters.programme_municipalities[4]: 999 is not a municipality code (the municipality list has no 999) "
           "({d}/wave.yaml)"),
      ] for cmd in ("check", "report")],
    ("check: no wave file", "check {d}/nowave.yaml", _nothing, "file not found ({d}/nowave.yaml)"),  # the path once
    ("report: no wave file", "report {d}/nowave.yaml --out {d}/o.xlsx", _nothing, "file not found ({d}/nowave.yaml)"),
]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command, build, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_exit_2_nothing_written(
    command: str, build: Callable[[Path, Path], None], expected: str, tmp_path: Path, demo_wave_dir: Path, cli
) -> None:
    build(demo_wave_dir, tmp_path)
    before, wave_before = _digest(tmp_path), _digest(demo_wave_dir)
    code, out, err = cli(*[a.format(d=tmp_path, w=demo_wave_dir) for a in command.split()])
    lines = [ln for ln in err.splitlines() if not ln.startswith("warning:")]
    message = expected.format(d=tmp_path, w=demo_wave_dir)
    assert code == 2 and len(lines) == 1, err
    if message.endswith("…"):
        assert lines[0].startswith("error: " + message[:-1]), lines[0]
    else:
        assert lines[0] == "error: " + message
    assert _digest(tmp_path) == before  # no output (or temp file) left, the inputs untouched
    assert _digest(demo_wave_dir) == wave_before
