"""Work on threads with results in the order of the items: the register pass (batches analysed
while the next is read) and the CSV reader (byte ranges parsed side by side)."""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")


def ordered_map(fn: Callable[[Any], T], items: Iterator[Any], jobs: int) -> Iterator[T]:
    """fn over the items on `jobs` threads, results in the items' order, at most `jobs` items in
    flight besides the one being read (numpy and pyarrow release the GIL: reading overlaps the
    analysis of earlier batches). An error is raised in order: a batch's before a later read's."""
    if jobs <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(jobs) as pool:
        pending: deque[Any] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                del item
                if len(pending) >= jobs:
                    yield pending.popleft().result()
        except BaseException:
            for f in pending:  # an earlier batch's error comes first, as in a serial run
                f.result()
            raise
        while pending:
            yield pending.popleft().result()
