"""Survey pages: the public answer page behind a link (/s/{token}), the customer's open
surveys in the portal, supervisors' follow-ups, admins' NPS campaigns and response rates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from kefu.authz import Perm, Principal
from kefu.conversation.service import conversation_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Forbidden, KefuError, Unauthorized
from kefu.kit.schemas import Id
from kefu.kit.security import same
from kefu.survey.schemas import CampaignCreate, FollowUpClose, Question, SurveyAnswer
from kefu.survey.service import survey_service
from kefu.web.templates import CSRF_COOKIE, render

router = APIRouter(include_in_schema=False)


def _staff(principal: Principal | None, perm: Perm) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not principal.is_staff or not principal.can(perm):
        raise Forbidden("无权访问 / you may not open this page")
    return principal


def _check_csrf(request: Request, principal: Principal | None, sent: str) -> None:
    """Signed-in browsers are checked by the session dependency; anonymous answer forms use
    the double-submit cookie the answer page set."""
    if principal is not None:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not same(cookie, sent):
        raise Forbidden(
            "CSRF 校验失败，请刷新页面后重试 / CSRF check failed, reload the page", code="csrf_failed"
        )


# --- public answer page -------------------------------------------------------------------
@router.get("/s/{token}")
async def answer_page(
    request: Request, token: str, session: Session, principal: OptionalPrincipal
) -> Response:
    survey = await survey_service.open(session, token, principal)
    questions = await survey_service.questions_of(session, survey)
    return render(request, "survey/answer.html", {"s": survey, "token": token, "questions": questions})


def _answers(form: FormData) -> dict[str, Any]:
    return {k[2:]: v for k, v in form.items() if k.startswith("q_") and isinstance(v, str) and v != ""}


@router.post("/s/{token}")
async def answer_submit(
    request: Request,
    token: str,
    session: Session,
    principal: OptionalPrincipal,
    score: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_csrf(request, principal, csrf_token)
    data = SurveyAnswer(score=score, comment=comment, answers=_answers(await request.form()))
    survey = await survey_service.answer(session, token, data, principal)
    return render(request, "survey/thanks.html", {"s": survey})


# --- portal -------------------------------------------------------------------------------
@router.get("/portal/surveys")
async def portal_surveys(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    if principal is None or principal.customer_id is None:
        return RedirectResponse("/portal/login", status_code=303)
    surveys = await survey_service.for_customer(session, principal.customer_id)
    return render(request, "survey/portal.html", {"surveys": surveys})


# --- supervisors: closed loop -------------------------------------------------------------
@router.get("/supervisor/followups")
async def followups_page(
    request: Request, session: Session, principal: OptionalPrincipal, status: str = "open", mine: bool = False
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    wanted = status if status in ("open", "done") else None
    items = await survey_service.followups(session, me, status=wanted, mine=mine)
    ctx = {"items": items, "status": status, "mine": mine}
    if request.headers.get("hx-request"):
        return render(request, "survey/followup_rows.html", ctx)
    return render(request, "survey/followups.html", ctx)


@router.get("/supervisor/followups/{followup_id}")
async def followup_page(
    request: Request, followup_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    f = await survey_service.followup(session, me, followup_id)
    transcript = None
    if f.conversation_id is not None:
        try:
            transcript = await conversation_service.detail(session, me, f.conversation_id)
        except KefuError:
            transcript = None  # deleted or no longer visible: the page still shows the rest
    return render(request, "survey/followup.html", {"f": f, "transcript": transcript, "error": None})


@router.post("/supervisor/followups/{followup_id}/close")
async def followup_close(
    request: Request,
    followup_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    outcome: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    if not outcome.strip():
        f = await survey_service.followup(session, me, followup_id)
        return render(
            request,
            "survey/followup.html",
            {"f": f, "transcript": None, "error": "Please describe the outcome."},
            status=422,
        )
    await survey_service.close_followup(session, me, followup_id, FollowUpClose(outcome=outcome.strip()))
    return RedirectResponse("/supervisor/followups", status_code=303)


# --- admin: campaigns and response rates --------------------------------------------------
@router.get("/admin/surveys")
async def admin_surveys(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _staff(principal, Perm.SETTINGS_MANAGE)
    return render(
        request,
        "survey/admin.html",
        {
            "campaigns": await survey_service.campaigns(session, me),
            "csat": await survey_service.response_rate(session, me, kind="csat"),
            "nps": await survey_service.response_rate(session, me, kind="nps"),
            "error": None,
        },
    )


@router.post("/admin/surveys/campaigns")
async def admin_campaign_create(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)] = "",
    tiers: Annotated[list[str] | None, Form()] = None,
    interval_days: Annotated[int, Form(ge=1, le=3650)] = 90,
    last_contact_days: Annotated[str, Form(max_length=6)] = "",
    questions: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    me = _staff(principal, Perm.SETTINGS_MANAGE)
    # One custom question per line; "?" at the end is kept. Free text answers.
    qs = [
        Question(id=f"q{i + 1}", text=line.strip()[:300], type="text")
        for i, line in enumerate(q for q in questions.splitlines() if q.strip())
    ][:20]
    days = int(last_contact_days) if last_contact_days.strip().isdigit() else None
    await survey_service.create_campaign(
        session,
        me,
        CampaignCreate(
            name=name or "NPS",
            tiers=tiers or [],
            interval_days=interval_days,
            last_contact_days=days,
            questions=qs,
        ),
    )
    return RedirectResponse("/admin/surveys", status_code=303)


@router.post("/admin/surveys/campaigns/{campaign_id}/run")
async def admin_campaign_run(campaign_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = _staff(principal, Perm.SETTINGS_MANAGE)
    await survey_service.campaign(session, me, campaign_id)
    await survey_service.run_campaign(session, campaign_id, force=True)
    return RedirectResponse("/admin/surveys", status_code=303)
