"""Which reverse proxies are believed: ``FORWARDED_ALLOW_IPS``, one rule for every forwarded header.

A proxy in front of the app (the README's nginx) connects from its own address, so the client's
address reaches the app only as ``X-Forwarded-For``, a header any client can also send. It is
believed only from a peer listed in ``FORWARDED_ALLOW_IPS`` (addresses, networks such as
``10.0.0.0/8``, or ``*``; default: this machine, ``127.0.0.1,::1``), the same setting and
meaning as uvicorn's. The client is then the rightmost ``X-Forwarded-For`` entry that is not
itself a trusted proxy: every entry left of it was written by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from app.core.config import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(trusted: tuple[str, ...]) -> tuple[bool, tuple[Network, ...]]:
    """(trust everyone, the listed networks); entries that are not addresses are ignored."""
    networks = []
    for entry in trusted:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return "*" in trusted, tuple(networks)


def is_trusted_proxy(address: str | None, trusted: Sequence[str] | None = None) -> bool:
    """Whether ``address`` (a connection's peer) is a configured proxy (``FORWARDED_ALLOW_IPS``)."""
    everyone, networks = _networks(tuple(get_settings().trusted_proxies if trusted is None else trusted))
    if everyone:
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[str] | None = None
) -> str:
    """The client's address: ``peer``, or through trusted proxies the ``X-Forwarded-For`` entry they saw."""
    client = (peer or "").strip() or "unknown"
    hops = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    while hops and is_trusted_proxy(client, trusted):
        client = hops.pop()
    return client[:64]
