"""Timed escalation: handing a ticket to a second-line group starts a "specialist engaged"
clock (12 h by default, per category configurable); the first reply, note or status change
by a member of that group fulfils it. Which groups are second line is an admin setting
(`GET/PUT /api/v1/ticket-escalation`). The clock itself is an SLA clock (sla/specialist.py),
so the SLA scan warns and breaches it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.kit.time import utcnow
from kefu.models.ticket import Ticket
from kefu.sla.specialist import specialist_clock
from kefu.team.service import team_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import EscalationConfig

SETTING_KEY = "ticket.escalation"


def minutes_for(config: EscalationConfig, category: str) -> int:
    """The target for a category: the longest configured path that is the category or one of
    its parents ("售后" covers "售后/维修"), else the default."""
    best, best_len = config.default_minutes, -1
    for path, minutes in config.category_minutes.items():
        if (category == path or category.startswith(path + "/")) and len(path) > best_len:
            best, best_len = minutes, len(path)
    return best


class EscalationService:
    async def config(self, session: AsyncSession) -> EscalationConfig:
        stored = await ticket_repository.setting(session, SETTING_KEY)
        return EscalationConfig.model_validate(stored or {})

    async def save_config(
        self, session: AsyncSession, principal: Principal, data: EscalationConfig
    ) -> EscalationConfig:
        require(principal, Perm.SETTINGS_MANAGE)
        for group_id in data.second_line_group_ids:
            await team_service.get(session, group_id)  # 404 for a group that does not exist
        data.second_line_group_ids = sorted(set(data.second_line_group_ids))
        await ticket_repository.save_setting(session, SETTING_KEY, data.model_dump(), utcnow())
        audit_service.record(
            session,
            "ticket.escalation_configured",
            actor=principal,
            target_type="setting",
            target_id=SETTING_KEY,
            detail=data.model_dump(),
        )
        return data

    async def group_changed(
        self, session: AsyncSession, t: Ticket, old_group_id: int | None, *, now: datetime
    ) -> None:
        """The ticket moved to another group: a second-line group's clock starts afresh; moving
        back to the first line before anyone there acted stops it."""
        if t.group_id == old_group_id:
            return
        config = await self.config(session)
        if t.group_id is not None and t.group_id in config.second_line_group_ids:
            await specialist_clock.start(
                session, t.id, group_id=t.group_id, minutes=minutes_for(config, t.category), now=now
            )
        else:
            await specialist_clock.cancel(session, t.id)

    async def member_acted(
        self,
        session: AsyncSession,
        ticket_id: int,
        user_id: int | None,
        *,
        group_ids: Iterable[int] | None = None,
        now: datetime | None = None,
    ) -> None:
        """A person replied, wrote a note or changed the status: if they belong to the group
        the running clock waits for, the specialist is engaged."""
        if user_id is None or user_id == SYSTEM.id:
            return
        group_id = await specialist_clock.engaged_group(session, ticket_id)
        if group_id is None:
            return
        if group_ids is None:
            group_ids = await user_service.group_ids(session, user_id)
        if group_id in set(group_ids):
            await specialist_clock.fulfil(session, ticket_id, now=now or utcnow())


escalation_service = EscalationService()
