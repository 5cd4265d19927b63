"""The Excel template: validated like every configuration file; a custom one overrides key by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.config.template import load_template
from toolkit.core.errors import ConfigError
from toolkit.core.table import Kind


def test_shipped_template_is_valid_and_complete() -> None:
    t = load_template()
    assert t["font"] == "Calibri" and t["title"]["color"] == "1F3864" and t["formats"]["percent"] == "0.0 %"
    assert t["page"] == {"orientation": "landscape", "paper": "A4", "fit_width": True}


def test_custom_template_problems_are_all_listed(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("font_size: 11\ntitle: {bold: true, colour: 1F3864}\nbody: {fill: grey}\nformats: {percnt: '0 %'}\n"
                 "page: {orientation: sideways}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_template(p)
    assert str(e.value).splitlines() == [
        f"5 problems in {p}:",
        "  font_size: unknown key 'font_size'; did you mean 'size'?",
        "  title.colour: unknown key 'colour'; did you mean 'color'?",
        "  body.fill: expected an RGB hex colour such as 1F3864, got 'grey'",
        f"  formats.percnt: 'percnt' is not allowed; use one of: {', '.join(k.value for k in Kind)} (did you mean 'percent'?)",
        "  page.orientation: 'sideways' is not allowed; use one of: landscape, portrait",
    ]


def test_custom_template_overrides_key_by_key(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("body: {fill: 404040}\nformats: {percent: '0.00 %'}\ncolumn_width: {stub: 60}\n", encoding="utf-8")
    t = load_template(p)
    assert t["body"] == {"fill": "404040"}  # an unquoted colour of digits is read as its text
    assert t["formats"]["percent"] == "0.00 %" and t["formats"]["count"] == "#,##0"
    assert t["column_width"] == {"stub": 60, "body": 13, "max_stub": 70}
    assert t["font"] == "Calibri"
