"""Benchmark `toolkit weight`'s raking against peers: ipfn, weightipy, samplics, and a naive unit-level IPF.

Run:  .venv/bin/python benchmarks/bench_weight.py [--sizes 1000 1000000] [--repeat 5]
Peers that are not installed are skipped (samplics and weightipy are not project dependencies:
install them into a throwaway venv to include them, e.g.
    python -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install -e '.[test]' samplics weightipy
    /tmp/benchvenv/bin/python benchmarks/bench_weight.py).
4 weighting variables with 4 × 6 × 2 × 5 categories, respondents drawn with a response bias so
the weights vary; every method rakes to relative tolerance ~1e-12. Prints the median time of
`--repeat` runs (samplics: one run at n ≥ 100,000), the ratio to toolkit, and the largest relative
difference of each peer's weights from toolkit's.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform
import statistics
import time
import warnings
from typing import Callable

import numpy as np
import pandas as pd

from toolkit.config.margins import margins_from_frame
from toolkit.read.tabular import Dataset
from toolkit.survey.weighting import rake, weight_dataset

SIZES = (4, 6, 2, 5)
TOL = 1e-12


def make_data(n: int, seed: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Codes drawn with unequal category probabilities; population targets drawn differently."""
    rng = np.random.default_rng(seed)
    codes = [rng.choice(k, n, p=(lambda p: p / p.sum())(rng.uniform(0.5, 2, k))) for k in SIZES]
    total = 10.0 * n
    targets = [(lambda t: t / t.sum() * total)(rng.uniform(0.5, 2, k)) for k in SIZES]
    return codes, targets


def toolkit_rake(codes, targets) -> np.ndarray:
    return rake(codes, targets, tol=TOL).weights


def toolkit_dataset(codes, targets) -> Callable[[], np.ndarray]:
    """End to end from a data frame of codes and a margins table (matching values to categories included)."""
    df = pd.DataFrame({f"v{j}": c.astype(float) for j, c in enumerate(codes)})
    rows = [(f"v{j}", str(k), float(t)) for j, tg in enumerate(targets) for k, t in enumerate(tg)]
    m = margins_from_frame(pd.DataFrame(rows, columns=["variable", "category", "target"]))
    ds = Dataset(df)
    return lambda: weight_dataset(ds, m, tol=TOL).weights


def naive_unit_ipf(codes, targets) -> np.ndarray:
    """The textbook loop over respondents (np.bincount per margin), no collapsing into cells."""
    w = np.ones(len(codes[0]))
    for _ in range(10_000):
        worst = 0.0
        for c, t in zip(codes, targets):
            adj = t / np.bincount(c, w, minlength=len(t))
            worst = max(worst, float(np.abs(adj - 1).max()))
            w *= adj[c]
        if worst < TOL:
            return w
    raise RuntimeError("naive IPF did not converge")


def ipfn_peer(codes, targets) -> np.ndarray:
    """ipfn on the 240-cell table; tabulating and expanding back to respondents included."""
    from ipfn import ipfn

    table = np.zeros(SIZES)
    np.add.at(table, tuple(codes), 1.0)
    with contextlib.redirect_stdout(io.StringIO()):  # ipfn prints
        fitted = ipfn.ipfn(table.copy(), [t.copy() for t in targets], [[j] for j in range(len(SIZES))],
                           convergence_rate=TOL, max_iteration=10_000, rate_tolerance=0).iteration()
    factor = np.divide(fitted, table, out=np.zeros(SIZES), where=table > 0)
    return factor[tuple(codes)]


def weightipy_peer(codes, targets) -> Callable[[], np.ndarray]:
    from weightipy import scheme_from_dict, weight_dataframe

    df = pd.DataFrame({f"v{j}": c for j, c in enumerate(codes)})
    scheme = scheme_from_dict({f"v{j}": {k: 100 * t / tg.sum() for k, t in enumerate(tg)} for j, tg in enumerate(targets)},
                              rim_params={"max_iterations": 10_000})

    def run() -> np.ndarray:
        with contextlib.redirect_stdout(io.StringIO()):
            return weight_dataframe(df, scheme)["weights"].to_numpy(float)
    return run


def samplics_peer(codes, targets) -> Callable[[], np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics warns on import that it is archived
        from samplics.weighting import SampleWeight
    margins = {f"v{j}": c for j, c in enumerate(codes)}
    control = {f"v{j}": {k: float(t) for k, t in enumerate(tg)} for j, tg in enumerate(targets)}
    n = len(codes[0])
    return lambda: SampleWeight().rake(samp_weight=np.ones(n), margins=margins, control=control, tol=TOL, ctrl_tol=TOL, max_iter=1000)


def timed(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference after scaling both to the same total (weightipy returns mean-1 weights)."""
    return float(np.max(np.abs((a / a.sum()) / (b / b.sum()) - 1)))


def margin_error(codes, targets, w) -> float:
    w = w / w.sum() * sum(targets[0])
    return max(float(np.max(np.abs(np.bincount(c, w, minlength=len(t)) / t - 1))) for c, t in zip(codes, targets))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip", nargs="*", default=[], help="peers to leave out (samplics, weightipy, ipfn, naive)")
    args = ap.parse_args()
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; median of {args.repeat}")
    for n in args.sizes:
        codes, targets = make_data(n)
        ref_time, ref = timed(lambda: toolkit_rake(codes, targets), args.repeat)
        print(f"\nn = {n:,}  (4 variables, {np.prod(SIZES)} cells)")
        print(f"  {'method':<34}{'seconds':>10}{'× toolkit':>11}{'max rel. weight diff':>22}{'max margin error':>18}")
        print(f"  {'toolkit rake (cells)':<34}{ref_time:>10.4f}{1:>11.2f}{'reference':>22}{margin_error(codes, targets, ref):>18.1e}")
        peers: list[tuple[str, Callable[[], Callable[[], np.ndarray]], int]] = [
            ("toolkit weight_dataset (frame)", lambda: toolkit_dataset(codes, targets), args.repeat),
            ("naive", lambda: (lambda: naive_unit_ipf(codes, targets)), args.repeat),
            ("ipfn", lambda: (lambda: ipfn_peer(codes, targets)), args.repeat),
            ("weightipy", lambda: weightipy_peer(codes, targets), args.repeat),
            ("samplics", lambda: samplics_peer(codes, targets), 1 if n >= 100_000 else args.repeat),
        ]
        for name, setup, repeat in peers:
            if name in args.skip:
                continue
            label = {"naive": "naive unit-level numpy IPF", "ipfn": "ipfn 240-cell table (+tabulate)"}.get(name, name)
            try:
                fn = setup()
            except ImportError:
                print(f"  {label:<34}{'not installed – skipped':>40}")
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, w = timed(fn, repeat)
            print(f"  {label:<34}{t:>10.4f}{t / ref_time:>11.2f}{rel_diff(w, ref):>22.1e}{margin_error(codes, targets, w):>18.1e}")


if __name__ == "__main__":
    main()
