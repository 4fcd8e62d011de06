"""The widget kinds, one module each (action, text, table, kpi); base.py says what a kind
describes. Everything that differs between kinds is asked of `kind_for(widget.kind)`."""

from __future__ import annotations

from boards.kinds.action import ACTION
from boards.kinds.base import WidgetCard, WidgetKind, WidgetSettings
from boards.kinds.kpi import KPI
from boards.kinds.table import TABLE
from boards.kinds.text import TEXT

__all__ = [
    "DATASET_CODES",
    "SENDING_CODES",
    "WIDGET_KINDS",
    "WidgetCard",
    "WidgetKind",
    "WidgetSettings",
    "kind_for",
    "kind_for_slug",
]

# In the order people choose them (and Widget.Kind lists them).
WIDGET_KINDS: tuple[WidgetKind, ...] = (ACTION, TEXT, TABLE, KPI)

_BY_CODE = {kind.code: kind for kind in WIDGET_KINDS}
_BY_SLUG = {kind.slug: kind for kind in WIDGET_KINDS}

# What an open board redraws when a connection or a dataset moves rather than the board itself.
SENDING_CODES = tuple(kind.code for kind in WIDGET_KINDS if kind.sends_requests)
DATASET_CODES = tuple(kind.code for kind in WIDGET_KINDS if kind.shows_dataset)


def kind_for(code: str) -> WidgetKind:
    """The kind of a widget, by its Widget.Kind value; KeyError for a value no module describes."""
    return _BY_CODE[code]


def kind_for_slug(slug: str) -> WidgetKind | None:
    """The kind an add-widget URL names, if any."""
    return _BY_SLUG.get(slug)
