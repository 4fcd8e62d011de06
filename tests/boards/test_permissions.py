"""Who may do what on boards, over every boards URL (GET and POST).

alice  — Workspace Admin of Acme: everything on every Acme board
erin   — configures Sales Planning: opens and edits its boards; no Workforce
victor — opens Sales Planning: opens and clicks; never edits; no Workforce
oscar  — Globex admin: every Acme board is a 404
anonymous — sent to sign in
"""

from __future__ import annotations

import pytest
import responses
from django.conf import settings
from django.http import Http404
from django.urls import reverse

from boards.models import Widget
from boards.selectors import board_get_for_viewer
from boards.services import widget_create
from boards.stamps import board_change_stamp_for_viewer, boards_openable_among
from tests.boards.conftest import ENDPOINT, add_action, delivery_for
from tests.support.personas import PERSONAS

pytestmark = pytest.mark.django_db

VIEW, EDIT = "view", "edit"
# (url name, method, who may: view or edit, what an allowed person gets)
URLS = [
    ("boards:detail", "get", VIEW, 200),
    ("boards:widget_click", "post", VIEW, 302),
    ("boards:widget_confirm", "get", VIEW, 200),
    ("boards:widget_action", "get", VIEW, 302),
    ("boards:widget_delivery", "get", VIEW, 200),
    ("boards:edit", "get", EDIT, 200),
    ("boards:widget_add_choose", "get", EDIT, 200),
    ("boards:widget_add", "get", EDIT, 200),
    ("boards:widget_add", "post", EDIT, 302),
    ("boards:widget_edit", "get", EDIT, 200),
    ("boards:widget_edit", "post", EDIT, 302),
    ("boards:widget_move", "post", EDIT, 302),
    ("boards:widget_remove", "get", EDIT, 200),
    ("boards:widget_remove", "post", EDIT, 302),
]
MAY = {
    ("sales", VIEW): {"alice", "erin", "victor"},
    ("sales", EDIT): {"alice", "erin"},
    ("workforce", VIEW): {"alice"},
    ("workforce", EDIT): {"alice"},
    ("globex", VIEW): {"oscar"},
    ("globex", EDIT): {"oscar"},
}


@pytest.fixture
def setup(world, make_connection, public_dns):
    boards = {
        "sales": world.sales_board,
        "workforce": world.workforce_board,
        "globex": world.globex_board,
    }
    applications = {"sales": world.sales, "workforce": world.workforce, "globex": world.globex_app}
    actions = {}
    for key, board in boards.items():
        workspace = board.application.workspace
        connection = make_connection(
            f"Hook {key}", workspace=workspace, applications=[applications[key]]
        )
        actions[key] = add_action(board, connection, button_label=f"Go {key}")
    return boards, actions


def request_for(world, boards, actions, name, key, persona):
    """The URL and form data for one request of the matrix, against the board `key`."""
    board, action = boards[key], actions[key]
    if name in ("boards:detail", "boards:edit", "boards:widget_add_choose"):
        return reverse(name, args=[board.pk]), {}
    if name == "boards:widget_add":
        return reverse(name, args=[board.pk, "text"]), {"text": "Hello"}
    if name == "boards:widget_delivery":
        # Someone's own click when they may open the board; else a click of a legitimate user.
        allowed = persona in MAY[(key, VIEW)]
        owner = (
            getattr(world, persona)
            if allowed
            else (world.oscar if key == "globex" else world.alice)
        )
        delivery = delivery_for(action, owner)
        return reverse(name, args=[board.pk, action.pk, delivery.pk]), {}
    if name == "boards:widget_move":
        below = widget_create(board=board, kind=Widget.Kind.TEXT, text="below")
        return reverse(name, args=[board.pk, below.pk]), {"direction": "up"}
    if name == "boards:widget_edit":
        data = {"connection": action.connection_id, "button_label": "Renamed"}
        return reverse(name, args=[board.pk, action.pk]), data
    return reverse(name, args=[board.pk, action.pk]), {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", ["sales", "workforce", "globex"])
@pytest.mark.parametrize(("name", "method", "need", "allowed_status"), URLS)
def test_it_lets_only_the_right_people_in(
    world, setup, persona, key, name, method, need, allowed_status
):
    boards, actions = setup
    url, data = request_for(world, boards, actions, name, key, persona)
    widgets_before = list(
        Widget.objects.order_by("pk").values_list("pk", "position", "button_label")
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as receiver:
        receiver.post(ENDPOINT)
        response = getattr(world.client_for(persona), method)(url, data)
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL) + "?next=")
    elif persona in MAY[(key, need)]:
        assert response.status_code == allowed_status, response.content[:300]
        return
    else:
        assert response.status_code == 404
    # Refused: nothing was sent and nothing changed.
    assert len(receiver.calls) == 0
    assert list(Widget.objects.order_by("pk").values_list("pk", "position", "button_label")) == (
        widgets_before
    )


@pytest.mark.parametrize("persona", ["alice", "erin", "victor", "oscar"])
def test_it_decides_open_boards_exactly_like_the_board_page(world, persona):
    """The live stream's first check and the watcher's bulk check each fold the permission rule
    into fewer queries; hold both to the board page's answers."""
    user = getattr(world, persona)
    boards = (world.sales_board, world.workforce_board, world.globex_board)
    watched = boards_openable_among(viewers={(user.pk, board.pk) for board in boards})
    for board in boards:
        try:
            board_get_for_viewer(user=user, board_id=board.pk)
            may_open = True
        except Http404:
            may_open = False
        try:
            board_change_stamp_for_viewer(user=user, board_id=board.pk)
            stamp_ok = True
        except Http404:
            stamp_ok = False
        assert may_open == stamp_ok == ((user.pk, board.pk) in watched), (persona, board.name)


def test_it_only_offers_edit_mode_to_editors(world):
    edit_url = reverse("boards:edit", args=[world.sales_board.pk])
    for persona, offered in (("alice", True), ("erin", True), ("victor", False)):
        html = world.client_for(persona).get(reverse("boards:detail", args=[world.sales_board.pk]))
        assert (edit_url in html.content.decode()) is offered
