"""Quality inspection rules: the automatic score of every closed chat and solved ticket,
sampling for review (random share or rule-based: low auto score, low CSAT, negative
emotion), supervisors' scorecards, one dispute per review. Never commits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.config import current_settings
from kefu.conversation.service import conversation_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import QaInspection, QaReview, QaRule, QaScorecard
from kefu.models.quality import QaReviewStatus
from kefu.nlp.emotion import analyze
from kefu.quality import rules as qa
from kefu.quality.events import Disputed, DisputeResolved, Inspected, Reviewed, ReviewSampled
from kefu.quality.repository import quality_repository as repo
from kefu.quality.schemas import (
    DisputeIn,
    ResolveIn,
    ReviewIn,
    ReviewOut,
    RuleCreate,
    RuleUpdate,
    ScorecardCreate,
)
from kefu.sla.service import sla_service
from kefu.survey.service import survey_service
from kefu.ticket.service import ticket_service


def _emotion(text: str) -> tuple[str, float]:
    e = analyze(text)
    return e.label, e.score


class QualityService:
    # --- configuration -------------------------------------------------------------------
    async def ensure_defaults(self, session: AsyncSession) -> None:
        """A fresh install gets the default rules and scorecard (the admin edits them). The
        app seeds them at start-up; a read-only request never writes (it sees the seeded ones)."""
        if session.info.get("read_only"):
            return
        if await repo.count_rules(session) == 0:
            for spec in qa.DEFAULT_RULES:
                session.add(QaRule(active=True, created_at=utcnow(), **spec))
        if await repo.active_scorecard(session) is None and not await repo.scorecards(session):
            session.add(
                QaScorecard(
                    name="标准质检评分表", criteria=qa.DEFAULT_SCORECARD, active=True, created_at=utcnow()
                )
            )
        await session.flush()

    async def rules(self, session: AsyncSession, principal: Principal) -> Sequence[QaRule]:
        require(principal, Perm.REPORTS_READ)
        await self.ensure_defaults(session)
        return await repo.rules(session)

    @staticmethod
    def _check_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
        lists = {
            "greeting": "phrases",
            "closing": "phrases",
            "forbidden": "words",
            "handoff_context": "fields",
        }
        if kind in lists:
            key = lists[kind]
            value = config.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 100 for v in value):
                raise Unprocessable(
                    f"config.{key} 须为字符串列表 / must be a list of strings", code="bad_config"
                )
            return {key: [v.strip() for v in value if v.strip()][:200]}
        if kind == "response_gap":
            out = {}
            for key in ("first_reply_minutes", "next_reply_minutes"):
                v = config.get(key, 3)
                if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 10_000:
                    raise Unprocessable(
                        f"config.{key} 须为 1–10000 分钟 / minutes 1–10000", code="bad_config"
                    )
                out[key] = v
            return out
        return dict(config)

    async def create_rule(self, session: AsyncSession, principal: Principal, data: RuleCreate) -> QaRule:
        require(principal, Perm.SETTINGS_MANAGE)
        rule = QaRule(
            kind=data.kind,
            name=data.name,
            weight=data.weight,
            config=self._check_config(data.kind, data.config),
            active=data.active,
            created_at=utcnow(),
        )
        session.add(rule)
        await session.flush()
        return rule

    async def update_rule(
        self, session: AsyncSession, principal: Principal, rule_id: int, data: RuleUpdate
    ) -> QaRule:
        require(principal, Perm.SETTINGS_MANAGE)
        rule = await repo.rule(session, rule_id)
        if rule is None:
            raise NotFound("质检规则不存在 / rule not found")
        values = data.model_dump(exclude_unset=True)
        if data.config is not None:
            values["config"] = self._check_config(rule.kind, data.config)
        for name, value in values.items():
            if value is not None:
                setattr(rule, name, value)
        return rule

    async def scorecards(self, session: AsyncSession, principal: Principal) -> Sequence[QaScorecard]:
        require(principal, Perm.REPORTS_READ)
        await self.ensure_defaults(session)
        return await repo.scorecards(session)

    async def create_scorecard(
        self, session: AsyncSession, principal: Principal, data: ScorecardCreate
    ) -> QaScorecard:
        require(principal, Perm.SETTINGS_MANAGE)
        ids = [c.id for c in data.criteria]
        if len(set(ids)) != len(ids):
            raise Unprocessable("评分项 id 重复 / criterion ids must be unique", code="bad_scorecard")
        for old in await repo.scorecards(session):
            old.active = False  # the newest scorecard is the one supervisors use
        card = QaScorecard(
            name=data.name, criteria=[c.model_dump() for c in data.criteria], active=True, created_at=utcnow()
        )
        session.add(card)
        await session.flush()
        return card

    # --- automatic inspection ------------------------------------------------------------
    async def inspect_conversation(self, session: AsyncSession, conversation_id: int) -> QaInspection | None:
        conv = await conversation_service.get(session, conversation_id)
        if conv is None or conv.assignee_id is None or conv.closed_at is None:
            return None  # the bot alone, or still open: nothing to score an agent on
        detail = await conversation_service.detail(session, SYSTEM, conversation_id)
        turns = [
            qa.Turn(
                sender=m.sender, text=m.text, at=m.created_at, facts=dict(getattr(m, "facts", None) or {})
            )
            for m in detail.messages
            if not m.internal or getattr(m, "facts", None)
        ]
        solved = reopened = False
        first_target = next_target = None
        if conv.ticket_id is not None:
            ticket = await ticket_service.get(session, None, conv.ticket_id)
            solved, reopened = ticket.status in ("solved", "closed"), ticket.reopen_count > 0
            first_target, next_target = await self._targets(session, conv.ticket_id)
        subject = qa.Subject(
            turns=[t for t in turns if t.text.strip() or t.facts],
            waiting_since=conv.first_queued_at,
            first_reply_target=first_target,
            next_reply_target=next_target,
            solved=solved,
            reopened=reopened,
            handed_off=conv.first_queued_at is not None,
        )
        return await self._store(
            session, subject, conversation_id=conv.id, agent_id=conv.assignee_id, group_id=conv.group_id
        )

    async def _targets(self, session: AsyncSession, ticket_id: int) -> tuple[int | None, int | None]:
        clocks = (await sla_service.clocks(session, [ticket_id])).get(ticket_id, [])
        by_metric = {c.metric: c.target_minutes for c in clocks}
        return by_metric.get("first_reply"), by_metric.get("next_reply")

    async def inspect_ticket(self, session: AsyncSession, ticket_id: int) -> QaInspection | None:
        ticket = await ticket_service.get(session, None, ticket_id)
        if ticket.assignee_id is None:
            return None
        if ticket.channel == "chat":
            return None  # its chats are inspected as conversations
        turns = [qa.Turn(sender="customer", text=ticket.description, at=ticket.created_at)]
        for n, c in enumerate(await ticket_service.comments(session, SYSTEM, ticket)):
            if not c.public or (n == 0 and c.body == ticket.description):
                continue  # the opening comment is the request (also when staff logged it for them)
            sender = (
                "agent" if c.author_user_id is not None else "customer" if c.author_customer_id else "system"
            )
            turns.append(qa.Turn(sender=sender, text=c.body, at=c.created_at))
        clocks = (await sla_service.clocks(session, [ticket_id])).get(ticket_id, [])
        breached = frozenset(c.metric for c in clocks if c.status == "breached") if clocks else None
        subject = qa.Subject(
            turns=turns,
            waiting_since=ticket.created_at,
            sla_breached=breached,
            solved=ticket.status in ("solved", "closed"),
            reopened=ticket.reopen_count > 0,
        )
        return await self._store(
            session, subject, ticket_id=ticket.id, agent_id=ticket.assignee_id, group_id=ticket.group_id
        )

    async def _store(
        self,
        session: AsyncSession,
        subject: qa.Subject,
        *,
        agent_id: int | None,
        group_id: int | None,
        conversation_id: int | None = None,
        ticket_id: int | None = None,
    ) -> QaInspection:
        await self.ensure_defaults(session)
        specs = [
            qa.RuleSpec(r.id, r.kind, r.name, r.weight, dict(r.config))
            for r in await repo.rules(session, active_only=True)
        ]
        result = qa.inspect(subject, specs, _emotion)
        found = await repo.inspection_for(session, conversation_id=conversation_id, ticket_id=ticket_id)
        now = utcnow()
        if found is None:
            found = QaInspection(conversation_id=conversation_id, ticket_id=ticket_id, created_at=now)
            session.add(found)
        found.agent_id, found.group_id = agent_id, group_id
        found.score, found.findings, found.negative_emotion = (
            result.score,
            result.findings,
            result.negative_emotion,
        )
        found.updated_at = now
        await session.flush()
        await publish(
            session,
            Inspected(
                inspection_id=found.id,
                conversation_id=conversation_id,
                ticket_id=ticket_id,
                agent_id=agent_id,
                group_id=group_id,
                score=result.score,
                negative_emotion=result.negative_emotion,
            ),
        )
        await self._sample(session, found)
        return found

    async def _sample(
        self, session: AsyncSession, inspection: QaInspection, reason: str | None = None
    ) -> QaReview | None:
        """Rule-based first (low auto score, low CSAT, negative emotion), else a random share."""
        if inspection.agent_id is None or await repo.review_for(session, inspection.id) is not None:
            return None
        settings = current_settings()
        if reason is None:
            low_csat = await survey_service.low_score_for(
                session, conversation_id=inspection.conversation_id, ticket_id=inspection.ticket_id
            )
            if inspection.score < settings.qa_low_score:
                reason = "low_auto_score"
            elif low_csat:
                reason = "low_csat"
            elif inspection.negative_emotion:
                reason = "negative_emotion"
            elif secrets.randbelow(10_000) < settings.qa_sample_percent * 100:
                reason = "random"
            else:
                return None
        review = QaReview(
            inspection_id=inspection.id,
            agent_id=inspection.agent_id,
            status=QaReviewStatus.PENDING,
            sample_reason=reason,
            scores={},
            comment="",
            dispute_reason="",
            resolution="",
            created_at=utcnow(),
        )
        session.add(review)
        await session.flush()
        await publish(session, ReviewSampled(review_id=review.id, agent_id=review.agent_id, reason=reason))
        return review

    async def low_csat(
        self, session: AsyncSession, *, conversation_id: int | None, ticket_id: int | None
    ) -> None:
        """A low survey score samples its conversation/ticket for review (when inspected)."""
        found = None
        if conversation_id is not None:
            found = await repo.inspection_for(session, conversation_id=conversation_id)
        if found is None and ticket_id is not None:
            found = await repo.inspection_for(session, ticket_id=ticket_id)
        if found is not None:
            await self._sample(session, found, reason="low_csat")

    # --- reading -------------------------------------------------------------------------
    async def inspection(
        self, session: AsyncSession, principal: Principal, inspection_id: int
    ) -> QaInspection:
        found = await repo.inspection(session, inspection_id)
        if found is None or not (principal.can(Perm.REPORTS_READ) or found.agent_id == principal.id):
            raise NotFound("质检记录不存在 / inspection not found")
        return found

    async def inspections(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        agent_id: int | None = None,
        max_score: int | None = None,
        limit: int = 100,
    ) -> Sequence[QaInspection]:
        require(principal, Perm.TICKETS_WORK)
        if not principal.can(Perm.REPORTS_READ):
            agent_id = principal.id  # agents see their own
        return await repo.inspections(session, agent_id=agent_id, max_score=max_score, limit=limit)

    async def reviews(
        self, session: AsyncSession, principal: Principal, *, status: str | None = None, limit: int = 200
    ) -> list[ReviewOut]:
        require(principal, Perm.REPORTS_READ)
        return await self._outs(
            session,
            await repo.reviews(session, statuses=[status] if status else None, agent_id=None, limit=limit),
        )

    async def my_reviews(self, session: AsyncSession, principal: Principal) -> list[ReviewOut]:
        """What an agent sees: reviews once a supervisor has scored them (not the pending sample)."""
        require(principal, Perm.TICKETS_WORK)
        done = [QaReviewStatus.REVIEWED, QaReviewStatus.DISPUTED, QaReviewStatus.RESOLVED]
        return await self._outs(
            session, await repo.reviews(session, statuses=list(done), agent_id=principal.id, limit=200)
        )

    async def review_out(self, session: AsyncSession, principal: Principal, review_id: int) -> ReviewOut:
        review = await self._visible_review(session, principal, review_id)
        inspection = await repo.inspection(session, review.inspection_id)
        assert inspection is not None
        return (await self._outs(session, [(review, inspection)]))[0]

    async def _visible_review(
        self, session: AsyncSession, principal: Principal, review_id: int, *, lock: bool = False
    ) -> QaReview:
        review = await repo.review(session, review_id, lock=lock)
        if review is None:
            raise NotFound("质检复核不存在 / review not found")
        if principal.can(Perm.REPORTS_READ):
            return review
        if review.agent_id != principal.id or review.status == QaReviewStatus.PENDING:
            raise NotFound("质检复核不存在 / review not found")
        return review

    async def _outs(
        self, session: AsyncSession, rows: Sequence[tuple[QaReview, QaInspection]]
    ) -> list[ReviewOut]:
        ids = {i for r, _ in rows for i in (r.agent_id, r.reviewer_id) if i is not None}
        names = await repo.user_names(session, ids)
        out = []
        for r, i in rows:
            item = ReviewOut.model_validate(r)
            item.auto_score, item.conversation_id, item.ticket_id = i.score, i.conversation_id, i.ticket_id
            item.agent_name = names.get(r.agent_id or 0, "")
            item.reviewer_name = names.get(r.reviewer_id or 0, "")
            out.append(item)
        return out

    # --- reviews and disputes ------------------------------------------------------------
    async def sample(self, session: AsyncSession, principal: Principal, inspection_id: int) -> ReviewOut:
        """A supervisor picks an inspection for review by hand."""
        require(principal, Perm.REPORTS_READ)
        inspection = await self.inspection(session, principal, inspection_id)
        if inspection.agent_id is None:
            raise Conflict("没有可复核的坐席 / no agent to review", code="no_agent")
        review = await repo.review_for(session, inspection.id) or await self._sample(
            session, inspection, reason="manual"
        )
        assert review is not None
        return await self.review_out(session, principal, review.id)

    async def _card(self, session: AsyncSession, scorecard_id: int | None) -> QaScorecard:
        await self.ensure_defaults(session)
        card = (
            await repo.scorecard(session, scorecard_id)
            if scorecard_id
            else await repo.active_scorecard(session)
        )
        if card is None:
            raise NotFound("评分表不存在 / scorecard not found")
        return card

    @staticmethod
    def _total(card: QaScorecard, scores: dict[str, int]) -> int:
        unknown = set(scores) - {c["id"] for c in card.criteria}
        if unknown:
            raise Unprocessable(
                f"未知评分项 / unknown criteria: {', '.join(sorted(unknown))}", code="bad_scores"
            )
        try:
            return qa.scorecard_total(card.criteria, scores)
        except ValueError as exc:
            raise Unprocessable(f"评分无效 / invalid scores: {exc}", code="bad_scores") from None

    async def submit(
        self, session: AsyncSession, principal: Principal, review_id: int, data: ReviewIn
    ) -> ReviewOut:
        require(principal, Perm.REPORTS_READ)
        review = await self._visible_review(session, principal, review_id, lock=True)
        if review.status not in (QaReviewStatus.PENDING, QaReviewStatus.REVIEWED):
            raise Conflict("申诉处理中或已结案，不能再改分 / under dispute or final", code="review_locked")
        card = await self._card(session, data.scorecard_id or review.scorecard_id)
        review.total = self._total(card, data.scores)
        review.scorecard_id, review.scores, review.comment = card.id, dict(data.scores), data.comment
        review.reviewer_id, review.reviewed_at, review.status = (
            principal.id,
            utcnow(),
            QaReviewStatus.REVIEWED,
        )
        await publish(
            session,
            Reviewed(
                review_id=review.id, agent_id=review.agent_id, total=review.total, reviewer_id=principal.id
            ),
            actor_id=principal.id,
        )
        return await self.review_out(session, principal, review.id)

    async def dispute(
        self, session: AsyncSession, principal: Principal, review_id: int, data: DisputeIn
    ) -> ReviewOut:
        require(principal, Perm.TICKETS_WORK)
        review = await self._visible_review(session, principal, review_id, lock=True)
        if review.agent_id != principal.id:
            raise NotFound("质检复核不存在 / review not found")
        if review.disputed_at is not None:
            raise Conflict(
                "每次复核只能申诉一次 / a review can be disputed only once", code="already_disputed"
            )
        if review.status != QaReviewStatus.REVIEWED:
            raise Conflict("复核尚未完成 / the review is not finished", code="not_reviewed")
        review.dispute_reason, review.disputed_at, review.status = (
            data.reason,
            utcnow(),
            QaReviewStatus.DISPUTED,
        )
        await publish(
            session,
            Disputed(review_id=review.id, agent_id=review.agent_id, reason=data.reason[:500]),
            actor_id=principal.id,
        )
        return await self.review_out(session, principal, review.id)

    async def resolve(
        self, session: AsyncSession, principal: Principal, review_id: int, data: ResolveIn
    ) -> ReviewOut:
        require(principal, Perm.REPORTS_READ)
        review = await self._visible_review(session, principal, review_id, lock=True)
        if review.status != QaReviewStatus.DISPUTED:
            raise Conflict("没有待处理的申诉 / no open dispute", code="no_dispute")
        if data.scores is not None:
            card = await self._card(session, review.scorecard_id)
            review.total, review.scores = self._total(card, data.scores), dict(data.scores)
        review.resolution, review.resolved_by, review.resolved_at = data.resolution, principal.id, utcnow()
        review.status = QaReviewStatus.RESOLVED
        await publish(
            session,
            DisputeResolved(
                review_id=review.id, agent_id=review.agent_id, total=review.total, resolved_by=principal.id
            ),
            actor_id=principal.id,
        )
        return await self.review_out(session, principal, review.id)


quality_service = QualityService()
