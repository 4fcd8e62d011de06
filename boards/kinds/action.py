"""Action: a button that sends one of the workspace's API request connections when clicked."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from boards.forms import WidgetForm
from boards.kinds.base import WidgetCard, WidgetKind, WidgetSettings
from boards.models import Board, Widget
from boards.widgets.actions import action_unavailable_reason
from integrations.services import Connection, connections_usable_by, widget_last_runs

if TYPE_CHECKING:
    from boards.kinds.base import GrantedWidget


def connections_for_board(*, board: Board) -> QuerySet[Connection]:
    """What an Action widget on this board may use: enabled, and shared with its application."""
    return connections_usable_by(application=board.application)


class ActionWidgetForm(WidgetForm):
    kind = Widget.Kind.ACTION
    heading = "Action: API request"
    connection: forms.ModelChoiceField[Connection] = forms.ModelChoiceField(
        label="API request connection",
        queryset=None,
        empty_label="Choose a connection…",
        help_text="Only enabled connections shared with this board's application are listed.",
        error_messages={
            "required": "Choose the API request connection this button sends.",
            "invalid_choice": "That connection is no longer available here. Choose one listed.",
        },
    )
    button_label = forms.CharField(
        label="Button label",
        max_length=60,
        required=False,
        help_text="Optional. Leave empty to use the title or the connection's name.",
    )
    button_tooltip = forms.CharField(
        label="Button tooltip",
        max_length=200,
        required=False,
        help_text="Optional. Shown when someone points at or focuses the button.",
    )
    confirm_before_sending = forms.BooleanField(
        label="Ask for confirmation before sending", required=False
    )
    confirmation_message = forms.CharField(
        label="Confirmation message",
        max_length=200,
        required=False,
        help_text="Shown with Send and Cancel. Leave empty for “Send this request now?”.",
    )
    success_message = forms.CharField(
        label="Message when it worked",
        max_length=200,
        required=False,
        help_text="Optional. What people read once the request was sent, e.g. “Forecast refresh "
        "started — numbers update in a minute”.",
    )
    failure_message = forms.CharField(
        label="Message when it did not work",
        max_length=200,
        required=False,
        help_text="Optional. What people read when the request could not be sent or the service "
        "answered with an error. Leave empty for words that say what happened.",
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, board=board, **kwargs)
        connection = cast("forms.ModelChoiceField[Connection]", self.fields["connection"])
        connection.queryset = connections_for_board(board=board)


def _check_connection(board: Board, connection: Connection | None) -> None:
    if connection is None:
        raise ValidationError({"connection": "Choose the API request connection to send."})
    application = board.application
    if connection.workspace_id != application.workspace_id:
        # Another workspace's connection: answer as if it did not exist.
        raise ValidationError({"connection": "Choose one of the connections listed."})
    if not connection.enabled:
        raise ValidationError(
            {"connection": f"{connection.name} is disabled. Choose an enabled connection."}
        )
    if not connection.applications.filter(pk=application.pk).exists():
        raise ValidationError(
            {"connection": f"{connection.name} is not shared with {application.name}."}
        )


class ActionKind(WidgetKind):
    code = Widget.Kind.ACTION
    slug = "api-request"
    form_class = ActionWidgetForm
    default_size = (3, 2)
    card_template = "boards/kinds/action.html#card"
    preview_template = "boards/kinds/action.html#preview"
    sends_requests = True

    def keep(self, widget: Widget, settings: WidgetSettings) -> None:
        widget.connection = settings.connection
        widget.button_label = settings.button_label.strip()
        widget.button_tooltip = settings.button_tooltip.strip()
        widget.confirm_before_sending = settings.confirm_before_sending
        widget.success_message = settings.success_message.strip()
        widget.failure_message = settings.failure_message.strip()
        if settings.confirm_before_sending:
            widget.confirmation_message = settings.confirmation_message.strip()

    def clean(self, widget: Widget, board: Board) -> None:
        _check_connection(board, widget.connection)

    def read_card(self, widget: GrantedWidget, board: Board) -> WidgetCard:
        reason = action_unavailable_reason(
            widget=widget, board=board, granted=widget.connection_granted
        )
        return WidgetCard(widget=widget, kind=self, unavailable_reason=reason)

    def read_cards(self, widgets: list[GrantedWidget], board: Board) -> list[WidgetCard]:
        # Every Action widget's last run in one query.
        last_runs = widget_last_runs(widget_ids=[widget.pk for widget in widgets])
        return [
            replace(self.read_card(widget, board), last_run=last_runs.get(widget.pk))
            for widget in widgets
        ]

    def preview(self, widget: Widget) -> tuple[WidgetCard, str]:
        hint = "" if widget.connection else "Choose the API request connection this button sends."
        return WidgetCard(widget=widget, kind=self), hint

    def spoken_name(self, card: WidgetCard) -> str:
        # Untitled, the button's words are what people know it by.
        return super().spoken_name(card) if card.widget.title else card.label


ACTION = ActionKind()
