"""kit.posting: webhook POSTs on kept connections, behind the SSRF guard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from kefu.kit import outbound, posting

ALLOW = outbound.Policy(["127.0.0.1"])


class Server:
    """A raw HTTP/1.1 server: answers each request with `answer`, counts connections and
    requests, and can close a connection after its first answer."""

    def __init__(self) -> None:
        self.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        self.connections = 0
        self.requests: list[bytes] = []
        self.close_after_answer = False
        self.silent = False
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append(head + await reader.readexactly(length))
                if self.silent:
                    await asyncio.sleep(30)
                writer.write(self.answer)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    listener = await asyncio.start_server(srv.handle, "127.0.0.1", 0)
    srv.port = listener.sockets[0].getsockname()[1]
    yield srv
    listener.close()


async def _post(server: Server, path: str = "/hook") -> int:
    return await posting.post(
        f"http://127.0.0.1:{server.port}{path}",
        b'{"a":1}',
        {"X-Kefu-Event": "ticket.created"},
        policy=ALLOW,
        timeout=5,
    )


class TestPost:
    async def test_posts_share_one_kept_connection_whatever_the_body_framing(self, server: Server) -> None:
        async with posting.keep_alive():
            assert await _post(server) == 200
            server.answer = b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n4\r\noops\r\n0\r\n\r\n"
            assert await _post(server) == 500
            server.answer = b"HTTP/1.1 204 No Content\r\n\r\n"
            assert await _post(server, "/x?y=1") == 204
        assert server.connections == 1
        assert len(server.requests) == 3
        first = server.requests[0]
        assert first.startswith(b"POST /hook HTTP/1.1\r\n")
        assert f"Host: 127.0.0.1:{server.port}".encode() in first
        assert b"X-Kefu-Event: ticket.created" in first and first.endswith(b'{"a":1}')
        assert server.requests[2].startswith(b"POST /x?y=1 HTTP/1.1\r\n")

    async def test_outside_keep_alive_each_post_has_its_own_connection(self, server: Server) -> None:
        assert await _post(server) == 200
        assert await _post(server) == 200
        assert server.connections == 2

    async def test_a_connection_the_server_closes_is_replaced(self, server: Server) -> None:
        server.close_after_answer = True
        async with posting.keep_alive():
            assert await _post(server) == 200
            await asyncio.sleep(0.05)  # the close reaches us
            assert await _post(server) == 200
            server.answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            server.close_after_answer = False
            assert await _post(server) == 200
            assert await _post(server) == 200  # "Connection: close" was honoured: a new one
        assert server.connections == 4
        assert len(server.requests) == 4  # nothing sent twice

    async def test_redirects_are_answers_not_followed(self, server: Server) -> None:
        server.answer = b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\nContent-Length: 0\r\n\r\n"
        assert await _post(server) == 302
        assert len(server.requests) == 1

    async def test_an_internal_target_is_refused_without_connecting(self, server: Server) -> None:
        with pytest.raises(posting.PostError) as caught:
            await posting.post(
                f"http://127.0.0.1:{server.port}/hook", b"{}", {}, policy=outbound.Policy(), timeout=5
            )
        assert outbound.refused_reason(caught.value) is not None
        assert server.connections == 0

    async def test_a_silent_server_times_out(self, server: Server) -> None:
        server.silent = True
        with pytest.raises(TimeoutError):
            await posting.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {}, policy=ALLOW, timeout=0.3)

    async def test_a_garbled_answer_is_an_error_and_the_connection_is_dropped(self, server: Server) -> None:
        server.answer = b"SPEAK FRIEND\r\n\r\n"
        async with posting.keep_alive():
            with pytest.raises(posting.PostError):
                await _post(server)
            server.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            assert await _post(server) == 200
        assert server.connections == 2

    async def test_header_injection_is_refused(self, server: Server) -> None:
        with pytest.raises(posting.PostError):
            await posting.post(
                f"http://127.0.0.1:{server.port}/hook",
                b"{}",
                {"X-Evil": "a\r\nHost: elsewhere"},
                policy=ALLOW,
                timeout=5,
            )
        assert server.requests == []
