"""Danish number text in notes."""

from toolkit.core.fmt import dk, p_text


def test_decimal_comma_and_thousands_point() -> None:
    assert dk(0.5556, 3) == "0,556"
    assert dk(1234.56, 1) == "1234,6"
    assert dk(1234.56, 1, grouped=True) == "1.234,6"
    assert dk(1234, 0, grouped=True) == "1.234"


def test_shortest_and_general_forms() -> None:
    assert dk(95.0, None) == "95"
    assert dk(97.5, None) == "97,5"
    assert dk(0.98765, 4, notation="general") == "0,9877"
    assert dk(0.98, 4, notation="general") == "0,98"


def test_p_values() -> None:
    assert p_text(0.0123) == "p = 0,012"
    assert p_text(0.0004) == "p < 0,001"
    assert p_text(float("nan")) == "p kan ikke beregnes"
