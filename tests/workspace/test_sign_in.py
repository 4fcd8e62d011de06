import pytest
from django.test import Client
from django.urls import reverse

from tests.support.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_signs_in_with_the_right_password(world, client):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:home")
    assert "Sales Planning" in client.get("/").content.decode()


def test_it_refuses_a_wrong_password_with_a_message(world, client):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get("/").status_code == 302


def test_it_signs_out(world):
    client = world.client_for("alice")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_it_stops_password_guessing_on_one_account_after_ten_failures(world, client):
    for _ in range(10):
        response = client.post(reverse("login"), {"username": "alice", "password": "guess"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert client.get("/").status_code == 302  # not signed in, even with the right password
    other = client.post(reverse("login"), {"username": "erin", "password": PASSWORD})
    assert other.status_code == 302


def test_it_does_not_lock_the_owner_out_from_another_address(world):
    attacker, owner = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(12):
        attacker.post(reverse("login"), {"username": "alice", "password": "guess"})
    response = owner.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_successful_sign_ins_are_not_counted(world):
    for _ in range(12):
        client = Client()
        response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        assert response.status_code == 302


def test_it_stops_one_address_guessing_across_accounts(world, client):
    for number in range(30):
        client.post(reverse("login"), {"username": f"user{number}", "password": "guess"})
    response = client.post(reverse("login"), {"username": "erin", "password": PASSWORD})
    assert response.status_code == 429
