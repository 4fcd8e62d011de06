"""Which presented keys work: expiry on the right day, type, deletion, last use."""

import datetime
import zoneinfo
from unittest import mock

import pytest
from django.utils import timezone

from datasets.api_key_services import (
    ApiKeyExpired,
    ApiKeyMissing,
    ApiKeyUnknown,
    ApiKeyWrongType,
    api_key_authenticate,
    api_key_create,
)
from datasets.models import ApiKey

pytestmark = pytest.mark.django_db

EXPIRES_ON = datetime.date(2031, 6, 15)


@pytest.fixture
def berlin(settings):
    # A zone away from UTC, so "the day" must be the server's local day, not UTC's.
    settings.TIME_ZONE = "Europe/Berlin"
    return zoneinfo.ZoneInfo("Europe/Berlin")


def at(moment: datetime.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def secret(world, berlin) -> str:
    with at(datetime.datetime(2031, 1, 1, 12, tzinfo=berlin)):
        return api_key_create(
            workspace=world.acme,
            name="Pipeline",
            key_type=ApiKey.KeyType.IMPORT,
            expires_on=EXPIRES_ON,
            created_by=world.alice,
        ).secret


def test_it_works_until_the_last_minute_of_the_day_before_expiry(secret, berlin):
    with at(datetime.datetime(2031, 6, 14, 23, 59, 59, tzinfo=berlin)):
        assert api_key_authenticate(raw_key=secret, key_type="import").name == "Pipeline"


def test_it_stops_at_midnight_server_time_on_the_expiration_date(secret, berlin):
    # 00:00 in Berlin is still 22:00 on the 14th in UTC.
    moment = datetime.datetime(2031, 6, 15, 0, 0, tzinfo=berlin)
    assert moment.astimezone(datetime.UTC).day == 14
    with at(moment), pytest.raises(ApiKeyExpired) as refused:
        api_key_authenticate(raw_key=secret, key_type="import")
    assert refused.value.status == 403


def test_it_refuses_the_wrong_type(secret):
    with pytest.raises(ApiKeyWrongType) as refused:
        api_key_authenticate(raw_key=secret, key_type="export")
    assert refused.value.status == 403


@pytest.mark.parametrize("raw_key", ["sb_abc", "sb__x", "pk_live_123", "sb_00000000_guess"])
def test_it_refuses_unknown_keys(secret, raw_key):
    with pytest.raises(ApiKeyUnknown) as refused:
        api_key_authenticate(raw_key=raw_key, key_type="import")
    assert refused.value.status == 401


def test_it_refuses_a_key_with_one_character_changed(secret):
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    with pytest.raises(ApiKeyUnknown):
        api_key_authenticate(raw_key=tampered, key_type="import")


def test_it_asks_for_a_key_when_none_is_sent(world):
    with pytest.raises(ApiKeyMissing) as refused:
        api_key_authenticate(raw_key="", key_type="import")
    assert refused.value.status == 401


def test_it_refuses_a_deleted_key(secret):
    ApiKey.objects.all().delete()
    with pytest.raises(ApiKeyUnknown):
        api_key_authenticate(raw_key=secret, key_type="import")


def test_it_records_last_use_at_most_once_a_minute(secret, berlin, django_assert_num_queries):
    first = datetime.datetime(2031, 3, 1, 9, 0, tzinfo=berlin)
    with at(first):
        api_key_authenticate(raw_key=secret, key_type="import")
    assert ApiKey.objects.get().last_used_at == first
    # Within the minute: the lookup only, no write.
    with at(first + datetime.timedelta(seconds=30)), django_assert_num_queries(1):
        api_key_authenticate(raw_key=secret, key_type="import")
    assert ApiKey.objects.get().last_used_at == first
    later = first + datetime.timedelta(minutes=5)
    with at(later):
        api_key_authenticate(raw_key=secret, key_type="import")
    assert ApiKey.objects.get().last_used_at == later


def test_it_judges_the_day_in_the_server_time_zone_not_utc(secret, berlin):
    assert timezone.get_current_timezone_name() == "Europe/Berlin"
    with at(datetime.datetime(2031, 6, 14, 21, 59, tzinfo=datetime.UTC)):
        api_key_authenticate(raw_key=secret, key_type="import")
    with (
        at(datetime.datetime(2031, 6, 14, 22, 0, tzinfo=datetime.UTC)),
        pytest.raises(ApiKeyExpired),
    ):
        api_key_authenticate(raw_key=secret, key_type="import")
