"""Queries for staff users, API tokens and web sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import ApiToken, GroupMember, User, WebSession

# Built once: every API request runs it, and building the select (subquery, labels) cost
# about as much CPU as running it.
_TOKEN_WITH_USER = (
    sa.select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.customer_id,
        ApiToken.name,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        User.name.label("user_name"),
        User.role,
        User.is_active,
        sa.select(sa.func.aggregate_strings(sa.cast(GroupMember.group_id, sa.String), ","))
        .where(GroupMember.user_id == ApiToken.user_id)
        .scalar_subquery()
        .label("group_ids"),
    )
    .outerjoin(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"))
)


class AuthRepository:
    async def user_by_email(self, session: AsyncSession, email: str) -> User | None:
        stmt = sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
        return (await session.execute(stmt)).scalar_one_or_none()

    async def user_by_id(self, session: AsyncSession, user_id: int) -> User | None:
        return await session.get(User, user_id)

    async def list_users(self, session: AsyncSession) -> Sequence[User]:
        return (await session.execute(sa.select(User).order_by(User.id))).scalars().all()

    async def group_ids(self, session: AsyncSession, user_id: int) -> list[int]:
        stmt = sa.select(GroupMember.group_id).where(GroupMember.user_id == user_id)
        return sorted((await session.execute(stmt)).scalars().all())

    async def group_ids_for(self, session: AsyncSession, user_ids: list[int]) -> dict[int, list[int]]:
        stmt = sa.select(GroupMember.user_id, GroupMember.group_id).where(GroupMember.user_id.in_(user_ids))
        out: dict[int, list[int]] = {uid: [] for uid in user_ids}
        for uid, gid in (await session.execute(stmt)).all():
            out[uid].append(gid)
        return out

    async def set_groups(self, session: AsyncSession, user_id: int, group_ids: list[int]) -> None:
        await session.execute(sa.delete(GroupMember).where(GroupMember.user_id == user_id))
        for gid in sorted(set(group_ids)):
            session.add(GroupMember(user_id=user_id, group_id=gid))

    async def token_by_hash(self, session: AsyncSession, token_hash: str) -> ApiToken | None:
        stmt = sa.select(ApiToken).where(ApiToken.token_hash == token_hash)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def token_with_user(self, session: AsyncSession, token_hash: str) -> Any:
        """A bearer token with its staff user and the user's groups, in one round trip (every
        API request asks; three reads before). None when no such token."""
        return (await session.execute(_TOKEN_WITH_USER, {"token_hash": token_hash})).first()

    async def touch_token(self, session: AsyncSession, token_id: int, now: datetime) -> None:
        await session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

    async def tokens_of_user(self, session: AsyncSession, user_id: int) -> Sequence[ApiToken]:
        stmt = sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        return (await session.execute(stmt)).scalars().all()

    async def web_session_by_hash(self, session: AsyncSession, key_hash: str) -> WebSession | None:
        stmt = sa.select(WebSession).where(WebSession.key_hash == key_hash)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def delete_web_session(self, session: AsyncSession, key_hash: str) -> None:
        await session.execute(sa.delete(WebSession).where(WebSession.key_hash == key_hash))

    async def purge_expired_sessions(self, session: AsyncSession, now: datetime) -> int:
        result = await session.execute(sa.delete(WebSession).where(WebSession.expires_at < now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def revoke_tokens(
        self,
        session: AsyncSession,
        *,
        at: datetime,
        user_id: int | None = None,
        customer_id: int | None = None,
        name: str | None = None,
    ) -> int:
        stmt = sa.update(ApiToken).where(ApiToken.revoked_at.is_(None)).values(revoked_at=at)
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        if customer_id is not None:
            stmt = stmt.where(ApiToken.customer_id == customer_id)
        if name is not None:
            stmt = stmt.where(ApiToken.name == name)
        result = await session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_web_sessions(
        self, session: AsyncSession, *, user_id: int | None = None, customer_id: int | None = None
    ) -> None:
        stmt = sa.delete(WebSession)
        if user_id is not None:
            stmt = stmt.where(WebSession.user_id == user_id)
        if customer_id is not None:
            stmt = stmt.where(WebSession.customer_id == customer_id)
        await session.execute(stmt)


auth_repository = AuthRepository()
