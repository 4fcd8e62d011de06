import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from boards.models import Board
from workspace.models import Application, ApplicationRole, Membership, Workspace

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_workspaces_and_users():
    call_command("seed_demo", password="demo-password-1")
    acme = Workspace.objects.get(name="Acme")
    assert set(Application.objects.filter(workspace=acme).values_list("name", flat=True)) == {
        "Sales Planning",
        "Workforce",
    }
    assert Board.objects.filter(application__workspace=acme).count() == 2
    roles = {m.user.username: m.role for m in Membership.objects.filter(workspace=acme)}
    assert roles == {"admin": "admin", "editor": "member", "viewer": "member"}
    levels = {
        r.user.username: r.level
        for r in ApplicationRole.objects.filter(application__name="Sales Planning")
    }
    assert levels == {"editor": "configure", "viewer": "open"}
    outsider = Membership.objects.get(user__username="outsider")
    assert outsider.workspace.name == "Globex" and outsider.role == "admin"
    assert get_user_model().objects.get(username="viewer").check_password("demo-password-1")


def test_it_is_idempotent():
    call_command("seed_demo")
    counts = (Workspace.objects.count(), Board.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Workspace.objects.count(), Board.objects.count(), Membership.objects.count()) == counts
