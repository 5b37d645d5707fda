"""Sign-in, language switch and the shells of the agent, supervisor, admin and portal areas."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from kefu.audit.service import audit_service
from kefu.auth.service import auth_service
from kefu.authz import Perm, Principal, require
from kefu.config import Settings
from kefu.customer.service import customer_service
from kefu.deps import (
    SESSION_COOKIE,
    OptionalPrincipal,
    Session,
    get_settings_dep,
    rate_limited,
    throttled_sign_in,
)
from kefu.errors import Forbidden, Unauthorized
from kefu.kit.db import writes
from kefu.kit.i18n import normalize_locale
from kefu.kit.schemas import Id
from kefu.kit.security import same
from kefu.ops.service import ops_service
from kefu.routing.service import routing_service
from kefu.web import STATIC_DIR
from kefu.web.templates import CSRF_COOKIE, LANG_COOKIE, render

router = APIRouter(include_in_schema=False)
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

HOME_BY_ROLE = {"admin": "/admin", "supervisor": "/supervisor", "agent": "/agent", "partner": "/partner"}


def _safe_next(value: str | None, default: str) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if not value:
        return default
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


def _staff(principal: Principal | None, *roles: str) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not principal.is_staff or (roles and principal.role not in roles):
        raise Forbidden("无权访问 / you may not open this page")
    return principal


def _check_anon_csrf(request: Request, sent: str) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not same(cookie, sent):
        raise Forbidden("CSRF 校验失败 / CSRF token missing or invalid", code="csrf_failed")


def _set_session_cookie(response: Response, key: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        key,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_days * 86400,
        path="/",
    )


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
    response = RedirectResponse(
        _safe_next(next, request.headers.get("referer", "/") and "/"), status_code=303
    )
    response.set_cookie(LANG_COOKIE, normalize_locale(code), max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/login")
async def login_page(request: Request, principal: OptionalPrincipal, next: str | None = None) -> Response:
    if principal is not None and principal.is_staff:
        return RedirectResponse(
            _safe_next(next, HOME_BY_ROLE.get(principal.role or "", "/agent")), status_code=303
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
    _check_anon_csrf(request, csrf_token)
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
    response = RedirectResponse(_safe_next(next, HOME_BY_ROLE.get(user.role, "/agent")), status_code=303)
    _set_session_cookie(response, web.key, settings)
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


@router.get("/agent")
async def agent_home(request: Request, principal: OptionalPrincipal) -> Response:
    _staff(principal)
    return render(request, "agent/home.html")


@router.get("/supervisor")
async def supervisor_home(request: Request, principal: OptionalPrincipal) -> Response:
    _staff(principal, "supervisor", "admin")
    return render(request, "supervisor/home.html")


@router.get("/admin/jobs")
async def admin_jobs(
    request: Request, session: Session, principal: OptionalPrincipal, status: str | None = None
) -> Response:
    actor = _staff(principal, "admin")
    require(actor, Perm.JOBS_MANAGE)
    if status not in {None, "queued", "running", "done", "dead"}:
        status = None
    jobs = await ops_service.list_jobs(session, actor, status)
    counts = await ops_service.queue_counts(session)
    return render(request, "admin/jobs.html", {"jobs": jobs, "counts": counts, "status": status})


@router.post("/admin/jobs/{job_id}/retry")
async def admin_jobs_retry(job_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    actor = _staff(principal, "admin")
    await ops_service.retry(session, actor, job_id)
    return RedirectResponse("/admin/jobs?status=dead", status_code=303)


# --- customer portal ----------------------------------------------------------------------
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
    _check_anon_csrf(request, csrf_token)
    try:
        customer = await throttled_sign_in(
            request, f"customer:{email}", lambda: customer_service.authenticate(session, email, password)
        )
    except Unauthorized:
        audit_service.record(session, "denied.invalid_credentials", detail={"path": "/portal/login"})
        return render(request, "portal/login.html", {"error": "invalid", "email": email}, status=401)
    web = await auth_service.start_web_session(session, customer_id=customer.id, days=settings.session_days)
    response = RedirectResponse("/portal", status_code=303)
    _set_session_cookie(response, web.key, settings)
    return response


@router.post("/portal/magic-link", dependencies=[Depends(rate_limited("magic_link"))])
async def portal_magic_link(
    request: Request,
    session: Session,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_anon_csrf(request, csrf_token)
    if "@" in email:
        await auth_service.send_magic_link(session, email, settings.public_url)
    return render(request, "portal/login.html", {"error": None, "email": email, "link_sent": True})


@router.get("/portal/magic/{token}")
@writes  # redeems the link and starts a web session
async def portal_magic_redeem(token: str, session: Session, settings: SettingsDep) -> Response:
    customer_id = await auth_service.redeem_magic_link(session, token[:200])
    web = await auth_service.start_web_session(session, customer_id=customer_id, days=settings.session_days)
    response = RedirectResponse("/portal/tickets", status_code=303)
    _set_session_cookie(response, web.key, settings)
    return response
