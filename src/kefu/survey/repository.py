"""Queries for surveys, campaigns and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import (
    Conversation,
    Customer,
    FollowUp,
    GroupMember,
    Identity,
    Survey,
    SurveyCampaign,
    Ticket,
    User,
)
from kefu.models.customer import IdentityKind
from kefu.models.settings import read_setting, write_setting
from kefu.models.survey import FollowUpStatus
from kefu.models.user import Role


class SurveyRepository:
    async def setting(self, session: AsyncSession, key: str) -> dict[str, Any] | None:
        return await read_setting(session, key)

    async def save_setting(self, session: AsyncSession, key: str, value: dict[str, Any]) -> None:
        await write_setting(session, key, value)

    # --- surveys -------------------------------------------------------------------------
    async def by_token(self, session: AsyncSession, token: str, *, lock: bool = False) -> Survey | None:
        stmt = sa.select(Survey).where(Survey.token == token)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def by_key(self, session: AsyncSession, key: str) -> Survey | None:
        stmt = sa.select(Survey).where(Survey.dedupe_key == key)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def get(self, session: AsyncSession, survey_id: int) -> Survey | None:
        return await session.get(Survey, survey_id)

    async def recent_for_ticket(self, session: AsyncSession, ticket_id: int, since: datetime) -> bool:
        stmt = sa.select(Survey.id).where(
            Survey.ticket_id == ticket_id, Survey.kind == "csat", Survey.sent_at >= since
        )
        return (await session.execute(stmt.limit(1))).first() is not None

    async def for_customer(
        self, session: AsyncSession, customer_id: int, *, open_at: datetime | None = None, limit: int = 50
    ) -> Sequence[Survey]:
        stmt = sa.select(Survey).where(Survey.customer_id == customer_id)
        if open_at is not None:
            stmt = stmt.where(Survey.answered_at.is_(None), Survey.expires_at > open_at)
        stmt = stmt.order_by(Survey.sent_at.desc(), Survey.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    async def search(
        self,
        session: AsyncSession,
        *,
        kind: str | None,
        answered: bool | None,
        start: datetime | None,
        end: datetime | None,
        agent_id: int | None,
        group_id: int | None,
        limit: int,
    ) -> Sequence[Survey]:
        stmt = sa.select(Survey).where(*self._where(kind, start, end, agent_id, group_id))
        if answered is not None:
            stmt = stmt.where(Survey.answered_at.is_not(None) if answered else Survey.answered_at.is_(None))
        stmt = stmt.order_by(Survey.sent_at.desc(), Survey.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    @staticmethod
    def _where(
        kind: str | None,
        start: datetime | None,
        end: datetime | None,
        agent_id: int | None,
        group_id: int | None,
    ) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if kind is not None:
            out.append(Survey.kind == kind)
        if start is not None:
            out.append(Survey.sent_at >= start)
        if end is not None:
            out.append(Survey.sent_at < end)
        if agent_id is not None:
            out.append(Survey.agent_id == agent_id)
        if group_id is not None:
            out.append(Survey.group_id == group_id)
        return out

    async def counts(
        self,
        session: AsyncSession,
        *,
        kind: str | None,
        start: datetime | None,
        end: datetime | None,
        agent_id: int | None,
        group_id: int | None,
    ) -> tuple[int, int]:
        """(sent, answered) of surveys sent in [start, end)."""
        stmt = sa.select(sa.func.count(Survey.id), sa.func.count(Survey.answered_at))
        row = (await session.execute(stmt.where(*self._where(kind, start, end, agent_id, group_id)))).one()
        return int(row[0]), int(row[1])

    async def scores(
        self,
        session: AsyncSession,
        *,
        kind: str,
        start: datetime | None,
        end: datetime | None,
        agent_id: int | None,
        group_id: int | None,
    ) -> list[int]:
        stmt = sa.select(Survey.score).where(*self._where(kind, start, end, agent_id, group_id))
        stmt = stmt.where(Survey.score.is_not(None))
        return [int(s) for s in (await session.execute(stmt)).scalars().all() if s is not None]

    async def by_key_prefix(self, session: AsyncSession, prefix: str) -> Sequence[Survey]:
        """Surveys whose dedupe key starts with `prefix` (an improvement item's follow-ups)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = sa.select(Survey).where(Survey.dedupe_key.like(escaped + "%", escape="\\")).order_by(Survey.id)
        return (await session.execute(stmt)).scalars().all()

    # --- campaigns -----------------------------------------------------------------------
    async def campaign(
        self, session: AsyncSession, campaign_id: int, *, lock: bool = False
    ) -> SurveyCampaign | None:
        if lock:
            stmt = sa.select(SurveyCampaign).where(SurveyCampaign.id == campaign_id).with_for_update()
            return (await session.execute(stmt)).scalar_one_or_none()
        return await session.get(SurveyCampaign, campaign_id)

    async def campaigns(self, session: AsyncSession) -> Sequence[SurveyCampaign]:
        stmt = sa.select(SurveyCampaign).order_by(SurveyCampaign.id.desc())
        return (await session.execute(stmt)).scalars().all()

    async def due_campaigns(self, session: AsyncSession, now: datetime) -> list[int]:
        stmt = sa.select(SurveyCampaign.id).where(
            SurveyCampaign.active.is_(True), SurveyCampaign.next_run_at <= now
        )
        return list((await session.execute(stmt.order_by(SurveyCampaign.id))).scalars().all())

    async def segment(
        self,
        session: AsyncSession,
        *,
        tiers: list[str],
        contact_since: datetime | None,
        after_id: int,
        limit: int,
    ) -> Sequence[tuple[int, str, str | None]]:
        """(customer id, email, locale) of reachable customers in the segment, by id."""
        email = (
            sa.select(sa.func.min(Identity.value))
            .where(Identity.customer_id == Customer.id, Identity.kind == IdentityKind.EMAIL)
            .scalar_subquery()
        )
        stmt = sa.select(Customer.id, email, Customer.locale).where(
            Customer.erased_at.is_(None), Customer.id > after_id, email.is_not(None)
        )
        if tiers:
            stmt = stmt.where(Customer.tier.in_(tiers))
        if contact_since is not None:
            ticket = sa.exists().where(Ticket.customer_id == Customer.id, Ticket.created_at >= contact_since)
            chat = sa.exists().where(
                Conversation.customer_id == Customer.id, Conversation.created_at >= contact_since
            )
            stmt = stmt.where(sa.or_(ticket, chat))
        rows = (await session.execute(stmt.order_by(Customer.id).limit(limit))).all()
        return [(int(r[0]), str(r[1]), r[2]) for r in rows]

    # --- follow-ups ----------------------------------------------------------------------
    async def followup(
        self, session: AsyncSession, followup_id: int, *, lock: bool = False
    ) -> FollowUp | None:
        if lock:
            stmt = sa.select(FollowUp).where(FollowUp.id == followup_id).with_for_update()
            return (await session.execute(stmt)).scalar_one_or_none()
        return await session.get(FollowUp, followup_id)

    async def followup_for(self, session: AsyncSession, survey_id: int) -> FollowUp | None:
        stmt = sa.select(FollowUp).where(FollowUp.survey_id == survey_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def followups(
        self, session: AsyncSession, *, status: str | None, assignee_id: int | None, limit: int
    ) -> Sequence[tuple[FollowUp, Survey]]:
        stmt = sa.select(FollowUp, Survey).join(Survey, Survey.id == FollowUp.survey_id)
        if status is not None:
            stmt = stmt.where(FollowUp.status == status)
        if assignee_id is not None:
            stmt = stmt.where(FollowUp.assignee_id == assignee_id)
        order = sa.case((FollowUp.status == FollowUpStatus.OPEN, 0), else_=1)
        stmt = stmt.order_by(order, FollowUp.created_at.desc(), FollowUp.id.desc()).limit(limit)
        return [(f, s) for f, s in (await session.execute(stmt)).all()]

    async def supervisor_for(self, session: AsyncSession, group_id: int | None) -> int | None:
        """The group's supervisor (a supervisor who is a member); else any supervisor; else
        any admin. Lowest id wins, so the choice is stable."""
        active = sa.and_(User.is_active.is_(True))
        if group_id is not None:
            stmt = (
                sa.select(User.id)
                .join(GroupMember, GroupMember.user_id == User.id)
                .where(GroupMember.group_id == group_id, User.role == Role.SUPERVISOR, active)
                .order_by(User.id)
                .limit(1)
            )
            found = (await session.execute(stmt)).scalar_one_or_none()
            if found is not None:
                return int(found)
        for role in (Role.SUPERVISOR, Role.ADMIN):
            stmt = sa.select(User.id).where(User.role == role, active).order_by(User.id).limit(1)
            found = (await session.execute(stmt)).scalar_one_or_none()
            if found is not None:
                return int(found)
        return None

    async def names(
        self, session: AsyncSession, user_ids: set[int], customer_ids: set[int]
    ) -> tuple[dict[int, str], dict[int, str]]:
        users: dict[int, str] = {}
        customers: dict[int, str] = {}
        if user_ids:
            rows = await session.execute(sa.select(User.id, User.name).where(User.id.in_(user_ids)))
            users = {int(i): str(n) for i, n in rows.all()}
        if customer_ids:
            rows = await session.execute(
                sa.select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
            )
            customers = {int(i): str(n) for i, n in rows.all()}
        return users, customers


survey_repository = SurveyRepository()
