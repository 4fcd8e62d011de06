"""Permission-scoped reads: what a user may not see is a 404, never a 403 that confirms it exists.

A user works in one workspace at a time: the one they last switched to, else their oldest
membership. Every query below is scoped through that membership, so an id from another workspace
(even one the user also belongs to) simply does not match.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, QuerySet
from django.http import Http404

from workspace.models import Application, ApplicationRole, Membership, Workspace

AnyUser = User | AnonymousUser


def membership_for_user(*, user: AnyUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return _memberships(user).first()


def memberships_of_user(*, user: AnyUser) -> list[Membership]:
    """All of the user's memberships with their workspaces, in one query: the one they work in
    first (as `membership_for_user` picks it), then the others."""
    if not user.is_authenticated:
        return []
    return list(_memberships(user))


def _memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user)
        .order_by(F("chosen_at").desc(nulls_last=True), "id")
    )


def workspaces_of_user(*, user: AnyUser) -> QuerySet[Workspace]:
    """Every workspace the user belongs to, by name: what the workspace switcher offers."""
    if not user.is_authenticated:
        return Workspace.objects.none()
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def workspace_for_user(*, user: AnyUser) -> Workspace:
    membership = membership_for_user(user=user)
    if membership is None:
        raise Http404("You are not a member of any workspace.")
    return membership.workspace


def workspace_for_admin(*, user: AnyUser) -> Workspace:
    """The workspace the user administers, or 404."""
    membership = membership_for_user(user=user)
    if membership is None or membership.role != Membership.Role.ADMIN:
        raise Http404("Page not found.")
    return membership.workspace


def is_workspace_admin(*, user: AnyUser, workspace: Workspace) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, workspace=workspace, role=Membership.Role.ADMIN
    ).exists()


def applications_openable_by(*, user: AnyUser) -> QuerySet[Application]:
    """Applications whose boards the user may open (admins: all in their workspace)."""
    return _applications_with_role(user)


def applications_configurable_by(*, user: AnyUser) -> QuerySet[Application]:
    return _applications_with_role(user, roles__level=ApplicationRole.Level.CONFIGURE)


def _applications_with_role(user: AnyUser, **role_filter: object) -> QuerySet[Application]:
    """The user's workspace's applications: all of them for a Workspace Admin, else those the
    user holds a role in (narrowed by `role_filter`)."""
    if not user.is_authenticated:
        return Application.objects.none()
    membership = membership_for_user(user=user)
    if membership is None:
        raise Http404("You are not a member of any workspace.")
    # The role comes with the membership row: no second query to ask whether it is an admin's.
    applications = Application.objects.filter(workspace_id=membership.workspace_id)
    if membership.role == Membership.Role.ADMIN:
        return applications
    return applications.filter(roles__user=user, **role_filter).distinct()
