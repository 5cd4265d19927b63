"""Remembered SHA-256 digests: reused only for the same, unchanged file; never a wrong digest."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

import toolkit.read.digest_cache as dc
from toolkit.read.digest_cache import file_sha256


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of its own; every file large enough to be remembered, settled at once."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(folder))
    monkeypatch.setattr(dc, "MIN_BYTES", 0)
    monkeypatch.setattr(dc, "SETTLE_S", 0.0)
    return folder


def _hashing_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: object) -> str:
        raise AssertionError(f"hashed {path} again")
    monkeypatch.setattr(dc, "sha256", refuse)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "sha256").glob("*.json")) if (cache / "sha256").exists() else []


def test_remembered_for_the_same_file(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "dream.parquet"
    p.write_bytes(b"PAR1" + bytes(range(256)) * 40)
    want = hashlib.sha256(p.read_bytes()).hexdigest()
    assert file_sha256(p) == want
    assert len(_entries(cache)) == 1
    _hashing_forbidden(monkeypatch)
    assert file_sha256(p) == want  # not read again
    assert file_sha256(tmp_path / "." / "dream.parquet") == want  # the same file by another spelling of its path


def test_a_rewritten_file_is_hashed_again_even_with_its_size_and_times_kept(cache: Path, tmp_path: Path) -> None:
    p = tmp_path / "dream.csv"
    p.write_bytes(b"pnr;y_2001\n1;730\n")
    first = file_sha256(p)
    st = p.stat()
    time.sleep(0.05)  # past the kernel's coarse clock tick, as any real later write is
    p.write_bytes(b"pnr;y_2001\n1;731\n")  # same size
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))  # modification time set back: the status-change time moves on
    assert p.stat().st_size == st.st_size and p.stat().st_mtime_ns == st.st_mtime_ns
    assert file_sha256(p) == hashlib.sha256(b"pnr;y_2001\n1;731\n").hexdigest() != first


def test_a_file_copied_over_another_is_not_taken_for_it(cache: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"x;y\n1;2\n")
    b.write_bytes(b"x;y\n3;4\n")
    file_sha256(a)
    shutil.copy2(b, a)  # same size, b's modification time; a new status-change time
    assert file_sha256(a) == hashlib.sha256(b"x;y\n3;4\n").hexdigest()


def test_a_file_changed_just_before_it_was_hashed_is_not_remembered(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dc, "SETTLE_S", 3600.0)  # every file here was written within the hour
    p = tmp_path / "new.csv"
    p.write_bytes(b"a\n1\n")
    assert file_sha256(p) == hashlib.sha256(b"a\n1\n").hexdigest()
    assert _entries(cache) == []


def test_a_file_changed_while_it_was_hashed_is_not_remembered(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "growing.csv"
    p.write_bytes(b"a\n1\n")
    real = dc.sha256

    def while_appended(path: Path) -> str:
        digest = real(path)
        with open(p, "ab") as f:
            f.write(b"2\n")
        return digest
    monkeypatch.setattr(dc, "sha256", while_appended)
    file_sha256(p)
    assert _entries(cache) == []
    monkeypatch.setattr(dc, "sha256", real)
    assert file_sha256(p) == hashlib.sha256(b"a\n1\n2\n").hexdigest()


def test_small_files_and_a_switched_off_cache_are_hashed_every_time(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "defs.yaml"
    p.write_bytes(b"name: x\n")
    monkeypatch.setattr(dc, "MIN_BYTES", 1 << 20)
    assert file_sha256(p) == hashlib.sha256(b"name: x\n").hexdigest()
    monkeypatch.setattr(dc, "MIN_BYTES", 0)
    for off in ("off", "OFF", ""):
        monkeypatch.setenv("TOOLKIT_CACHE_DIR", off)
        assert file_sha256(p) == hashlib.sha256(b"name: x\n").hexdigest()
    assert _entries(cache) == []


@pytest.mark.parametrize("damage", ["{not json", '{"version": 1}', "[1, 2]", "wrong digest"])
def test_a_damaged_entry_is_passed_over(cache: Path, tmp_path: Path, damage: str) -> None:
    p = tmp_path / "dream.csv"
    p.write_bytes(b"pnr\n1\n")
    want = hashlib.sha256(b"pnr\n1\n").hexdigest()
    file_sha256(p)
    (entry,) = _entries(cache)
    if damage == "wrong digest":
        damage = entry.read_text(encoding="utf-8").replace(want, "0" * 63 + "g")
    entry.write_text(damage, encoding="utf-8")
    assert file_sha256(p) == want


def test_a_cache_that_cannot_be_written_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_CACHE_DIR", str(blocker))
    monkeypatch.setattr(dc, "MIN_BYTES", 0)
    monkeypatch.setattr(dc, "SETTLE_S", 0.0)
    p = tmp_path / "dream.csv"
    p.write_bytes(b"pnr\n1\n")
    assert file_sha256(p) == file_sha256(p) == hashlib.sha256(b"pnr\n1\n").hexdigest()
    assert blocker.read_text(encoding="utf-8") == "x"


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOOLKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert dc.cache_dir() == tmp_path / "toolkit" / "sha256"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dc.cache_dir() == tmp_path / "home" / ".cache" / "toolkit" / "sha256"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG specification says
    assert dc.cache_dir() == tmp_path / "home" / ".cache" / "toolkit" / "sha256"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)  # no home: '~' stays '~'
    assert dc.cache_dir() is None


def test_the_report_records_the_remembered_digest_of_its_extract(cache: Path, demo_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the read step every run shares (Inputs, the extract hashed on its own thread)."""
    from toolkit.pipeline.inputs import Inputs

    x = tmp_path / "dream.parquet"
    shutil.copyfile(demo_dir / "dream.parquet", x)
    want = hashlib.sha256(x.read_bytes()).hexdigest()
    first = Inputs()
    first.record(x, background=True)
    assert [i.sha256 for i in first.files] == [want]
    _hashing_forbidden(monkeypatch)
    again = Inputs()
    again.record(x, background=True)
    assert [i.sha256 for i in again.files] == [want]
