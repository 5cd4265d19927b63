"""Benchmark: a 1,000,000-row weights CSV written by `write_csv` (pyarrow) and by pandas' `to_csv`,
which wrote it before; the bytes must be identical.

    .venv/bin/python benchmarks/bench_csv.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "publish"))

from test_csv_bytes import pandas_csv  # noqa: E402

from toolkit.publish.tidy import write_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    a, _ = ap.parse_known_args()
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"id": [f"R{i:07d}" for i in range(a.rows)], "weight": rng.lognormal(3, 1, a.rows)})
    tmp = Path(tempfile.mkdtemp(prefix="bench_csv_"))
    t0 = time.process_time()
    write_csv(frame, tmp / "new.csv")
    t1 = time.process_time()
    old = pandas_csv(frame, tmp / "old.csv")
    t2 = time.process_time()
    same = (tmp / "new.csv").read_bytes() == old
    print(f"weights CSV, {a.rows:,} rows (CPU s): pyarrow {t1 - t0:.2f} s, pandas to_csv {t2 - t1:.2f} s: "
          f"×{(t2 - t1) / (t1 - t0):.1f}; identical bytes: {same}")


if __name__ == "__main__":
    main()
