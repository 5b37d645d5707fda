"""ASGI middleware: request id and context, body size limit, security headers, metrics."""

from __future__ import annotations

import ipaddress
import secrets
import time
import uuid
from collections.abc import Iterable
from typing import Any

import structlog
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu.kit import context

REQUESTS = Counter("kefu_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "kefu_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WS_CONNECTIONS = Gauge("kefu_websocket_connections", "Open WebSocket connections", ["kind"])
JOB_QUEUE = Gauge("kefu_jobs", "Jobs by status", ["status"])

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip()]


def _trusted(address: str, proxies: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: list[Network]) -> str | None:
    """The caller's address: the peer, unless the peer is a configured proxy; then the
    nearest X-Forwarded-For hop that is not itself a trusted proxy (hops further left were
    written by the client and prove nothing)."""
    if peer is None or not proxies or not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: keep the proxy's own address
    return hops[0] if hops else peer


def content_security_policy(nonce: str, frame_ancestors: str = "'self'") -> bytes:
    """Scripts only from this origin or carrying the page's nonce (no inline handlers, no
    eval); styles may be inline (HTMX's indicator style, ECharts' element styles). Pages are
    framed by this origin only, unless the page names its own frame-ancestors (the widget)."""
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; "
        "font-src 'self' data:; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'self'; "
        "form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    ).encode()


def _with_policy(key: bytes, value: bytes, nonce: str) -> tuple[bytes, bytes]:
    if (
        key.lower() == b"content-security-policy"
        and value.startswith(b"frame-ancestors ")
        and b";" not in value
    ):
        return key, content_security_policy(nonce, value.removeprefix(b"frame-ancestors ").decode())
    return key, value


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        trusted_proxies: Iterable[str] = (),
        secure_cookies: bool = False,
        hsts_seconds: int = 31_536_000,
    ) -> None:
        self.app = app
        self.proxies = parse_networks(trusted_proxies)
        self.secure = secure_cookies
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex
        client = scope.get("client")
        ip = client[0] if client else None
        if self.proxies and ip is not None:
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
            real = client_address(ip, forwarded, self.proxies)
            if real != ip and real is not None:
                scope["client"] = (real, client[1] if client else 0)
                ip = real
        t_rid = context.request_id.set(rid)
        t_ip = context.client_ip.set(ip)
        structlog.contextvars.bind_contextvars(request_id=rid)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce  # templates put it on <script>

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                hdrs = list(message.get("headers", []))
                hdrs.append((b"x-request-id", rid.encode()))
                present = {k.lower() for k, _v in hdrs}
                hdrs.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    hdrs.append((b"content-security-policy", content_security_policy(nonce)))
                else:  # a page that only says who may frame it still gets the script policy
                    hdrs = [_with_policy(k, v, nonce) for k, v in hdrs]
                if self.secure:
                    hdrs.append((b"strict-transport-security", self.hsts))
                    hdrs = [_secure_cookie(k, v) for k, v in hdrs]
                message["headers"] = hdrs
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                REQUESTS.labels(scope["method"], path, str(status_holder["status"])).inc()
                LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("request_id")
            context.request_id.reset(t_rid)
            context.client_ip.reset(t_ip)


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """Behind TLS every cookie, whoever set it, carries `Secure`."""
    if name.lower() == b"set-cookie" and b"secure" not in value.lower().replace(b" ", b"").split(b";"):
        value += b"; Secure"
    return name, value


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413 before the app reads them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int = 12 * 1024 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes  # file uploads; the endpoint applies its own limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = self.upload_bytes if scope.get("path", "").endswith("/attachments") else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send)


async def _too_large(send: Send) -> None:
    body = b'{"error":{"code":"payload_too_large","message":"request body too large"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
