"""The workspace switcher's form: which of the user's own workspaces to work in."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from workspace.models import Workspace
from workspace.selectors import workspaces_of_user


class WorkspaceChoiceForm(forms.Form):
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.none(),
        error_messages={"invalid_choice": "Choose one of the workspaces you belong to."},
    )
    # The page the switch was made from: the user stays there when it exists in any workspace.
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["workspace"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = workspaces_of_user(user=user)
