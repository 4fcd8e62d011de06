from functools import cache

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workspace.models import Membership, Workspace
from workspace.selectors import memberships_of_user


def current_workspace(request: HttpRequest) -> dict:
    """The signed-in user's workspace, whether they administer it and the workspaces they may
    switch to, for the navigation bar: all three from one query of the user's memberships.

    Looked up only when a template uses them: the partials HTMX swaps in (a click's answer, a
    poll) never draw the navigation bar, and should not pay a query for it.
    """

    @cache
    def memberships() -> list[Membership]:
        return memberships_of_user(user=request.user) if hasattr(request, "user") else []

    def workspace() -> Workspace | None:
        found = memberships()
        return found[0].workspace if found else None

    def is_admin() -> bool:
        found = memberships()
        return bool(found and found[0].role == Membership.Role.ADMIN)

    def choices() -> list[Workspace]:
        return sorted((found.workspace for found in memberships()), key=lambda w: w.name)

    return {
        "current_workspace": SimpleLazyObject(workspace),
        "is_workspace_admin": SimpleLazyObject(is_admin),
        "workspace_choices": SimpleLazyObject(choices),
    }
