"""Finding 2 and the SSRF part of 8: one guard (`kit.outbound`) for every outgoing connection,
at configuration time (4xx) and at connect time (resolve, check, connect to the checked
address). Loopback servers stand in for a cloud metadata service."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kefu.kit import outbound
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token
from tests.loopback import Loopback, serve

# Spellings of loopback and metadata addresses that libc (and so every HTTP client) accepts.
INTERNAL_HOSTS = [
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "127.1",
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "169.254.169.254",
    "10.1.2.3",
    "192.168.0.1",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - a target here, not a bind address
    "localhost",
    "metadata.localhost",
]


class TestAddresses:
    @pytest.mark.parametrize("host", INTERNAL_HOSTS)
    async def test_every_spelling_of_an_internal_host_is_refused(self, host: str) -> None:
        with pytest.raises(outbound.OutboundRefused) as caught:
            await outbound.check_url(f"http://{host}/latest/meta-data", outbound.Policy())
        assert caught.value.code == "internal_address"

    def test_legacy_notations_are_read_as_the_address_they_are(self) -> None:
        for host in ("2130706433", "0x7f000001", "127.1", "0177.0.0.1"):
            assert str(outbound.literal_ip(host)) == "127.0.0.1"

    async def test_public_addresses_pass_and_the_allow_list_is_explicit(self) -> None:
        await outbound.check_url("https://93.184.216.34/hook", outbound.Policy())
        await outbound.check_url("http://127.0.0.1:9000/x", outbound.Policy(["127.0.0.1:9000"]))
        with pytest.raises(outbound.OutboundRefused):  # another port of the same host
            await outbound.check_url("http://127.0.0.1:9001/x", outbound.Policy(["127.0.0.1:9000"]))
        await outbound.check_url("http://10.0.0.7/x", outbound.Policy(["10.0.0.0/8"]))

    @pytest.mark.parametrize(
        "url", ["file:///etc/passwd", "gopher://x/", "http://u:p@example.com/", "http:///x"]
    )
    async def test_non_http_or_odd_urls_are_refused(self, url: str) -> None:
        with pytest.raises(outbound.OutboundRefused) as caught:
            await outbound.check_url(url, outbound.Policy())
        assert caught.value.code == "invalid_url"


async def _metadata(
    path: str, query: dict[str, str], headers: dict[str, str], body: bytes
) -> tuple[int, Any]:
    return 200, {"status": "SECRET-METADATA-TOKEN", "carrier": "x", "missing": ""}


class TestConnectTime:
    async def test_the_guarded_client_never_connects_to_a_loopback_service(self) -> None:
        fake = Loopback(_metadata)
        async with serve(fake):
            async with outbound.client(outbound.Policy(), timeout=5) as http:
                for host in ("127.0.0.1", "2130706433", "127.1", "localhost"):
                    with pytest.raises(httpx.ConnectError) as caught:
                        await http.get(f"http://{host}:{fake.port}/x")
                    assert outbound.refused_reason(caught.value)
            assert fake.requests == []
            # Explicitly allowed (the test/dev allow-list), the same call goes through.
            async with outbound.client(outbound.Policy([f"127.0.0.1:{fake.port}"]), timeout=5) as http:
                assert (await http.get(f"http://127.0.0.1:{fake.port}/x")).status_code == 200

    async def test_a_rebound_name_is_checked_again_when_connecting(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def rebound(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        monkeypatch.setattr(outbound, "_getaddrinfo", rebound)
        with pytest.raises(outbound.OutboundRefused):
            await outbound.resolve("erp.example.com", 80, outbound.Policy())

    def test_blocking_clients_are_guarded_too(self) -> None:
        with pytest.raises(outbound.OutboundRefused):
            outbound.connect_sync("127.1", 993, 2, outbound.Policy())


class TestConfigurationTime:
    async def test_bot_http_actions_to_internal_hosts_are_refused_on_create(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _s, token = await staff_token(db, role=Role.SUPERVISOR)
        for url in (
            "http://169.254.169.254/latest/meta-data/{order_no}",
            "http://2130706433:9999/orders/{order_no}",
            "http://{order_no}.example.com/x",  # a slot may not choose the host
        ):
            r = await client.post(
                "/api/v1/bot/intents",
                headers=bearer(token),
                json={
                    "name": f"leak{abs(hash(url)) % 1000}",
                    "title": "查订单",
                    "examples": ["查订单", "订单到哪了"],
                    "answer": "{status}",
                    "action": "http",
                    "config": {
                        "url": url,
                        "slots": [{"name": "order_no", "prompt": "订单号？", "pattern": "XC\\d{10}"}],
                    },
                },
            )
            assert r.status_code == 422, (url, r.text)

    async def test_imap_wechat_and_webhook_targets_are_refused_on_create(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _a, token = await staff_token(db, role=Role.ADMIN)
        h = bearer(token)
        r = await client.post(
            "/api/v1/channels/email/mailboxes",
            headers=h,
            json={
                "name": "扫描",
                "address": "scan@example.cn",
                "host": "127.0.0.1",
                "port": 22,
                "username": "u",
                "password": "p",
            },
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "internal_address")
        r = await client.post(
            "/api/v1/channels/wechat",
            headers=h,
            json={
                "name": "公众号",
                "app_id": "wx1234567890",
                "app_secret": "s" * 32,
                "token": "tok123",
                "api_base": "http://0x7f000001:8080",
            },
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, "internal_address")
        for host in ("2130706433", "0x7f000001", "127.1"):
            r = await client.post(
                "/api/v1/webhooks",
                headers=h,
                json={"name": "x", "url": f"http://{host}/hook", "events": ["*"]},
            )
            assert (r.status_code, r.json()["error"]["code"]) == (422, "internal_address"), host


class TestBotActionAtRunTime:
    async def test_a_stored_action_to_a_metadata_stand_in_leaks_nothing_into_the_chat(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """An intent stored while loopback was allowed (or edited in the database) is still
        refused when the bot calls it: the customer never sees the stand-in's token."""
        from kefu.bot.actions import call
        from kefu.bot.policy import IntentSpec

        fake = Loopback(_metadata)
        async with serve(fake):
            spec = IntentSpec(
                name="leak",
                title="查订单",
                answer="{status}",
                action="http",
                url=f"http://127.0.0.1:{fake.port}/orders/{{order_no}}",
            )
            assert await call(spec, {"order_no": "XC0000000001"}) is None
            assert fake.requests == []


def test_no_module_opens_its_own_http_client() -> None:
    """Every outgoing HTTP connection goes through kit.outbound.client."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "src" / "kefu"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "outbound.py"
        and ("httpx.AsyncClient(" in p.read_text() or "httpx.Client(" in p.read_text())
    ]
    assert offenders == []
