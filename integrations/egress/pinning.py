"""The requests adapter that connects to the address our policy approved, and nowhere else."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any, cast

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import ConnectionPool, HTTPConnectionPool, HTTPSConnectionPool

from integrations.address_policy import BlockedAddress
from integrations.egress.deadline import Deadline

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs


class _WatchedConnection:
    """Hands each freshly connected socket to the call's deadline."""

    deadline: Deadline | None = None

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        if self.deadline is not None:
            self.deadline.watch(sock)
        return sock


class _WatchedPool:
    deadline: Deadline | None = None
    ConnectionCls: Any

    def _new_conn(self) -> Any:
        conn = super()._new_conn()  # type: ignore[misc]
        conn.deadline = self.deadline
        return conn


class _HTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(_WatchedPool, HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(_WatchedPool, HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PinnedAdapter(IPFilterAdapter):
    """requests-hardened's IP pinning, fed by our address policy.

    The TCP connection goes to the address `check_address_at_send` approved, while the Host
    header, TLS SNI and certificate check keep using the host name, so nothing resolves the
    name a second time (no DNS-rebinding window).
    """

    def __init__(self, *, host: str, ip: str, is_https: bool, deadline: Deadline) -> None:
        self._host = host
        self._ip = ip
        self._deadline = deadline
        super().__init__(is_https_proto=is_https)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> ConnectionPool:
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        cast(_WatchedPool, pool).deadline = self._deadline  # init_poolmanager: all pools are ours
        return pool

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        # Deliberately skip IPFilterAdapter's own version: it resolves with plain getaddrinfo
        # and judges by its own ranges, bypassing resolve_host and OUTBOUND_ALLOWLIST. What
        # follows is its Host/SNI handling, pinned to the address we checked.
        host_params, pool_kwargs = HTTPAdapter.build_connection_pool_key_attributes(
            self, request, verify, cert
        )
        hostname: str = host_params["host"] or ""
        if hostname.rstrip(".") != self._host:
            raise BlockedAddress(hostname, "")  # a host we never checked: fail closed
        request.headers = CaseInsensitiveDict(request.headers or {})
        host_header = f"[{hostname}]" if ":" in hostname else hostname
        if host_params["port"] is not None:
            host_header += f":{host_params['port']}"
        request.headers["Host"] = host_header
        if self._is_https_proto:
            # urllib3 takes these pool arguments; requests' type stubs list only the ones it sets.
            tls_kwargs = cast(dict[str, Any], pool_kwargs)
            tls_kwargs["assert_hostname"] = hostname
            tls_kwargs["server_hostname"] = hostname
        host_params["host"] = f"[{self._ip}]" if ":" in self._ip else self._ip
        return host_params, pool_kwargs
