"""Forms for Integrations → Datasets. They parse input; the rules live in datasets.services."""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from datasets.models import Dataset, DatasetColumn, ImportConfiguration
from datasets.validators import (
    COLUMN_NAME_MAX_LENGTH,
    column_set_errors,
    validate_column_name,
)
from integrations.forms import ApplicationsField
from workspace.models import Application, Workspace

BLANK_COLUMN_ROWS = 6
MAX_COLUMN_ROWS = 100


APPLICATION_ACCESS_HELP = (
    "Boards of these applications may show the dataset in Table and KPI widgets. "
    "Leave all unticked to keep it off every board."
)


class ApplicationAccessForm(forms.Form):
    applications = ApplicationsField(
        label="Application access",
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=APPLICATION_ACCESS_HELP,
        error_messages={"invalid_choice": "Choose applications of your own workspace."},
    )

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only this workspace's applications are offered; another's id is an invalid choice.
        applications = cast(ApplicationsField, self.fields["applications"])
        applications.queryset = Application.objects.filter(workspace=workspace).order_by("name")


class DatasetForm(ApplicationAccessForm):
    name = forms.CharField(
        label="Name", max_length=100, error_messages={"required": "Give the dataset a name."}
    )
    field_order = ["name", "applications"]


class ColumnForm(forms.Form):
    # No max_length here: validate_column_name says it, in words that name the limit.
    name = forms.CharField(
        label="Column name",
        widget=forms.TextInput(attrs={"maxlength": COLUMN_NAME_MAX_LENGTH}),
        validators=[validate_column_name],
        error_messages={"required": "Enter a column name, or clear this row's type."},
    )
    kind = forms.ChoiceField(
        label="Type", choices=DatasetColumn.Kind.choices, initial=DatasetColumn.Kind.TEXT
    )


class BaseColumnFormSet(forms.BaseFormSet):
    default_error_messages = {"too_many_forms": "A dataset can have at most %(num)d columns."}

    def clean(self) -> None:
        # Checked here as well as in the service, so these show together with the rows' own
        # errors rather than one submit later.
        filled = [
            (number, form.cleaned_data["name"])
            for number, form in enumerate(self.forms, start=1)
            if form.cleaned_data.get("name")
        ]
        # A row with an error of its own is not "missing"; don't also ask for a column then.
        if not filled and any(form.errors for form in self.forms):
            return
        errors = column_set_errors(filled)
        if errors:
            raise ValidationError(errors)

    def columns(self) -> list[tuple[str, str]]:
        """(name, kind) of the filled-in rows, in order; untouched blank rows are skipped."""
        return [
            (form.cleaned_data["name"], form.cleaned_data["kind"])
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("name")
        ]


# formset_factory returns a subclass of `formset`.
ColumnFormSet = cast(
    type[BaseColumnFormSet],
    forms.formset_factory(
        ColumnForm,
        formset=BaseColumnFormSet,
        extra=BLANK_COLUMN_ROWS,
        max_num=MAX_COLUMN_ROWS,
        absolute_max=MAX_COLUMN_ROWS,
        validate_max=True,
    ),
)


def column_formset(data: QueryDict | None, *, more_rows: bool = False) -> BaseColumnFormSet:
    """The column rows; `more_rows` re-offers what was typed plus another set of blank rows, so
    a dataset can have more columns than the first screen shows, without JavaScript."""
    if data is not None and more_rows:
        data = data.copy()
        key = "columns-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except ValueError:
            total = 0
        total = max(total, 0)
        more = min(total + BLANK_COLUMN_ROWS, MAX_COLUMN_ROWS)
        data[key] = str(more)
        for index in range(total, more):
            # As a browser would send a blank row: no name, the type left at its first choice.
            data.setdefault(f"columns-{index}-kind", DatasetColumn.Kind.TEXT)
    return ColumnFormSet(data, prefix="columns")


def apply_service_errors(error: ValidationError, form: forms.Form) -> list[str]:
    """Put a service's errors on the form's fields; returns the ones about the column rows."""
    column_errors: list[str] = []
    for field, errors in error.error_dict.items() if hasattr(error, "error_dict") else ():
        if field == "columns":
            column_errors.extend(message for item in errors for message in item.messages)
        else:
            form.add_error(field if field in form.fields else None, errors)
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
    return column_errors


class ImportConfigurationForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        error_messages={"required": "Give the import configuration a name."},
    )
    dataset = forms.ModelChoiceField(
        label="Dataset",
        queryset=Dataset.objects.none(),
        empty_label="Choose a dataset…",
        error_messages={
            "required": "Choose the dataset this configuration imports into.",
            "invalid_choice": "Choose one of this workspace's datasets.",
        },
    )
    mode = forms.ChoiceField(
        label="Mode",
        choices=ImportConfiguration.Mode.choices,
        initial=ImportConfiguration.Mode.REPLACE,
        widget=forms.RadioSelect,
        help_text="Replace all rows: each import becomes the dataset's whole content. "
        "Append: each import adds its rows after the ones already there.",
        error_messages={"required": "Choose “Replace all rows” or “Append”."},
    )

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only this workspace's datasets can be chosen; another's id is an invalid choice.
        dataset = cast("forms.ModelChoiceField[Dataset]", self.fields["dataset"])
        dataset.queryset = Dataset.objects.filter(workspace=workspace)
