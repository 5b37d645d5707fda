"""Finding 1: widget tokens are server-side session rows — not forgeable with the secret key,
revocable, and lapsing after inactivity (both backends)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from itsdangerous import URLSafeTimedSerializer

from kefu.config import DEV_SECRET_KEY
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.conversation import WidgetSession
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token


async def _start(client: httpx.AsyncClient) -> dict[str, object]:
    r = await client.post("/api/v1/widget/sessions", json={"name": "王芳"})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"session_token", "conversation_id"}
    return dict(body)


async def _say(client: httpx.AsyncClient, token: str, text: str = "你好") -> httpx.Response:
    return await client.post(
        "/api/v1/widget/messages",
        json={"client_id": str(uuid.uuid4()), "text": text},
        headers=bearer(token),
    )


class TestNotForgeable:
    async def test_a_token_signed_with_the_known_default_key_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, is_default=True)
        mine = await _start(client)
        conv_id = int(str(mine["conversation_id"]))
        forged = URLSafeTimedSerializer(DEV_SECRET_KEY, salt="kefu.widget-session").dumps([conv_id, 1])
        assert (await _say(client, forged)).status_code == 401
        r = await client.get("/api/v1/widget/messages", headers=bearer(forged))
        assert r.status_code == 401
        # The real one works and is stored only as a hash.
        assert (await _say(client, str(mine["session_token"]))).status_code == 200
        async with db.session() as s:
            hashes = list((await s.execute(sa.select(WidgetSession.token_hash))).scalars())
        assert hashes and str(mine["session_token"]) not in hashes


class TestRevocation:
    async def test_the_customer_ends_the_session(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await make_group(s, is_default=True)
        token = str((await _start(client))["session_token"])
        r = await client.delete("/api/v1/widget/sessions/current", headers=bearer(token))
        assert r.status_code == 204
        assert (await _say(client, token)).status_code == 401

    async def test_staff_revoke_every_token_of_a_conversation(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, is_default=True)
        _a, admin = await staff_token(db, role=Role.ADMIN)
        started = await _start(client)
        token = str(started["session_token"])
        r = await client.post(
            f"/api/v1/conversations/{started['conversation_id']}/revoke-sessions", headers=bearer(admin)
        )
        assert (r.status_code, r.json()) == (200, {"revoked": 1})
        assert (await _say(client, token)).status_code == 401


class TestExpiry:
    async def test_an_idle_session_lapses_and_an_active_one_lives_on(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_group(s, is_default=True)
        idle = str((await _start(client))["session_token"])
        active = str((await _start(client))["session_token"])
        start = utcnow()
        with time_machine.travel(start + timedelta(hours=20), tick=True):
            assert (await _say(client, active)).status_code == 200
        with time_machine.travel(start + timedelta(hours=30), tick=True):
            assert (await _say(client, idle)).status_code == 401  # 24 h without use
            assert (await _say(client, active)).status_code == 200  # used 10 h ago

    @pytest.mark.parametrize("raw", ["", "kw_short", "x" * 200, "kw_" + "a" * 43])
    async def test_garbage_tokens_are_401(self, client: httpx.AsyncClient, raw: str) -> None:
        r = await client.get("/api/v1/widget/messages", headers={"Authorization": f"Bearer {raw}"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_session"
