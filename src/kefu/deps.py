"""FastAPI dependencies shared by endpoints and pages: the request's transaction, the
caller's principal, CSRF for cookie sessions, rate limits.

The database session is function-scoped: its exit (commit, then after-commit hooks) runs
when the endpoint returns and before the response is sent, so an acknowledged request is a
committed one.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import auth_service
from kefu.authz import Principal
from kefu.config import Settings
from kefu.errors import Forbidden, KefuError, TooManyRequests, Unauthorized
from kefu.kit.db import Database, declared_access
from kefu.kit.ratelimit import RateLimiter
from kefu.kit.security import same

SESSION_COOKIE = "kefu_session"
CSRF_COOKIE = "kefu_csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PARTNER_ROLE = "partner"
PARTNER_PATHS = (
    "/partner",
    "/api/v1/partner",
    "/api/v1/service-orders",
    "/api/v1/warranty",
    "/logout",
    "/lang/",
)


def route_writes(request: Request) -> bool:
    """GET/HEAD/OPTIONS routes read; every other method writes; a route says otherwise with
    `@writes` / `@reads` (kit.db) on its endpoint function."""
    declared = declared_access(request.scope.get("endpoint"))
    if declared is not None:
        return declared == "write"
    return request.method not in SAFE_METHODS


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit: a write unit (queued for the writer, group-committed) or a
    read-only snapshot, as the route declares (`route_writes`)."""
    db = get_db(request)
    if route_writes(request):
        async with db.transaction() as session:
            yield session
    else:
        async with db.read() as session:
            yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def optional_principal(request: Request, session: Session) -> Principal | None:
    """Bearer token first; else the browser session cookie (with CSRF on unsafe methods)."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = await _bearer(request)
    if token is not None:
        principal = await auth_service.principal_from_token(session, token)
    else:
        key = request.cookies.get(SESSION_COOKIE)
        resolved = await auth_service.resolve_web_session(session, key) if key else None
        if resolved is None:
            return None
        principal, web = resolved
        request.state.csrf_token = web.csrf_token
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("x-csrf-token") or await _form_csrf(request)
            if not sent or not same(sent, web.csrf_token):
                raise Forbidden("CSRF 校验失败 / CSRF token missing or invalid", code="csrf_failed")
    if principal.is_staff and principal.role == PARTNER_ROLE and not _partner_path(request.url.path):
        # Repair partners sign in as staff accounts but see only their own portal.
        raise Forbidden("合作商账号只能使用合作商门户 / partner accounts use the partner portal only")
    request.state.principal = principal
    return principal


def _partner_path(path: str) -> bool:
    return path in ("/", "/login") or path.startswith(PARTNER_PATHS)


async def _form_csrf(request: Request) -> str | None:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal, scope="function")],
) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal, scope="function")]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal, scope="function")]


def rate_limited(bucket: str, *, anonymous: bool = False) -> Callable[[Request], Awaitable[None]]:
    """Per client address (and per e-mail for logins) fixed-window limit."""

    async def check(request: Request) -> None:
        settings = get_settings_dep(request)
        limit = settings.parsed_rate_limit(settings.anonymous_rate_limit if anonymous else None)
        if limit is None:
            return
        limiter: RateLimiter = request.app.state.rate_limiter
        ip = request.client.host if request.client else "?"
        if not await limiter.hit(f"{bucket}:{ip}", *limit):
            raise TooManyRequests("请求过于频繁，请稍后再试 / too many requests, try again later")

    return check


T = TypeVar("T")


async def throttled_sign_in(request: Request, email: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Per-account sign-in limit with backoff (the per-address one is `rate_limited`):
    after `login_free_failures` wrong passwords an account is locked for 1 s, then 2, 4, ...
    up to `login_max_lock_seconds`, whatever address the guesses come from. A right password
    clears it; a locked account answers 429 with Retry-After without checking the password."""
    settings = get_settings_dep(request)
    if settings.parsed_rate_limit() is None:  # KEFU_RATE_LIMIT=off (load tests)
        return await attempt()
    limiter: RateLimiter = request.app.state.rate_limiter
    key = f"login-account:{email.strip().lower()[:254]}"
    wait = await limiter.locked_for(key)
    if wait > 0:
        raise _locked(wait)
    try:
        result = await attempt()
    except Unauthorized:
        await limiter.failed(
            key,
            settings.login_free_failures,
            settings.login_window_seconds,
            settings.login_max_lock_seconds,
        )
        raise
    await limiter.succeeded(key)
    return result


def _locked(wait: float) -> KefuError:
    error = TooManyRequests(
        "登录失败次数过多，请稍后再试 / too many failed sign-ins for this account, try again later",
        code="account_locked",
    )
    error.retry_after = max(1, math.ceil(wait))
    return error


async def masked_lookup_budget(request: Request, user_id: int) -> None:
    """Exact lookups confirm guesses of a masked phone or e-mail: a per-user hourly budget
    for viewers without customers.unmask (429 beyond it)."""
    settings = get_settings_dep(request)
    if settings.parsed_rate_limit() is None:
        return
    limiter: RateLimiter = request.app.state.rate_limiter
    if not await limiter.hit(f"masked-lookup:{user_id}", settings.masked_lookups_per_hour, 3600):
        error = TooManyRequests(
            "查询次数过多，请稍后再试 / too many exact lookups, try again later", code="lookup_budget"
        )
        error.retry_after = 3600
        raise error
