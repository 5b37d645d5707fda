"""Training for supervisors: the grading queue, certificates, the pass-rate report and the training
dashboard. Agents' pages are in web/agent/training.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unprocessable
from kefu.kit.schemas import Id
from kefu.training.schemas import GradeIn
from kefu.training.service import dashboard_service, exam_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


@router.get("/training/grading")
async def grading_queue(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    pending = [
        await exam_service.attempt_out(session, me, a.id) for a in await exam_service.pending(session, me)
    ]
    return render(request, "training/grading.html", {"pending": pending})


@router.post("/training/attempts/{attempt_id}/grade")
async def grade_attempt(
    request: Request, attempt_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    form = await request.form()
    marks: dict[str, float] = {}
    for key, value in form.items():
        if key.startswith("m_") and isinstance(value, str) and value.strip():
            try:
                marks[key[2:]] = float(value)
            except ValueError as exc:
                raise Unprocessable("points must be a number", code="invalid_marks") from exc
    feedback = str(form.get("feedback", ""))[:4000]
    await exam_service.grade(session, me, attempt_id, GradeIn(marks=marks, feedback=feedback))
    return _back("/training/grading")


@router.get("/training/certificates")
async def certificates(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    return render(
        request, "training/certificates.html", {"certs": await exam_service.certificates(session, me)}
    )


@router.post("/training/certificates/{certificate_id}/revoke")
async def revoke(
    certificate_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    await exam_service.revoke(session, me, certificate_id, reason)
    return _back("/training/certificates")


@router.get("/training/report")
async def report(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    return render(request, "training/report.html", {"report": await exam_service.report(session, me)})


@router.get("/training/dashboard")
async def dashboard(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    """培训看板: each agent's training beside their QA and CSAT averages; coverage, pass rate."""
    me = staff_with(principal, Perm.TRAINING_MANAGE)
    return render(request, "training/dashboard.html", {"d": await dashboard_service.dashboard(session, me)})
