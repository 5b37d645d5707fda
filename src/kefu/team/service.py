"""Skill groups: the units that own queues, SLAs and permissions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.models import Group
from kefu.team.repository import team_repository
from kefu.team.schemas import GroupCreate, GroupOut, GroupUpdate


class TeamService:
    async def create(self, session: AsyncSession, data: GroupCreate, *, actor: Principal | None) -> Group:
        if actor is not None:
            require(actor, Perm.GROUPS_MANAGE)
        if await team_repository.by_name(session, data.name) is not None:
            raise Conflict(f"组已存在 / group {data.name} already exists", code="group_exists")
        if data.is_default:
            await team_repository.clear_default(session)
        group = Group(name=data.name, description=data.description, is_default=data.is_default)
        session.add(group)
        await session.flush()
        audit_service.record(session, "group.created", actor=actor, target_type="group", target_id=group.id)
        return group

    async def update(
        self, session: AsyncSession, actor: Principal, group_id: int, data: GroupUpdate
    ) -> Group:
        require(actor, Perm.GROUPS_MANAGE)
        group = await self.get(session, group_id)
        changes = data.model_dump(exclude_unset=True)
        new_name = changes.get("name")
        if new_name and new_name != group.name and await team_repository.by_name(session, new_name):
            raise Conflict("组名已被使用 / group name taken", code="group_exists")
        if changes.get("is_default"):
            await team_repository.clear_default(session)
        for key, value in changes.items():
            if value is not None:
                setattr(group, key, value)
        audit_service.record(session, "group.updated", actor=actor, target_type="group", target_id=group.id)
        return group

    async def set_members(
        self, session: AsyncSession, actor: Principal, group_id: int, user_ids: list[int]
    ) -> None:
        require(actor, Perm.GROUPS_MANAGE)
        await self.get(session, group_id)
        await team_repository.set_members(session, group_id, user_ids)
        audit_service.record(
            session,
            "group.members_set",
            actor=actor,
            target_type="group",
            target_id=group_id,
            detail={"members": sorted(set(user_ids))},
        )

    async def delete(self, session: AsyncSession, actor: Principal, group_id: int) -> None:
        """Tickets and chats of a deleted group become groupless (routing adopts them)."""
        require(actor, Perm.GROUPS_MANAGE)
        group = await self.get(session, group_id)
        if group.is_default:
            raise Conflict("默认技能组不能删除 / the default group cannot be deleted", code="default_group")
        await team_repository.delete(session, group)
        audit_service.record(session, "group.deleted", actor=actor, target_type="group", target_id=group_id)

    async def get(self, session: AsyncSession, group_id: int) -> Group:
        group = await team_repository.get(session, group_id)
        if group is None:
            raise NotFound("group not found")
        return group

    async def list_groups(self, session: AsyncSession) -> list[GroupOut]:
        groups = await team_repository.list_groups(session)
        members = await team_repository.members(session, [g.id for g in groups])
        return [GroupOut.model_validate(g).model_copy(update={"member_ids": members[g.id]}) for g in groups]

    async def by_name(self, session: AsyncSession, name: str) -> Group | None:
        return await team_repository.by_name(session, name)

    async def default_group(self, session: AsyncSession) -> Group | None:
        return await team_repository.default_group(session)

    async def ensure_exist(self, session: AsyncSession, ids: list[int]) -> None:
        missing = set(ids) - await team_repository.existing_ids(session, ids)
        if missing:
            raise Unprocessable(f"unknown group ids: {sorted(missing)}", code="unknown_group")


team_service = TeamService()
