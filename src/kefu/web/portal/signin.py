"""The portal's front door: its home, sign-in by password and by an e-mailed link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.audit.service import audit_service
from kefu.auth.service import auth_service
from kefu.customer.service import customer_service
from kefu.deps import OptionalPrincipal, Session, rate_limited, throttled_sign_in
from kefu.errors import Unauthorized
from kefu.kit.db import writes
from kefu.web.access import SettingsDep, check_anon_csrf, set_session_cookie
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/portal")
async def portal_home(request: Request, principal: OptionalPrincipal) -> Response:
    if principal is None or principal.is_staff:
        return render(request, "portal/home.html", {"customer": None})
    return RedirectResponse("/portal/tickets", status_code=303)


@router.get("/portal/login")
async def portal_login_page(request: Request) -> Response:
    return render(request, "portal/login.html", {"error": None, "email": ""})


@router.post("/portal/login", dependencies=[Depends(rate_limited("portal_login"))])
async def portal_login_submit(
    request: Request,
    session: Session,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_anon_csrf(request, csrf_token)
    try:
        customer = await throttled_sign_in(
            request, f"customer:{email}", lambda: customer_service.authenticate(session, email, password)
        )
    except Unauthorized:
        audit_service.record(session, "denied.invalid_credentials", detail={"path": "/portal/login"})
        return render(request, "portal/login.html", {"error": "invalid", "email": email}, status=401)
    web = await auth_service.start_web_session(session, customer_id=customer.id, days=settings.session_days)
    response = RedirectResponse("/portal", status_code=303)
    set_session_cookie(response, web.key, settings)
    return response


@router.post("/portal/magic-link", dependencies=[Depends(rate_limited("magic_link"))])
async def portal_magic_link(
    request: Request,
    session: Session,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_anon_csrf(request, csrf_token)
    if "@" in email:
        await auth_service.send_magic_link(session, email, settings.public_url)
    return render(request, "portal/login.html", {"error": None, "email": email, "link_sent": True})


@router.get("/portal/magic/{token}")
@writes  # redeems the link and starts a web session
async def portal_magic_redeem(token: str, session: Session, settings: SettingsDep) -> Response:
    customer_id = await auth_service.redeem_magic_link(session, token[:200])
    web = await auth_service.start_web_session(session, customer_id=customer_id, days=settings.session_days)
    response = RedirectResponse("/portal/tickets", status_code=303)
    set_session_cookie(response, web.key, settings)
    return response
