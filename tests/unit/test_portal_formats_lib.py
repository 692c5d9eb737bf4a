"""Numbers of the portal's tables formatted as Odoo's res.lang.format(grouping=True)."""

import pytest
from starlink_portal_lib.formats import intersperse, number_formatter, split_counts


@pytest.mark.parametrize(
    ("text", "counts", "expected"),
    [  # the examples of odoo.addons.base.models.res_lang.split
        ("hello world", [], ["hello world"]),
        ("hello world", [1], ["h", "ello world"]),
        ("hello world", [2, 0], ["he", "ll", "o ", "wo", "rl", "d"]),
        ("hello world", [2, 3], ["he", "llo", " world"]),
        ("hello world", [2, 3, 0], ["he", "llo", " wo", "rld"]),
        ("hello world", [2, -1, 3], ["he", "llo world"]),
    ],
)
def test_split_counts(text, counts, expected):
    assert split_counts(text, counts) == expected


@pytest.mark.parametrize(
    ("text", "counts", "separator", "expected"),
    [  # the examples of odoo.addons.base.models.res_lang.intersperse
        ("abc1234567xy", [2], ".", "abc1234567.xy"),
        ("abc1234567xy8", [2], ".", "abc1234567x.y8"),
        ("abc12", [3], ".", "abc12"),
        ("abc12", [2], ".", "abc12"),
        ("abc12", [1], ".", "abc1.2"),
        ("1234567", [3, 0], ",", "1,234,567"),
        ("-1234567", [3, 0], ",", "-1,234,567"),
        ("12345678", [3, 2, 0], ",", "1,23,45,678"),
        ("1234567", [3, 3], " ", "1 234 567"),
        ("1234567", [], ",", "1234567"),
    ],
)
def test_intersperse(text, counts, separator, expected):
    assert intersperse(text, counts, separator) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        (("[3,0]", ",", "."), 1234567.891, "1,234,567.89"),
        (("[3,0]", ",", "."), -1234.5, "-1,234.50"),
        (("[3,0]", ",", "."), 0.004, "0.00"),
        (("[3,0]", ",", "."), None, "0.00"),
        (("[3,0]", ".", ","), 1234567.891, "1.234.567,89"),
        (("[3,0]", "\xa0", ","), 1234.5, "1\xa0234,50"),
        (("[3,0]", "", ","), 1234.5, "1234,50"),
        (("[3,0]", "'", "."), 999.999, "1'000.00"),
        (("[3,2,0]", ",", "."), 12345678.9, "1,23,45,678.90"),
        (("[3,3]", " ", ","), 1234567890.0, "1234 567 890,00"),
        (("[]", "", ","), 1234567.891, "1234567,89"),
    ],
)
def test_number_formatter(language, value, expected):
    assert number_formatter(2, *language)(value) == expected


@pytest.mark.parametrize("value", [0.0, 0.005, 0.015, 1.005, 2.675, -0.5, 999.995, 1e7 + 0.125])
def test_standard_grouping_matches_the_general_one(value):
    """The fast path (Python's own grouping) rounds and groups as the general one."""
    fast = number_formatter(2, "[3,0]", ".", ",")
    general = number_formatter(2, [3, 0, -1], ".", ",")  # same groups, general path
    assert fast(value) == general(value)
