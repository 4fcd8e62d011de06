from django.http import HttpRequest

from workspace.models import Membership
from workspace.selectors import membership_for_user


def current_workspace(request: HttpRequest) -> dict:
    """The signed-in user's workspace and whether they administer it, for the navigation bar."""
    membership = membership_for_user(user=request.user) if hasattr(request, "user") else None
    return {
        "current_workspace": membership.workspace if membership else None,
        "is_workspace_admin": bool(membership and membership.role == Membership.Role.ADMIN),
    }
