"""Fixtures shared by the apps' tests (loaded from tests/conftest.py as a plugin)."""

from __future__ import annotations

import pytest


@pytest.fixture
def superuser_client(client, django_user_model):
    """A client signed in to the Django admin as a superuser (no workspace of its own)."""
    client.force_login(
        django_user_model.objects.create_superuser("root", "root@example.com", "x" * 16)
    )
    return client
