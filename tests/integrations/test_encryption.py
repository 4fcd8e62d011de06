"""URL, headers and body are encrypted at rest; a wrong key fails loudly; rotation re-encrypts
every row under the first key."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations import encrypted_fields
from integrations.encrypted_fields import DecryptionError
from integrations.models import Connection
from tests.integrations.connection_support import (
    BODY_TOKEN,
    HEADER_VALUE,
    TEAM_VALUE,
    URL,
    raw_row,
    set_up,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_dns")]

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Switch FIELD_ENCRYPTION_KEYS; the cached MultiFernet is keyed on the list, and cleared so
    no test sees another's keys."""

    def use(*key_list):
        settings.FIELD_ENCRYPTION_KEYS = list(key_list)
        encrypted_fields._fernet_for.cache_clear()

    yield use
    encrypted_fields._fernet_for.cache_clear()


def test_it_stores_no_plaintext_of_url_header_value_or_body(world):
    connection = set_up(world)
    url, headers, body, host = raw_row(connection)
    stored = " ".join([url, headers, body])
    for plaintext in [URL, "/pipeline/run", HEADER_VALUE, TEAM_VALUE, "Authorization", BODY_TOKEN]:
        assert plaintext not in stored
    assert host == "hooks.example.com"
    assert all(value.startswith("gAAAAA") for value in (url, headers, body))


def test_it_encrypts_empty_headers_and_body_too(world):
    connection = set_up(world, headers="", body="")
    _, headers, body, _ = raw_row(connection)
    assert headers and body and headers != body
    connection.refresh_from_db()
    assert (connection.headers, connection.body) == ("", "")


def test_it_raises_when_no_key_opens_a_value(world, keys):
    keys(OLD_KEY)
    connection = set_up(world)
    keys(NEW_KEY)
    with pytest.raises(DecryptionError) as caught:
        Connection.objects.get(pk=connection.pk)
    assert "gAAAAA" not in str(caught.value)


def test_it_decrypts_with_any_key_in_the_list_and_encrypts_with_the_first(world, keys):
    keys(OLD_KEY)
    connection = set_up(world)
    keys(NEW_KEY, OLD_KEY)
    assert Connection.objects.get(pk=connection.pk).url == URL
    connection.save()
    keys(NEW_KEY)
    assert Connection.objects.get(pk=connection.pk).url == URL


def test_it_rotates_every_row_to_the_first_key(world, keys, capsys):
    keys(OLD_KEY)
    first = set_up(world)
    second = set_up(world, name="Archive", headers="", body="")
    before = {c.pk: raw_row(c) for c in (first, second)}

    keys(NEW_KEY, OLD_KEY)
    call_command("rotate_encryption_keys")
    assert "integrations.Connection: re-encrypted 6 values in 2 rows." in capsys.readouterr().out

    keys(NEW_KEY)
    for connection in (first, second):
        after = raw_row(connection)
        assert all(
            new != old for new, old in zip(after[:3], before[connection.pk][:3], strict=True)
        )
    first, second = Connection.objects.get(pk=first.pk), Connection.objects.get(pk=second.pk)
    assert HEADER_VALUE in first.headers and BODY_TOKEN in first.body and first.url == URL
    assert (second.headers, second.body) == ("", "")
    keys(OLD_KEY)
    with pytest.raises(DecryptionError):
        Connection.objects.get(pk=first.pk)


def test_it_rotates_nothing_when_one_value_cannot_be_opened(world, keys):
    keys(OLD_KEY)
    first = set_up(world)
    keys(NEW_KEY)
    second = set_up(world, name="Archive")
    before = raw_row(second)
    keys(NEW_KEY)  # the old key is missing: the first row cannot be opened
    with pytest.raises(CommandError, match=f"row {first.pk} holds a value no key"):
        call_command("rotate_encryption_keys")
    assert raw_row(second) == before


def test_it_generates_a_working_fernet_key(capsys):
    call_command("generate_encryption_key")
    key = capsys.readouterr().out.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_it_rotates_response_excerpts_in_pages(world, keys, capsys, monkeypatch):
    from integrations.management.commands import rotate_encryption_keys
    from integrations.models import Delivery
    from tests.integrations.delivery_support import ledger_rows

    monkeypatch.setattr(rotate_encryption_keys, "PAGE_SIZE", 2)  # several pages of deliveries
    keys(OLD_KEY)
    connection = set_up(world)
    moments = [connection.created_at] * 5
    ledger_rows(connection, moments, response_excerpt="the service said: queued")
    keys(NEW_KEY, OLD_KEY)
    call_command("rotate_encryption_keys")
    assert "integrations.Delivery: re-encrypted 5 values in 5 rows." in capsys.readouterr().out
    keys(NEW_KEY)
    excerpts = set(Delivery.objects.values_list("response_excerpt", flat=True))
    assert excerpts == {"the service said: queued"}
