"""Benchmark: writing the demo wave's workbook – the writer as it was (NamedStyle objects assigned
to cells, every merge by `ws.merge_cells`) against the current one, and the two read back compared.

    .venv/bin/python benchmarks/bench_excel.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "publish"))

from test_excel_speed import fingerprint, reference_paths  # noqa: E402

from toolkit.config.wave import load_wave  # noqa: E402
from toolkit.demo.wave import write_demo_wave  # noqa: E402
from toolkit.pipeline.report import build_report, wave_policy  # noqa: E402
from toolkit.publish import excel  # noqa: E402
from toolkit.publish.audit import checked  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a, _ = ap.parse_known_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_excel_"))
    write_demo_wave(tmp / "wave")
    w = load_wave(tmp / "wave" / "wave.yaml")
    rep = build_report(w, lambda _: None)
    prov = excel.Provenance(command="toolkit report wave.yaml", inputs=rep.inputs, parameters=rep.parameters,
                            created=datetime(2026, 1, 1, tzinfo=timezone.utc))
    kw = {"chapters": {c.number: c.title for c in w.spec.chapters}, "disclosure": checked(rep.tables, wave_policy(w))}

    def timed(path: Path) -> tuple[float, float]:
        t0 = time.process_time()
        wb = excel.build_workbook(rep.tables, prov, **kw)
        t1 = time.process_time()
        wb.save(path)
        return t1 - t0, time.process_time() - t1

    res = {}
    for name in ("before", "after"):
        with pytest.MonkeyPatch.context() as mp:
            if name == "before":
                reference_paths(mp)
            runs = [timed(tmp / f"{name}.xlsx") for _ in range(a.repeat)]
        res[name] = (statistics.median(b for b, _ in runs), statistics.median(s for _, s in runs))
    same = fingerprint(tmp / "before.xlsx") == fingerprint(tmp / "after.xlsx")
    print(f"demo wave workbook, {len(rep.tables)} tables (CPU seconds, median of {a.repeat}; build = cells, styles, merges, layout):")
    for name, (b, s) in res.items():
        print(f"  {name:6s}: build {b:.2f} s + save {s:.2f} s = {b + s:.2f} s")
    (b0, s0), (b1, s1) = res["before"], res["after"]
    print(f"  build ×{b0 / b1:.2f}, build + save ×{(b0 + s0) / (b1 + s1):.2f}; read back identical: {same}")


if __name__ == "__main__":
    main()
