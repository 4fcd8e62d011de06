"""What every widget kind says about itself; boards/kinds/<kind>.py fills it in for one kind.

The rest of the app asks the kind (`boards.kinds.kind_for(widget.kind)`) instead of branching on
it: which form configures it, the size it starts at, which of the settings it keeps and how they
are checked, how its card is read and previewed, and which templates draw it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from boards.models import Board, Widget
from boards.widgets.actions import action_label, confirmation_text

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from boards.forms import WidgetForm
    from boards.widgets.data import KpiFigure, TablePage
    from datasets.models import Dataset
    from integrations.services import Connection, LastRun

    class _Grants(TypedDict):  # what boards.selectors annotates each widget it reads with
        connection_granted: bool
        dataset_granted: bool

    # A widget read for its board's page: with whether its connection and its dataset are
    # shared with the board's application, so a whole board is checked in one query.
    GrantedWidget = WithAnnotations[Widget, _Grants]


@dataclass(frozen=True)
class WidgetSettings:
    """What widget_create and widget_update are given, beyond the title. Each kind keeps the
    settings that are its own (WidgetKind.keep); the defaults are what every other field is
    left at, so nothing stale lingers (an Action turned into nothing else still pointing at a
    connection, say)."""

    connection: Connection | None = None
    button_label: str = ""
    button_tooltip: str = ""
    confirm_before_sending: bool = False
    confirmation_message: str = ""
    success_message: str = ""
    failure_message: str = ""
    text: str = ""
    dataset: Dataset | None = None
    kpi_column: str = ""
    kpi_aggregate: str = ""
    kpi_prefix: str = ""
    kpi_suffix: str = ""
    kpi_decimals: int | None = None


@dataclass(frozen=True)
class WidgetCard:
    """One widget plus what it shows right now, read by its kind."""

    widget: Widget
    kind: WidgetKind
    unavailable_reason: str = ""
    table: TablePage | None = None
    kpi: KpiFigure | None = None
    last_run: LastRun | None = None  # Action widgets drawn with their board

    @property
    def label(self) -> str:
        return action_label(self.widget)

    @property
    def confirmation(self) -> str:
        return confirmation_text(self.widget)

    @property
    def heading(self) -> str:
        """The widget's title, or one its kind gives a widget without a title."""
        return self.widget.title or self.kind.untitled_heading(self)

    @property
    def name(self) -> str:
        """How Edit mode's controls name this widget to screen readers ("Move up Refresh")."""
        return self.kind.spoken_name(self)


class WidgetKind(ABC):
    """One kind of widget. Each module of boards/kinds defines one subclass and one instance."""

    code: str  # its Widget.Kind value
    slug: str  # in the URL of its add form (/boards/<id>/widgets/add/<slug>/)
    form_class: type[WidgetForm]
    default_size: tuple[int, int]  # width × height in grid units of a new widget
    # `{% include %}`d with the card in its context: its body on the board, and in the
    # inspector's preview (which also has `hint`, what the form still lacks).
    card_template: str
    preview_template: str
    # Open boards redraw these widgets when something outside the board moves
    # (boards/stamps.py): the connections a widget sends through, the datasets it shows.
    sends_requests: bool = False
    shows_dataset: bool = False

    @property
    def label(self) -> str:
        return Widget.Kind(self.code).label

    @abstractmethod
    def keep(self, widget: Widget, settings: WidgetSettings) -> None:
        """Copy the settings that are this kind's onto the widget, tidied as stored."""

    @abstractmethod
    def clean(self, widget: Widget, board: Board) -> None:
        """Refuse what this kind cannot show: ValidationError keyed by field, words a builder
        can act on. Called before the model's own full_clean()."""

    def read_card(self, widget: GrantedWidget, board: Board) -> WidgetCard:
        """The card of one widget on its own (redrawing a single widget)."""
        return WidgetCard(widget=widget, kind=self)

    def read_cards(self, widgets: list[GrantedWidget], board: Board) -> list[WidgetCard]:
        """The cards of all of a board's widgets of this kind, in their order. A kind whose
        cards read more than the widget row fetches it here for all of them together: the
        board page costs the same queries whatever its widget count."""
        return [self.read_card(widget, board) for widget in widgets]

    @abstractmethod
    def preview(self, widget: Widget) -> tuple[WidgetCard, str]:
        """The card of an unsaved widget built from the inspector's form, and a hint for what
        is still missing ("" when nothing is)."""

    def untitled_heading(self, card: WidgetCard) -> str:
        return ""

    def spoken_name(self, card: WidgetCard) -> str:
        return card.heading or f"{self.label} widget"
