"""One form per widget kind. The forms parse and list choices; boards.services has the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms

from boards.models import Board, Widget
from boards.selectors import connections_for_board, datasets_for_board

if TYPE_CHECKING:
    from datasets.models import Dataset
    from integrations.models import Connection

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


class TextWidgetForm(WidgetForm):
    kind = Widget.Kind.TEXT
    heading = "Text"
    text = forms.CharField(
        label="Text",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Plain text; line breaks are kept.",
        error_messages={"required": "Enter the text to show."},
    )


class DatasetWidgetForm(WidgetForm):
    dataset: forms.ModelChoiceField[Dataset] = forms.ModelChoiceField(
        label="Dataset",
        queryset=None,
        empty_label="Choose a dataset…",
        help_text="Only datasets shared with this board's application are listed.",
        error_messages={
            "required": "Choose the dataset to show.",
            # Another workspace's dataset, or one not shared with this application: the same
            # answer, so the form does not confirm which datasets exist elsewhere.
            "invalid_choice": "That dataset is not shared with this application. "
            "Choose one listed.",
        },
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, board=board, **kwargs)
        self.datasets = list(datasets_for_board(board=board))
        dataset = cast("forms.ModelChoiceField[Dataset]", self.fields["dataset"])
        dataset.queryset = datasets_for_board(board=board)
        if not self.datasets:
            self.fields["dataset"].help_text = (
                "No dataset is shared with this application yet: a Workspace Admin shares "
                "them under Integrations → Datasets."
            )


class TableWidgetForm(DatasetWidgetForm):
    kind = Widget.Kind.TABLE
    heading = "Table"


class KpiWidgetForm(DatasetWidgetForm):
    kind = Widget.Kind.KPI
    heading = "KPI"
    kpi_column = forms.ChoiceField(
        label="Column",
        error_messages={
            "required": "Choose the column to aggregate.",
            "invalid_choice": "Choose one of the dataset's columns.",
        },
    )
    kpi_aggregate = forms.ChoiceField(
        label="Aggregate",
        choices=Widget.Aggregate.choices,
        help_text="Sum and average need a number column.",
        error_messages={"required": "Choose sum, average, count or latest."},
    )
    # Not stripped: the space of " k" or " h" is part of how the figure reads.
    kpi_prefix = forms.CharField(
        label="Prefix",
        max_length=8,
        required=False,
        strip=False,
        help_text="Optional, shown before the value, up to 8 characters: a currency such as “$” "
        "or “€ ”.",
        error_messages={"max_length": "Keep it to 8 characters or fewer, such as “$”."},
    )
    kpi_suffix = forms.CharField(
        label="Suffix",
        max_length=8,
        required=False,
        strip=False,
        help_text="Optional, shown after the value, up to 8 characters: a unit such as “%”, “ k” "
        "or “ h” (start with a space to keep it apart from the number).",
        error_messages={"max_length": "Keep it to 8 characters or fewer, such as “ k”."},
    )
    kpi_decimals = forms.TypedChoiceField(
        label="Decimals",
        choices=[
            ("", "Automatic"),
            *[(str(places), str(places)) for places in range(5)],
        ],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="How many decimals the figure shows. Automatic: whole numbers stay whole, "
        "others get 2. A count is always whole.",
        error_messages={"invalid_choice": "Choose from 0 to 4 decimals, or Automatic."},
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, board=board, **kwargs)
        cast(forms.ChoiceField, self.fields["kpi_column"]).choices = self._column_choices()

    def _column_choices(self) -> list:
        """Grouped by dataset, so one page lists every choice and works without JavaScript; the
        service checks the column belongs to the chosen dataset."""
        groups = [
            (
                dataset.name,
                [
                    (c.name, f"{c.name} ({c.get_kind_display().lower()})")
                    for c in dataset.columns.all()
                ],
            )
            for dataset in self.datasets
        ]
        return [("", "Choose a column…"), *groups]


FORMS_BY_SLUG: dict[str, type[WidgetForm]] = {
    "api-request": ActionWidgetForm,
    "text": TextWidgetForm,
    "table": TableWidgetForm,
    "kpi": KpiWidgetForm,
}
FORMS_BY_KIND: dict[str, type[WidgetForm]] = {form.kind: form for form in FORMS_BY_SLUG.values()}


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
