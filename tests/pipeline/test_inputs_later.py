"""A run's inputs passed as `Inputs.later` or `Inputs.of(...)`: the extract's hash, running on its
own thread, is waited for only when the run lists its inputs at the end – not while the arguments
are evaluated, which made the outcomes and profile commands (`later`) and a wave report's register
items (`of`: 1.1 s at 1 M persons, 2.7 s at 2 M) hash the whole extract before their pass began."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import toolkit.pipeline.inputs as inputs_module
from toolkit.pipeline.inputs import Inputs
from toolkit.read.tabular import sha256


@pytest.mark.parametrize("how", ["later", "of"])
def test_the_inputs_wait_for_the_hash_only_when_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    p = tmp_path / "dream.csv"
    p.write_text("pnr;y_2001\nP1;1\n", encoding="utf-8")
    other = tmp_path / "cubb.yaml"
    other.write_text("name: x\n", encoding="utf-8")
    release, started = threading.Event(), threading.Event()

    def slow_hash(path: str | Path) -> str:
        if Path(path) == p:
            started.set()
            assert release.wait(10), "the test released the hash"
        return sha256(path)

    monkeypatch.setattr(inputs_module, "file_sha256", slow_hash)
    inputs = Inputs()
    inputs.record(p, background=True)
    inputs.record(other)
    assert started.wait(10)
    # what a command passes as the run's inputs, taken while the hash runs: were it the list, this
    # line would wait for the hash, which waits for the release below (the hash then fails after 10 s)
    later = inputs.later if how == "later" else inputs.of(other, tmp_path / "never_read.csv", p, other)
    release.set()  # the run's work done
    got = list(later)
    want = [(p, sha256(p)), (other, sha256(other))]
    assert [(i.path, i.sha256) for i in got] == (want if how == "later" else want[::-1])  # of: in the order asked, each once
    assert len(later) == 2 and later[-1].sha256 == (sha256(other) if how == "later" else sha256(p))
