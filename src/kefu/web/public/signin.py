"""Staff sign-in and sign-out, the language switch, the favicon and `/`, which sends each
visitor to their area (agent, supervisor, admin, partner, portal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from kefu.audit.service import audit_service
from kefu.auth.service import auth_service
from kefu.authz import Principal
from kefu.deps import SESSION_COOKIE, OptionalPrincipal, Session, rate_limited, throttled_sign_in
from kefu.errors import Unauthorized
from kefu.kit.i18n import normalize_locale
from kefu.routing.service import routing_service
from kefu.web import STATIC_DIR
from kefu.web.access import HOME_BY_ROLE, SettingsDep, check_anon_csrf, safe_next, set_session_cookie
from kefu.web.templates import LANG_COOKIE, render

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
async def index(principal: OptionalPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if not principal.is_staff:
        return RedirectResponse("/portal", status_code=303)
    return RedirectResponse(HOME_BY_ROLE.get(principal.role or "", "/agent"), status_code=303)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links: the SVG icon."""
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )


@router.get("/lang/{code}")
async def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next, request.headers.get("referer", "/") and "/"), status_code=303)
    response.set_cookie(LANG_COOKIE, normalize_locale(code), max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/login")
async def login_page(request: Request, principal: OptionalPrincipal, next: str | None = None) -> Response:
    if principal is not None and principal.is_staff:
        return RedirectResponse(
            safe_next(next, HOME_BY_ROLE.get(principal.role or "", "/agent")), status_code=303
        )
    return render(request, "login.html", {"next": next or "", "error": None, "email": ""})


@router.post("/login", dependencies=[Depends(rate_limited("login"))])
async def login_submit(
    request: Request,
    session: Session,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    check_anon_csrf(request, csrf_token)
    try:
        user = await throttled_sign_in(
            request, email, lambda: auth_service.authenticate(session, email, password)
        )
    except Unauthorized:
        audit_service.record(
            session,
            "denied.invalid_credentials",
            detail={"path": "/login", "email_given": bool(email)},
        )
        return render(request, "login.html", {"next": next, "error": "invalid", "email": email}, status=401)
    web = await auth_service.start_web_session(session, user_id=user.id, days=settings.session_days)
    staff = Principal(kind="staff", id=user.id, name=user.name, role=user.role)
    await routing_service.signed_in(session, staff)  # "online on sign-in", when chosen
    response = RedirectResponse(safe_next(next, HOME_BY_ROLE.get(user.role, "/agent")), status_code=303)
    set_session_cookie(response, web.key, settings)
    if user.locale and not request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, normalize_locale(user.locale), max_age=365 * 86400, samesite="lax")
    return response


@router.post("/logout")
async def logout(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    key = request.cookies.get(SESSION_COOKIE)
    if key and principal is not None:  # principal resolution checked the CSRF token
        await auth_service.end_web_session(session, key)
        if principal.is_staff:
            await routing_service.signed_out(session, principal)
        audit_service.record(session, "auth.logout", actor=principal)
    target = "/portal/login" if principal is not None and not principal.is_staff else "/login"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
