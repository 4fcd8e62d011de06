"""Text: a note, heading or instructions, shown as typed (line breaks kept)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from boards.forms import WidgetForm
from boards.kinds.base import WidgetCard, WidgetKind, WidgetSettings
from boards.models import Board, Widget

MISSING_TEXT = "Enter the text to show."


class TextWidgetForm(WidgetForm):
    kind = Widget.Kind.TEXT
    heading = "Text"
    text = forms.CharField(
        label="Text",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text; line breaks are kept.",
        error_messages={"required": MISSING_TEXT},
    )


class TextKind(WidgetKind):
    code = Widget.Kind.TEXT
    slug = "text"
    form_class = TextWidgetForm
    default_size = (6, 2)
    card_template = "boards/kinds/text.html#card"
    preview_template = "boards/kinds/text.html#preview"

    def keep(self, widget: Widget, settings: WidgetSettings) -> None:
        widget.text = settings.text

    def clean(self, widget: Widget, board: Board) -> None:
        if not widget.text.strip():
            raise ValidationError({"text": MISSING_TEXT})

    def preview(self, widget: Widget) -> tuple[WidgetCard, str]:
        return WidgetCard(widget=widget, kind=self), "" if widget.text.strip() else MISSING_TEXT


TEXT = TextKind()
