"""How numbers and dates look on a board: thousands separators, no float noise (0.1 + 0.2 is
0.3), and dates the way people write them ("1 Jan 2030")."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.dateformat import format as date_format

CENTS = Decimal("0.01")
TENTHS = Decimal("0.1")


def format_number(number: Decimal) -> str:
    """As imported, with separators: 1234.5 -> "1,234.5"; fixed notation even for 1e20."""
    return format(number.normalize() if number == number.to_integral() else number, ",f")


def format_aggregate(number: Decimal, decimals: int | None = None) -> str:
    """KPI figures: `decimals` places when the widget fixes them; otherwise whole numbers stay
    whole and everything else gets two decimals. Halves round up, as people round (2.5 -> 3),
    not to even."""
    if decimals is not None:
        places = Decimal(1).scaleb(-decimals)
    elif number == number.to_integral():
        places = Decimal(1)
    else:
        places = CENTS
    return format(number.quantize(places, rounding=ROUND_HALF_UP), ",f")


def format_percent(number: Decimal) -> str:
    """A change in percent, one decimal: 4.2, 1,250.0."""
    return format(number.quantize(TENTHS, rounding=ROUND_HALF_UP), ",f")


def format_date(value: date) -> str:
    """Dates as people write them, like the board's "Updated" lines: 1 Jan 2030."""
    return date_format(value, "j M Y")
