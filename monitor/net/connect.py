"""Connections checked as they are made: each goes to an address ``monitor.net.policy`` allows for its hop.

The policy checks a URL's addresses before the hop is sent, but the connection resolves the name again: a
DNS answer that changes in between (rebinding: public when checked, 127.0.0.1 or a metadata address when
connected) would slip through. Here the name is resolved once more, every address is checked against the
hop's rules, and the socket is opened to a checked address itself, so what is checked is what is reached.
TLS is unchanged: httpcore verifies the certificate against the URL's host name, not the address.

Only the connections of an exchange (``policy.HOP`` set) are checked; a proxy from the environment is
connected to as httpx does (the proxy resolves the target then).
"""

from __future__ import annotations

import typing

import httpcore
import httpx

from monitor.net import policy

__all__ = ["CheckedBackend", "checked_transport"]


class CheckedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the hop under way may reach."""

    def __init__(self, resolve: policy.Resolve = policy.system_resolve) -> None:
        self.resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        hop = policy.HOP.get()
        if hop is None:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = policy.connect_addresses(host, port, hop, self.resolve)
        if not addresses:
            raise httpcore.ConnectError(f"{host}: the name does not resolve")
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next address, as socket.create_connection would
                failure = exc
        assert failure is not None
        raise failure


def checked_transport() -> httpx.HTTPTransport:
    """httpx's own transport, its connections made by ``CheckedBackend``."""
    transport = httpx.HTTPTransport()
    pool = transport._pool
    if not isinstance(pool, httpcore.ConnectionPool):  # pragma: no cover - httpx changed its internals
        raise TypeError(f"httpx's transport holds a {type(pool).__name__}, not a ConnectionPool")
    pool._network_backend = CheckedBackend()
    return transport
