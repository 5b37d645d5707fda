"""Announcements: a supervisor tells every online agent (or one group) something at once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require, require_staff
from kefu.kit.events import publish
from kefu.notice.events import AnnouncementPosted
from kefu.notice.repository import notice_repository
from kefu.notice.schemas import AnnouncementCreate, AnnouncementOut
from kefu.team.service import team_service


class NoticeService:
    async def post(self, session: AsyncSession, principal: Principal, data: AnnouncementCreate) -> None:
        require(principal, Perm.REPORTS_READ)  # supervisors and admins
        if data.group_id is not None:
            await team_service.get(session, data.group_id)
        await publish(
            session,
            AnnouncementPosted(
                author_id=principal.id,
                author_name=principal.name,
                text=data.text,
                group_id=data.group_id,
            ),
            actor_id=principal.id,
        )

    async def recent(
        self, session: AsyncSession, principal: Principal, limit: int = 20
    ) -> list[AnnouncementOut]:
        require_staff(principal)
        rows = await notice_repository.recent(session, AnnouncementPosted.name, limit)
        out = []
        for row in rows:
            gid = row.payload.get("group_id")
            if gid is not None and gid not in principal.group_ids and not principal.can(Perm.REPORTS_READ):
                continue
            out.append(AnnouncementOut(id=row.id, created_at=row.created_at, **row.payload))
        return out


notice_service = NoticeService()
