"""工单设置 (/admin/ticket-settings): the admin, not the server's environment, decides when
solved tickets close, which groups are second line and how fast they must act, and how long
closed tickets keep their texts; the jobs read what was saved; mistakes are explained in
Chinese and save nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Ticket
from kefu.models.user import Role
from kefu.privacy.tasks import retention
from kefu.team.schemas import GroupCreate
from kefu.team.service import team_service
from kefu.ticket.tasks import close_solved
from tests.factories import bearer, make_ticket, staff_token
from tests.web.admin.cases import HTML, csrf, login


async def _solved(db: Database, days_ago: int) -> int:
    async with db.transaction() as s:
        t = await make_ticket(s)
        t.status, t.solved_at = "solved", utcnow() - timedelta(days=days_ago)
        return int(t.id)


async def _statuses(db: Database) -> dict[int, str]:
    async with db.session() as s:
        return dict((await s.execute(sa.select(Ticket.id, Ticket.status))).all())  # type: ignore[arg-type]


async def test_saved_settings_drive_closing_escalation_and_retention(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.transaction() as s:
        second = await team_service.create(s, GroupCreate(name="二线技术支持"), actor=None)
    three_days = await _solved(db, 3)
    async with db.transaction() as s:
        await close_solved(s, {})
    assert (await _statuses(db))[three_days] == "solved"  # the server's default: 4 days

    await login(client, db, Role.ADMIN)
    page = await client.get("/admin/ticket-settings", headers=HTML)
    assert page.status_code == 200 and "工单设置" in page.text and "二线技术支持" in page.text
    assert 'name="auto_close_days"' in page.text and 'value="4"' in page.text
    token = csrf(page.text)
    form = {
        "csrf_token": token,
        "auto_close_days": "2",
        "second_line": str(second.id),
        "default_minutes": "8:00",
        "category_minutes": "售后/维修 4:30\n投诉：2",
        "retention_days": "365",
    }
    bad = await client.post("/admin/ticket-settings", data={**form, "category_minutes": "售后/维修 很快"})
    assert bad.status_code == 422 and "第“售后/维修 很快”行" in bad.text
    bad = await client.post("/admin/ticket-settings", data={**form, "auto_close_days": "0"})
    assert (
        bad.status_code == 422
        and "已解决的工单在多少天后自动关闭" in bad.text
        and "Input should" not in bad.text
    )
    async with db.transaction() as s:
        await close_solved(s, {})
    assert (await _statuses(db))[three_days] == "solved"  # nothing was saved

    r = await client.post("/admin/ticket-settings", data=form)
    assert r.status_code == 303
    again = (await client.get(r.headers["location"], headers=HTML)).text
    assert "已保存" in again and "售后/维修 4:30" in again and "投诉 2:00" in again

    async with db.transaction() as s:
        await close_solved(s, {})
    assert (await _statuses(db))[three_days] == "closed"
    _admin, api = await staff_token(db, role=Role.ADMIN)
    config = (await client.get("/api/v1/ticket-escalation", headers=bearer(api))).json()
    assert config == {
        "second_line_group_ids": [second.id],
        "default_minutes": 480,
        "category_minutes": {"售后/维修": 270, "投诉": 120},
    }
    # Retention: a ticket closed 400 days ago loses its text at the next daily run.
    old = await _solved(db, 500)
    async with db.transaction() as s:
        t = await s.get(Ticket, old)
        assert t is not None
        t.status, t.updated_at, t.closed_at = (
            "closed",
            utcnow() - timedelta(days=400),
            utcnow() - timedelta(days=400),
        )
    async with db.transaction() as s:
        await retention(s, {})
    async with db.session() as s:
        t = await s.get(Ticket, old)
        assert t is not None and t.description != "我的手机充不进电了"
