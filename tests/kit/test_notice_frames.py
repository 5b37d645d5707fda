"""The notice frames domains push to staff screens are the declared ones (kit.notice_frames),
key for key: each domain's push after its event, and a ticket notice from a real transfer
(both backends) — what the workspace's pop-ups and the wallboard read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from kefu.automation.events import SupervisorsNotified
from kefu.automation.listeners import push_to_supervisors
from kefu.goals.events import GoalMissed, _push_missed
from kefu.kit import channels, notice_frames
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.realtime import InProcessBus, get_bus, set_bus
from kefu.models.user import Role
from kefu.notice.events import AnnouncementPosted
from kefu.notice.listeners import push_announcement
from kefu.phone.events import CallAnswered, _screen_pop
from kefu.survey.events import FollowUpCreated, SurveyAnswered, _push_answered, _push_followup
from tests.factories import bearer, make_group, staff_token
from tests.framecheck import conforms


@pytest.fixture
def bus() -> Iterator[InProcessBus]:
    b = InProcessBus()
    set_bus(b)
    yield b
    set_bus(None)


async def _one(bus: InProcessBus, channel: str, push: Any, event: Any) -> Mapping[str, Any]:
    sub = await bus.subscribe(channel)
    await push(event)
    frame = await asyncio.wait_for(sub.get(), 2)
    await bus.unsubscribe(sub)
    return frame


class TestEachDomainsPush:
    async def test_every_notice_frame_matches_its_declaration(self, bus: InProcessBus) -> None:
        cases: list[tuple[str, Any, Any, str]] = [
            (
                channels.SUPERVISORS,
                push_to_supervisors,
                SupervisorsNotified(
                    ticket_id=5, trigger_id=2, trigger_name="投诉升级", group_id=None, subject="坏了"
                ),
                "Escalation",
            ),
            (
                channels.SUPERVISORS,
                _push_missed,
                GoalMissed(
                    goal_id=3,
                    label="首次响应达标率",
                    period_from="2026-03-01",
                    period_to="2026-03-08",
                    value_text="81%",
                    target_text="90%",
                    text="上周首次响应达标率 81%，低于 90%",
                ),
                "GoalMissed",
            ),
            (
                channels.STAFF,
                push_announcement,
                AnnouncementPosted(author_id=1, author_name="张主管", text="系统维护"),
                "Announcement",
            ),
            (
                channels.group(4),
                push_announcement,
                AnnouncementPosted(author_id=1, author_name="张主管", text="售后培训", group_id=4),
                "Announcement",
            ),
            (
                channels.user(9),
                _screen_pop,
                CallAnswered(call_id=8, agent_id=9, caller="138****0000", customer_name="周杰", tier="gold"),
                "ScreenPop",
            ),
            (
                channels.SUPERVISORS,
                _push_answered,
                SurveyAnswered(survey_id=1, kind="csat", score=2, score_100=25),
                "SurveyAnswered",
            ),
            (
                channels.user(9),
                _push_followup,
                FollowUpCreated(followup_id=6, survey_id=1, assignee_id=9, score=1, kind="csat"),
                "FollowUp",
            ),
        ]
        for channel, push, event, expected in cases:
            frame = await _one(bus, channel, push, event)
            assert conforms(frame, notice_frames.NoticeFrame) == expected, frame


class TestTicketNotice:
    async def test_a_transfer_pops_a_declared_notice_on_the_owners_channel(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            sales = await make_group(s, name="售前咨询", is_default=True)
            repair = await make_group(s, name="售后维修")
        agent, agent_token = await staff_token(db, role=Role.AGENT, name="李小青", group_ids=[sales.id])
        _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR, name="张主管")
        sub = await get_bus().subscribe(channels.user(agent.id))
        r = await client.post(
            "/api/v1/tickets",
            json={
                "subject": "手机充不进电",
                "description": "买了三天",
                "channel": "web",
                "requester": {"name": "周杰"},
            },
            headers=bearer(agent_token),
        )
        assert r.status_code == 201, r.text
        ticket_id = r.json()["id"]
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/comments",
            json={"body": "您好，我们来看看"},
            headers=bearer(agent_token),
        )
        assert r.status_code == 201  # the first public answer: the agent owns the ticket
        r = await client.patch(
            f"/api/v1/tickets/{ticket_id}", json={"group_id": repair.id}, headers=bearer(sup_token)
        )
        assert r.status_code == 200, r.text
        await Worker(db).run_until_idle()
        frames = []
        while not sub.queue.empty():
            frames.append(await sub.get())
        notices = [f for f in frames if f.get("type") == "ticket_notice"]
        assert notices, frames
        assert conforms(notices[0], notice_frames.NoticeFrame) == "TicketNotice"
        assert notices[0]["ticket_id"] == ticket_id and notices[0]["subject"] == "手机充不进电"
        assert "售后维修" in notices[0]["text"]
