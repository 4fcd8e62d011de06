"""The key shown once says truthfully until when it works: through the day before it expires."""

import datetime

import pytest
from django.urls import reverse

from tests.datasets.test_api_key_views import create

pytestmark = pytest.mark.django_db


def test_the_created_key_reads_valid_through_the_day_before_the_date_chosen(world, settings):
    expires_on = datetime.date.today() + datetime.timedelta(days=90)
    last_day = expires_on - datetime.timedelta(days=1)
    page = create(world.client_for("alice"), expires_on=expires_on.isoformat())
    html = page.content.decode()
    assert f"Valid through <strong>{last_day.day} {last_day:%B %Y}</strong>" in html
    assert (
        f"it stops working when {expires_on.day} {expires_on:%B %Y} begins ({settings.TIME_ZONE})"
        in html
    )


def test_the_form_explains_what_the_date_means(world):
    page = world.client_for("alice").get(reverse("datasets:api_key_create")).content.decode()
    assert "The first day the key no longer works: it is valid through the day before." in page
