"""Create the demo workspaces, applications, boards and users. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from boards.models import Board
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.services import application_role_ensure, membership_ensure, user_ensure

DEFAULT_PASSWORD = "switchboard-demo"  # noqa: S105 - printed and documented on purpose


class Command(BaseCommand):
    help = "Create the Acme and Globex demo workspaces with their users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password for every demo user (default: {DEFAULT_PASSWORD}).",
        )

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        acme, _ = Workspace.objects.get_or_create(name="Acme")
        sales, _ = Application.objects.get_or_create(workspace=acme, name="Sales Planning")
        workforce, _ = Application.objects.get_or_create(workspace=acme, name="Workforce")
        sales_board, _ = Board.objects.get_or_create(application=sales, name="Sales Forecast")
        Board.objects.get_or_create(application=workforce, name="Headcount Plan")

        admin = user_ensure(username="admin", password=password)
        editor = user_ensure(username="editor", password=password)
        viewer = user_ensure(username="viewer", password=password)
        membership_ensure(workspace=acme, user=admin, role=Membership.Role.ADMIN)
        membership_ensure(workspace=acme, user=editor, role=Membership.Role.MEMBER)
        membership_ensure(workspace=acme, user=viewer, role=Membership.Role.MEMBER)
        application_role_ensure(
            application=sales, user=editor, level=ApplicationRole.Level.CONFIGURE
        )
        application_role_ensure(application=sales, user=viewer, level=ApplicationRole.Level.OPEN)

        globex, _ = Workspace.objects.get_or_create(name="Globex")
        globex_app, _ = Application.objects.get_or_create(workspace=globex, name="Operations")
        Board.objects.get_or_create(application=globex_app, name="Operations Overview")
        outsider = user_ensure(username="outsider", password=password)
        membership_ensure(workspace=globex, user=outsider, role=Membership.Role.ADMIN)

        self.extra_demo_setup(acme=acme, sales=sales, sales_board=sales_board, admin=admin)

        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Users admin, editor, viewer (Acme) and outsider (Globex); "
                f"password: {password}"
            )
        )

    def extra_demo_setup(self, **objects) -> None:
        """Hook for the demo pipeline wiring (connection, widgets, dataset)."""
