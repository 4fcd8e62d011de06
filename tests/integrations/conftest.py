import pytest

from tests.integrations.connection_support import use_fake_dns

# Imported, an autouse fixture applies to every test in this folder: no log line may carry a
# header value or body (tests/secret_log_guard.py).
from tests.secret_log_guard import secret_log_guard  # noqa: F401


@pytest.fixture
def fake_dns(monkeypatch):
    """The connection tests' DNS (see connection_support.DNS); opt in with usefixtures, since
    the egress and delivery tests bring resolvers of their own."""
    use_fake_dns(monkeypatch)
