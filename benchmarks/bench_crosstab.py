"""Benchmark `toolkit crosstab`: 200 tables over 20,000 weighted respondents → Excel + tidy CSV.

Peer, measured in the same run: a plain loop of weighted ``pandas.crosstab`` and
``DataFrame.to_excel`` (one sheet per table, openpyxl) plus a long CSV – what an analyst would
write by hand, without titles, notes, N columns, tests or styling.

    .venv/bin/python benchmarks/bench_crosstab.py [--n 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.config.codebook import parse_codebook
from toolkit.publish.excel import Provenance, write_workbook
from toolkit.publish.tidy import write_tidy
from toolkit.read.tabular import Dataset
from toolkit.survey.crosstab import build_tables, weights_from_frame

GRAD = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}


def make_data(n: int, seed: int = 1) -> tuple[Dataset, pd.DataFrame, dict]:
    """n respondents: 120 single questions, 40 five-item batteries, 20 six-option multi sets, 20 two-way pairs."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {"id": np.arange(1, n + 1)}
    labels: dict[str, dict[float, str]] = {}
    tables: list[dict] = []
    for k in range(120):
        cols[f"s{k}"] = rng.integers(1, 6, n).astype(float)
        labels[f"s{k}"] = {float(c): v for c, v in GRAD.items()}
        tables.append({"type": "single", "variable": f"s{k}"})
    for k in range(40):
        items = [f"b{k}_{i}" for i in range(1, 6)]
        for it in items:
            cols[it] = rng.integers(1, 6, n).astype(float)
            labels[it] = {float(c): v for c, v in GRAD.items()}
        tables.append({"type": "battery", "items": items})
    for k in range(20):
        items = [f"m{k}_{i}" for i in range(1, 7)]
        for it in items:
            cols[it] = (rng.random(n) < 0.3).astype(float)
        tables.append({"type": "multi", "items": items})
    for k in range(20):
        tables.append({"type": "twoway", "row": f"s{2 * k}", "column": f"s{2 * k + 1}"})
    df = pd.DataFrame(cols)
    weights = pd.DataFrame({"id": df["id"], "weight": np.exp(rng.normal(0, 0.4, n))})
    return Dataset(df, None, {}, labels), weights, {"tables": tables}


def run_toolkit(ds: Dataset, weights: pd.DataFrame, codebook: dict, out: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    tables = build_tables({"data": ds}, parse_codebook(codebook), {"data": weights_from_frame(weights)})
    t1 = time.perf_counter()
    write_workbook(tables, out / "toolkit.xlsx", Provenance(command="bench"))
    write_tidy(tables, out / "toolkit.csv")
    t2 = time.perf_counter()
    assert len(tables) == 200
    return t1 - t0, t2 - t1


def run_pandas(ds: Dataset, weights: pd.DataFrame, codebook: dict, out: Path) -> tuple[float, float]:
    df = ds.data
    w = weights.set_index("id")["weight"].reindex(df["id"]).to_numpy()
    t0 = time.perf_counter()
    frames = []
    for spec in codebook["tables"]:
        if spec["type"] == "single":
            s = df[spec["variable"]]
            frames.append(pd.crosstab(s, "Procent", values=w, aggfunc="sum", normalize="columns"))
        elif spec["type"] == "battery":
            parts = [pd.crosstab(pd.Series(it, index=df.index), df[it], values=w, aggfunc="sum", normalize="index")
                     for it in spec["items"]]
            frames.append(pd.concat(parts))
        elif spec["type"] == "multi":
            x = df[spec["items"]]
            base = x.sum(axis=1) > 0
            frames.append(pd.DataFrame({"Procent": (x[base].mul(w[base], axis=0).sum() / w[base].sum())}))
        else:
            frames.append(pd.crosstab(df[spec["row"]], df[spec["column"]], values=w, aggfunc="sum", normalize="index", margins=True))
    t1 = time.perf_counter()
    with pd.ExcelWriter(out / "pandas.xlsx", engine="openpyxl") as xw:
        for k, f in enumerate(frames):
            f.to_excel(xw, sheet_name=f"T{k + 1}")
    long = pd.concat([f.stack().rename("value").reset_index().assign(table=k) for k, f in enumerate(frames)], ignore_index=True)
    long.to_csv(out / "pandas.csv", index=False)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ds, weights, codebook = make_data(args.n)
    results: dict[str, list[tuple[float, float]]] = {"toolkit": [], "pandas": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.repeat):
            results["toolkit"].append(run_toolkit(ds, weights, codebook, out))
            results["pandas"].append(run_pandas(ds, weights, codebook, out))
    print(f"200 tables (120 single, 40 batteries × 5 items, 20 multi × 6, 20 two-way), {args.n:,} weighted respondents; "
          f"median of {args.repeat}")
    med = {k: tuple(float(np.median([r[i] for r in v])) for i in range(2)) for k, v in results.items()}
    for k, (build, write) in med.items():
        print(f"  {k:8s} tables {build:6.2f} s   Excel + tidy CSV {write:6.2f} s   total {build + write:6.2f} s")
    tk, pdx = sum(med["toolkit"]), sum(med["pandas"])
    print(f"  ratio toolkit / pandas loop: tables {med['toolkit'][0] / med['pandas'][0]:.2f}×, "
          f"writing {med['toolkit'][1] / med['pandas'][1]:.2f}×, total {tk / pdx:.2f}×")


if __name__ == "__main__":
    main()
