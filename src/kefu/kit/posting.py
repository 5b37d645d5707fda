"""Lean HTTP/1.1 POSTs behind the SSRF guard, for webhook deliveries.

A delivery through httpx cost ~0.75 ms of CPU on loopback (client and request objects,
cookie handling, a pool that checks every kept connection's socket on each request,
headers and body in two writes, a log line); with about two deliveries per ticket that was
the largest part of the background work after a ticket create. Here a POST is one write
and a parsed status line: ~0.08 ms. Only what a delivery needs: the status code (the body
is read and dropped so the connection can be kept), no redirects, no proxies, no cookies.

Every new connection passes the guard (`outbound.connect`: the name resolved, every answer
checked, the socket opened to a checked address; TLS verifies the URL's host name). Inside
`keep_alive()` connections are kept per (allow-list, scheme, host, port); a kept one stays
on the address checked when it opened, as with `outbound.keep_alive`. Outside it, each POST
opens and closes its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Mapping
from urllib.parse import quote, urlsplit

from kefu.kit import outbound

MAX_HEADER_LINES = 100
MAX_KEPT_BODY = 1 << 20  # a longer answer is not read: its connection is closed instead
MAX_IDLE_PER_TARGET = 8
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"


class PostError(OSError):
    """The POST failed below HTTP (refused by the guard, connection lost, bad answer)."""


_Key = tuple[tuple[str, ...], str, str, int]
_Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
_pools: contextvars.ContextVar[dict[_Key, list[_Conn]] | None] = contextvars.ContextVar(
    "kefu_posting_pools", default=None
)


@contextlib.asynccontextmanager
async def keep_alive() -> AsyncIterator[None]:
    """POSTs inside (and in tasks started inside) reuse kept-alive connections; they are
    closed when the block ends."""
    pools: dict[_Key, list[_Conn]] = {}
    token = _pools.set(pools)
    try:
        yield
    finally:
        _pools.reset(token)
        for conns in pools.values():
            for _reader, writer in conns:
                writer.close()


async def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    policy: outbound.Policy,
    timeout: float,
) -> int:
    """POST `body` to `url`; the response's status code. Raises PostError (an OSError) when
    there is no HTTP answer, TimeoutError after `timeout` seconds in all."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise PostError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    port = parts.port or (443 if scheme == "https" else 80)
    default_port = port == (443 if scheme == "https" else 80)
    host_header = f"[{host}]" if ":" in host else host
    if not default_port:
        host_header = f"{host_header}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path = f"{path}?{quote(parts.query, safe=_PATH_SAFE)}"
    lines = [f"POST {path} HTTP/1.1", f"Host: {host_header}", f"Content-Length: {len(body)}"]
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or ":" in name:
            raise PostError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    key: _Key = (policy.key, scheme, host, port)
    async with asyncio.timeout(timeout):
        kept = _take(key)
        if kept is not None:
            try:
                return await _exchange(kept, request, key)
            except _Stale:  # the server closed the kept connection meanwhile: a fresh one
                pass
        conn = await _open(scheme, host, port, timeout, policy)
        try:
            return await _exchange(conn, request, key)
        except _Stale as exc:
            raise PostError("connection closed before an answer") from exc


class _Stale(Exception):
    """No byte of an answer came back: the request may be sent again on a new connection."""


def _take(key: _Key) -> _Conn | None:
    pools = _pools.get()
    conns = pools.get(key) if pools is not None else None
    while conns:
        reader, writer = conns.pop()
        if not reader.at_eof() and not writer.is_closing():
            return reader, writer
        writer.close()
    return None


def _give_back(key: _Key, conn: _Conn) -> None:
    pools = _pools.get()
    if pools is None:
        conn[1].close()
        return
    conns = pools.setdefault(key, [])
    if len(conns) >= MAX_IDLE_PER_TARGET:
        conn[1].close()
        return
    conns.append(conn)


async def _open(scheme: str, host: str, port: int, timeout: float, policy: outbound.Policy) -> _Conn:
    try:
        sock = await outbound.connect(host, port, timeout, policy)
    except outbound.OutboundRefused as exc:
        raise PostError(exc.message) from exc
    try:
        if scheme == "https":
            return await asyncio.open_connection(sock=sock, ssl=outbound.tls_context(), server_hostname=host)
        return await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise


async def _exchange(conn: _Conn, request: bytes, key: _Key) -> int:
    reader, writer = conn
    keep = False
    try:
        try:
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
        except (ConnectionError, OSError) as exc:
            raise _Stale() from exc
        if not status_line:
            raise _Stale()
        while True:
            status, keep = await _read_response(reader, status_line)
            if not 100 <= status < 200:  # an interim answer (100 Continue) comes before the real one
                return status
            status_line = await reader.readline()
    except (ValueError, IndexError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        keep = False
        raise PostError(f"bad HTTP answer: {exc}") from exc
    except ConnectionError as exc:
        keep = False
        raise PostError(f"connection lost: {exc}") from exc
    finally:
        if keep:
            _give_back(key, conn)
        else:
            writer.close()


async def _read_response(reader: asyncio.StreamReader, status_line: bytes) -> tuple[int, bool]:
    """The status code, and whether the connection may carry another request (the body
    read to its end, the server did not ask to close)."""
    version, code = status_line.split(None, 2)[:2]
    status = int(code)
    length: int | None = None
    chunked = False
    keep = version == b"HTTP/1.1"
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = value.endswith(b"chunked")
        elif name == b"connection" and b"close" in value:
            keep = False
    else:
        raise ValueError("too many header lines")
    if status in (204, 304) or 100 <= status < 200:
        return status, keep
    if chunked:
        await _drop_chunks(reader)
    elif length is not None and length <= MAX_KEPT_BODY:
        await reader.readexactly(length)
    else:  # read until the server closes, or too long to bother: not kept
        keep = False
    return status, keep


async def _drop_chunks(reader: asyncio.StreamReader) -> None:
    total = 0
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip(), 16)
        if size == 0:
            for _ in range(MAX_HEADER_LINES):  # trailers, then the blank line
                if (await reader.readline()) in (b"\r\n", b"\n", b""):
                    return
            raise ValueError("too many trailer lines")
        total += size
        if total > MAX_KEPT_BODY:
            raise ValueError("answer too long")
        await reader.readexactly(size + 2)
