"""Create the demo workspaces, applications, boards and users. Safe to run again."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from boards.models import Board, Widget
from boards.services import board_layout_touch
from demo.seed import demo_forecast_ensure, demo_pipeline_config_file, demo_pipeline_url
from integrations.models import Connection
from integrations.services.connections import connection_create
from workspace.models import Application, ApplicationRole, Membership, Workspace
from workspace.services import application_role_ensure, membership_ensure, user_ensure

DEFAULT_PASSWORD = "switchboard-demo"  # noqa: S105 - printed and documented on purpose
FORECAST_CONNECTION = "Forecast pipeline"


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
        # admin also works in Globex, as a plain member: the workspace switcher has two to offer.
        membership_ensure(workspace=globex, user=admin, role=Membership.Role.MEMBER)
        application_role_ensure(
            application=globex_app, user=admin, level=ApplicationRole.Level.OPEN
        )

        self.extra_demo_setup(acme=acme, sales=sales, sales_board=sales_board, admin=admin)

        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Users admin (Acme, and a member of Globex), editor, viewer (Acme) "
                "and outsider (Globex); "
                f"password: {password}"
            )
        )

    def extra_demo_setup(self, *, acme, sales, sales_board, admin) -> None:
        """The demo loop on Sales Forecast: pipeline connection, Action, Table and KPI widgets."""
        forecast = demo_forecast_ensure(workspace=acme, actor=admin)
        if forecast.key_replaced:
            self.stdout.write(
                f"Import key for the demo pipeline written to {demo_pipeline_config_file()}"
            )
        connection = self._forecast_connection(acme=acme, sales=sales, admin=admin)
        widgets = [
            (
                Widget.Kind.KPI,
                {"kpi_column": "revenue", "kpi_aggregate": Widget.Aggregate.SUM},
                {"title": "Forecast revenue (sum)", "position": 1, **_place(3, 0, 3, 2)},
            ),
            (
                Widget.Kind.TABLE,
                {},
                {"title": "Revenue forecast", "position": 2, **_place(0, 2, 12, 7)},
            ),
        ]
        created_any = False
        if connection is not None:
            _, created_any = Widget.objects.get_or_create(
                board=sales_board,
                kind=Widget.Kind.ACTION,
                button_label="Refresh forecast",
                defaults={
                    "connection": connection,
                    "title": "Forecast pipeline",
                    "button_tooltip": "Ask the forecast pipeline for fresh numbers",
                    "position": 0,
                    **_place(0, 0, 3, 2),
                },
            )
        for kind, lookup, defaults in widgets:
            _, created = Widget.objects.get_or_create(
                board=sales_board, kind=kind, dataset=forecast.dataset, **lookup, defaults=defaults
            )
            created_any = created_any or created
        if created_any:
            # Settles the grid around widgets the demo already had, and open boards redraw.
            board_layout_touch(board_ids=[sales_board.pk])

    def _forecast_connection(self, *, acme, sales, admin) -> Connection | None:
        connection = Connection.objects.filter(workspace=acme, name=FORECAST_CONNECTION).first()
        if connection is not None:
            return connection  # left as the admin may have changed it since
        try:
            # The same checks as the Setup form: 127.0.0.1 is refused unless the operator
            # allowlisted it and allowed plain http (the README's start command does both).
            with transaction.atomic():
                return connection_create(
                    workspace=acme,
                    actor=admin,
                    name=FORECAST_CONNECTION,
                    applications=[sales],
                    url=demo_pipeline_url(),
                    body='{"scenario": "base"}',
                )
        except ValidationError as error:
            reasons = "; ".join(error.messages)
            self.stdout.write(
                self.style.WARNING(
                    f"Skipped the “{FORECAST_CONNECTION}” connection and its Action widget: "
                    f"{reasons}. Set OUTBOUND_ALLOWLIST=127.0.0.1 and OUTBOUND_ALLOW_HTTP=1 "
                    "(as scripts/start does) and seed again."
                )
            )
            return None


def _place(x: int, y: int, w: int, h: int) -> dict[str, int]:
    """A demo widget's place on the board's 12-column grid."""
    return {"grid_x": x, "grid_y": y, "grid_w": w, "grid_h": h}
