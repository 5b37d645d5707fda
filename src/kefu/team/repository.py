"""Queries for skill groups."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Group, GroupMember


class TeamRepository:
    async def get(self, session: AsyncSession, group_id: int) -> Group | None:
        return await session.get(Group, group_id)

    async def by_name(self, session: AsyncSession, name: str) -> Group | None:
        return (await session.execute(sa.select(Group).where(Group.name == name))).scalar_one_or_none()

    async def list_groups(self, session: AsyncSession) -> Sequence[Group]:
        return (await session.execute(sa.select(Group).order_by(Group.id))).scalars().all()

    async def members(self, session: AsyncSession, group_ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {gid: [] for gid in group_ids}
        stmt = sa.select(GroupMember.group_id, GroupMember.user_id).where(GroupMember.group_id.in_(group_ids))
        for gid, uid in (await session.execute(stmt)).all():
            out[gid].append(uid)
        return out

    async def default_group(self, session: AsyncSession) -> Group | None:
        stmt = sa.select(Group).where(Group.is_default.is_(True)).order_by(Group.id).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def clear_default(self, session: AsyncSession) -> None:
        await session.execute(sa.update(Group).values(is_default=False))

    async def set_members(self, session: AsyncSession, group_id: int, user_ids: list[int]) -> None:
        await session.execute(sa.delete(GroupMember).where(GroupMember.group_id == group_id))
        if user_ids:
            await session.execute(
                sa.insert(GroupMember), [{"group_id": group_id, "user_id": u} for u in sorted(set(user_ids))]
            )

    async def delete(self, session: AsyncSession, group: Group) -> None:
        # The database's ON DELETE rules detach tickets, chats and members.
        await session.execute(sa.delete(Group).where(Group.id == group.id))
        session.expunge(group)

    async def existing_ids(self, session: AsyncSession, ids: list[int]) -> set[int]:
        stmt = sa.select(Group.id).where(Group.id.in_(ids))
        return set((await session.execute(stmt)).scalars().all())


team_repository = TeamRepository()
