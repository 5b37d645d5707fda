"""WeChat queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Conversation, Message
from kefu.models.conversation import Sender
from kefu.models.wechat import WechatAccount, WechatInbound, WechatNonce, WechatUser

OUTGOING = (Sender.BOT, Sender.AGENT, Sender.SYSTEM)


class WechatRepository:
    async def account(self, session: AsyncSession, account_id: int) -> WechatAccount | None:
        return await session.get(WechatAccount, account_id)

    async def account_by_app_id(self, session: AsyncSession, app_id: str) -> WechatAccount | None:
        stmt = sa.select(WechatAccount).where(WechatAccount.app_id == app_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def accounts(self, session: AsyncSession) -> Sequence[WechatAccount]:
        return (await session.execute(sa.select(WechatAccount).order_by(WechatAccount.id))).scalars().all()

    async def nonce(self, session: AsyncSession, account_id: int, nonce: str) -> WechatNonce | None:
        stmt = sa.select(WechatNonce).where(WechatNonce.account_id == account_id, WechatNonce.nonce == nonce)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def purge_nonces(self, session: AsyncSession, before: datetime) -> None:
        await session.execute(sa.delete(WechatNonce).where(WechatNonce.created_at < before))

    async def inbound(self, session: AsyncSession, account_id: int, key: str) -> WechatInbound | None:
        stmt = sa.select(WechatInbound).where(
            WechatInbound.account_id == account_id, WechatInbound.dedupe_key == key
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user(
        self, session: AsyncSession, account_id: int, openid: str, *, lock: bool = False
    ) -> WechatUser | None:
        stmt = sa.select(WechatUser).where(WechatUser.account_id == account_id, WechatUser.openid == openid)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user_by_id(
        self, session: AsyncSession, user_id: int, *, lock: bool = False
    ) -> WechatUser | None:
        stmt = sa.select(WechatUser).where(WechatUser.id == user_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user_by_conversation(self, session: AsyncSession, conversation_id: int) -> WechatUser | None:
        stmt = sa.select(WechatUser).where(WechatUser.conversation_id == conversation_id).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def users_of_customer(self, session: AsyncSession, customer_id: int) -> Sequence[WechatUser]:
        stmt = sa.select(WechatUser).where(WechatUser.customer_id == customer_id).order_by(WechatUser.id)
        return (await session.execute(stmt)).scalars().all()

    async def conversation(self, session: AsyncSession, conversation_id: int) -> Conversation | None:
        return await session.get(Conversation, conversation_id)

    async def outgoing_after(
        self, session: AsyncSession, conversation_id: int, after_seq: int
    ) -> Sequence[Message]:
        """Messages the follower should receive (bot, agent, system; never internal notes)."""
        stmt = (
            sa.select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.seq > after_seq,
                Message.internal.is_(False),
                Message.sender.in_([str(s) for s in OUTGOING]),
            )
            .order_by(Message.seq)
            .limit(50)
        )
        return (await session.execute(stmt)).scalars().all()

    async def advance(self, session: AsyncSession, user_id: int, seq: int) -> bool:
        """Move the sent cursor forward (never back); False if it was already there."""
        result = await session.execute(
            sa.update(WechatUser)
            .where(WechatUser.id == user_id, WechatUser.sent_seq < seq)
            .values(sent_seq=seq)
        )
        return bool(getattr(result, "rowcount", 0))


wechat_repository = WechatRepository()
