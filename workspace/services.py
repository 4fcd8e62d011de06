"""Writes for workspaces, applications and roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, User
from django.db import transaction
from django.utils import timezone

from workspace.models import Application, ApplicationRole, Membership, Workspace


@transaction.atomic
def user_ensure(*, username: str, password: str, email: str = "") -> AbstractUser:
    """Create the user, or reset the password of an existing one (so seeding is idempotent)."""
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.save()
    return user


def membership_ensure(*, workspace: Workspace, user: AbstractUser, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return membership


def application_role_ensure(
    *, application: Application, user: AbstractUser, level: str
) -> ApplicationRole:
    role, _ = ApplicationRole.objects.update_or_create(
        application=application, user=user, defaults={"level": level}
    )
    return role


def workspace_choose(*, user: User, workspace: Workspace) -> Membership:
    """Make `workspace` the one the user works in from now on (every page, every device).

    Raises Membership.DoesNotExist when the user does not belong to it.
    """
    membership = Membership.objects.get(user=user, workspace=workspace)
    membership.chosen_at = timezone.now()
    membership.save(update_fields=["chosen_at"])
    return membership
