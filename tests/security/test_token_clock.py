"""Fault injection (issue 17 f), tokens under clock steps (both backends). Lifetimes are
stored instants: a step back never signs anyone out ("issued in the future" is not an
error), a step forward expires what is past its lifetime, and a touch made while the
clock ran ahead is pulled back once it is corrected, so a wrong clock never lengthens a
chat session's idle window in real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
import time_machine

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.kit.time import ensure_utc
from kefu.models.conversation import WidgetSession
from kefu.models.user import Role
from tests.factories import bearer, make_user

T0 = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
IDLE = timedelta(hours=24)  # widget_idle_hours' default


async def seen(db: Database, expected: datetime) -> datetime:
    """The session's last touch, once the (background) touch wrote `expected`."""
    for _ in range(100):
        async with db.read() as session:
            value = ensure_utc((await session.execute(sa.select(WidgetSession.last_seen_at))).scalar_one())
        if value == expected:
            break
        await asyncio.sleep(0.05)
    return value


class TestTokensUnderClockSteps:
    async def test_a_chat_session_survives_a_step_back_and_a_wrong_clock_never_lengthens_it(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        with time_machine.travel(T0, tick=False):
            r = await client.post("/api/v1/widget/sessions", json={"name": "访客"})
            assert r.status_code == 201
        chat = bearer(r.json()["session_token"])

        async def status_at(at: datetime) -> int:
            with time_machine.travel(at, tick=False):
                return (await client.get("/api/v1/widget/messages?after_seq=0", headers=chat)).status_code

        assert await status_at(T0 - timedelta(hours=3)) == 200  # stepped back before it was issued
        assert await status_at(T0 + timedelta(hours=10)) == 200  # the clock runs 10 h ahead
        assert await seen(db, T0 + timedelta(hours=10)) == T0 + timedelta(hours=10)
        assert await status_at(T0 + timedelta(hours=1)) == 200  # corrected: the touch comes back
        assert await seen(db, T0 + timedelta(hours=1)) == T0 + timedelta(hours=1)
        # Idle from the corrected touch: lapsed 24 h later, not 24 h after the wrong one.
        assert await status_at(T0 + timedelta(hours=1) + IDLE + timedelta(minutes=1)) == 401

    async def test_an_api_token_is_valid_until_its_stored_expiry_whatever_the_steps(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        with time_machine.travel(T0, tick=False):
            async with db.transaction() as session:
                user = await make_user(session, role=Role.AGENT)
                token = (await auth_service.issue_token(session, user, hours=8)).token

        async def me_at(at: datetime) -> httpx.Response:
            with time_machine.travel(at, tick=False):
                return await client.get("/api/v1/auth/me", headers=bearer(token))

        assert (await me_at(T0 - timedelta(hours=2))).status_code == 200  # step back: still signed in
        assert (await me_at(T0 + timedelta(hours=7, minutes=59))).status_code == 200
        late = await me_at(T0 + timedelta(hours=8, minutes=1))
        assert late.status_code == 401 and late.json()["error"]["code"] == "token_expired"
