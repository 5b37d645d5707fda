"""The survey answer page behind a link (/s/{token}), for customers signed in or not."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.authz import Principal
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Forbidden
from kefu.kit.security import same
from kefu.survey.schemas import SurveyAnswer
from kefu.survey.service import survey_service
from kefu.web.templates import CSRF_COOKIE, render

router = APIRouter(include_in_schema=False)


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
