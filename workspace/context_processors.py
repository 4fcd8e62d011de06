from functools import cache

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workspace.models import Membership
from workspace.selectors import membership_for_user, workspaces_of_user


def current_workspace(request: HttpRequest) -> dict:
    """The signed-in user's workspace, whether they administer it and the workspaces they may
    switch to, for the navigation bar.

    Looked up only when a template uses them: the partials HTMX swaps in (a click's answer, a
    poll) never draw the navigation bar, and should not pay a query for it.
    """

    @cache
    def membership() -> Membership | None:
        return membership_for_user(user=request.user) if hasattr(request, "user") else None

    def workspace():
        found = membership()
        return found.workspace if found else None

    def is_admin() -> bool:
        found = membership()
        return bool(found and found.role == Membership.Role.ADMIN)

    def choices() -> list:
        return list(workspaces_of_user(user=request.user)) if hasattr(request, "user") else []

    return {
        "current_workspace": SimpleLazyObject(workspace),
        "is_workspace_admin": SimpleLazyObject(is_admin),
        "workspace_choices": SimpleLazyObject(choices),
    }
