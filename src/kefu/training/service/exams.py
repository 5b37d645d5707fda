"""Exams: question banks, attempts within the schedule window and the attempts limit,
auto-grading of choice questions and supervisor grading of short answers, certificates that
grant a routing skill (and take it away when revoked), the gate on hand-added skills and the
pass-rate report (考核通过率需达100%). Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.training import AttemptStatus, Certificate, Exam, ExamAttempt, ExamQuestion
from kefu.routing.schemas import AgentSettingsIn
from kefu.routing.service import routing_service
from kefu.team.service import team_service
from kefu.training import grading
from kefu.training.events import AttemptGraded, AttemptSubmitted, CertificateGranted, CertificateRevoked
from kefu.training.repository import training_repository as repo
from kefu.training.schemas import (
    AttemptOut,
    CertificateOut,
    ExamDetailOut,
    ExamIn,
    ExamOut,
    ExamPatch,
    ExamReportOut,
    GradeIn,
    GroupRateOut,
    PersonOut,
    QuestionAdminOut,
    QuestionIn,
    QuestionOut,
    ReportOut,
    SubmitIn,
)
from kefu.training.service.common import require_learner, staff_names

MAX_ANSWER = 4000


def _question(q: ExamQuestion) -> grading.Question:
    return grading.Question(q.id, q.kind, q.points, tuple(q.options or ()), frozenset(q.correct or ()))


def _rate(expected: int, passed: int) -> float | None:
    return round(passed / expected, 4) if expected else None


class ExamService:
    # --- the question bank (supervisors and admins) -----------------------------------------
    async def list_exams(self, session: AsyncSession, principal: Principal) -> list[ExamOut]:
        require(principal, Perm.TRAINING_MANAGE)
        counts = await repo.question_counts(session)
        return [
            ExamOut.model_validate(e).model_copy(update={"question_count": counts.get(e.id, 0)})
            for e in await repo.exams(session)
        ]

    async def get(self, session: AsyncSession, principal: Principal, exam_id: int) -> Exam:
        require(principal, Perm.TRAINING_MANAGE)
        return await self._exam(session, exam_id)

    async def _exam(self, session: AsyncSession, exam_id: int) -> Exam:
        exam = await repo.exam(session, exam_id)
        if exam is None:
            raise NotFound("exam not found", code="exam_not_found")
        return exam

    async def detail(self, session: AsyncSession, principal: Principal, exam_id: int) -> ExamDetailOut:
        exam = await self.get(session, principal, exam_id)
        questions = [QuestionAdminOut.model_validate(q) for q in await repo.questions(session, exam.id)]
        return ExamDetailOut.model_validate(exam).model_copy(
            update={"questions": questions, "question_count": len(questions)}
        )

    async def create(self, session: AsyncSession, principal: Principal, data: ExamIn) -> Exam:
        require(principal, Perm.TRAINING_MANAGE)
        if data.group_id is not None:
            await team_service.get(session, data.group_id)
        exam = Exam(**data.model_dump())
        session.add(exam)
        await session.flush()
        return exam

    async def update(
        self, session: AsyncSession, principal: Principal, exam_id: int, data: ExamPatch
    ) -> Exam:
        exam = await self.get(session, principal, exam_id)
        merged = {f: getattr(exam, f) for f in ExamIn.model_fields}
        for name in data.model_fields_set:
            value = getattr(data, name)
            if value is None and name not in ("available_from", "available_until", "group_id"):
                raise Unprocessable("{field} cannot be empty", code="invalid_exam", params={"field": name})
            merged[name] = value
        try:
            valid = ExamIn.model_validate(merged)
        except ValidationError as exc:
            raise Unprocessable("The exam closes before it opens.", code="invalid_exam") from exc
        if valid.group_id is not None:
            await team_service.get(session, valid.group_id)
        for name, value in valid.model_dump().items():
            setattr(exam, name, value)
        exam.updated_at = utcnow()
        await session.flush()
        return exam

    async def delete(self, session: AsyncSession, principal: Principal, exam_id: int) -> None:
        exam = await self.get(session, principal, exam_id)
        if await repo.attempts(session, exam_id=exam.id):
            raise Conflict("people have taken this exam; deactivate it instead", code="exam_taken")
        await session.delete(exam)
        await session.flush()

    async def questions(self, session: AsyncSession, principal: Principal) -> Sequence[ExamQuestion]:
        require(principal, Perm.TRAINING_MANAGE)
        return await repo.all_questions(session)

    async def question(self, session: AsyncSession, principal: Principal, question_id: int) -> ExamQuestion:
        require(principal, Perm.TRAINING_MANAGE)
        found = await repo.question(session, question_id)
        if found is None:
            raise NotFound("question not found", code="question_not_found")
        return found

    async def add_question(
        self, session: AsyncSession, principal: Principal, exam_id: int, data: QuestionIn
    ) -> ExamQuestion:
        exam = await self.get(session, principal, exam_id)
        q = ExamQuestion(exam_id=exam.id, **data.model_dump())
        session.add(q)
        await session.flush()
        return q

    async def update_question(
        self, session: AsyncSession, principal: Principal, question_id: int, data: QuestionIn
    ) -> ExamQuestion:
        q = await self.question(session, principal, question_id)
        for name, value in data.model_dump().items():
            setattr(q, name, value)
        await session.flush()
        return q

    async def delete_question(self, session: AsyncSession, principal: Principal, question_id: int) -> None:
        q = await self.question(session, principal, question_id)
        await session.delete(q)
        await session.flush()

    # --- taking an exam ----------------------------------------------------------------------
    async def my_exams(self, session: AsyncSession, principal: Principal) -> list[ExamOut]:
        """Active exams for the caller with the window, attempts and result."""
        require_learner(principal)
        now = utcnow()
        counts = await repo.question_counts(session)
        mine = await repo.attempts(session, user_id=principal.id)
        out = []
        for exam in await repo.exams(session, active_only=True):
            if not counts.get(exam.id):
                continue
            tries = [a for a in mine if a.exam_id == exam.id]
            started = next((a.id for a in tries if a.status == AttemptStatus.STARTED), None)
            out.append(
                ExamOut.model_validate(exam).model_copy(
                    update={
                        "question_count": counts[exam.id],
                        "window": grading.window_problem(now, exam.available_from, exam.available_until),
                        "attempts_used": len(tries),
                        "attempts_left": grading.attempts_left(exam.max_attempts, len(tries)),
                        "passed": any(a.passed for a in tries),
                        "open_attempt_id": started,
                    }
                )
            )
        return out

    def _check_window(self, exam: Exam, now: datetime) -> None:
        problem = grading.window_problem(now, exam.available_from, exam.available_until)
        if problem == "not_open":
            raise Conflict("this exam is not open yet", code="exam_not_open")
        if problem == "closed":
            raise Conflict("this exam is closed", code="exam_closed")

    async def start(self, session: AsyncSession, principal: Principal, exam_id: int) -> ExamAttempt:
        """A new attempt (or the one already under way) inside the window and the limit."""
        require_learner(principal)
        exam = await repo.exam(session, exam_id)
        if exam is None or not exam.active:
            raise NotFound("exam not found", code="exam_not_found")
        self._check_window(exam, utcnow())
        tries = await repo.attempts(session, user_id=principal.id, exam_id=exam.id)
        for a in tries:
            if a.status == AttemptStatus.STARTED:
                return a
        if any(a.passed for a in tries):
            raise Conflict("you have passed this exam already", code="exam_passed")
        if any(a.status == AttemptStatus.SUBMITTED for a in tries):
            raise Conflict("your last attempt is waiting to be graded", code="attempt_pending")
        if grading.attempts_left(exam.max_attempts, len(tries)) == 0:
            raise Conflict(
                "no attempts left ({n} allowed)", code="no_attempts_left", params={"n": exam.max_attempts}
            )
        if not await repo.questions(session, exam.id):
            raise Conflict("this exam has no questions yet", code="exam_empty")
        attempt = ExamAttempt(
            exam_id=exam.id, user_id=principal.id, number=len(tries) + 1, answers={}, marks={}
        )
        try:
            async with session.begin_nested():
                session.add(attempt)
                await session.flush()
        except IntegrityError as exc:  # the same person started it twice at once
            raise Conflict("an attempt was just started; reload the page", code="attempt_race") from exc
        return attempt

    async def attempt_out(self, session: AsyncSession, principal: Principal, attempt_id: int) -> AttemptOut:
        """The person's own attempt (questions without the right answers); a supervisor sees any."""
        attempt = await self._visible(session, principal, attempt_id)
        return (await self._outs(session, [attempt], with_questions=True))[0]

    async def _visible(
        self, session: AsyncSession, principal: Principal, attempt_id: int, *, lock: bool = False
    ) -> ExamAttempt:
        require_learner(principal)
        attempt = await repo.attempt(session, attempt_id, lock=lock)
        if attempt is None or not (attempt.user_id == principal.id or principal.can(Perm.TRAINING_MANAGE)):
            raise NotFound("attempt not found", code="attempt_not_found")
        return attempt

    async def submit(
        self, session: AsyncSession, principal: Principal, attempt_id: int, data: SubmitIn
    ) -> ExamAttempt:
        attempt = await self._visible(session, principal, attempt_id, lock=True)
        if attempt.user_id != principal.id:
            raise NotFound("attempt not found", code="attempt_not_found")
        if attempt.status != AttemptStatus.STARTED:
            raise Conflict("this attempt was submitted already", code="attempt_submitted")
        exam = await self._exam(session, attempt.exam_id)
        now = utcnow()
        self._check_window(exam, now)
        questions = await repo.questions(session, exam.id)
        answers = _clean_answers(questions, data.answers)
        result = grading.grade([_question(q) for q in questions], answers, {})
        attempt.answers = answers
        attempt.submitted_at = now
        await publish(
            session,
            AttemptSubmitted(
                attempt_id=attempt.id, exam_id=exam.id, user_id=attempt.user_id, pending=result.pending
            ),
        )
        if result.pending:
            attempt.status = AttemptStatus.SUBMITTED
            attempt.marks, attempt.score, attempt.max_score = result.marks, result.score, result.max_score
            await session.flush()
            return attempt
        await self._finish(session, attempt, exam, result, by=None)
        return attempt

    async def pending(self, session: AsyncSession, principal: Principal) -> list[AttemptOut]:
        """Attempts whose short answers wait for a supervisor."""
        require(principal, Perm.TRAINING_MANAGE)
        return await self._outs(session, await repo.attempts_by_status(session, AttemptStatus.SUBMITTED))

    async def my_attempts(self, session: AsyncSession, principal: Principal) -> list[AttemptOut]:
        require_learner(principal)
        return await self._outs(session, await repo.attempts(session, user_id=principal.id))

    async def grade(
        self, session: AsyncSession, principal: Principal, attempt_id: int, data: GradeIn
    ) -> ExamAttempt:
        require(principal, Perm.TRAINING_MANAGE)
        attempt = await self._visible(session, principal, attempt_id, lock=True)
        if attempt.status != AttemptStatus.SUBMITTED:
            raise Conflict("this attempt is not waiting to be graded", code="attempt_not_pending")
        exam = await self._exam(session, attempt.exam_id)
        questions = await repo.questions(session, exam.id)
        shorts = {str(q.id): q for q in questions if q.kind == grading.SHORT}
        unknown = set(data.marks) - set(shorts)
        if unknown:
            raise Unprocessable("marks for questions that are not short answers", code="invalid_marks")
        for key, q in shorts.items():
            if key not in data.marks:
                raise Unprocessable("every short answer needs its points", code="invalid_marks")
            if not 0 <= data.marks[key] <= q.points:
                raise Unprocessable(
                    "points must be between 0 and {max}", code="invalid_marks", params={"max": q.points}
                )
        result = grading.grade([_question(q) for q in questions], attempt.answers or {}, data.marks)
        attempt.feedback = data.feedback
        await self._finish(session, attempt, exam, result, by=principal.id)
        return attempt

    async def _finish(
        self, session: AsyncSession, attempt: ExamAttempt, exam: Exam, result: grading.Result, by: int | None
    ) -> None:
        percent = result.percent()
        attempt.marks, attempt.score, attempt.max_score = result.marks, result.score, result.max_score
        attempt.percent = percent
        attempt.passed = grading.passes(percent, exam.pass_mark)
        attempt.status = AttemptStatus.GRADED
        attempt.graded_at = utcnow()
        attempt.graded_by = by
        await session.flush()
        await publish(
            session,
            AttemptGraded(
                attempt_id=attempt.id,
                exam_id=exam.id,
                user_id=attempt.user_id,
                percent=percent,
                passed=attempt.passed,
            ),
        )
        if attempt.passed and exam.grants_skill:
            await self._certify(session, attempt, exam)

    # --- certificates and the skills they grant ------------------------------------------------
    async def _certify(self, session: AsyncSession, attempt: ExamAttempt, exam: Exam) -> Certificate:
        cert = await repo.certificate_of(session, attempt.user_id, exam.id)
        if cert is None:
            cert = Certificate(user_id=attempt.user_id, exam_id=exam.id, skill=exam.grants_skill)
            session.add(cert)
        cert.skill, cert.attempt_id, cert.granted_at = exam.grants_skill, attempt.id, utcnow()
        cert.revoked_at, cert.revoked_by, cert.revoke_reason = None, None, ""
        await session.flush()
        await self._set_skill(session, attempt.user_id, cert.skill, present=True)
        await publish(
            session,
            CertificateGranted(
                certificate_id=cert.id, user_id=cert.user_id, exam_id=exam.id, skill=cert.skill
            ),
        )
        return cert

    async def _set_skill(self, session: AsyncSession, user_id: int, skill: str, *, present: bool) -> None:
        """Through routing's own agent settings (which re-routes the agent's groups)."""
        current = list((await routing_service.agent_settings(session, SYSTEM, user_id)).skills)
        if (skill in current) == present:
            return
        skills = [*current, skill] if present else [s for s in current if s != skill]
        await routing_service.configure_agent(session, SYSTEM, user_id, AgentSettingsIn(skills=skills))

    async def certificates(
        self, session: AsyncSession, principal: Principal, *, user_id: int | None = None
    ) -> list[CertificateOut]:
        require_learner(principal)
        if not principal.can(Perm.TRAINING_MANAGE):
            user_id = principal.id  # agents see their own
        certs = await repo.certificates(session, user_id=user_id)
        names = await staff_names(session)
        exams = {e.id: e.name for e in await repo.exams(session)}
        return [
            CertificateOut.model_validate(c).model_copy(
                update={"user_name": names.get(c.user_id, ""), "exam_name": exams.get(c.exam_id, "")}
            )
            for c in certs
        ]

    async def revoke(
        self, session: AsyncSession, principal: Principal, certificate_id: int, reason: str
    ) -> Certificate:
        """The certificate stops counting and the skill goes, unless another active
        certificate of that person grants the same skill."""
        require(principal, Perm.TRAINING_MANAGE)
        cert = await repo.certificate(session, certificate_id)
        if cert is None:
            raise NotFound("certificate not found", code="certificate_not_found")
        if cert.revoked_at is not None:
            raise Conflict("this certificate was revoked already", code="certificate_revoked")
        cert.revoked_at, cert.revoked_by, cert.revoke_reason = utcnow(), principal.id, reason
        await session.flush()
        still = any(
            c.skill == cert.skill
            for c in await repo.certificates(session, user_id=cert.user_id, active_only=True)
        )
        if not still:
            await self._set_skill(session, cert.user_id, cert.skill, present=False)
        await publish(
            session,
            CertificateRevoked(
                certificate_id=cert.id,
                user_id=cert.user_id,
                exam_id=cert.exam_id,
                skill=cert.skill,
                reason=reason,
            ),
        )
        return cert

    async def check_manual_skills(
        self, session: AsyncSession, user_id: int, before: Sequence[str], after: Sequence[str]
    ) -> None:
        """Routing asks before it stores a staff member's skills: a skill an exam certifies
        can be added only to someone holding that certificate (409 otherwise)."""
        added = set(after) - set(before)
        if not added:
            return
        gated = added & await repo.gated_skills(session)
        if not gated:
            return
        held = {c.skill for c in await repo.certificates(session, user_id=user_id, active_only=True)}
        missing = sorted(gated - held)
        if missing:
            raise Conflict(
                "the skill {skill} comes only with its certificate: pass its exam first",
                code="skill_needs_certificate",
                params={"skill": "、".join(missing)},
            )

    # --- the pass-rate report ----------------------------------------------------------------
    async def report(self, session: AsyncSession, principal: Principal) -> ReportOut:
        """Per exam and per group: who must pass, who did, the rate against the plan's 100 %."""
        require(principal, Perm.REPORTS_READ)
        users = [u for u in await user_service.list_all(session) if u.is_active]
        names = {u.id: u.name or u.email for u in users}
        active = set(names)
        agents = {u.id for u in users if u.role == "agent"}
        groups = await team_service.list_groups(session)
        members = {g.id: set(g.member_ids) & active for g in groups}
        passed = await repo.passed_pairs(session)
        exams_out: list[ExamReportOut] = []
        group_totals: dict[int, list[int]] = {g.id: [0, 0] for g in groups}
        for exam in await repo.exams(session, active_only=True):
            expected = members.get(exam.group_id, set()) if exam.group_id is not None else agents
            ok = {u for u in expected if (exam.id, u) in passed}
            per_group = []
            for g in groups:
                share = expected & members[g.id]
                if not share:
                    continue
                n_ok = len(share & ok)
                group_totals[g.id][0] += len(share)
                group_totals[g.id][1] += n_ok
                per_group.append(
                    GroupRateOut(
                        group_id=g.id,
                        group_name=g.name,
                        expected=len(share),
                        passed=n_ok,
                        rate=_rate(len(share), n_ok),
                    )
                )
            exams_out.append(
                ExamReportOut(
                    exam_id=exam.id,
                    exam_name=exam.name,
                    expected=len(expected),
                    passed=len(ok),
                    rate=_rate(len(expected), len(ok)),
                    goal_met=len(ok) == len(expected),
                    not_passed=[
                        PersonOut(user_id=u, name=names[u])
                        for u in sorted(expected - ok, key=lambda u: names[u])
                    ],
                    groups=per_group,
                )
            )
        return ReportOut(
            exams=exams_out,
            groups=[
                GroupRateOut(
                    group_id=g.id, group_name=g.name, expected=t[0], passed=t[1], rate=_rate(t[0], t[1])
                )
                for g in groups
                if (t := group_totals[g.id])[0]
            ],
        )

    # --- views ---------------------------------------------------------------------------
    async def _outs(
        self, session: AsyncSession, attempts: Sequence[ExamAttempt], *, with_questions: bool = False
    ) -> list[AttemptOut]:
        names = await staff_names(session)
        exams = {e.id: e for e in await repo.exams(session)}
        certs = {
            c.attempt_id: c.skill
            for c in await repo.certificates(session, active_only=True)
            if c.attempt_id is not None
        }
        out = []
        for a in attempts:
            exam = exams.get(a.exam_id)
            item = AttemptOut.model_validate(a).model_copy(
                update={
                    "exam_name": exam.name if exam else "",
                    "pass_mark": exam.pass_mark if exam else 0,
                    "user_name": names.get(a.user_id, ""),
                    "certificate_skill": certs.get(a.id, ""),
                }
            )
            if with_questions:
                item.questions = [
                    QuestionOut.model_validate(q) for q in await repo.questions(session, a.exam_id)
                ]
            out.append(item)
        return out


def _clean_answers(questions: Sequence[ExamQuestion], raw: dict[str, Any]) -> dict[str, Any]:
    """Only the exam's questions, each in its kind's shape (422 otherwise)."""
    by_id = {str(q.id): q for q in questions}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        q = by_id.get(key)
        if q is None:
            raise Unprocessable("an answer for a question not in this exam", code="invalid_answers")
        if q.kind == grading.SHORT:
            if not isinstance(value, str) or len(value) > MAX_ANSWER:
                raise Unprocessable("a short answer is text", code="invalid_answers")
            out[key] = value.strip()
            continue
        picked = sorted(grading.chosen(value))
        if isinstance(value, str) or any(not 0 <= i < len(q.options or []) for i in picked):
            raise Unprocessable("choose among the question's options", code="invalid_answers")
        out[key] = picked
    return out


exam_service = ExamService()
