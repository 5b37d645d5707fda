"""The typed factories tests build on: each makes the object the way the product does
(through its service), so a test that uses one starts from what a user would have."""

from __future__ import annotations

import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models.bot import Intent, IntentExample
from kefu.models.conversation import Message
from tests.factories import (
    make_article,
    make_conversation,
    make_customer,
    make_device,
    make_intent,
    make_user,
)


async def test_an_article_is_published_and_rendered(db: Database) -> None:
    async with db.transaction() as s:
        a = await make_article(s, title="退货政策", body="**七天**无理由退货")
    assert a.status == "published"
    assert "<strong>七天</strong>" in a.body_html


async def test_an_intent_keeps_its_examples(db: Database) -> None:
    async with db.transaction() as s:
        intent = await make_intent(s, examples=["怎么退货", "我要退货"])
    async with db.read() as s:
        texts = (
            await s.scalars(sa.select(IntentExample.text).where(IntentExample.intent_id == intent.id))
        ).all()
        assert (await s.get(Intent, intent.id)) is not None
    assert set(texts) == {"我要退货", "怎么退货"}


async def test_a_device_gets_its_warranty(db: Database) -> None:
    async with db.transaction() as s:
        customer = await make_customer(s)
        device = await make_device(s, customer.id)
    assert device.customer_id == customer.id
    assert device.warranty_until > device.purchased_at


async def test_a_conversation_has_its_lines_in_order(db: Database) -> None:
    async with db.transaction() as s:
        agent = await make_user(s)
        conv = await make_conversation(
            s, status="closed", assignee_id=agent.id, lines=[("customer", "在吗"), ("agent", "您好，请讲")]
        )
    async with db.read() as s:
        rows = (
            await s.execute(
                sa.select(Message.seq, Message.sender, Message.user_id)
                .where(Message.conversation_id == conv.id)
                .order_by(Message.seq)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(1, "customer", None), (2, "agent", agent.id)]
    assert conv.last_seq == 2
