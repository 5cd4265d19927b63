"""A run's inputs passed as `Inputs.later`: the extract's hash, running on its own thread, is waited
for only when the run lists its inputs at the end – not while the arguments are evaluated, which
made the outcomes and profile commands hash the whole extract before their pass began."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import toolkit.pipeline.inputs as inputs_module
from toolkit.pipeline.inputs import Inputs
from toolkit.read.tabular import sha256


def test_later_waits_for_the_hash_only_when_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "dream.csv"
    p.write_text("pnr;y_2001\nP1;1\n", encoding="utf-8")
    release, started = threading.Event(), threading.Event()

    def slow_hash(path: str | Path) -> str:
        started.set()
        assert release.wait(10), "the test released the hash"
        return sha256(path)

    monkeypatch.setattr(inputs_module, "sha256", slow_hash)
    inputs = Inputs()
    inputs.record(p, background=True)
    assert started.wait(10)
    # what a command passes as the run's inputs, taken while the hash runs: were it the list, this
    # line would wait for the hash, which waits for the release below (the hash then fails after 10 s)
    later = inputs.later
    release.set()  # the run's work done
    got = list(later)
    assert [(i.path, i.sha256) for i in got] == [(p, sha256(p))]
    assert len(later) == 1 and later[0].sha256 == sha256(p)
