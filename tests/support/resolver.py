"""The one fake resolver. Egress and the setup checks look names up through
address_policy.resolve_host, so patching that seam gives a test complete control of DNS: no test
ever reaches a real resolver.

    with fake_resolver({"hooks.example": ["127.0.0.1"]}) as dns: ...   # a table of one's own
    def test_it(fake_dns): ...       # KNOWN_HOSTS; any other name does not resolve
    def test_it(public_dns): ...     # every name resolves to PUBLIC_IP

Each yields the FakeResolver, so a test can point a name elsewhere (`dns.table[name] = [...]`)
or read which names were looked up (`dns.lookups`).
"""

from __future__ import annotations

import copy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest

PUBLIC_IP = "93.184.216.34"
OTHER_PUBLIC_IP = "93.184.216.35"
PRIVATE_IP = "10.0.0.7"

KNOWN_HOSTS: dict[str, list[str]] = {
    "api.example.com": [PUBLIC_IP],
    "hooks.example.com": [PUBLIC_IP],
    "other.example.org": [OTHER_PUBLIC_IP],
    "intranet.example.com": [PRIVATE_IP],
    # Only one of its addresses is private: the connection could go to any of them.
    "mixed.example.com": [PUBLIC_IP, "127.0.0.1"],
}

# Long enough that a lookup the code under test gives up on is over before it answers, short
# enough that a test which forgets to release one does not hold a thread for good.
STALL_SECONDS = 30


class FakeResolver:
    """Stands in for address_policy.resolve_host: `table` maps a name to its addresses; a list of
    lists answers one list per lookup, to play a name that changes its answer (DNS rebinding).
    Names missing from the table answer `default`, or fail as the OS does when it is None. With
    `stall`, every lookup first waits for that event (a resolver that does not answer)."""

    def __init__(
        self,
        table: dict | None = None,
        *,
        default: list[str] | None = None,
        stall: threading.Event | None = None,
    ) -> None:
        # A copy: answers are used up, and a table shared between tests must stay whole.
        self.table: dict = copy.deepcopy(table or {})
        self.default = default
        self.stall = stall
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if self.stall is not None:
            self.stall.wait(STALL_SECONDS)
        answer = self.table.get(host, self.default)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answer and isinstance(answer[0], list):
            return list(answer.pop(0))
        return list(answer)


@contextmanager
def fake_resolver(
    table: dict | None = None,
    *,
    default: list[str] | None = None,
    stall: threading.Event | None = None,
) -> Iterator[FakeResolver]:
    """DNS answered by a FakeResolver for the length of the block."""
    from integrations import address_policy

    resolver = FakeResolver(table, default=default, stall=stall)
    with mock.patch.object(address_policy, "resolve_host", resolver):
        yield resolver


@pytest.fixture
def fake_dns() -> Iterator[FakeResolver]:
    """KNOWN_HOSTS resolve; any other name does not."""
    with fake_resolver(KNOWN_HOSTS) as resolver:
        yield resolver


@pytest.fixture
def public_dns() -> Iterator[FakeResolver]:
    """Every name resolves to PUBLIC_IP unless the test points it elsewhere. The live server runs
    in the test's process, so this also answers for the requests a browser makes."""
    with fake_resolver(default=[PUBLIC_IP]) as resolver:
        yield resolver
