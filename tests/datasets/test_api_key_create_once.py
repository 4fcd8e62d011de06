"""Creating an API key: post, redirect, then a page that shows the secret once. Sending the same
form twice (a double click, a resend) makes one key."""

import datetime
import hashlib
import re
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from datasets.api_key_services import (
    ApiKeyCreateResult,
    FormTokenClaim,
    api_key_create,
    api_key_create_once,
    api_key_form_token_claim,
    api_key_form_token_issue,
    api_key_secret_hold,
    api_key_secret_take,
)
from datasets.models import ApiKey

pytestmark = pytest.mark.django_db

CREATE = reverse("datasets:api_key_create")
KEYS = reverse("datasets:api_keys")
SECRET = re.compile(r'value="(sb_[0-9a-f]{8}_[A-Za-z0-9_-]{43})"')
HTMX = {"HX-Request": "true"}


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def fields(token: str, **data) -> dict:
    form = {"name": "Forecast job", "expires_on": in_days(60).isoformat(), "key_type": "import"}
    return {**form, "form_token": token, **data}


def created_url(token: str) -> str:
    return f"{reverse('datasets:api_key_created')}?{urlencode({'form': token})}"


def token_in(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def open_form(client) -> str:
    return token_in(client.get(CREATE).content.decode())


def secrets_in(html: str) -> list[str]:
    return SECRET.findall(html)


def test_it_makes_one_key_when_the_same_form_is_sent_twice(world):
    client = world.client_for("alice")
    token = open_form(client)

    first = client.post(CREATE, fields(token))
    second = client.post(CREATE, fields(token))

    assert (first.status_code, first["Location"]) == (302, created_url(token))
    # The second post is sent to the same page, so whichever answer the browser shows, it
    # shows the one key.
    assert (second.status_code, second["Location"]) == (302, created_url(token))
    assert ApiKey.objects.count() == 1
    shown = secrets_in(client.get(created_url(token)).content.decode())
    assert len(shown) == 1
    assert ApiKey.objects.get().key_hash == hashlib.sha256(shown[0].encode()).hexdigest()


def test_it_shows_the_secret_exactly_once(world):
    client = world.client_for("alice")
    token = open_form(client)
    client.post(CREATE, fields(token))

    secret = secrets_in(client.get(created_url(token)).content.decode())[0]
    again = client.get(created_url(token), follow=True)

    assert again.redirect_chain == [(KEYS, 302)]
    page = again.content.decode()
    assert "There is no new key to show" in page
    assert secret not in page and not secrets_in(page)


def test_it_shows_each_tabs_own_key(world):
    client = world.client_for("alice")
    first_tab, second_tab = open_form(client), open_form(client)
    client.post(CREATE, fields(first_tab, name="First"))
    client.post(CREATE, fields(second_tab, name="Second"))

    first_page = client.get(created_url(first_tab)).content.decode()
    second_page = client.get(created_url(second_tab)).content.decode()

    assert "API key “First” created" in first_page
    assert "API key “Second” created" in second_page
    assert secrets_in(first_page) != secrets_in(second_page)
    assert ApiKey.objects.count() == 2


def test_it_keeps_the_waiting_secret_encrypted_in_the_session(world):
    client = world.client_for("alice")
    token = open_form(client)
    client.post(CREATE, fields(token))

    stored = " ".join(str(session.get_decoded()) for session in Session.objects.all())
    secret = secrets_in(client.get(created_url(token)).content.decode())[0]
    assert secret not in stored and secret.split("_", 2)[2] not in stored


def test_it_waits_for_the_first_post_when_the_second_arrives_first(world):
    client = world.client_for("alice")
    token = open_form(client)
    # The first post has claimed the form and is still making the key.
    session = SessionStore(session_key=client.session.session_key)
    assert api_key_form_token_claim(session=session, token=token) is FormTokenClaim.CLAIMED

    second = client.post(CREATE, fields(token))
    waiting = client.get(second["Location"]).content.decode()

    assert '<meta http-equiv="refresh" content="1">' in waiting
    assert "Creating the key…" in waiting and not secrets_in(waiting)
    created = api_key_create(
        workspace=world.acme,
        name="Forecast job",
        key_type="import",
        expires_on=in_days(60),
        created_by=world.alice,
    )
    api_key_secret_hold(session=session, token=token, created=created)
    assert secrets_in(client.get(second["Location"]).content.decode()) == [created.secret]
    assert ApiKey.objects.count() == 1


def test_it_refuses_a_form_without_its_token_and_makes_no_key(world):
    client = world.client_for("alice")
    client.get(CREATE)

    response = client.post(CREATE, fields("made-up"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "This form has expired, so no key was created." in page
    assert not ApiKey.objects.exists()
    # The form comes back with a token of its own, and sending it works.
    token = token_in(page)
    assert client.post(CREATE, fields(token))["Location"] == created_url(token)
    assert ApiKey.objects.count() == 1


def test_it_keeps_the_forms_token_when_it_comes_back_with_errors(world):
    client = world.client_for("alice")
    token = open_form(client)

    form_error = client.post(CREATE, fields(token, name="")).content.decode()
    service_error = client.post(CREATE, fields(token, expires_on=in_days(0))).content.decode()

    assert "This field is required." in form_error
    assert "Choose a date after today" in service_error
    assert token_in(form_error) == token_in(service_error) == token
    assert client.post(CREATE, fields(token))["Location"] == created_url(token)
    assert ApiKey.objects.count() == 1


def test_it_lets_one_of_two_simultaneous_posts_of_a_form_claim_it(world):
    # Two requests read the session before either saved it: both still list the token.
    first_view, second_view = SessionStore(), SessionStore()
    token = api_key_form_token_issue(session=first_view)
    second_view.update(dict(first_view.items()))

    claims = [
        api_key_form_token_claim(session=first_view, token=token),
        api_key_form_token_claim(session=second_view, token=token),
    ]

    assert claims == [FormTokenClaim.CLAIMED, FormTokenClaim.ALREADY_USED]


def test_it_answers_htmx_with_a_redirect_to_the_created_page(world):
    client = world.client_for("alice")
    token = open_form(client)

    response = client.post(CREATE, fields(token), headers=HTMX)

    assert response["HX-Redirect"] == created_url(token)
    assert len(secrets_in(client.get(created_url(token)).content.decode())) == 1


def test_it_answers_htmx_errors_with_the_form_alone_and_the_focus_on_its_problems(world):
    client = world.client_for("alice")

    response = client.post(CREATE, fields(open_form(client), name=""), headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith("<form")
    # The focus goes to the summary of what is wrong, which links to the field.
    assert re.search(r'<div class="error-summary"[^>]*autofocus', page)
    assert 'href="#id_name"' in page
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("persona", ["erin", "victor"])
def test_it_hides_the_created_page_from_members(world, persona):
    assert world.client_for(persona).get(created_url("any")).status_code == 404


def test_it_does_not_show_a_key_to_another_person(world):
    alice = world.client_for("alice")
    token = open_form(alice)
    alice.post(CREATE, fields(token))

    # Oscar has a session of his own: Alice's form token finds nothing there.
    response = world.client_for("oscar").get(created_url(token), follow=True)

    assert not secrets_in(response.content.decode())
    assert len(secrets_in(alice.get(created_url(token)).content.decode())) == 1


def test_it_sends_an_anonymous_visitor_of_the_created_page_to_sign_in(world):
    response = world.client_for("anonymous").get(created_url("any"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def create_once(world, session, token, **changes):
    fields = {"name": "Forecast job", "key_type": "import", "expires_on": in_days(60)}
    return api_key_create_once(
        workspace=world.acme,
        user=world.alice,
        form_token=token,
        session=session,
        **{**fields, **changes},
    )


def test_it_creates_once_per_form_token_in_one_service_call(world):
    session = SessionStore()
    token = api_key_form_token_issue(session=session)

    refused = create_once(world, session, token, expires_on=in_days(0))
    first = create_once(world, session, token)
    again = create_once(world, session, token)
    expired = create_once(world, session, "made-up")

    assert (refused.result, refused.form_token) == (ApiKeyCreateResult.INVALID, token)
    assert "expires_on" in refused.errors.message_dict
    assert (first.result, first.form_token) == (ApiKeyCreateResult.CREATED, token)
    assert (again.result, again.form_token) == (ApiKeyCreateResult.ALREADY_CREATED, token)
    assert expired.result is ApiKeyCreateResult.EXPIRED_TOKEN
    assert expired.form_token not in ("made-up", token)
    assert ApiKey.objects.count() == 1
    assert api_key_secret_take(session=session, token=token, workspace=world.acme) is not None
