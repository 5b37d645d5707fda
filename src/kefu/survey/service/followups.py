"""The closed loop's follow-ups (回访), part of the survey service: the supervisors' list, one
follow-up with its survey, and closing it with the outcome. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, NotFound
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import FollowUp, Survey
from kefu.models.survey import FollowUpStatus
from kefu.survey.events import FollowUpClosed
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import FollowUpClose, FollowUpOut


class FollowUpMixin:
    async def followups(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        status: str | None = None,
        mine: bool = False,
        limit: int = 200,
    ) -> list[FollowUpOut]:
        require(principal, Perm.REPORTS_READ)
        rows = await repo.followups(
            session, status=status, assignee_id=principal.id if mine else None, limit=limit
        )
        return await self._outs(session, rows)

    async def followup(self, session: AsyncSession, principal: Principal, followup_id: int) -> FollowUpOut:
        require(principal, Perm.REPORTS_READ)
        f = await repo.followup(session, followup_id)
        if f is None:
            raise NotFound("回访任务不存在 / follow-up not found")
        survey = await repo.get(session, f.survey_id)
        assert survey is not None
        return (await self._outs(session, [(f, survey)]))[0]

    async def close_followup(
        self, session: AsyncSession, principal: Principal, followup_id: int, data: FollowUpClose
    ) -> FollowUpOut:
        require(principal, Perm.REPORTS_READ)
        f = await repo.followup(session, followup_id, lock=True)
        if f is None:
            raise NotFound("回访任务不存在 / follow-up not found")
        if f.status == FollowUpStatus.DONE:
            raise Conflict("该回访任务已关闭 / this follow-up is already closed", code="followup_closed")
        f.status = FollowUpStatus.DONE
        f.outcome = data.outcome
        f.closed_by = principal.id
        f.closed_at = utcnow()
        await publish(
            session,
            FollowUpClosed(
                followup_id=f.id, survey_id=f.survey_id, closed_by=principal.id, outcome=data.outcome[:500]
            ),
            actor_id=principal.id,
        )
        return await self.followup(session, principal, followup_id)

    async def _outs(
        self, session: AsyncSession, rows: Sequence[tuple[FollowUp, Survey]]
    ) -> list[FollowUpOut]:
        user_ids = {i for f, s in rows for i in (f.assignee_id, s.agent_id) if i is not None}
        customer_ids = {s.customer_id for _, s in rows if s.customer_id is not None}
        users, customers = await repo.names(session, user_ids, customer_ids)
        out = []
        for f, s in rows:
            item = FollowUpOut.model_validate(f)
            item.kind, item.score, item.comment, item.customer_id = s.kind, s.score, s.comment, s.customer_id
            item.customer_name = customers.get(s.customer_id or 0, "")
            item.agent_name = users.get(s.agent_id or 0, "")
            item.assignee_name = users.get(f.assignee_id or 0, "")
            out.append(item)
        return out
