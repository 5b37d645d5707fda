"""The public landing page of a referral link (/r/{code}), where a friend leaves their details.

The sign-up creates a customer without sign-in, so it is limited per client address like the
sign-in forms (`KEFU_RATE_LIMIT`, off with `off`): a page gets the form again with a Chinese
message and 429, a program the error envelope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError

from kefu.deps import Session, rate_limited
from kefu.errors import KefuError, NotFound, TooManyRequests
from kefu.kit.i18n import error_text
from kefu.rewards.service import rewards_service
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
Code = Annotated[str, Path(min_length=4, max_length=20)]
join_limit = rate_limited("referral_join")
TOO_MANY = "Too many sign-ups from your network. Please wait a minute and try again."


def _text(request: Request, message: str) -> str:
    """A message in the page's language (a catalog id, or the matching half of "中文 / English")."""
    return error_text(message, locale=request_locale(request))


@router.get("/r/{code}")
async def landing(code: Code, request: Request, session: Session) -> Response:
    try:
        referrer = await rewards_service.referrer_of_code(session, code)
    except NotFound:
        return render(request, "portal/referral_join.html", {"ok": False, "done": False}, status=404)
    return render(
        request,
        "portal/referral_join.html",
        {"ok": True, "done": False, "code": code, "referrer": (referrer.name or "")[:1] + "**", "error": ""},
    )


@router.post("/r/{code}")
async def join(
    code: Code,
    request: Request,
    session: Session,
    name: Annotated[str, Form(max_length=120)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """No sign-in: a new friend leaves a name and an address; the referral is registered."""
    try:
        await join_limit(request)
    except TooManyRequests as exc:
        if "text/html" not in request.headers.get("accept", ""):
            raise  # a program gets the error envelope
        page = render(
            request,
            "portal/referral_join.html",
            {"ok": True, "done": False, "code": code, "referrer": "", "error": _text(request, TOO_MANY)},
            status=exc.status_code,
        )
        page.headers["Retry-After"] = "60"
        return page
    try:
        await rewards_service.join_by_referral(
            session, code, name=name.strip(), email=email.strip() or None, phone=phone.strip() or None
        )
    except NotFound:
        return render(request, "portal/referral_join.html", {"ok": False, "done": False}, status=404)
    except (KefuError, ValidationError) as exc:
        session.info.pop("after_commit", None)
        await session.rollback()
        message = _text(
            request,
            exc.message if isinstance(exc, KefuError) else "请检查填写的邮箱或手机号 / check the address",
        )
        status = exc.status_code if isinstance(exc, KefuError) else 422
        return render(
            request,
            "portal/referral_join.html",
            {"ok": True, "done": False, "code": code, "referrer": "", "error": message},
            status=status,
        )
    return render(request, "portal/referral_join.html", {"ok": True, "done": True})
