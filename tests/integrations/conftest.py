import pytest

from tests.integrations.connection_support import use_fake_dns


@pytest.fixture
def fake_dns(monkeypatch):
    """The connection tests' DNS (see connection_support.DNS); opt in with usefixtures, since
    the egress and delivery tests bring resolvers of their own."""
    use_fake_dns(monkeypatch)
