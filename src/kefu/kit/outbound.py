"""The one SSRF guard for every connection the server opens (webhooks, bot HTTP actions,
IMAP/SMTP, the WeChat API, partner and ERP calls).

Two checks: when an admin configures a target (`check_url`/`check_host`, a 4xx for an
internal address), and when connecting (`resolve`), where the name is resolved once, every
answer checked, and the socket opened to the checked address itself, so DNS rebinding between
check and connect is useless. Internal means anything not globally routable: loopback,
private, link-local (cloud metadata), CGNAT, multicast, reserved, unspecified, and IPv4 hidden
in IPv6 (mapped, 6to4, NAT64). Literal addresses in every form libc accepts (`2130706433`,
`0x7f000001`, `127.1`, `0177.0.0.1`) are read as the address they are.

Only an explicit allow-list (KEFU_OUTBOUND_ALLOW: host, host:port, IP or CIDR) lets a target
through; a name is allowed only as written, never because it resolves to an allowed address.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import ipaddress
import re
import socket
import ssl
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")
_LEGACY_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
RESOLVE_TIMEOUT = 5.0


class OutboundRefused(Exception):
    """A target the guard refuses (`code`: invalid_url, internal_address, unresolvable_host)."""

    def __init__(self, message: str, code: str = "internal_address") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case, no brackets, no trailing dot
    port: int


def literal_ip(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, in any notation the resolver accepts."""
    raw = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_V4.match(raw):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(raw))
        except OSError:
            return None
    return None


def _embedded_v4(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip in _6TO4 and ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_internal(address: str | IPAddress) -> bool:
    ip = _embedded_v4(ipaddress.ip_address(address) if isinstance(address, str) else address)
    return not ip.is_global or ip.is_multicast


class Policy:
    """The allow-list: entries `host`, `host:port`, `[v6]:port`, an IP (as written in the
    URL, like a name) or a CIDR `a.b.c.d/n` (any address inside)."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        allow = [e.strip().lower() for e in allow]
        self.key = tuple(sorted(e for e in allow if e))  # policies with one key allow the same
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.hosts: set[tuple[str, int | None]] = set()
        for entry in allow:
            if not entry:
                continue
            if "/" in entry:  # a CIDR: any address inside, whatever name led there
                try:
                    self.networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            host, port = entry, None
            m = re.match(r"^(\[[^\]]+\]|[^:]+):(\d+)$", entry)
            if m:
                host, port = m.group(1), int(m.group(2))
            ip = literal_ip(host)
            self.hosts.add((str(ip) if ip else host.strip("[]").rstrip("."), port))

    def allows(self, host: str, port: int, ip: IPAddress | None = None) -> bool:
        """A name matches host entries only as written; its resolved address may still fall
        in an allowed network (CIDR entries are the operator's statement about addresses)."""
        if (host, None) in self.hosts or (host, port) in self.hosts:
            return True
        return ip is not None and any(ip in net for net in self.networks)

    def check_address(self, host: str, port: int, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if is_internal(ip) and not self.allows(host, port, ip):
            raise OutboundRefused(
                f"{host} resolves to an internal address ({ip}); an admin must allow it "
                "(KEFU_OUTBOUND_ALLOW)",
            )


def parse_url(url: str, schemes: Iterable[str] = ("http", "https")) -> Target:
    parts = urlsplit(url.strip())
    if parts.scheme not in set(schemes):
        raise OutboundRefused(f"URL must be {' or '.join(schemes)}", code="invalid_url")
    if not parts.hostname:
        raise OutboundRefused("URL has no host", code="invalid_url")
    if parts.username or parts.password:
        raise OutboundRefused("credentials in the URL are not allowed", code="invalid_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused("URL has an invalid port", code="invalid_url") from exc
    return Target(parts.scheme, _norm(parts.hostname), port)


def _norm(host: str) -> str:
    ip = literal_ip(host)
    return str(ip) if ip is not None else host.strip().strip("[]").lower().rstrip(".")


async def _getaddrinfo(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_TIMEOUT
    )
    return list(dict.fromkeys(str(i[4][0]) for i in infos))


async def resolve(host: str, port: int, policy: Policy) -> list[str]:
    """Connect time: the checked addresses to connect to (every answer must pass)."""
    name = _norm(host)
    ip = literal_ip(name)
    if ip is not None:
        policy.check_address(name, port, str(ip))
        return [str(ip)]
    try:
        addresses = await _getaddrinfo(name, port)
    except (OSError, TimeoutError) as exc:
        raise OutboundRefused(f"{name} does not resolve", code="unresolvable_host") from exc
    if not addresses:
        raise OutboundRefused(f"{name} does not resolve", code="unresolvable_host")
    for address in addresses:
        policy.check_address(name, port, address)
    return addresses


async def check_host(host: str, port: int, policy: Policy) -> None:
    """Configuration time: refuse internal literals and names that resolve inward now; a name
    that does not resolve yet is accepted (it is checked again at every connect)."""
    name = _norm(host)
    if not name or len(name) > 253:
        raise OutboundRefused("invalid host", code="invalid_url")
    if name == "localhost" or name.endswith(".localhost"):
        if not policy.allows(name, port):
            raise OutboundRefused(f"{name} is an internal address; an admin must allow it")
        return
    try:
        await resolve(name, port, policy)
    except OutboundRefused as exc:
        if exc.code != "unresolvable_host":
            raise


async def check_url(url: str, policy: Policy, schemes: Iterable[str] = ("http", "https")) -> Target:
    target = parse_url(url, schemes)
    await check_host(target.host, target.port, policy)
    return target


def resolve_sync(host: str, port: int, policy: Policy) -> list[str]:
    """`resolve` for blocking clients (IMAP in a worker thread)."""
    name = _norm(host)
    ip = literal_ip(name)
    if ip is not None:
        policy.check_address(name, port, str(ip))
        return [str(ip)]
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise OutboundRefused(f"{name} does not resolve", code="unresolvable_host") from exc
    addresses = list(dict.fromkeys(str(i[4][0]) for i in infos))
    for address in addresses:
        policy.check_address(name, port, address)
    return addresses


def connect_sync(host: str, port: int, timeout: float | None, policy: Policy) -> socket.socket:
    """A TCP socket to a checked address of host (the caller wraps TLS with host as SNI)."""
    last: OSError | None = None
    for address in resolve_sync(host, port, policy):
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            last = exc
    raise last or OSError(f"cannot connect to {host}:{port}")


async def connect(host: str, port: int, timeout: float, policy: Policy) -> socket.socket:
    """A connected (blocking-mode) socket for clients that take one (aiosmtplib's `sock`)."""
    addresses = await resolve(host, port, policy)
    last: OSError | None = None
    for address in addresses:
        try:
            return await asyncio.to_thread(socket.create_connection, (address, port), timeout)
        except OSError as exc:
            last = exc
    raise last or OSError(f"cannot connect to {host}:{port}")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the guard between resolving and connecting. TLS still
    verifies the certificate against the URL's host name (httpcore passes it as SNI)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port, self.policy)
        except OutboundRefused as exc:
            raise httpcore.ConnectError(exc.message) from exc
        return await self.inner.connect_tcp(
            addresses[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not an outbound target")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per process: building one loads the CA bundle (~5-20 ms of
    CPU), which a new transport per webhook delivery or provider call paid every time."""
    return httpx.create_ssl_context()


def tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (for clients other than httpx: kit.posting)."""
    return _tls()


def _guarded_transport(policy: Policy) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(retries=0, verify=_tls())
    pool = transport._pool  # httpx has no public hook for the network backend
    if not hasattr(pool, "_network_backend"):  # pragma: no cover - a future httpx
        raise RuntimeError("httpx transport layout changed: the SSRF guard cannot attach")
    pool._network_backend = GuardedBackend(policy)
    return transport


class _Shared(httpx.AsyncBaseTransport):
    """A client's handle on a pool that outlives the client: closing it keeps the pool."""

    def __init__(self, pool: httpx.AsyncHTTPTransport) -> None:
        self.pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.pool.handle_async_request(request)

    async def aclose(self) -> None:
        return None


_pools: contextvars.ContextVar[dict[tuple[str, ...], httpx.AsyncHTTPTransport] | None] = (
    contextvars.ContextVar("kefu_outbound_pools", default=None)
)


@contextlib.asynccontextmanager
async def keep_alive() -> AsyncIterator[None]:
    """Clients made inside (and in tasks started inside) share kept-alive connections, one
    pool per allow-list: the job worker's run, where each webhook delivery opened and closed a
    connection of its own. A new connection still passes the guard (resolve, check, connect to
    the checked address); a kept one stays on the address checked when it opened. The pools
    close when the block ends."""
    pools: dict[tuple[str, ...], httpx.AsyncHTTPTransport] = {}
    token = _pools.set(pools)
    try:
        yield
    finally:
        _pools.reset(token)
        for pool in pools.values():
            with contextlib.suppress(Exception):
                await pool.aclose()


def client(policy: Policy, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every connection passes the guard: no redirects followed (each
    hop would need its own check), no proxies from the environment. Inside `keep_alive` its
    connections come from (and go back to) the block's pool."""
    pools = _pools.get()
    transport: httpx.AsyncBaseTransport
    if pools is None:
        transport = _guarded_transport(policy)
    else:
        pool = pools.get(policy.key)
        if pool is None:
            pool = pools[policy.key] = _guarded_transport(policy)
        transport = _Shared(pool)
    kwargs.setdefault("follow_redirects", False)
    return httpx.AsyncClient(transport=transport, trust_env=False, **kwargs)


def refused_reason(exc: BaseException) -> str | None:
    """The guard's message when an httpx error came from a refusal, else None."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OutboundRefused):
            return cause.message
        cause = cause.__cause__ or cause.__context__
    return None
