"""A mail received by the real SMTP listener opens a ticket that triage classifies (both backends)."""

from __future__ import annotations

import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models.ticket import Ticket
from kefu.triage.service import triage_service
from tests.factories import make_group
from tests.mail.conftest import Mta, mail


async def test_an_emailed_fault_gets_category_and_urgent_priority(db: Database, mta: Mta) -> None:
    async with db.transaction() as session:
        await make_group(session, name="默认组", is_default=True)
    await mta.deliver(
        mail(
            subject="耳机充电盒坏了",
            body="您好，耳机充电盒插上线指示灯不亮，耳机也充不进电，无法开机。",
            message_id="<fault-1@example.cn>",
        )
    )
    triage_service.forget_model()
    await triage_service.classify_pending(db)
    async with db.session() as s:
        t = (await s.execute(sa.select(Ticket))).scalar_one()
    assert (t.channel, t.category, t.priority) == ("email", "售后/维修", "urgent")
