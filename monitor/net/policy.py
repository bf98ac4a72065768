"""Where an outbound request may go: the rules every request and every redirect it meets are checked against.

- http and https only;
- link-local and cloud-metadata addresses (``169.254.0.0/16``, ``fe80::/10``, ``fd00:ec2::254``,
  ``metadata.google.internal``) are never contacted, configured or not;
- a redirect to a private, loopback or otherwise non-public address is refused unless the configured URL is
  itself on such an address (users run local feeds and receivers; the tests serve on loopback);
- a request's own headers (tokens, conditional headers) and its body go to the configured origin only
  (scheme, host, port): on a redirect to another origin they are dropped, and a request with a body (a
  login form, a signed alert) is not redirected to another origin at all.

The address rules are checked twice: on the URL before a hop is sent (a clear refusal, with names resolved
by the injected ``resolve`` so that tests can map names to addresses), and again as each connection is made
(``connect_addresses``, called by ``monitor.net.connect``), on the addresses the connection then goes to: a
DNS answer that changed in between (rebinding) is caught there.

Pure apart from name resolution.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

import httpx

from monitor.errors import OutboundError

__all__ = [
    "HOP",
    "Hop",
    "Origin",
    "Resolve",
    "check_redirect",
    "check_start",
    "connect_addresses",
    "is_local",
    "origin",
    "system_resolve",
]

Origin = tuple[str, str, int]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Iterable[str]]

SCHEMES = frozenset({"http", "https"})
#: Never contacted: instance metadata services and link-local networks (where they live).
ALWAYS_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128")
)
ALWAYS_REFUSED_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (empty when it does not: the transport then reports the error)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def origin(url: httpx.URL) -> Origin:
    """(scheme, host, port) with the scheme's default port filled in."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return (url.scheme, url.host.lower(), port)


@dataclass(frozen=True)
class Hop:
    """The hop of an exchange under way, as its connections are checked: ``private_ok`` when it may reach a
    private or loopback address (the configured URL itself, or a redirect from a configured local one)."""

    private_ok: bool


#: The hop being sent in this thread (set by ``monitor.net.http.exchange`` around each send); None outside
#: an exchange, where connections are not checked.
HOP: ContextVar[Hop | None] = ContextVar("minewatch_hop", default=None)


def _resolved(host: str, port: int, resolve: Resolve) -> list[Address]:
    host = host.strip("[]")
    try:
        found: Iterable[str] = [str(ipaddress.ip_address(host))]
    except ValueError:
        found = resolve(host, port)
    out: list[Address] = []
    for text in found:
        address = ipaddress.ip_address(text.split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        out.append(mapped or address)
    return out


def _addresses(url: httpx.URL, resolve: Resolve) -> list[Address]:
    return _resolved(url.host, origin(url)[2], resolve)


def _never(host: str, addresses: list[Address]) -> str | None:
    if host.lower().rstrip(".") in ALWAYS_REFUSED_HOSTS:
        return f"{host} is a cloud metadata service"
    for address in addresses:
        if any(address in net for net in ALWAYS_REFUSED_NETWORKS):
            return f"{host} is at {address}, a link-local or metadata address"
    return None


def is_local(url: httpx.URL, resolve: Resolve = system_resolve) -> bool:
    """Whether ``url``'s host is a private, loopback or other non-public address (or resolves to one)."""
    return any(not a.is_global for a in _addresses(url, resolve))


def _scheme(url: httpx.URL) -> None:
    if url.scheme not in SCHEMES:
        raise OutboundError(f"{url.scheme or 'no'} scheme: only http and https URLs are fetched")
    if not url.host:
        raise OutboundError("the URL has no host")


def check_start(url: httpx.URL, resolve: Resolve = system_resolve) -> None:
    """Raise OutboundError when the configured ``url`` may not be requested at all."""
    _scheme(url)
    reason = _never(url.host, _addresses(url, resolve))
    if reason:
        raise OutboundError(f"refused: {reason}")


def check_redirect(
    start: httpx.URL,
    target: httpx.URL,
    *,
    has_body: bool,
    local_ok: bool,
    resolve: Resolve = system_resolve,
) -> bool:
    """Raise OutboundError when a request for ``start`` may not follow a redirect to ``target``; else say
    whether ``target`` is on another origin (so the request's own headers must not go with it)."""
    _scheme(target)
    other = origin(target) != origin(start)
    if other and has_body:
        raise OutboundError(
            f"refused a redirect to another origin ({target.host}): the request body is not sent there"
        )
    addresses = _addresses(target, resolve)
    reason = _never(target.host, addresses)
    if reason:
        raise OutboundError(f"refused a redirect: {reason}")
    if not local_ok and any(not a.is_global for a in addresses):
        raise OutboundError(f"refused a redirect to {target.host}, a private or loopback address")
    return other


def connect_addresses(host: str, port: int, hop: Hop, resolve: Resolve = system_resolve) -> list[str]:
    """The addresses a connection of ``hop`` to ``host`` may go to, as ``host`` resolves now; OutboundError
    when any of them is one the hop may not reach (every address is checked, as for a redirect)."""
    addresses = _resolved(host, port, resolve)
    reason = _never(host, addresses)
    if reason:
        raise OutboundError(f"refused to connect: {reason}")
    if not hop.private_ok:
        for address in addresses:
            if not address.is_global:
                raise OutboundError(f"refused to connect to {host}: it resolves to {address} now, not public")
    return [str(a) for a in addresses]
