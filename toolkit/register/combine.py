"""Per-batch results of the register analyses combined: per-person results joined in batch order,
per-municipality sums added – so a streamed read gives exactly the result of the whole extract."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, Sequence, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


def concat(parts: Sequence[T]) -> T:
    """Batches' per-person results joined in batch order: arrays and frames along persons (nested
    results too); every other field (window, labels, quarters) is the same in each batch, taken from the first."""
    first: Any = parts[0]
    if len(parts) == 1:
        return first  # type: ignore[no-any-return]
    if isinstance(first, np.ndarray):
        return np.concatenate(parts)  # type: ignore[return-value]
    if isinstance(first, pd.DataFrame):
        frames = [p for p in parts if len(p)] or [first]  # type: ignore[arg-type]
        return pd.concat(frames, ignore_index=True)  # type: ignore[return-value]
    if isinstance(first, tuple):
        return tuple(concat([p[k] for p in parts]) for k in range(len(first)))  # type: ignore[return-value]
    if is_dataclass(first):
        out = {}
        for f in fields(first):
            v = getattr(first, f.name)
            if v is not None and (isinstance(v, (np.ndarray, pd.DataFrame)) or is_dataclass(v)):
                out[f.name] = concat([getattr(p, f.name) for p in parts])
        return replace(first, **out)  # type: ignore[no-any-return]
    return first  # type: ignore[no-any-return]


def add_by_key(keys: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows keyed by (unique) codes in each part → the sorted union of codes and the summed rows.

    Sums of whole numbers (counts held as float64) are exact in any order, so batches add up to
    the single pass's result exactly."""
    union = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int32)
    first = values[0]
    total = np.zeros((len(union), *first.shape[1:]), dtype=first.dtype)
    for k, v in zip(keys, values):
        total[np.searchsorted(union, k)] += v
    return union, total
