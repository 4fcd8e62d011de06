"""The board forms: the base of every widget kind's form (each kind's own is in boards/kinds/), and
the board's name. The forms parse and list choices; the services have the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from boards.models import Board, Widget

TITLE_HELP = "Optional. Shown at the top of the widget."


class WidgetForm(forms.Form):
    kind: str = ""
    heading: str = ""
    title = forms.CharField(label="Title", max_length=100, required=False, help_text=TITLE_HELP)

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.board = board

    def service_kwargs(self) -> dict[str, Any]:
        """What boards.services.widget_create / widget_update take from this form."""
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, widget: Widget) -> dict[str, Any]:
        # Foreign keys by id: reading widget.connection would decrypt secrets for nothing.
        return {
            name: getattr(widget, f"{name}_id" if name in ("connection", "dataset") else name)
            for name in cls.base_fields
        }


class BoardNameForm(forms.Form):
    """The one field of creating, renaming and duplicating a board (boards.board_services
    holds the rules: trimmed, unique within the application)."""

    name = forms.CharField(
        label="Board name",
        max_length=100,
        # The page has this one field: typing can start at once.
        widget=forms.TextInput(attrs={"autofocus": True}),
        error_messages={"required": "Give the board a name."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
