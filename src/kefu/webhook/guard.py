"""SSRF guard (pure): which URLs and resolved addresses a webhook may reach."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from kefu.errors import Unprocessable


def parse_target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable webhook URL, else Unprocessable."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise Unprocessable("webhook URL must be http or https", code="invalid_url")
    if not parts.hostname:
        raise Unprocessable("webhook URL has no host", code="invalid_url")
    if parts.username or parts.password:
        raise Unprocessable(
            "credentials in the webhook URL are not allowed; use the secret", code="invalid_url"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Unprocessable("webhook URL has an invalid port", code="invalid_url") from exc
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def is_internal(address: str) -> bool:
    """Private, loopback, link-local (cloud metadata), multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def check_addresses(host: str, addresses: Iterable[str], allowed_hosts: Iterable[str]) -> list[str]:
    """The addresses we may connect to; refuses if any resolved address is internal and the
    host is not explicitly allowed (a mix of public and internal answers is refused too)."""
    addrs = list(dict.fromkeys(addresses))
    if not addrs:
        raise Unprocessable(f"webhook host {host} does not resolve", code="unresolvable_host")
    # Only the host as written in the URL can be allowed: a name that merely resolves to an
    # allowed address is not (DNS rebinding onto an allowed internal service).
    if host in {h.lower() for h in allowed_hosts}:
        return addrs
    internal = [a for a in addrs if is_internal(a)]
    if internal:
        raise Unprocessable(
            f"webhook host {host} resolves to an internal address ({internal[0]}); an admin must allow it",
            code="internal_address",
        )
    return addrs
