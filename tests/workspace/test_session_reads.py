"""Every signed-in request reads its session and its user with one raw query each: they must
answer exactly as Django's database store and ModelBackend do."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from workspace.auth_backends import UserBackend
from workspace.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(data: dict) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


@pytest.mark.parametrize("store_class", [SessionStore, DjangoSessionStore])
def test_it_reads_a_live_session_as_django_does(store_class):
    key = _saved({"_auth_user_id": "7", "note": "ünïcode"})
    store = store_class(key)
    assert store["_auth_user_id"] == "7"
    assert store["note"] == "ünïcode"
    assert store.session_key == key


@pytest.mark.parametrize("store_class", [SessionStore, DjangoSessionStore])
def test_it_starts_afresh_for_an_expired_session(store_class):
    key = _saved({"_auth_user_id": "7"})
    past = timezone.now() - timedelta(seconds=1)
    Session.objects.filter(session_key=key).update(expire_date=past)
    store = store_class(key)
    assert store.load() == {}
    assert store.session_key is None  # a new key will be issued, the old one is never reused


@pytest.mark.parametrize("store_class", [SessionStore, DjangoSessionStore])
def test_it_starts_afresh_for_an_unknown_or_deleted_session(store_class):
    key = _saved({"_auth_user_id": "7"})
    SessionStore(key).delete()
    assert store_class(key).load() == {}
    assert store_class("x" * 32).load() == {}


def test_it_is_the_store_the_site_uses(world):
    assert settings.SESSION_ENGINE == "workspace.sessions"
    client = world.client_for("alice")
    assert client.get("/").status_code == 200
    Session.objects.all().update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302  # signed out once the session has expired


def test_the_user_read_gives_what_the_orm_gives(world):
    alice = world.alice
    found = UserBackend().get_user(alice.pk)
    expected = User.objects.get(pk=alice.pk)
    fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert isinstance(found.date_joined, datetime)  # converted as the ORM converts, on SQLite too


def test_the_user_read_finds_nobody_for_a_missing_or_inactive_user(world):
    assert UserBackend().get_user(10**9) is None
    User.objects.filter(pk=world.alice.pk).update(is_active=False)
    assert UserBackend().get_user(world.alice.pk) is None


def test_a_deactivated_user_is_signed_out_on_the_next_request(world):
    client = world.client_for("alice")
    assert client.get("/").status_code == 200
    User.objects.filter(pk=world.alice.pk).update(is_active=False)
    assert client.get("/").status_code == 302
