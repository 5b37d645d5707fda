"""Survey rules: who gets asked and when (solved ticket, ended chat, NPS campaign), one answer
per survey, and the closed loop (a low score opens a follow-up for the group's supervisor).
Never commits: the caller owns the transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Perm, Principal, require, require_staff
from kefu.config import current_settings
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, KefuError, NotFound
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import FollowUp, Survey, SurveyCampaign
from kefu.models.conversation import ConversationStatus
from kefu.models.survey import FollowUpStatus, SurveyKind
from kefu.models.ticket import Channel
from kefu.outbox.service import mail_service
from kefu.survey import scoring
from kefu.survey.events import FollowUpClosed, FollowUpCreated, SurveyAnswered, SurveySent
from kefu.survey.questions import check_answers
from kefu.survey.repository import survey_repository as repo
from kefu.survey.schemas import (
    CampaignCreate,
    CampaignUpdate,
    FollowUpClose,
    FollowUpOut,
    ResponseRate,
    RunResult,
    SurveyAnswer,
)
from kefu.ticket.service import ticket_service

# A ticket solved within this long after its chat was surveyed in the chat is not asked again.
CHAT_COVERS_TICKET = timedelta(days=7)
SEGMENT_BATCH = 500


class Gone(KefuError):
    status_code = 410
    code = "survey_expired"


class SurveyService:
    # --- sending -------------------------------------------------------------------------
    async def _create(
        self,
        session: AsyncSession,
        *,
        key: str,
        kind: str,
        channel: str,
        customer_id: int | None,
        expires_days: int | None = None,
        ticket_id: int | None = None,
        conversation_id: int | None = None,
        campaign_id: int | None = None,
        campaign_run: int | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
        locale: str | None = None,
    ) -> tuple[Survey, bool]:
        existing = await repo.by_key(session, key)
        if existing is not None:
            return existing, False
        now = utcnow()
        days = expires_days or current_settings().survey_expire_days
        survey = Survey(
            kind=kind,
            dedupe_key=key,
            token=secrets.token_urlsafe(24),
            channel=channel,
            customer_id=customer_id,
            ticket_id=ticket_id,
            conversation_id=conversation_id,
            campaign_id=campaign_id,
            campaign_run=campaign_run,
            agent_id=agent_id,
            group_id=group_id,
            locale=locale or "zh_CN",
            sent_at=now,
            expires_at=now + timedelta(days=days),
            comment="",
            answers={},
        )
        session.add(survey)
        await session.flush()
        await publish(
            session,
            SurveySent(
                survey_id=survey.id,
                kind=kind,
                channel=channel,
                customer_id=customer_id,
                ticket_id=ticket_id,
                conversation_id=conversation_id,
                campaign_id=campaign_id,
                agent_id=agent_id,
                group_id=group_id,
            ),
        )
        return survey, True

    def link(self, survey: Survey) -> str:
        return f"{current_settings().public_url.rstrip('/')}/s/{survey.token}"

    async def _mail(self, session: AsyncSession, survey: Survey, to: str, *, subject_hint: str = "") -> None:
        if survey.kind == SurveyKind.CSAT:
            subject = "请为本次服务评分 / How did we do?"
            lead = f"您的问题「{subject_hint}」已处理完毕。" if subject_hint else "感谢您联系我们。"
            link = self.link(survey)
            body = f"{lead}\n请花 10 秒为本次服务评分：\n{link}\n\nPlease rate our service: {link}\n"
        else:
            subject = "您会向朋友推荐我们吗？/ Would you recommend us?"
            body = (
                "您有多大可能向朋友或同事推荐我们？（0–10 分）\n"
                f"{self.link(survey)}\n\nHow likely are you to recommend us (0–10)? {self.link(survey)}\n"
            )
        await mail_service.queue(
            session, to=to, subject=subject, text=body, kind="survey", ticket_id=survey.ticket_id
        )

    async def ticket_solved(self, session: AsyncSession, ticket_id: int) -> Survey | None:
        """CSAT for a solved ticket: an email link (when the customer has an address) and the
        portal. Once per ticket; not when its chat was just rated in the chat."""
        ticket = await ticket_service.get(session, None, ticket_id)
        if ticket.customer_id is None or ticket.status not in ("solved", "closed"):
            return None
        customer = await customer_service.get(session, None, ticket.customer_id)
        if customer.erased_at is not None:
            return None
        if ticket.channel == Channel.CHAT:
            # A chat ticket is rated in the chat (the widget prompt answers the chat's survey).
            for conv, _why in await conversation_service.for_ticket(session, SYSTEM, ticket_id):
                chat = await self.chat_survey(session, conv.id)
                if chat is not None:
                    return chat
        if await repo.recent_for_ticket(session, ticket_id, utcnow() - CHAT_COVERS_TICKET):
            return None
        email = await customer_service.primary_email(session, customer.id)
        survey, created = await self._create(
            session,
            key=f"ticket:{ticket_id}",
            kind=SurveyKind.CSAT,
            channel="email" if email else "portal",
            customer_id=customer.id,
            ticket_id=ticket_id,
            agent_id=ticket.assignee_id,
            group_id=ticket.group_id,
            locale=customer.locale,
        )
        if created and email:
            await self._mail(session, survey, email, subject_hint=ticket.subject[:60])
        return survey

    async def chat_survey(self, session: AsyncSession, conversation_id: int) -> Survey | None:
        """The CSAT survey of a chat that reached a human (the widget's rating prompt answers it)."""
        conv = await conversation_service.get(session, conversation_id)
        if conv is None:
            return None
        if conv.assignee_id is None and conv.first_queued_at is None:
            return None  # the bot alone served it: nothing for a person to be rated on
        survey, _ = await self._create(
            session,
            key=f"chat:{conv.id}",
            kind=SurveyKind.CSAT,
            channel=conv.channel if conv.channel != "web" else "chat",
            customer_id=conv.customer_id,
            ticket_id=conv.ticket_id,
            conversation_id=conv.id,
            agent_id=conv.assignee_id,
            group_id=conv.group_id,
            locale=conv.locale,
        )
        return survey

    async def chat_rated(self, session: AsyncSession, conversation_id: int) -> Survey | None:
        """The widget's rating becomes the answer of the chat's survey (first answer wins)."""
        conv = await conversation_service.get(session, conversation_id)
        if conv is None or conv.rating is None:
            return None
        survey = await self.chat_survey(session, conversation_id)
        if survey is None or survey.answered_at is not None:
            return survey
        if conv.status != ConversationStatus.CLOSED:
            survey.expires_at = max(survey.expires_at, utcnow() + timedelta(days=1))
        await self._record(session, survey, conv.rating, conv.rating_comment[:2000], {})
        return survey

    async def improvement_followup(
        self, session: AsyncSession, *, item_id: int, customer_id: int, subject: str
    ) -> Survey | None:
        """After an improvement item is fixed (整改后回访): one CSAT question to an affected
        customer, by email when there is an address (else in the portal). Once per item and
        customer; no ticket is attached, so a later ticket's own CSAT is not held back."""
        customer = await customer_service.get(session, None, customer_id)
        if customer.erased_at is not None:
            return None
        email = await customer_service.primary_email(session, customer.id)
        survey, created = await self._create(
            session,
            key=f"improvement:{item_id}:{customer_id}",
            kind=SurveyKind.CSAT,
            channel="email" if email else "portal",
            customer_id=customer.id,
            locale=customer.locale,
        )
        if created and email:
            link = self.link(survey)
            await mail_service.queue(
                session,
                to=email,
                subject="您反馈的问题已改进，请评价 / We fixed what you reported",
                text=(
                    f"您好，您此前反馈的问题「{subject[:60]}」我们已经完成整改。\n"
                    f"问题是否已经解决？请花 10 秒评价：\n{link}\n\n"
                    f"We fixed the problem you reported. Has it gone away? {link}\n"
                ),
                kind="survey",
            )
        return survey

    async def agent_csat(self, session: AsyncSession, agent_ids: list[int]) -> dict[int, list[int]]:
        """Every answered CSAT score (1..5) per agent: the training dashboard sets it beside the
        agent's exam results."""
        return {
            a: await repo.scores(
                session, kind=SurveyKind.CSAT, start=None, end=None, agent_id=a, group_id=None
            )
            for a in agent_ids
        }

    async def improvement_scores(self, session: AsyncSession, item_id: int) -> tuple[int, list[int]]:
        """(follow-up surveys sent, their answered scores 1..5) of one improvement item."""
        surveys = await repo.by_key_prefix(session, f"improvement:{item_id}:")
        return len(surveys), [s.score for s in surveys if s.score is not None]

    # --- answering -----------------------------------------------------------------------
    async def _for_token(
        self, session: AsyncSession, token: str, principal: Principal | None, *, lock: bool
    ) -> Survey:
        survey = await repo.by_token(session, token[:64], lock=lock) if token else None
        if survey is None:
            raise NotFound("问卷不存在或链接无效 / this survey link is not valid", code="survey_not_found")
        if (
            principal is not None
            and principal.kind == "customer"
            and principal.customer_id != survey.customer_id
        ):
            raise Forbidden(
                "这份问卷不属于当前登录的账户 / this survey belongs to another customer",
                code="survey_foreign",
            )
        return survey

    async def questions_of(self, session: AsyncSession, survey: Survey) -> list[dict[str, Any]]:
        if survey.campaign_id is None:
            return []
        campaign = await repo.campaign(session, survey.campaign_id)
        return list(campaign.questions) if campaign else []

    async def open(self, session: AsyncSession, token: str, principal: Principal | None) -> Survey:
        """The survey behind a link, for the answer page: 404 unknown, 403 foreign, 410 expired
        (an answered survey is returned; the page thanks instead of asking again)."""
        survey = await self._for_token(session, token, principal, lock=False)
        if survey.answered_at is None and survey.expires_at <= utcnow():
            raise Gone("问卷已过期 / this survey has expired")
        return survey

    async def answer(
        self, session: AsyncSession, token: str, data: SurveyAnswer, principal: Principal | None
    ) -> Survey:
        survey = await self._for_token(session, token, principal, lock=True)
        if survey.answered_at is not None:
            raise Conflict(
                "您已经提交过这份问卷，感谢！/ this survey was already answered", code="survey_answered"
            )
        if survey.expires_at <= utcnow():
            raise Gone("问卷已过期 / this survey has expired")
        scoring.check_score(survey.kind, data.score)
        answers = check_answers(await self.questions_of(session, survey), data.answers)
        await self._record(session, survey, data.score, data.comment, answers)
        return survey

    async def _record(
        self, session: AsyncSession, survey: Survey, score: int, comment: str, answers: dict[str, Any]
    ) -> None:
        scoring.check_score(survey.kind, score)
        survey.score = score
        survey.score_100 = scoring.score_100(survey.kind, score)
        survey.comment = comment.strip()
        survey.answers = answers
        survey.answered_at = utcnow()
        await session.flush()
        await publish(
            session,
            SurveyAnswered(
                survey_id=survey.id,
                kind=survey.kind,
                score=score,
                score_100=survey.score_100,
                comment=survey.comment[:500],
                customer_id=survey.customer_id,
                ticket_id=survey.ticket_id,
                conversation_id=survey.conversation_id,
                campaign_id=survey.campaign_id,
                agent_id=survey.agent_id,
                group_id=survey.group_id,
                channel=survey.channel,
            ),
        )
        settings = current_settings()
        if scoring.is_low(
            survey.kind, score, csat_low=settings.survey_csat_low, nps_low=settings.survey_nps_low
        ):
            await self._open_followup(session, survey)

    async def _open_followup(self, session: AsyncSession, survey: Survey) -> FollowUp:
        existing = await repo.followup_for(session, survey.id)
        if existing is not None:
            return existing
        followup = FollowUp(
            survey_id=survey.id,
            ticket_id=survey.ticket_id,
            conversation_id=survey.conversation_id,
            group_id=survey.group_id,
            assignee_id=await repo.supervisor_for(session, survey.group_id),
            status=FollowUpStatus.OPEN,
            outcome="",
            created_at=utcnow(),
        )
        session.add(followup)
        await session.flush()
        await publish(
            session,
            FollowUpCreated(
                followup_id=followup.id,
                survey_id=survey.id,
                assignee_id=followup.assignee_id,
                group_id=followup.group_id,
                score=survey.score or 0,
                kind=survey.kind,
            ),
        )
        return followup

    # --- reading -------------------------------------------------------------------------
    async def low_score_for(
        self, session: AsyncSession, *, conversation_id: int | None, ticket_id: int | None
    ) -> bool:
        """Whether the customer gave this chat/ticket a low score (quality samples it)."""
        settings = current_settings()
        for key in (
            f"chat:{conversation_id}" if conversation_id else None,
            f"ticket:{ticket_id}" if ticket_id else None,
        ):
            survey = await repo.by_key(session, key) if key else None
            if (
                survey is not None
                and survey.score is not None
                and scoring.is_low(
                    survey.kind,
                    survey.score,
                    csat_low=settings.survey_csat_low,
                    nps_low=settings.survey_nps_low,
                )
            ):
                return True
        return False

    async def for_customer(self, session: AsyncSession, customer_id: int) -> Sequence[Survey]:
        return await repo.for_customer(session, customer_id, open_at=utcnow())

    async def get(self, session: AsyncSession, principal: Principal, survey_id: int) -> Survey:
        require_staff(principal)
        survey = await repo.get(session, survey_id)
        if survey is None or not self._may_read(principal, survey.agent_id):
            raise NotFound("问卷不存在 / survey not found")
        return survey

    @staticmethod
    def _may_read(principal: Principal, agent_id: int | None) -> bool:
        return principal.can(Perm.REPORTS_READ) or agent_id == principal.id

    async def search(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        kind: str | None = None,
        answered: bool | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
        limit: int = 100,
    ) -> Sequence[Survey]:
        require_staff(principal)
        if not principal.can(Perm.REPORTS_READ):
            agent_id = principal.id  # agents read their own feedback
        return await repo.search(
            session,
            kind=kind,
            answered=answered,
            start=start,
            end=end,
            agent_id=agent_id,
            group_id=group_id,
            limit=limit,
        )

    async def response_rate(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        kind: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        agent_id: int | None = None,
        group_id: int | None = None,
    ) -> ResponseRate:
        require_staff(principal)
        if not principal.can(Perm.REPORTS_READ):
            agent_id = principal.id
        if start is not None and end is not None and end <= start:
            raise KefuError("结束时间须晚于开始时间 / `to` must be after `from`", 422, code="bad_range")
        args: dict[str, Any] = {"start": start, "end": end, "agent_id": agent_id, "group_id": group_id}
        sent, answered = await repo.counts(session, kind=kind, **args)
        out = ResponseRate(
            kind=kind, sent=sent, answered=answered, rate=round(answered / sent, 4) if sent else None
        )
        if kind in (None, "csat"):
            csat = await repo.scores(session, kind="csat", **args)
            out.csat_percent = scoring.csat_percent(csat)
            out.csat_100 = round(sum((s - 1) * 25 for s in csat) / len(csat), 1) if csat else None
        if kind in (None, "nps"):
            out.nps = scoring.nps(await repo.scores(session, kind="nps", **args))
        return out

    # --- campaigns -----------------------------------------------------------------------
    async def create_campaign(
        self, session: AsyncSession, principal: Principal, data: CampaignCreate
    ) -> SurveyCampaign:
        require(principal, Perm.SETTINGS_MANAGE)
        campaign = SurveyCampaign(
            name=data.name,
            kind=SurveyKind.NPS,
            tiers=sorted(set(data.tiers)),
            last_contact_days=data.last_contact_days,
            interval_days=data.interval_days,
            next_run_at=data.first_run_at or utcnow(),
            questions=[q.model_dump() for q in data.questions],
            expires_days=data.expires_days,
            active=True,
            runs=0,
            created_by=principal.user_id or None,
            created_at=utcnow(),
        )
        if campaign.next_run_at.tzinfo is None:
            raise KefuError(
                "first_run_at 需要时区 / first_run_at needs a time zone", 422, code="naive_datetime"
            )
        session.add(campaign)
        await session.flush()
        return campaign

    async def update_campaign(
        self, session: AsyncSession, principal: Principal, campaign_id: int, data: CampaignUpdate
    ) -> SurveyCampaign:
        require(principal, Perm.SETTINGS_MANAGE)
        campaign = await self.campaign(session, principal, campaign_id)
        values = data.model_dump(exclude_unset=True)
        if "questions" in values and data.questions is not None:
            values["questions"] = [q.model_dump() for q in data.questions]
        if "tiers" in values and data.tiers is not None:
            values["tiers"] = sorted(set(data.tiers))
        for name, value in values.items():
            setattr(campaign, name, value)
        return campaign

    async def campaign(self, session: AsyncSession, principal: Principal, campaign_id: int) -> SurveyCampaign:
        require(principal, Perm.REPORTS_READ)
        campaign = await repo.campaign(session, campaign_id)
        if campaign is None:
            raise NotFound("调查活动不存在 / campaign not found")
        return campaign

    async def campaigns(self, session: AsyncSession, principal: Principal) -> Sequence[SurveyCampaign]:
        require(principal, Perm.REPORTS_READ)
        return await repo.campaigns(session)

    async def run_due(self, session: AsyncSession, now: datetime | None = None) -> list[RunResult]:
        now = now or utcnow()
        return [
            r
            for cid in await repo.due_campaigns(session, now)
            if (r := await self.run_campaign(session, cid, now))
        ]

    async def run_campaign(
        self, session: AsyncSession, campaign_id: int, now: datetime | None = None, *, force: bool = False
    ) -> RunResult | None:
        """One run: every reachable customer of the segment gets one NPS link. The campaign
        row is locked and re-checked, so two workers never run the same slot twice."""
        now = now or utcnow()
        campaign = await repo.campaign(session, campaign_id, lock=True)
        if campaign is None or not campaign.active or (not force and campaign.next_run_at > now):
            return None
        run = campaign.runs + 1
        since = now - timedelta(days=campaign.last_contact_days) if campaign.last_contact_days else None
        sent = skipped = 0
        after = 0
        while True:
            batch = await repo.segment(
                session, tiers=list(campaign.tiers), contact_since=since, after_id=after, limit=SEGMENT_BATCH
            )
            if not batch:
                break
            for customer_id, email, locale in batch:
                survey, created = await self._create(
                    session,
                    key=f"campaign:{campaign.id}:{run}:{customer_id}",
                    kind=campaign.kind,
                    channel="email",
                    customer_id=customer_id,
                    campaign_id=campaign.id,
                    campaign_run=run,
                    expires_days=campaign.expires_days,
                    locale=locale,
                )
                if created:
                    await self._mail(session, survey, email)
                    sent += 1
                else:
                    skipped += 1
            after = batch[-1][0]
        campaign.runs = run
        campaign.last_run_at = now
        step = timedelta(days=campaign.interval_days)
        next_at = campaign.next_run_at
        while next_at <= now:  # a long-stopped worker runs once, not once per missed slot
            next_at += step
        campaign.next_run_at = next_at  # a forced run keeps a future date as it is
        return RunResult(campaign_id=campaign.id, run=run, sent=sent, skipped=skipped)

    # --- follow-ups ----------------------------------------------------------------------
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


survey_service = SurveyService()
