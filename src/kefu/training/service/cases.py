"""The case library for the monthly case review (案例复盘): supervisors pick notable tickets,
quality reviews and chats (emotion-recognition material: each customer line carries the
emotion model's mark); every staff member reads them anonymised and adds discussion notes.
Never commits."""

from __future__ import annotations

import contextlib

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.errors import NotFound
from kefu.models.training import CaseNote, TrainingCase
from kefu.quality.service import quality_service
from kefu.ticket.service import ticket_service
from kefu.training.anonymise import anonymise
from kefu.training.repository import training_repository as repo
from kefu.training.schemas import CaseIn, CaseLine, CaseNoteOut, CaseOut
from kefu.training.service.common import require_learner, staff_names

MAX_LINES = 300


class CaseService:
    async def list_cases(self, session: AsyncSession, principal: Principal) -> list[CaseOut]:
        require_learner(principal)
        return [CaseOut.model_validate(c) for c in await repo.cases(session)]

    async def _case(self, session: AsyncSession, case_id: int) -> TrainingCase:
        found = await repo.case(session, case_id)
        if found is None:
            raise NotFound("case not found", code="case_not_found")
        return found

    async def get(self, session: AsyncSession, principal: Principal, case_id: int) -> TrainingCase:
        require(principal, Perm.TRAINING_MANAGE)
        return await self._case(session, case_id)

    async def create(self, session: AsyncSession, principal: Principal, data: CaseIn) -> TrainingCase:
        require(principal, Perm.TRAINING_MANAGE)
        ticket_id = data.ticket_id
        if data.qa_review_id is not None:
            review = await quality_service.review_out(session, principal, data.qa_review_id)  # 404
            ticket_id = ticket_id or review.ticket_id
        if ticket_id is not None:
            await ticket_service.get(session, principal, ticket_id)  # 404 when unknown or not visible
        if data.conversation_id is not None:
            await conversation_service.detail(session, principal, data.conversation_id)  # 404
        case = TrainingCase(**{**data.model_dump(), "ticket_id": ticket_id}, created_by=principal.id)
        session.add(case)
        await session.flush()
        return case

    async def update(
        self, session: AsyncSession, principal: Principal, case_id: int, data: CaseIn
    ) -> TrainingCase:
        case = await self.get(session, principal, case_id)
        case.title, case.month, case.summary = data.title, data.month, data.summary
        await session.flush()
        return case

    async def delete(self, session: AsyncSession, principal: Principal, case_id: int) -> None:
        case = await self.get(session, principal, case_id)
        await session.delete(case)
        await session.flush()

    async def add_note(
        self, session: AsyncSession, principal: Principal, case_id: int, body: str
    ) -> CaseNote:
        require_learner(principal)
        case = await self._case(session, case_id)
        note = CaseNote(case_id=case.id, author_id=principal.id, body=body)
        session.add(note)
        await session.flush()
        return note

    async def view(self, session: AsyncSession, principal: Principal, case_id: int) -> CaseOut:
        """The case with its ticket's record and the review, customer names, phone numbers and
        email addresses masked for everyone (a case is for learning, not for finding people)."""
        require_learner(principal)
        case = await self._case(session, case_id)
        out = CaseOut.model_validate(case)
        customers: set[str] = set()
        lines: list[CaseLine] = []
        conversation_id = None
        if case.qa_review_id is not None:
            try:
                review = await quality_service.review_out(session, SYSTEM, case.qa_review_id)
            except NotFound:
                review = None
            if review is not None:
                out.qa_total, out.qa_comment = review.total, review.comment
                conversation_id = review.conversation_id
        if case.conversation_id is not None:
            conversation_id = case.conversation_id  # the chat itself, with its emotion marks
        elif case.ticket_id is not None:
            try:
                ticket = await ticket_service.get(session, SYSTEM, case.ticket_id)
            except NotFound:
                ticket = None
            if ticket is not None:
                out.subject = ticket.subject
                if ticket.customer_id is not None:
                    with contextlib.suppress(NotFound):
                        customers.add((await customer_service.get(session, None, ticket.customer_id)).name)
                comments = await ticket_service.comments(session, SYSTEM, ticket)
                authors = await ticket_service.author_names(session, comments)
                for c in comments[:MAX_LINES]:
                    kind = (
                        "customer"
                        if c.author_customer_id is not None
                        else "agent"
                        if c.author_user_id is not None
                        else c.author_kind or "system"
                    )
                    name = authors.get(c.id, "")
                    if kind == "customer" and name:
                        customers.add(name)
                    lines.append(
                        CaseLine(
                            author_type=kind, author=name, text=c.body, at=c.created_at, internal=not c.public
                        )
                    )
        if not lines and conversation_id is not None:
            detail = await conversation_service.detail(session, SYSTEM, conversation_id)
            if detail.customer is not None:
                customers.add(detail.customer.name)
            for m in detail.messages[:MAX_LINES]:
                lines.append(
                    CaseLine(
                        author_type=m.sender,
                        author=m.author_name or "",
                        text=m.text,
                        at=m.created_at,
                        internal=m.internal,
                        emotion=m.emotion if m.sender == "customer" else None,
                        anger=m.anger if m.sender == "customer" else None,
                    )
                )
        for line in lines:
            line.text = anonymise(line.text, customers)
            if line.author_type == "customer":
                line.author = anonymise(line.author, customers) if line.author else "客户"
        out.subject = anonymise(out.subject, customers)
        out.summary = anonymise(out.summary, customers)
        out.lines = lines
        names = await staff_names(session)
        out.notes = [
            CaseNoteOut.model_validate(n).model_copy(update={"author_name": names.get(n.author_id or 0, "")})
            for n in await repo.notes(session, case.id)
        ]
        return out


case_service = CaseService()
