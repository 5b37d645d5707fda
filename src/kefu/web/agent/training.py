"""Training pages for every agent: 我的学习 (paths with progress, exams, certificates, mentor
sign-off), taking an exam, and the case library with its anonymised case view and discussion
notes. Supervisors' grading and reports are in web/supervisor/training.py; paths, steps,
exams, questions and mentors are built on the admin CRUD layer (web/admin/training.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.kit.schemas import Id
from kefu.training.schemas import CaseIn, SubmitIn
from kefu.training.service import case_service, exam_service, learning_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


# --- my learning --------------------------------------------------------------------------------
@router.get("/training")
async def my_learning(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    context = {
        "paths": await learning_service.my_paths(session, me),
        "exams": await exam_service.my_exams(session, me),
        "attempts": await exam_service.my_attempts(session, me),
        "certificates": await exam_service.certificates(session, me, user_id=me.id),
        "mentoring": [m for m in await learning_service.mentorships(session, me) if m.mentor_id == me.id],
        "manages": me.can(Perm.TRAINING_MANAGE),
    }
    return render(request, "training/mine.html", context)


@router.post("/training/items/{item_id}/done")
async def mark_done(
    item_id: Id, session: Session, principal: OptionalPrincipal, done: Annotated[str, Form()] = "1"
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    await learning_service.set_done(session, me, item_id, done == "1")
    return _back(f"/training#item-{item_id}")


@router.post("/training/mentorships/{mentorship_id}/sign-off")
async def sign_off(
    mentorship_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    await learning_service.sign_off(session, me, mentorship_id, note)
    return _back("/training")


# --- taking an exam -------------------------------------------------------------------------------
@router.post("/training/exams/{exam_id}/start")
async def start_exam(exam_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    attempt = await exam_service.start(session, me, exam_id)
    return _back(f"/training/attempts/{attempt.id}")


@router.get("/training/attempts/{attempt_id}")
async def attempt_page(
    request: Request, attempt_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    attempt = await exam_service.attempt_out(session, me, attempt_id)
    return render(request, "training/attempt.html", {"a": attempt, "error": ""})


def _answers(form: Any, attempt: Any) -> dict[str, Any]:
    """q_<id> fields: one value (single choice), several (multiple), text (short)."""
    answers: dict[str, Any] = {}
    for q in attempt.questions:
        key = f"q_{q.id}"
        if q.kind == "short":
            text = str(form.get(key, "")).strip()
            if text:
                answers[str(q.id)] = text
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str) and v.isdigit()]
        if values:
            picked = [int(v) for v in values]
            answers[str(q.id)] = picked[0] if q.kind == "single" else picked
    return answers


@router.post("/training/attempts/{attempt_id}/submit")
async def submit_attempt(
    request: Request, attempt_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    attempt = await exam_service.attempt_out(session, me, attempt_id)
    form = await request.form()
    await exam_service.submit(session, me, attempt_id, SubmitIn(answers=_answers(form, attempt)))
    return _back(f"/training/attempts/{attempt_id}")


# --- the case library -------------------------------------------------------------------------------
@router.get("/training/cases")
async def cases(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    context = {"cases": await case_service.list_cases(session, me), "manages": me.can(Perm.TRAINING_MANAGE)}
    return render(request, "training/cases.html", {**context, "error": "", "values": {}})


@router.post("/training/cases")
async def create_case(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    form = await request.form()
    values = {
        k: str(form.get(k, "")).strip()
        for k in ("title", "month", "ticket_id", "qa_review_id", "conversation_id", "summary")
    }
    try:
        data = CaseIn.model_validate(
            {
                **values,
                "ticket_id": int(values["ticket_id"]) if values["ticket_id"].isdigit() else None,
                "qa_review_id": int(values["qa_review_id"]) if values["qa_review_id"].isdigit() else None,
                "conversation_id": int(values["conversation_id"])
                if values["conversation_id"].isdigit()
                else None,
            }
        )
        case = await case_service.create(session, me, data)
    except (ValidationError, KefuError) as exc:
        if isinstance(exc, KefuError) and exc.status_code in (401, 403):
            raise
        message = exc.message if isinstance(exc, KefuError) else "case_form_invalid"
        context = {"cases": await case_service.list_cases(session, me), "manages": True}
        return render(
            request, "training/cases.html", {**context, "error": message, "values": values}, status=422
        )
    return _back(f"/training/cases/{case.id}")


@router.get("/training/cases/{case_id}")
async def case_page(
    request: Request, case_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    return render(request, "training/case.html", {"case": await case_service.view(session, me, case_id)})


@router.post("/training/cases/{case_id}/notes")
async def add_note(
    case_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    body: Annotated[str, Form(min_length=1, max_length=8000)],
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    await case_service.add_note(session, me, case_id, body)
    return _back(f"/training/cases/{case_id}#notes")
