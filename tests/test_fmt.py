"""Dutch number and date formatting, against values a reader would write by hand."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction

import pytest

from tevredenheidsrapport import fmt, labels


@pytest.mark.parametrize(
    "value,decimals,expected",
    [
        (8.25, 1, 8.3),  # Python's round() gives 8.2
        (Fraction(33, 4), 1, 8.3),  # four whole grades summing to 33 (seed 003)
        (Fraction(527, 63), 1, 8.4),
        (37.45, 1, 37.5),
        (6.449, 1, 6.4),
        (2.5, 0, 3.0),
    ],
)
def test_round_half_up(value, decimals, expected):
    assert fmt.round_half_up(value, decimals) == expected


def test_round_half_up_of_nothing_is_nan():
    assert math.isnan(fmt.round_half_up(float("nan")))


@pytest.mark.parametrize(
    "value,decimals,expected",
    [
        (37.5, 1, "37,5"),
        (8, 1, "8,0"),
        (1234.5, 1, "1.234,5"),
        (49702, 0, "49.702"),
        (0.05, 1, "0,1"),
        (None, 1, labels.NO_ANSWERS),
        (float("nan"), 1, labels.NO_ANSWERS),
    ],
)
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


def test_percent():
    assert fmt.percent(83.3) == "83%" and fmt.percent(37.5, 1) == "37,5%"
    assert fmt.percent(None) == labels.NO_ANSWERS


def test_dates_and_periods():
    start, end = dt.date(2024, 9, 1), dt.date(2025, 8, 31)
    assert fmt.date_long(dt.date(2025, 2, 13)) == "13 februari 2025"
    assert fmt.date_long(dt.date(2025, 2, 13), weekday=True) == "donderdag 13 februari 2025"
    assert fmt.period_long(start, end) == "1 september 2024 tot en met 31 augustus 2025"
    assert fmt.period_years(start, end) == "2024–2025"
    assert fmt.period_years(dt.date(2021, 1, 1), dt.date(2021, 12, 31)) == "2021"
