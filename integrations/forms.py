"""The Set up a connection / edit form.

The form only reads the request (and keeps application access to the admin's own workspace);
every rule, including what is required, is applied by connection_create/connection_update,
which report all fields at once. The view puts those errors back next to their fields.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from integrations.models import Connection
from integrations.services.connections import NAME_MAX_LENGTH
from integrations.validators import MAX_BODY_CHARS, MAX_HEADERS_CHARS
from workspace.models import Application, Workspace

# Ids are 64-bit: a number outside that range names no row, and would overflow in the query.
ID_RANGE = range(-(2**63), 2**63)


class ApplicationsField(forms.ModelMultipleChoiceField):
    """Application access; an id too large for any row is refused like any unknown id."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # not a number at all: the parent class says so
            if number not in ID_RANGE:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]  # private: not in django-stubs


class ConnectionForm(forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": NAME_MAX_LENGTH}),
    )
    applications = ApplicationsField(
        label="Application access",
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Boards of these applications may use the connection in Action widgets.",
    )
    # A text input rather than type=url: the browser's own URL check would pre-empt ours with
    # a vaguer message, and ours is the one that knows the rules.
    url = forms.CharField(
        label="POST endpoint URL",
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "url", "spellcheck": "false", "placeholder": "https://"}
        ),
    )
    headers = forms.CharField(
        label="Headers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=(
            'A JSON object of header names and text values, e.g. {"Authorization": "Bearer …"}. '
            f"At most {MAX_HEADERS_CHARS} characters."
        ),
    )
    body = forms.CharField(
        label="JSON body",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=(
            f"Sent as application/json exactly as typed. At most {MAX_BODY_CHARS} characters."
        ),
    )
    keep_response_bodies = forms.BooleanField(
        label="Keep response bodies",
        required=False,
        initial=True,
        help_text=(
            "Store the first 2 KiB of each answer (secrets masked) in the delivery log. Turn off "
            "for services that echo the request back: only status and duration are kept."
        ),
    )
    # Edit only: the stored headers and body are never shown, so the admin says explicitly that
    # the text boxes replace them; an empty box then removes them.
    replace_headers = forms.BooleanField(label="Replace headers", required=False)
    replace_body = forms.BooleanField(label="Replace JSON body", required=False)

    def __init__(self, *args, workspace: Workspace, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        applications = cast(ApplicationsField, self.fields["applications"])
        applications.queryset = Application.objects.filter(workspace=workspace).order_by("name")
        if not editing:
            del self.fields["replace_headers"]
            del self.fields["replace_body"]

    @classmethod
    def for_connection(cls, data, *, connection: Connection, replace: list[str]) -> ConnectionForm:
        """The edit form: name, application access and URL filled in; headers and body never
        are, and show as text boxes only for the fields in `replace`."""
        return cls(
            data,
            workspace=connection.workspace,
            editing=True,
            initial={
                "name": connection.name,
                "applications": list(connection.applications.all()),
                "url": connection.url,
                "keep_response_bodies": connection.keep_response_bodies,
                "replace_headers": "headers" in replace,
                "replace_body": "body" in replace,
            },
        )

    def open_replace_boxes(self) -> None:
        """Show the headers and body as empty text boxes, as if both Replace controls were used:
        what an edit to another address needs (stored secrets may not follow it)."""
        data = QueryDict(mutable=True)
        data.update(self.data)  # keeps every chosen application, not only the last
        data["replace_headers"] = data["replace_body"] = "on"
        self.data = data

    def service_arguments(self) -> dict:
        """cleaned_data as connection_create/connection_update take it: None keeps a secret."""
        data = self.cleaned_data
        arguments = {
            "name": data["name"],
            "applications": list(data["applications"]),
            "url": data["url"],
            "headers": data["headers"],
            "body": data["body"],
            "keep_response_bodies": data["keep_response_bodies"],
        }
        if self.editing:
            for field in ("headers", "body"):
                if not data.get(f"replace_{field}"):
                    arguments[field] = None
        return arguments
