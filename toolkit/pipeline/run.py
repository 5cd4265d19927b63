"""What every run function returns: its tables, its warnings as data, the inputs it used and the
parameters in force – the same object for a CLI command and for an item of the wave report."""

from __future__ import annotations

import warnings as _warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from toolkit.core.errors import ToolkitWarning
from toolkit.core.table import Table, keyed
from toolkit.pipeline.inputs import Input
from toolkit.publish.disclosure import Policy


@dataclass
class Part:
    """The tables of one unit of a run (one definitions file of `toolkit outcomes`, else the whole
    run). `key` names the unit ('' when the run has one), so a writer can keep units apart."""

    key: str
    tables: list[Table]


@dataclass
class Run:
    """One capability's result: tables by part, warnings for the user, inputs, parameters."""

    parts: list[Part] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    policy: Policy | None = None  # the disclosure rules its register tables were suppressed by (None: no register tables)

    @property
    def tables(self) -> list[Table]:
        return [t for p in self.parts for t in p.tables]

    def published(self, prefix: str = "", *, by_part: bool = False) -> list[Table]:
        """The tables keyed for one workbook: "<prefix>/<part>/<name>", the part's key only where the
        run has several parts (or `by_part`), so tables of several items or inputs never collide."""
        out: list[Table] = []
        for p in self.parts:
            key = "/".join(k for k in (prefix, p.key if by_part or len(self.parts) > 1 else "") if k)
            out += keyed(p.tables, key) if key else p.tables
        return out


def unique(messages: Sequence[str]) -> list[str]:
    """The messages without repeats, in order."""
    return list(dict.fromkeys(messages))


@contextmanager
def caught_warnings(into: list[str]) -> Iterator[None]:
    """Collect the ToolkitWarnings raised inside the block as messages (runs never print);
    other warnings pass on unchanged."""
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always", ToolkitWarning)
        yield
    for w in caught:
        if issubclass(w.category, ToolkitWarning):
            into.append(str(w.message))
        else:
            _warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def policy_parameters(policy: Policy) -> dict[str, Any]:
    """The disclosure rules as run parameters (for the provenance sheet)."""
    return {"threshold": policy.threshold, "disclosure_zeros": policy.zeros, "disclosure_complements": policy.complements}


def mark_register(tables: list[Table]) -> list[Table]:
    """Flag tables built from register data, so disclosure control applies to them."""
    for t in tables:
        t.register = True
    return tables
