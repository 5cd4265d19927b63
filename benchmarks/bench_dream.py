"""Benchmark: the CUBB pipeline on a synthetic national-scale DREAM extract.

Generates N persons (default 1,000,000) × 4 years of weekly codes (2020-W01 … 2023-W52, 209
columns) and 48 monthly `grad` columns plus attributes, as Parquet and as a ';'-separated CSV,
then times `read_for` → monthly status → CUBB tables → disclosure control for each format in a
fresh process (so peak RSS is per run), and compares with a straightforward pandas long-format
implementation (melt + groupby) of target 1 on the first 100,000 persons – run in the same
process as toolkit's on the same subsample, which must give the same shares.

    .venv/bin/python benchmarks/bench_dream.py [--persons 1000000] [--folder /tmp/bench_dream]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.core.resources import registers_file  # noqa: E402

WEEKS = [(y, w) for y in range(2020, 2024) for w in range(1, date(y, 12, 28).isocalendar()[1] + 1)]
MONTHS = [(y, m) for y in range(2020, 2024) for m in range(1, 13)]
DEFS = f"""
name: Benchmark
codes: {registers_file('dream_codes.yaml')}
target_group:
  groups: [kontanthjaelp_aktivitetsparat, uddannelseshjaelp_aktivitetsparat]
  age: [18, 65]
  window: [2020-01, 2023-12]
municipalities:
  programme: {{657: Herning, 661: Holstebro, 740: Silkeborg, 820: Vesthimmerland}}
  programme_label: CUBB-kommuner
target1:
  exits:
    - {{label: Ordinært job, rule: job, show: false}}
    - {{label: Ordinær uddannelse, groups: [su, vus]}}
    - {{label: Fleks- eller skånejob, groups: [fleksjob, skaanejob]}}
    - {{label: Ledighedsydelse, groups: [ledighedsydelse]}}
    - {{label: Selvforsørgelse, rule: self_support}}
    - {{label: FØP, groups: [foertidspension]}}
    - {{label: Ressourceforløb, groups: [ressourceforloeb]}}
    - {{label: Ledig ved dataophør, rule: censored}}
    - {{label: Andet, rule: other}}
target2:
  reference_month: 2023-12
  exclude_groups: [su, vus, foertidspension, fleksjob, skaanejob, ledighedsydelse, doed, udrejst]
  exclude_activation: [loentilskud_privat, loentilskud_offentlig]
"""
STATES = np.array([730, 735, 737, 720, 130, 111, 890, 651, 783, 771, 740, 813, 0, 0, 0], np.int16)


def chunk(rng: np.random.Generator, start: int, b: int, kom: np.ndarray) -> pa.Table:
    """b persons: two benefit spells with a random switch week, blanks, grad in blank months."""
    W, M = len(WEEKS), len(MONTHS)
    s0 = STATES[rng.integers(0, len(STATES), b)]
    s1 = STATES[rng.integers(0, len(STATES), b)]
    switch = rng.integers(0, W, b)
    codes = np.where(np.arange(W)[None, :] < switch[:, None], s0[:, None], s1[:, None]).astype(np.int16)
    codes[rng.random((b, W)) < 0.03] = 0
    week_month = np.array([(date.fromisocalendar(y, w, 4).year - 2020) * 12 + date.fromisocalendar(y, w, 4).month - 1 for y, w in WEEKS])
    on = np.zeros((b, M), bool)
    for m in range(M):
        on[:, m] = (codes[:, week_month == m] > 0).any(axis=1)
    grad = np.where(~on & (rng.random((b, M)) < 0.6), rng.uniform(20, 100, (b, M)), np.where(rng.random((b, M)) < 0.05, rng.uniform(5, 30, (b, M)), np.nan))
    cols: dict[str, pa.Array] = {
        "pnr": pa.array([f"P{i:08d}" for i in range(start, start + b)]),
        "kon": pa.array(rng.integers(1, 3, b).astype(np.int8)),
        "foed_dato": pa.array([f"{y}-06-15" for y in rng.integers(1955, 2004, b)]),
        "herkomst": pa.array(rng.integers(1, 4, b).astype(np.int8)),
    }
    k = kom[rng.integers(0, len(kom), b)]
    for y in range(2020, 2024):
        cols[f"nykom{y}"] = pa.array(k.astype(np.int16))
    for j, (y, w) in enumerate(WEEKS):
        cols[f"y_{y % 100:02d}{w:02d}"] = pa.array(codes[:, j], mask=codes[:, j] == 0)
    for j, (y, m) in enumerate(MONTHS):
        cols[f"grad_{y}_{m:02d}"] = pa.array(grad[:, j].astype(np.float32), mask=np.isnan(grad[:, j]))
    return pa.table(cols)


def generate(folder: Path, n: int) -> None:
    rng = np.random.default_rng(7)
    kom = pd.read_csv(registers_file("municipalities.csv"))["kode"].to_numpy()
    pw = cw = None
    for start in range(0, n, 100_000):
        t = chunk(rng, start, min(100_000, n - start), kom)
        if pw is None:
            pw = pq.ParquetWriter(folder / "dream.parquet", t.schema)
            cw = pcsv.CSVWriter(folder / "dream.csv", t.schema, write_options=pcsv.WriteOptions(delimiter=";"))
        pw.write_table(t)
        cw.write_table(t)
    pw.close()
    cw.close()


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_toolkit(extract: Path, defs_path: Path) -> dict:
    """The full CUBB pipeline as `toolkit outcomes` runs it (without writing the workbook)."""
    from toolkit.config.definitions import load_definitions
    from toolkit.publish.disclosure import suppress
    from toolkit.register.extract import read_for
    from toolkit.register.outcomes import register_tables

    base_rss = rss_mb()
    c0 = cpu_s()
    t0 = time.perf_counter()
    defs = load_definitions(defs_path)
    reg = read_for(extract, defs)
    t1 = time.perf_counter()
    tables = register_tables(reg, defs)
    suppress(tables)
    t2 = time.perf_counter()
    return {"read_s": t1 - t0, "compute_s": t2 - t1, "total_s": t2 - t0, "cpu_s": cpu_s() - c0, "persons": reg.n,
            "peak_rss_mb": rss_mb(), "base_rss_mb": base_rss,
            "job": [c.value for c in tables[0].cells[0]], "wage": [c.value for c in tables[0].cells[1]]}


def naive(extract: Path, n: int) -> dict:
    """Target 1 the straightforward way: melt to one row per person-week, groupby, merge."""
    t0 = time.perf_counter()
    weeks = [f"y_{y % 100:02d}{w:02d}" for y, w in WEEKS]
    grads = [f"grad_{y}_{m:02d}" for y, m in MONTHS]
    df = pq.ParquetFile(extract).read_row_group(0).slice(0, n).select(["pnr", "foed_dato", "nykom2020", "nykom2021", "nykom2022", "nykom2023"] + weeks + grads).to_pandas()
    wmonth = {f"y_{y % 100:02d}{w:02d}": date.fromisocalendar(y, w, 4).year * 12 + date.fromisocalendar(y, w, 4).month - 1 for y, w in WEEKS}
    long = df.melt(id_vars=["pnr"], value_vars=weeks, var_name="col", value_name="code").dropna(subset=["code"])
    long["month"] = long["col"].map(wmonth)
    birth = pd.to_datetime(df.set_index("pnr")["foed_dato"])
    long["age"] = (long["month"] - long["pnr"].map(birth.dt.year * 12 + birth.dt.month - 1)) // 12
    target = long[long["code"].between(720, 739) & long["age"].between(18, 65)]
    first = target.groupby("pnr")["month"].min()
    last = target.groupby("pnr")["month"].max()
    benefit = long[~long["code"].isin([997, 999])].groupby(["pnr", "month"]).size().rename("weeks").reset_index()
    g = df.melt(id_vars=["pnr"], value_vars=grads, var_name="col", value_name="grad")
    g["month"] = g["col"].str[5:9].astype(int) * 12 + g["col"].str[10:12].astype(int) - 1
    g = g[g["grad"] > 0]
    end = np.minimum(2023 * 12 + 11, last.index.map(birth.dt.year * 12 + birth.dt.month - 1 + 12 * 66 - 1).to_numpy())
    ex = pd.DataFrame({"pnr": last.index, "month": last.to_numpy() + 1, "end": end})
    ex = ex.merge(benefit, on=["pnr", "month"], how="left").merge(g[["pnr", "month", "grad"]], on=["pnr", "month"], how="left")
    ex["job"] = (ex["month"] <= ex["end"]) & ex["weeks"].isna() & ex["grad"].notna()
    tm = target[["pnr", "month"]].drop_duplicates().merge(g[["pnr", "month"]], on=["pnr", "month"])
    wage = pd.Series(True, index=tm["pnr"].unique())
    res = ex.set_index("pnr")[["job"]]
    res["wage"] = res.index.isin(wage.index)
    kom = df.set_index("pnr")
    res["kom"] = [kom.at[p, f"nykom{m // 12}"] for p, m in zip(res.index, first.reindex(res.index))]
    prog = res["kom"].isin([657, 661, 740, 820])
    out = {}
    for name, mask in (("rest", ~prog), ("prog", prog)):
        r = res[mask]
        out[name] = (r["job"].mean(), (r["wage"] & ~r["job"]).mean())
    t1 = time.perf_counter()
    return {"total_s": t1 - t0, "persons": len(res), "job": [out["rest"][0], out["prog"][0]], "wage": [out["rest"][1], out["prog"][1]]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--folder", type=Path, default=Path("/tmp/bench_dream"))
    ap.add_argument("--stage", default="all")
    ap.add_argument("--naive-persons", type=int, default=100_000)
    a = ap.parse_args()
    a.folder.mkdir(parents=True, exist_ok=True)
    defs = a.folder / "bench.yaml"
    defs.write_text(DEFS, encoding="utf-8")
    if a.stage in ("parquet", "csv"):
        print(json.dumps(run_toolkit(a.folder / f"dream.{a.stage}", defs)))
        return
    if a.stage == "compare":
        sub = a.folder / "sub.parquet"
        pq.write_table(pq.ParquetFile(a.folder / "dream.parquet").read_row_group(0).slice(0, a.naive_persons), sub)
        ours = run_toolkit(sub, defs)
        base = naive(a.folder / "dream.parquet", a.naive_persons)
        print(json.dumps({"ours": ours, "naive": base, "peak_rss_mb": rss_mb()}))
        return
    t = time.perf_counter()
    if not (a.folder / "dream.parquet").exists() or pq.ParquetFile(a.folder / "dream.parquet").metadata.num_rows != a.persons:
        generate(a.folder, a.persons)
    print(f"generated {a.persons:,} persons × {len(WEEKS)} weeks + {len(MONTHS)} months in {time.perf_counter() - t:.1f} s "
          f"(Parquet {(a.folder / 'dream.parquet').stat().st_size / 1e6:.0f} MB, CSV {(a.folder / 'dream.csv').stat().st_size / 1e6:.0f} MB)")
    res = {}
    for stage in ("parquet", "csv", "compare"):
        r = subprocess.run([sys.executable, __file__, "--stage", stage, "--folder", str(a.folder), "--persons", str(a.persons),
                            "--naive-persons", str(a.naive_persons)], capture_output=True, text=True)
        if r.returncode:
            print(r.stderr)
            raise SystemExit(1)
        res[stage] = json.loads(r.stdout.strip().splitlines()[-1])
    import os

    print(f"load average during the runs (2 cores; other work inflates wall times): {os.getloadavg()[1]:.1f}")
    for fmt in ("parquet", "csv"):
        x = res[fmt]
        print(f"{fmt:8s}: read {x['read_s']:.1f} s + compute {x['compute_s']:.1f} s = {x['total_s']:.1f} s; "
              f"{x['persons'] / x['total_s']:,.0f} persons/s; CPU {x['cpu_s']:.1f} s; peak RSS {x['peak_rss_mb']:,.0f} MB "
              f"({x['base_rss_mb']:,.0f} MB after imports)")
    c = res["compare"]
    ours, base = c["ours"], c["naive"]
    same = np.allclose(ours["job"], base["job"]) and np.allclose(ours["wage"], base["wage"])
    print(f"compare on {a.naive_persons:,} persons (Parquet, in one process): toolkit {ours['total_s']:.2f} s "
          f"(all CUBB tables) vs pandas melt+groupby {base['total_s']:.2f} s (target 1 only): "
          f"{base['total_s'] / ours['total_s']:.1f}× faster; same shares: {same}; peak RSS of that process {c['peak_rss_mb']:,.0f} MB")
    p = res["parquet"]
    per = p["total_s"] / a.persons
    print(f"extrapolated to 5.3 million persons × 209 weeks (linear in persons): Parquet ≈ {per * 5.3e6:.0f} s, "
          f"CSV ≈ {res['csv']['total_s'] / a.persons * 5.3e6:.0f} s; peak memory ≈ "
          f"{(p['base_rss_mb'] + (p['peak_rss_mb'] - p['base_rss_mb']) / a.persons * 5.3e6) / 1024:.1f} GB")


if __name__ == "__main__":
    main()
