"""How numbers look on a board: thousands separators, and no float noise (0.1 + 0.2 is 0.3)."""

from __future__ import annotations

from decimal import Decimal

CENTS = Decimal("0.01")


def format_number(number: Decimal) -> str:
    """As imported, with separators: 1234.5 -> "1,234.5"; fixed notation even for 1e20."""
    return format(number.normalize() if number == number.to_integral() else number, ",f")


def format_aggregate(number: Decimal) -> str:
    """KPI figures: whole numbers stay whole, everything else gets two decimals."""
    if number == number.to_integral():
        return format(number.quantize(Decimal(1)), ",f")
    return format(number.quantize(CENTS), ",f")
