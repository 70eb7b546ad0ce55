"""Dutch number and date formatting, and the half-up rounding people expect.

Rounding is half-up on the decimal value (8,25 -> 8,3), not Python's banker's rounding of
a binary float: a mean of four whole grades that lands on x,x5 must round up as a reader
would round it by hand.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from . import labels


def round_half_up(value: float | Fraction, decimals: int = 1) -> float:
    """Round ``value`` half-up to ``decimals`` places.

    Floats go through ``repr`` so that 8.25 is the decimal 8.25 a reader sees; for exact
    means pass a :class:`fractions.Fraction` (``metrics`` does).
    """
    if isinstance(value, Fraction):
        d = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return math.nan
        d = Decimal(repr(float(value)))
    q = Decimal(1).scaleb(-decimals)
    return float(d.quantize(q, rounding=ROUND_HALF_UP))


def number(
    value: float | int | None, decimals: int = 1, *, missing: str = labels.NO_ANSWERS
) -> str:
    """Format ``value`` with a decimal comma and ``decimals`` places (``37,5``).

    ``None`` and NaN give ``missing``; thousands get a dot (``1.234``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    rounded = round_half_up(value, decimals) if decimals else round_half_up(value, 0)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def signed(value: float, decimals: int = 1) -> str:
    """A change with its sign: ``+0,3``, ``−0,2`` (a real minus sign, read as "min"), ``0,0``."""
    sign = "+" if value > 0 else labels.MINUS if value < 0 else ""
    return sign + number(abs(value), decimals)


def percent(value: float | None, decimals: int = 0) -> str:
    """Format a percentage for a label: ``83%`` or ``37,5%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return labels.NO_ANSWERS
    return f"{number(value, decimals)}%"


def date_long(day: _dt.date, *, weekday: bool = False) -> str:
    """``13 februari 2025`` (or ``donderdag 13 februari 2025``)."""
    text = f"{day.day} {labels.MONTHS[day.month - 1]} {day.year}"
    return f"{labels.WEEKDAYS[day.weekday()]} {text}" if weekday else text


def period_years(start: _dt.date, end: _dt.date) -> str:
    """``2024–2025`` for a period across two years, ``2021`` for one within a year."""
    if start.year == end.year:
        return str(start.year)
    return f"{start.year}–{end.year}"


def period_long(start: _dt.date, end: _dt.date) -> str:
    """``1 september 2024 tot en met 31 augustus 2025``."""
    return f"{date_long(start)} tot en met {date_long(end)}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence: a full stop added unless it already ends in one, a
    question mark, an exclamation mark or a colon ("Heeft u geklaagd?", not "geklaagd?.")."""
    text = str(text).rstrip()
    return text if text.endswith((".", "?", "!", ":", "…")) else f"{text}."
