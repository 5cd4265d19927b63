"""The extract's pool: pyarrow's jemalloc on Linux (a lower peak than the default mimalloc), a
pool the user chose through ARROW_DEFAULT_MEMORY_POOL left alone. In fresh interpreters: the pool
is process-wide."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

SHOW = "import pyarrow as pa; from toolkit.read.batches import arrow_pool; arrow_pool(); print(pa.default_memory_pool().backend_name)"


def pool_in_fresh_process(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", SHOW], env={**clean, **env}, capture_output=True, text=True, check=True)
    assert out.stderr == ""  # no warning about an unknown backend
    return out.stdout.strip()


def jemalloc_built() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux") or not jemalloc_built(), reason="jemalloc is in pyarrow's Linux wheels")
def test_jemalloc_is_used_on_linux() -> None:
    assert pool_in_fresh_process() == "jemalloc"


def test_a_pool_the_user_chose_is_kept() -> None:
    assert pool_in_fresh_process(ARROW_DEFAULT_MEMORY_POOL="system") == "system"
