"""The personas of the permission matrix, made the way the app makes people and roles:

alice  — Workspace Admin of Acme
erin   — member of Acme who can configure Sales Planning boards (the editor)
victor — member of Acme who can open Sales Planning boards (the viewer)
oscar  — Workspace Admin of Globex (the outsider)

plus `root`, a superuser for the Django admin with no workspace of its own, and people made on
demand for tests that need many (`clickers`) or none of the above (`person_without_workspace`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from boards.models import Board
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.services import application_role_ensure, membership_ensure, user_ensure

PASSWORD = "correct horse battery staple"
PERSONAS = ["alice", "erin", "victor", "oscar", "anonymous"]


@dataclass
class World:
    acme: Workspace
    sales: Application
    workforce: Application
    sales_board: Board
    workforce_board: Board
    globex: Workspace
    globex_app: Application
    globex_board: Board
    alice: object
    erin: object
    victor: object
    oscar: object

    def client_for(self, persona: str) -> Client:
        client = Client()
        if persona != "anonymous":
            client.force_login(getattr(self, persona))
        return client


def member_make(*, workspace: Workspace, username: str, role: str = Membership.Role.MEMBER):
    """A person who signs in with PASSWORD, in `workspace` with `role`."""
    user = user_ensure(username=username, password=PASSWORD)
    membership_ensure(workspace=workspace, user=user, role=role)
    return user


def clickers(workspace: Workspace, count: int) -> list:
    """`count` members of `workspace` (clicker0, clicker1, …), for tests where many people click."""
    return [member_make(workspace=workspace, username=f"clicker{n}") for n in range(count)]


def person_without_workspace(username: str):
    return get_user_model().objects.create_user(username=username, password="x" * 12)


def superuser_make():
    return get_user_model().objects.create_superuser("root", "root@example.com", "x" * 16)


def persona_user(world, persona: str):
    """The user a persona of PERSONAS stands for, "root" being a superuser with no membership
    (a superuser opens boards in the admin only)."""
    if persona == "anonymous":
        return AnonymousUser()
    if persona == "root":
        return superuser_make()
    return getattr(world, persona)


@pytest.fixture
def world(db) -> World:
    acme = Workspace.objects.create(name="Acme")
    sales = Application.objects.create(workspace=acme, name="Sales Planning")
    workforce = Application.objects.create(workspace=acme, name="Workforce")
    globex = Workspace.objects.create(name="Globex")
    globex_app = Application.objects.create(workspace=globex, name="Operations")
    alice = member_make(workspace=acme, username="alice", role=Membership.Role.ADMIN)
    erin = member_make(workspace=acme, username="erin")
    victor = member_make(workspace=acme, username="victor")
    oscar = member_make(workspace=globex, username="oscar", role=Membership.Role.ADMIN)
    application_role_ensure(application=sales, user=erin, level=ApplicationRole.Level.CONFIGURE)
    application_role_ensure(application=sales, user=victor, level=ApplicationRole.Level.OPEN)
    return World(
        acme=acme,
        sales=sales,
        workforce=workforce,
        sales_board=Board.objects.create(application=sales, name="Sales Forecast"),
        workforce_board=Board.objects.create(application=workforce, name="Headcount Plan"),
        globex=globex,
        globex_app=globex_app,
        globex_board=Board.objects.create(application=globex_app, name="Operations Overview"),
        alice=alice,
        erin=erin,
        victor=victor,
        oscar=oscar,
    )


@pytest.fixture
def superuser_client(client):
    """A client signed in to the Django admin as a superuser (no workspace of its own)."""
    client.force_login(superuser_make())
    return client
