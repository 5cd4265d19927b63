"""Benchmark: the register commands on a national-shaped DREAM extract, and CUBB target 1 by the peers.

The extract is `toolkit demo-dream`'s, as wide as the national one (`--history-from 1991`: weekly
codes from week 32 of 1991, grad from 2008; 1,928 columns), written once per size as Parquet and
as a ';'-separated CSV with decimal commas. Each measurement runs in a fresh process under
`/usr/bin/time` (wall, CPU, peak RSS of that process alone):

- the toolkit as a user runs it: `toolkit outcomes -d cubb`, `-d nychance`, `toolkit profile -d
  nychance`, and `toolkit report` of the demo wave with its extract replaced (every chapter: CUBB,
  NY CHANCE, profile and model on the register, and the surveys) – workbook and tidy CSV included;
- CUBB target 1 (ordinary job at an exit, wage hours during the target group; registers/cubb.yaml)
  three ways: the toolkit's run function (`run_outcomes(..., tables="cubb")`: targets 1 and 2, every
  exit category, chi-square notes, disclosure control, no workbook), a polars query and a DuckDB
  query written as a strong analyst would (wide expressions over the month's week columns, no
  unpivot). Their counts per column (rest of the country / programme municipalities) must equal
  the toolkit's exactly, and the shares the tidy CSV of `toolkit outcomes -d cubb` publishes.

The extract's SHA-256 (for the provenance sheet) is remembered between runs (`read/digest_cache`):
each size and format gets a fresh cache holding it, as after a user's first run; the rows marked
"digest computed" run without it and hash the whole file, as a first run does.

Figures are extrapolated linearly in persons to the national 5.3 million.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/bench_register.py                      # 1 M and 2 M persons (long)
    .venv/bin/python benchmarks/bench_register.py --persons 200000     # a quick run
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = 5_300_000
TOOLKIT = [sys.executable, "-m", "toolkit"]
COMMANDS = {  # name → toolkit arguments ({x} the extract, {o} the output stem, {w} the wave file)
    "outcomes cubb": ["outcomes", "{x}", "-d", "cubb", "--out", "{o}.xlsx", "--tidy", "{o}.csv"],
    "outcomes nychance": ["outcomes", "{x}", "-d", "nychance", "--out", "{o}.xlsx", "--tidy", "{o}.csv"],
    "profile": ["profile", "{x}", "-d", "nychance", "--out", "{o}.xlsx", "--tidy", "{o}.csv"],
    "report (demo wave)": ["report", "{w}", "--out", "{o}.xlsx", "--tidy", "{o}.csv"],
    "report (demo wave), digest computed": ["report", "{w}", "--out", "{o}.xlsx", "--tidy", "{o}.csv"],
}
COMPUTED = "digest computed"  # these runs hash the extract (TOOLKIT_CACHE_DIR=off), the others find its SHA-256 remembered
PEERS = ("toolkit", "polars", "duckdb")


# ------------------------------------------------------------------ CUBB target 1: the definitions
def target1_spec() -> dict:
    """What target 1 needs, read from the shipped registers/cubb.yaml and its code list (as lists)."""
    from toolkit.config.definitions import load_definitions
    from toolkit.core.calendar import month_index, thursday_month, weeks_in_year
    from toolkit.core.resources import definitions_file

    defs = load_definitions(definitions_file("cubb"))
    s, codes = defs.spec, defs.codes
    tg, emp, mu = s.target_group, s.employment, s.municipalities
    assert tg is not None and mu is not None and s.target1 is not None and tg.visitation is not None
    assert s.target1.exit_after == "each_spell" and s.target1.exits[0].rule == "job"  # job is the first rule
    assert emp.min_grad == 0 and emp.min_hours == 0  # employed = grad > 0
    glut, blut = codes.group_lut(), codes.benefit_lut()
    ids = lambda keys: set(codes.group_ids(keys).tolist())  # noqa: E731
    vis = ids(tg.visitation.groups)
    a, b = month_index(tg.window[0]), month_index(tg.window[1])
    weeks: dict[int, list[str]] = {m: [] for m in range(a, b + 1)}  # month → its week columns (by Thursday)
    for y in range(a // 12, b // 12 + 1):
        for w in range(1, weeks_in_year(y) + 1):
            if a <= thursday_month(y, w) <= b:
                weeks[thursday_month(y, w)].append(f"y_{y % 100:02d}{w:02d}")
    return {
        "window": (a, b), "age": tuple(tg.age), "weeks": weeks,
        "target": [c for c in range(1, len(glut)) if glut[c] in ids(tg.groups) - vis],
        "target_vis": [c for c in range(1, len(glut)) if glut[c] in vis], "vis_values": list(tg.visitation.values),
        "not_benefit": [c for c in range(1, len(glut)) if not blut[glut[c]]],  # codes outside the list are benefits
        "programme": [int(k) for k in mu.programme], "labels": (mu.rest_label, mu.programme_label),
    }


def grad(m: int) -> str:
    return f"grad_{m // 12}_{m % 12 + 1:02d}"


def visit(m: int) -> str:
    return f"visit{m % 12 // 3 + 1}kv{m // 12}"


def columns(spec: dict) -> dict[str, str]:
    """Column → type (for the CSV readers) of what target 1 reads."""
    a, b = spec["window"]
    cols = {"pnr": "str", "foed_dato": "str"}
    cols.update({f"nykom{y}": "int" for y in range(a // 12, b // 12 + 1)})
    cols.update({visit(m): "int" for m in range(a, b + 1, 3)})
    cols.update({w: "int" for ws in spec["weeks"].values() for w in ws})
    cols.update({grad(m): "float" for m in range(a, b + 1)})
    return cols


# ------------------------------------------------------------------ polars
def polars_target1(path: Path, spec: dict) -> dict:
    import polars as pl

    a, b = spec["window"]
    cols = columns(spec)
    if path.suffix == ".parquet":
        lf = pl.scan_parquet(path).select(list(cols))
    else:
        types = {"str": pl.String, "int": pl.Int16, "float": pl.Float64}
        lf = pl.scan_csv(path, separator=";", decimal_comma=True, schema_overrides={c: types[t] for c, t in cols.items()}).select(list(cols))
    birth = pl.col("foed_dato").str.slice(0, 4).cast(pl.Int32) * 12 + pl.col("foed_dato").str.slice(5, 2).cast(pl.Int32) - 1
    lf = lf.with_columns(lo=birth + 12 * spec["age"][0], end=pl.min_horizontal(pl.lit(b), birth + 12 * (spec["age"][1] + 1) - 1))
    tm, ben = {}, {}
    for m, ws in spec["weeks"].items():
        vis_ok = pl.col(visit(m)).is_in(spec["vis_values"]).fill_null(False)
        tm[m] = (pl.any_horizontal([pl.col(w).is_in(spec["target"]) | (pl.col(w).is_in(spec["target_vis"]) & vis_ok) for w in ws]).fill_null(False)
                 & (pl.col("lo") <= m) & (pl.col("end") >= m))
        ben[m] = pl.any_horizontal([pl.col(w).is_not_null() & ~pl.col(w).is_in(spec["not_benefit"]) for w in ws]).fill_null(False)
    emp = {m: (pl.col(grad(m)) > 0).fill_null(False) for m in spec["weeks"]}
    lf = lf.with_columns([tm[m].alias(f"t{m}") for m in tm] + [ben[m].alias(f"b{m}") for m in ben] + [emp[m].alias(f"e{m}") for m in emp])
    t = lambda m: pl.col(f"t{m}") if m in tm else pl.lit(False)  # noqa: E731
    months = list(tm)
    job = pl.any_horizontal([t(m) & ~t(m + 1) & (pl.col("end") >= m + 1) & ~pl.col(f"b{m + 1}") & pl.col(f"e{m + 1}") for m in months if m + 1 in tm])
    wage = pl.any_horizontal([t(m) & pl.col(f"b{m}") & pl.col(f"e{m}") for m in months])
    first = pl.coalesce([pl.when(t(m)).then(pl.lit(m)) for m in months])
    muni = pl.coalesce([pl.when(first // 12 == y).then(pl.col(f"nykom{y}")) for y in range(a // 12, b // 12 + 1)])
    out = (lf.filter(pl.any_horizontal([t(m) for m in months]))
           .select(prog=muni.is_in(spec["programme"]), job=job, wage=wage & ~job)
           .group_by("prog").agg(n=pl.len(), job=pl.col("job").sum(), wage=pl.col("wage").sum())
           .collect(engine="streaming"))
    return {("prog" if r["prog"] else "rest"): [int(r["job"]), int(r["wage"]), int(r["n"])] for r in out.iter_rows(named=True)}


# ------------------------------------------------------------------ DuckDB
def duckdb_target1(path: Path, spec: dict) -> dict:
    import duckdb

    a, b = spec["window"]
    cols = columns(spec)
    inlist = lambda xs: "(" + ", ".join(map(str, xs)) + ")"  # noqa: E731

    def among(col: str, codes: list[int]) -> str:  # code ranges as an analyst writes them (730-739, …)
        runs: list[list[int]] = []
        for c in sorted(codes):
            if runs and c == runs[-1][1] + 1:
                runs[-1][1] = c
            else:
                runs.append([c, c])
        return "(" + " OR ".join(f"{col} = {lo}" if lo == hi else f"{col} BETWEEN {lo} AND {hi}" for lo, hi in runs) + ")"
    if path.suffix == ".parquet":
        src = f"read_parquet('{path}')"
    else:
        types = {"str": "VARCHAR", "int": "SMALLINT", "float": "DOUBLE"}
        src = f"read_csv('{path}', delim=';', decimal_separator=',', header=true, types={{{', '.join(f'{c!r}: {types[t]!r}' for c, t in cols.items())}}})"
    age_lo, age_hi = spec["age"]
    birth = "(CAST(substr(foed_dato, 1, 4) AS INTEGER) * 12 + CAST(substr(foed_dato, 6, 2) AS INTEGER) - 1)"
    tm, parts = {}, []
    for m, ws in spec["weeks"].items():
        ok = inlist(spec["vis_values"])
        hit = " OR ".join(f"{among(w, spec['target'])} OR ({among(w, spec['target_vis'])} AND coalesce({visit(m)} IN {ok}, false))" for w in ws)
        tm[m] = f"t{m}"
        parts.append(f"(coalesce({hit}, false) AND lo <= {m} AND en >= {m}) AS t{m}")
        nb = spec["not_benefit"]
        parts.append(f"coalesce({' OR '.join(f'({w} IS NOT NULL AND NOT {among(w, nb)})' for w in ws)}, false) AS b{m}")
        parts.append(f"coalesce({grad(m)} > 0, false) AS e{m}")
    months = list(tm)
    job = " OR ".join(f"(t{m} AND NOT t{m + 1} AND en >= {m + 1} AND NOT b{m + 1} AND e{m + 1})" for m in months if m + 1 in tm)
    job = f"({job} OR false)"
    wage = " OR ".join(f"(t{m} AND b{m} AND e{m})" for m in months)
    first = "coalesce(" + ", ".join(f"CASE WHEN t{m} THEN {m} END" for m in months) + ")"
    muni = "CASE " + " ".join(f"WHEN {first} // 12 = {y} THEN nykom{y}" for y in range(a // 12, b // 12 + 1)) + " END"
    sql = f"""
    WITH base AS (SELECT {', '.join(cols)}, {birth} + {12 * age_lo} AS lo, least({b}, {birth} + {12 * (age_hi + 1) - 1}) AS en FROM {src}),
    flags AS MATERIALIZED (SELECT lo, en, {', '.join(f'nykom{y}' for y in range(a // 12, b // 12 + 1))}, {', '.join(parts)} FROM base),
    persons AS (SELECT ({muni}) IN {inlist(spec['programme'])} AS prog, {job} AS job, ({wage}) AND NOT {job} AS wage
                FROM flags WHERE {' OR '.join(f't{m}' for m in months)})
    SELECT prog, count(*) AS n, sum(job::INT) AS job, sum(wage::INT) AS wage FROM persons GROUP BY prog"""
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    rows = con.execute(sql).fetchall()
    return {("prog" if p else "rest"): [int(j), int(w), int(n)] for p, n, j, w in rows}


# ------------------------------------------------------------------ the toolkit's run function
def toolkit_target1(path: Path, spec: dict) -> dict:
    from toolkit.core.resources import definitions_file
    from toolkit.pipeline.inputs import Inputs
    from toolkit.pipeline.outcomes import run_outcomes

    inputs = Inputs()
    defs = inputs.definitions(definitions_file("cubb"))
    run = run_outcomes(inputs.extract(path, [defs]), [defs], tables="cubb", inputs=inputs.later)
    t = next(t for p in run.parts for t in p.tables if t.key.endswith("maal1_samlet"))
    out = {}
    for j, col in enumerate(("rest", "prog")):
        job, wage = t.cells[0][j], t.cells[1][j]
        out[col] = [int(job.n), int(wage.n), int(job.of)]  # type: ignore[arg-type]
    return out


# ------------------------------------------------------------------ measuring
def measured(cmd: list[str], cwd: Path | None = None, cache: str | Path = "off") -> dict:
    """Run a command under /usr/bin/time: wall and CPU seconds, peak RSS (MB) of that process tree's
    largest; `cache` is its TOOLKIT_CACHE_DIR (where the extract's SHA-256 is remembered, or "off")."""
    with tempfile.NamedTemporaryFile(suffix=".time") as f:
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", f.name, *cmd], capture_output=True, text=True, cwd=cwd,
                           env={**os.environ, "TOOLKIT_CACHE_DIR": str(cache)})
        wall = time.perf_counter() - t0
        if r.returncode:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-3000:]}")
        user, sys_, rss = Path(f.name).read_text().split()[-3:]
    return {"wall_s": wall, "cpu_s": float(user) + float(sys_), "rss_mb": int(rss) / 1024, "stdout": r.stdout}


def extract_for(folder: Path, n: int) -> dict[str, Path]:
    """The national-shaped extract of n persons (generated once: Parquet and CSV from the same persons)."""
    d = folder / f"{n}"
    paths = {f: d / f"dream.{f}" for f in ("parquet", "csv")}
    done = d / "complete"
    if not done.exists() or done.read_text() != str(n):
        from toolkit.demo.wave import write_demo_dream

        t = time.perf_counter()
        write_demo_dream(d, persons=n, formats=["parquet", "csv"], history_from=1991)
        done.write_text(str(n))
        print(f"generated {n:,} persons in {time.perf_counter() - t:.0f} s: Parquet {paths['parquet'].stat().st_size / 1e9:.1f} GB, "
              f"CSV {paths['csv'].stat().st_size / 1e9:.1f} GB", flush=True)
    return paths


def remembered(folder: Path, extract: Path) -> Path:
    """A fresh digest cache holding the extract's SHA-256, as after a user's first run on it: every
    measurement but the "digest computed" ones reads it from there instead of hashing the file."""
    import toolkit.read.digest_cache as dc

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    st = extract.stat()
    if st.st_size < dc.MIN_BYTES:
        print(f"# {extract.name} is below the digest cache's {dc.MIN_BYTES >> 20} MB: every run hashes it", flush=True)
        return folder
    time.sleep(max(0.0, max(st.st_mtime, st.st_ctime) + dc.SETTLE_S + 0.1 - time.time()))  # just written: let it settle
    old = os.environ.get("TOOLKIT_CACHE_DIR")
    os.environ["TOOLKIT_CACHE_DIR"] = str(folder)
    try:
        dc.file_sha256(extract)
    finally:
        if old is None:
            del os.environ["TOOLKIT_CACHE_DIR"]
        else:
            os.environ["TOOLKIT_CACHE_DIR"] = old
    if not list(folder.rglob("*.json")):
        raise SystemExit(f"the digest of {extract} was not remembered (written less than 2 s ago?)")
    return folder


def demo_wave(folder: Path, extract: Path) -> Path:
    """The demo wave with its register extract replaced by `extract`."""
    w = folder / "wave"
    if not (w / "wave.yaml").exists():
        subprocess.run([*TOOLKIT, "demo", str(w), "--force"], check=True, capture_output=True)
    text = (w / "wave.yaml").read_text(encoding="utf-8")
    (w / "wave.yaml").write_text(re.sub(r"(?m)^  extract: .*$", f"  extract: {extract}", text), encoding="utf-8")
    return w / "wave.yaml"


def tidy_shares(path: Path) -> dict:
    """Tabel 3.1.1 as the tidy CSV publishes it: column → [job %, wage %, N]."""
    out: dict[str, list[float]] = {}
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["table"].endswith("maal1_samlet") and r["row"] in ("Ordinært job", "Ordinære løntimer", "Antal personer"):
                out.setdefault(r["column"], []).append(float(r["value"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, nargs="+", default=[1_000_000, 2_000_000])
    ap.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "bench_register")
    ap.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    ap.add_argument("--commands", nargs="*", default=list(COMMANDS), choices=list(COMMANDS))
    ap.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS))
    ap.add_argument("--stage", choices=PEERS, help=argparse.SUPPRESS)  # one peer in this process
    ap.add_argument("--extract", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--keep", action="store_true", help="Keep the generated extracts (several GB).")
    a = ap.parse_args()
    if a.stage:
        spec = target1_spec()
        t0 = time.perf_counter()
        res = {"toolkit": toolkit_target1, "polars": polars_target1, "duckdb": duckdb_target1}[a.stage](a.extract, spec)
        print(json.dumps({"counts": res, "in_process_s": time.perf_counter() - t0}))
        return
    missing = [p for p in a.peers if p != "toolkit" and importlib.util.find_spec(p) is None]
    if missing:
        print(f"# skipping {', '.join(missing)}: not installed (pip install -e '.[bench]')")
        a.peers = [p for p in a.peers if p not in missing]
    a.folder.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    results = []
    for n in a.persons:
        paths = extract_for(a.folder, n)
        for fmt in a.formats:
            x = paths[fmt]
            runs: dict[str, dict] = {}
            cache = remembered(a.folder / "cache" / f"{n}_{fmt}", x)
            for name in a.commands:
                o = a.folder / f"out_{n}_{fmt}_{name.split()[0]}_{name.split()[-1].strip('()')}"
                args = [s.format(x=x, o=o, w=demo_wave(a.folder, x) if "{w}" in s else "") for s in COMMANDS[name]]
                r = measured([*TOOLKIT, *args], cache="off" if COMPUTED in name else cache)
                runs[name] = r
                if name == "outcomes cubb":
                    runs[name]["tidy"] = tidy_shares(Path(f"{o}.csv"))
                row = {"persons": n, "format": fmt, "what": name, **{k: v for k, v in r.items() if k in ("wall_s", "cpu_s", "rss_mb")}}
                results.append(row)
                print(json.dumps(row), flush=True)
            counts = {}
            for peer, label, where in [(p, p, cache) for p in a.peers] + [("toolkit", f"toolkit, {COMPUTED}", "off")] * ("toolkit" in a.peers):
                r = measured([sys.executable, __file__, "--stage", peer, "--extract", str(x)], cache=where)
                got = json.loads(r["stdout"].strip().splitlines()[-1])
                counts[peer] = got["counts"]
                row = {"persons": n, "format": fmt, "what": f"target 1: {label}", **{k: v for k, v in r.items() if k in ("wall_s", "cpu_s", "rss_mb")},
                       "in_process_s": got["in_process_s"]}
                results.append(row)
                print(json.dumps(row), flush=True)
            for peer in a.peers:  # the same persons and counts as the toolkit, and the shares the tidy CSV publishes
                if "toolkit" in counts and counts[peer] != counts["toolkit"]:
                    raise SystemExit(f"{peer} disagrees with the toolkit on {n:,} persons ({fmt}): {counts[peer]} vs {counts['toolkit']}")
            if "outcomes cubb" in runs and a.peers:
                tidy = runs["outcomes cubb"]["tidy"]
                some = counts[a.peers[0]]
                spec_labels = target1_spec()["labels"]
                for key, label in zip(("rest", "prog"), spec_labels):
                    job, wage, N = some[key]
                    pub = tidy[label]
                    worst = max(abs(pub[0] - round(100 * job / N, 1)), abs(pub[1] - round(100 * wage / N, 1)))
                    if pub[2] != N or worst > 1e-9:
                        raise SystemExit(f"the tidy CSV's Tabel 3.1.1 ({label}: {pub}) disagrees with {a.peers[0]}: {some[key]}")
            print(f"# {n:,} persons, {fmt}: the peers' counts agree exactly" + (" and the tidy CSV's shares (0.1 points) and N agree" if "outcomes cubb" in runs else ""), flush=True)
        if not a.keep:
            shutil.rmtree(a.folder / f"{n}")
            (a.folder / f"{n}").mkdir()
    (a.folder / "results.json").write_text(json.dumps(results, indent=1))
    report(results)
    print(f"# load average after: {os.getloadavg()[0]:.1f} (2 cores; other work on the machine inflates wall times)")


def report(results: list[dict]) -> None:
    """A Markdown table: each measurement, persons/s, and the linear extrapolation to 5.3 M persons."""
    print("\n| persons | format | what | wall s | CPU s | persons/s | peak RSS GB | 5.3 M: wall s | 5.3 M: RSS GB |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    sizes = sorted({r["persons"] for r in results})
    for r in results:
        same = [q for q in results if q["format"] == r["format"] and q["what"] == r["what"]]
        lo, hi = sorted(same, key=lambda q: q["persons"])[-2:] if len(same) > 1 else (r, r)
        # the line through the two largest sizes (fixed costs apart), else proportional to persons
        slope = lambda k: (hi[k] - lo[k]) / (hi["persons"] - lo["persons"]) if hi is not lo else -1  # noqa: E731
        wall5 = hi["wall_s"] + slope("wall_s") * (NATIONAL - hi["persons"]) if slope("wall_s") > 0 else hi["wall_s"] * NATIONAL / hi["persons"]
        rss5 = (hi["rss_mb"] + slope("rss_mb") * (NATIONAL - hi["persons"]) if slope("rss_mb") > 0 else hi["rss_mb"]) / 1024
        print(f"| {r['persons']:,} | {r['format']} | {r['what']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['persons'] / r['wall_s']:,.0f} | "
              f"{r['rss_mb'] / 1024:.2f} | {wall5:.0f} | {rss5:.1f} |")
    for n in sizes:
        for fmt in sorted({r["format"] for r in results}):
            t1 = {r["what"].split(": ")[1]: r for r in results if r["persons"] == n and r["format"] == fmt and r["what"].startswith("target 1")}
            if "toolkit" in t1 and len(t1) > 1:
                ratios = ", ".join(f"toolkit / {p} = {t1['toolkit']['wall_s'] / t1[p]['wall_s']:.2f} (wall), {t1['toolkit']['rss_mb'] / t1[p]['rss_mb']:.2f} (RSS)"
                                   for p in t1 if not p.startswith("toolkit"))
                print(f"- {n:,} persons, {fmt}, target 1: {ratios}")


if __name__ == "__main__":
    main()
