"""Presence belongs to the person (both backends): sockets only refresh a heartbeat, so
closing one and opening another never changes the chosen status; an agent whose heartbeat
is stale (every socket gone, or the server holding them killed) gets no work and becomes
away, and their unanswered chats go back to the queue; the next heartbeat brings an agent
made away by absence back online, never one who chose away."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kefu.authz import Principal
from kefu.kit.db import Database
from kefu.kit.realtime import InProcessBus, set_bus
from kefu.kit.time import utcnow
from kefu.models import AgentState
from kefu.models.conversation import Presence
from kefu.models.user import Role
from kefu.routing.service import routing_service
from tests.factories import make_group, make_user
from tests.routing.test_router import conversation, go_online, route, staff, waiting_conversation


@pytest.fixture(autouse=True)
def bus() -> Iterator[InProcessBus]:
    b = InProcessBus()
    set_bus(b)
    yield b
    set_bus(None)


@pytest.fixture
async def group(db: Database) -> int:
    async with db.transaction() as session:
        return (await make_group(session, name="售后服务", is_default=True)).id


async def agent(db: Database, group_id: int, name: str = "坐席") -> Principal:
    async with db.transaction() as session:
        user = await make_user(session, role=Role.AGENT, name=name, group_ids=[group_id])
    return staff(user, [group_id])


async def status_of(db: Database, principal: Principal) -> str:
    async with db.transaction() as session:
        return (await routing_service.me(session, principal)).status


async def age_heartbeat(db: Database, user_id: int, seconds: float) -> None:
    """As if the agent's last socket went away `seconds` ago (or their server was killed)."""
    async with db.transaction() as session:
        await session.execute(
            sa.update(AgentState)
            .where(AgentState.user_id == user_id)
            .values(last_seen_at=utcnow() - timedelta(seconds=seconds))
        )


async def beat(db: Database, user_id: int) -> str:
    async with db.transaction() as session:
        return await routing_service.heartbeat(session, user_id)


class TestHeartbeat:
    async def test_sockets_coming_and_going_never_change_the_chosen_status(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group)
        await go_online(db, a)
        for _ in range(3):  # page changes: each new socket beats, closing does nothing
            assert await beat(db, a.id) == "online"
        assert await status_of(db, a) == "online"
        conv_id = await waiting_conversation(db)
        assert await route(db, group) == [(conv_id, a.id)]

    async def test_a_stale_heartbeat_gets_no_chats_and_the_sweep_makes_the_agent_away(
        self, db: Database, group: int
    ) -> None:
        gone, here = await agent(db, group, "甲"), await agent(db, group, "乙")
        await go_online(db, gone)
        await go_online(db, here)
        await age_heartbeat(db, gone.id, 61)  # 60 s grace by default
        assert await status_of(db, gone) == "away"  # shown as away at once
        first, second = await waiting_conversation(db), await waiting_conversation(db)
        assert sorted(await route(db, group)) == [(first, here.id), (second, here.id)]
        async with db.transaction() as session:
            assert await routing_service.sweep_presence(session) == [gone.id]
        async with db.transaction() as session:
            row = await session.get(AgentState, gone.id)
            assert row is not None and row.status == "away" and row.away_auto
            assert (await routing_service.me(session, here)).status == "online"

    async def test_a_killed_server_leaves_nobody_online(self, db: Database, group: int) -> None:
        """Online with no heartbeat at all (the server died before any socket beat again):
        routing skips them and the next sweep (any process) makes them away."""
        a = await agent(db, group)
        await go_online(db, a)
        async with db.transaction() as session:
            await session.execute(
                sa.update(AgentState).where(AgentState.user_id == a.id).values(last_seen_at=None)
            )
        conv_id = await waiting_conversation(db)
        assert await route(db, group) == []
        async with db.transaction() as session:
            await routing_service.sweep_presence(session)
        assert await status_of(db, a) == "away"
        assert (await conversation(db, conv_id)).status == "queued"

    async def test_an_unanswered_chat_of_an_agent_who_left_goes_back_to_the_queue(
        self, db: Database, group: int
    ) -> None:
        a = await agent(db, group)
        await go_online(db, a)
        conv_id = await waiting_conversation(db)
        assert await route(db, group) == [(conv_id, a.id)]
        await age_heartbeat(db, a.id, 120)
        async with db.transaction() as session:
            await routing_service.sweep_presence(session)
        back = await conversation(db, conv_id)
        assert back.status == "queued" and back.assignee_id is None

    async def test_coming_back_after_absence_is_online_again_but_a_chosen_away_stays(
        self, db: Database, group: int
    ) -> None:
        a, b = await agent(db, group, "甲"), await agent(db, group, "乙")
        await go_online(db, a)
        await age_heartbeat(db, a.id, 90)
        async with db.transaction() as session:
            await routing_service.sweep_presence(session)
        assert await status_of(db, a) == "away"
        assert await beat(db, a.id) == "online"  # a socket again: the person is back
        assert await status_of(db, a) == "online"
        async with db.transaction() as session:
            await routing_service.set_presence(session, b, Presence.AWAY)
        assert await beat(db, b.id) == "away"
        assert await status_of(db, b) == "away"


class TestSignIn:
    async def test_online_on_sign_in_is_a_per_agent_choice(self, db: Database, group: int) -> None:
        a, b = await agent(db, group, "甲"), await agent(db, group, "乙")
        async with db.transaction() as session:
            await routing_service.set_preferences(session, a, True)
        async with db.transaction() as session:
            await routing_service.signed_in(session, a)
            await routing_service.signed_in(session, b)
        assert await status_of(db, a) == "online"
        assert await status_of(db, b) == "offline"
        async with db.transaction() as session:
            await routing_service.signed_out(session, a)
        assert await status_of(db, a) == "offline"


class TestTeamList:
    async def test_every_active_agent_is_listed_offline_and_never_seen_ones_too(
        self, db: Database, group: int
    ) -> None:
        online = await agent(db, group, "在线的")
        await go_online(db, online)
        async with db.transaction() as session:
            await make_user(session, role=Role.AGENT, name="没登录过的")
            (await make_user(session, role=Role.AGENT, name="已停用的")).is_active = False
            admin = await make_user(session, role=Role.ADMIN, name="管理员")
        async with db.transaction() as session:
            listed = await routing_service.agents(session, staff(admin, []))
        by_name = {a.name: a for a in listed}
        assert set(by_name) == {"在线的", "没登录过的"}
        assert by_name["在线的"].status == "online" and by_name["在线的"].last_seen_at is not None
        assert by_name["没登录过的"].status == "offline" and by_name["没登录过的"].last_seen_at is None
        assert by_name["没登录过的"].chat_capacity == 5
        assert listed[0].name == "在线的"  # online first
