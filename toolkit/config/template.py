"""The Excel styling template (templates/ministry.yaml): fonts, fills, number formats, widths.

Validated by strict models like every other configuration file: an unknown key is refused with
the nearest valid name, colours must be RGB hex, and every problem is listed with its key path.
A custom template need only give the keys it changes; the rest come from the shipped one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, Field

from toolkit.config.base import Flag, Strict, Text, validate
from toolkit.config.yaml import read_yaml
from toolkit.core.resources import shipped
from toolkit.core.table import Kind


def _colour(v: str) -> str:
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", v):
        raise ValueError(f"expected an RGB hex colour such as 1F3864, got '{v}'")
    return v.upper()


Colour = Annotated[Text, AfterValidator(_colour)]
Size = Annotated[float, Field(gt=0)]
FormatKind = Literal[tuple(k.value for k in Kind)]  # type: ignore[valid-type]


class Style(Strict):
    bold: Optional[Flag] = None
    italic: Optional[Flag] = None
    size: Optional[Size] = None
    color: Optional[Colour] = None
    fill: Optional[Colour] = None
    border: Optional[Colour] = None


class ColumnWidth(Strict):
    stub: Size = 48
    body: Size = 13
    max_stub: Size = 70


class Page(Strict):
    orientation: Literal["landscape", "portrait"] = "landscape"
    paper: Literal["A4"] = "A4"
    fit_width: Flag = True


class TemplateModel(Strict):
    """A template file; every key is optional (a custom template overrides the shipped one key by key)."""

    font: Optional[Text] = None
    size: Optional[Size] = None
    title: Optional[Style] = None
    question: Optional[Style] = None
    header: Optional[Style] = None
    group: Optional[Style] = None
    body: Optional[Style] = None
    total_row: Optional[Style] = None
    note: Optional[Style] = None
    suppressed_mark: Optional[Text] = None
    formats: Optional[dict[FormatKind, Text]] = None
    column_width: Optional[ColumnWidth] = None
    page: Optional[Page] = None


def _read(path: Path) -> dict[str, Any]:
    m = validate(TemplateModel, read_yaml(path), path)
    out = m.model_dump(exclude_unset=True)
    for key in ("column_width", "page"):  # complete with their defaults: the writer reads every one
        if getattr(m, key) is not None:
            out[key] = getattr(m, key).model_dump()
    return out


def load_template(path: str | Path | None = None) -> dict[str, Any]:
    """The styling dictionary; a missing key falls back to the shipped template's value (number
    formats one by one: a template giving only `percent` keeps the shipped count format)."""
    default = shipped("templates", "ministry.yaml")
    base = _read(default)
    if path is None or Path(path) == default:
        return base
    custom = _read(Path(path))
    return {**base, **custom, "formats": {**base.get("formats", {}), **custom.get("formats", {})}}
