"""Outreach fixtures: journeys through the service, consent through the customer service,
a policy without quiet hours unless a test sets them, and the send log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.customer.schemas import CustomerUpdate
from kefu.customer.service import customer_service
from kefu.kit.db import Database
from kefu.kit.jobs import Job, Worker
from kefu.kit.time import utcnow
from kefu.loyalty.schemas import OrderCreate
from kefu.loyalty.service import loyalty_service
from kefu.models.outreach import OutreachJourney, OutreachSend
from kefu.outreach.rules import OutreachPolicy
from kefu.outreach.schemas import JourneyIn, SettingsIn
from kefu.outreach.service import outreach_service

NO_QUIET = OutreachPolicy(quiet_start="00:00", quiet_end="00:00")


async def set_policy(db: Database, policy: OutreachPolicy = NO_QUIET) -> None:
    async with db.transaction() as s:
        await outreach_service.save_settings(s, SYSTEM, SettingsIn(policy=policy))


async def make_journey(session: AsyncSession, **fields: Any) -> OutreachJourney:
    fields.setdefault("name", "旅程")
    fields.setdefault("trigger", "coupon_issued")
    fields.setdefault("purpose", "service")
    fields.setdefault("subject_zh", "{name}，您有一张新优惠券")
    fields.setdefault("body_zh", "{name}您好，{coupon_amount} 元优惠券已到账。")
    return await outreach_service.create(session, None, JourneyIn(**fields))


async def consent(session: AsyncSession, customer_id: int, granted: bool = True) -> None:
    await customer_service.update(
        session, SYSTEM, customer_id, CustomerUpdate(consents={"marketing": granted})
    )


async def order(session: AsyncSession, customer_id: int, ref: str, amount: int, placed_at: datetime) -> None:
    await loyalty_service.record_order(
        session,
        None,
        customer_id,
        OrderCreate(external_id=ref, amount=Decimal(amount), currency="CNY", placed_at=placed_at),
    )


async def run_jobs(db: Database) -> int:
    return await Worker(db).run_until_idle()


async def make_due(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(sa.update(Job).where(Job.status == "queued").values(run_at=utcnow()))


async def sends(db: Database, customer_id: int | None = None) -> Sequence[OutreachSend]:
    async with db.session() as s:
        stmt = sa.select(OutreachSend).order_by(OutreachSend.id)
        if customer_id is not None:
            stmt = stmt.where(OutreachSend.customer_id == customer_id)
        return (await s.execute(stmt)).scalars().all()


# --- a real SMTP server on loopback (aiosmtpd), as tests/mail does ---------------------------
import pytest  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from tests.conftest import Configure, free_port  # noqa: E402


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(configure: Configure) -> Any:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    configure(
        smtp_host="127.0.0.1", smtp_port=port, mail_from="support@kefu.demo", public_url="http://kefu.test"
    )
    yield inbox
    controller.stop()
