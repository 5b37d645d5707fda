"""The ASGI application: wiring of settings, storage, bus, worker, routes and errors."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu import errors, registry
from kefu.audit.service import audit_service
from kefu.authz import Principal
from kefu.bot.engine import install as install_bot
from kefu.bot.engine import uninstall as uninstall_bot
from kefu.bot.engine import warm as warm_bot
from kefu.bot.service import shutdown_training
from kefu.config import Settings, get_settings, install, prepare_runtime, secrets_keys
from kefu.deps import OptionalPrincipal
from kefu.errors import KefuError, NotFound, Unauthorized, overloaded
from kefu.kit import background, secretbox
from kefu.kit.db import Database
from kefu.kit.i18n import LocaleMiddleware, error_text
from kefu.kit.jobs import Worker
from kefu.kit.ratelimit import MemoryRateLimiter, RedisRateLimiter
from kefu.kit.realtime import create_bus, set_bus
from kefu.kit.security import configure_password_hashing, same
from kefu.kit.stalls import LoopWatch
from kefu.logging import configure_logging
from kefu.mail.smtpd import start_listener, stop_listener
from kefu.middleware import BodyLimitMiddleware, RequestContextMiddleware, parse_networks
from kefu.nlp.preload import preload as preload_nlp
from kefu.ops import metrics as ops_metrics
from kefu.quality.service import quality_service
from kefu.web import STATIC_DIR
from kefu.web.templates import render_error, set_display_timezone

log = structlog.get_logger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    registry.load_all()
    db = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        queue_seconds=settings.db_queue_seconds,
        queue_max=settings.db_queue_max,
        refused=overloaded,
    )
    bus = create_bus(settings.redis_url, prefix=settings.redis_namespace())
    await bus.start()
    set_bus(bus)
    app.state.db = db
    async with db.transaction() as session:  # default QA rules, so read-only pages find them
        await quality_service.ensure_defaults(session)
    # Before serving: the first message must not import sklearn & co. on the event loop.
    await asyncio.to_thread(preload_nlp)
    install_bot(db)  # the NLU bot answers in the conversation's bot slot
    background.spawn(warm_bot(db), "bot.warm")  # not the first customer's wait
    app.state.bus = bus
    app.state.rate_limiter = (
        RedisRateLimiter(settings.redis_url, prefix=settings.redis_namespace())
        if settings.redis_url
        else MemoryRateLimiter()
    )
    worker: Worker | None = None
    worker_task: asyncio.Task[None] | None = None
    if settings.embedded_worker:
        worker = Worker(
            db,
            concurrency=settings.worker_concurrency,
            lease_seconds=settings.job_lease_seconds,
            poll_seconds=settings.job_poll_seconds,
        )
        worker_task = asyncio.create_task(worker.run())
    app.state.worker = worker
    watch = LoopWatch(settings.loop_stall_ms / 1000) if settings.loop_stall_ms else None
    if watch is not None:
        watch.start()
    app.state.loop_watch = watch
    # Inbound mail (KEFU_SMTP_LISTEN): on this process's loop; see kefu.mail.smtpd.
    smtp_server = await start_listener(db, settings) if settings.smtp_listen else None
    await warm_routing(app)
    log.info("app.started", database=db.engine.dialect.name, redis=bool(settings.redis_url))
    try:
        yield
    finally:
        if smtp_server is not None:
            await stop_listener(smtp_server)
        if watch is not None:
            await watch.stop()
        if worker is not None and worker_task is not None:
            worker.stop()
            with contextlib.suppress(Exception):
                await worker_task
        limiter = app.state.rate_limiter
        if isinstance(limiter, RedisRateLimiter):
            await limiter.close()
        await bus.close()
        set_bus(None)
        uninstall_bot()
        shutdown_training()  # no orphaned training process after a stop
        await background.drain()
        await db.dispose()
        log.info("app.stopped")


async def warm_routing(app: FastAPI) -> None:
    """FastAPI compiles its route table (a regex per path) on the first request: 0.6-1.8 s
    on the event loop, which every open socket's reply waited out after a restart (seen by
    the loop watch). One unmatched request through the router, before serving, walks every
    router; it bypasses the middleware, so no request is logged or counted."""
    path = "/__kefu-warm-up__"
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        return None

    await app.router(scope, receive, send)


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/healthz", "/readyz", "/metrics", "/ws/")):
        return True
    return "text/html" not in request.headers.get("accept", "")


# Starlette's default details (the standard reason phrases) are replaced by our own text;
# a detail a route gave on purpose is kept.
HTTP_REASONS = {
    "Not Found",
    "Method Not Allowed",
    "Request Entity Too Large",
    "Payload Too Large",
    "Content Too Large",
}


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    message = error_text(message)  # "中文 / English" literals: the request's half only
    if wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render_error(request, status, message)


async def _audit_denial(request: Request, status: int, code: str) -> None:
    """401/403 answers are security-relevant: record them in a transaction of their own,
    since the request's own transaction has rolled back."""
    principal = getattr(request.state, "principal", None)
    try:
        async with request.app.state.db.transaction() as session:
            audit_service.record(
                session,
                f"denied.{code}",
                actor=principal,
                detail={"method": request.method, "path": request.url.path, "status": status},
            )
    except Exception as exc:  # auditing must not turn a 4xx into a 500
        log.warning("audit.write_failed", error=str(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
    return seen


def _classified(request: Request, exc: Exception) -> Response:
    """Failures below the business code, by root cause: a duplicate is a 409, a value the
    database cannot hold (an id past 2^63, a lone surrogate) a 422, the database gone a 503
    with Retry-After; anything else a 500. Every one in the error envelope."""
    chain = _chain(exc)
    if any(isinstance(e, IntegrityError) for e in chain):
        return error_response(request, 409, "conflict", "与已有记录冲突 / conflicts with an existing record")
    if any(isinstance(e, UnicodeEncodeError | OverflowError | DataError) for e in chain):
        message = "值超出范围或无效 / a value is out of range or invalid"
        return error_response(request, 422, "validation_error", message)
    if any(_storage_full(e) for e in chain):
        message = "服务器存储空间已满，请联系管理员 / the server's storage is full; tell the administrator"
        return error_response(request, 507, "storage_full", message)
    if any(isinstance(e, ConnectionError | InterfaceError) for e in chain) or any(
        isinstance(e, OperationalError) and _unavailable(e) for e in chain
    ):
        message = "服务暂时不可用，请稍后重试 / temporarily unavailable, retry shortly"
        response = error_response(request, 503, "unavailable", message)
        response.headers["Retry-After"] = "5"
        return response
    log.error("request.failed", path=request.url.path, error=repr(exc), exc_info=exc)
    return error_response(request, 500, "internal_error", "服务器内部错误 / internal server error")


def _storage_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full", or a file write that hit ENOSPC/EDQUOT."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, OperationalError | sqlite3.OperationalError) and "disk is full" in str(exc)


def _unavailable(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("locked", "connect", "closed", "shutdown", "terminat", "unavailable"))


def _metrics_allowed(request: Request, settings: Settings) -> bool:
    """KEFU_METRICS_TOKEN as a bearer, or a client in KEFU_METRICS_ALLOW; nothing else."""
    if settings.metrics_token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and same(value.strip(), settings.metrics_token):
            return True
    client = request.client.host if request.client else None
    if client and settings.metrics_allow:
        try:
            ip = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(ip in net for net in parse_networks(settings.metrics_allow))
    return False


def _docs_allowed(principal: Principal | None, settings: Settings) -> None:
    if not settings.docs_enabled:
        raise NotFound("页面或资源不存在 / Not Found")
    if principal is None or not principal.is_staff:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")


def create_app(settings: Settings | None = None) -> FastAPI:
    # The one Settings of the process: services read these, never the environment.
    settings = install(prepare_runtime(settings or get_settings()))  # prod: refuses a weak secret key
    secretbox.configure_from(secrets_keys(settings))
    configure_password_hashing(cheap=settings.hash_cost == "test")
    configure_logging(settings)
    app = FastAPI(
        title="kefu 客服",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below, to signed-in staff only (and off in prod by default)
        redoc_url=None,
        openapi_url=None,
        description="Self-hosted omnichannel customer service platform — REST API",
    )
    app.state.settings = settings
    set_display_timezone(settings.display_timezone)

    @app.exception_handler(KefuError)
    async def kefu_error(request: Request, exc: KefuError) -> Response:
        if exc.status_code in {401, 403}:
            await _audit_denial(request, exc.status_code, exc.code)
        response = error_response(request, exc.status_code, exc.code, exc.message)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(
                request, 400, "malformed_json", error_text("请求体不是有效的 JSON / malformed JSON body")
            )
        details = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in errors
        ]
        summary = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details)[:1000]
        if wants_json(request):
            return JSONResponse(
                {"error": {"code": "validation_error", "message": summary, "details": details}},
                status_code=422,
            )
        return render_error(request, 422, summary)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        # Starlette's own reasons are English; say them in the request's language.
        texts = {
            404: "页面或资源不存在 / Not Found",
            405: "不支持此请求方法 / Method Not Allowed",
            413: "请求内容过大 / Payload Too Large",
        }
        detail = str(exc.detail)
        message = texts[exc.status_code] if exc.status_code in texts and detail in HTTP_REASONS else detail
        return error_response(request, exc.status_code, code, error_text(message))

    @app.exception_handler(StatementError)
    async def database_error(request: Request, exc: StatementError) -> Response:
        return _classified(request, exc)

    @app.exception_handler(UnicodeEncodeError)
    @app.exception_handler(OverflowError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(ResponseValidationError)
    async def known_failure(request: Request, exc: Exception) -> Response:
        return _classified(request, exc)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # Last resort (Starlette's ServerErrorMiddleware): still the envelope, never plain text.
        return _classified(request, exc)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not _metrics_allowed(request, settings):
            return error_response(request, 404, "not_found", error_text("页面或资源不存在 / Not Found"))
        with contextlib.suppress(Exception):
            await ops_metrics.refresh(request.app.state.db)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_json(principal: OptionalPrincipal) -> Response:
        _docs_allowed(principal, settings)
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    async def docs(principal: OptionalPrincipal) -> Response:
        _docs_allowed(principal, settings)
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="kefu API")
        # Swagger UI's own CDN assets and inline boot script, on this staff-only page alone.
        page.headers["content-security-policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:"
        )
        return page

    registry.load_all()
    for router in registry.routers(demo=settings.demo_mode):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RequestContextMiddleware,
        trusted_proxies=settings.trusted_proxies,
        secure_cookies=settings.secure_cookies,
        hsts_seconds=settings.hsts_seconds,
    )
    app.add_middleware(LocaleMiddleware)  # error messages in the request's language
    errors.LOCALIZER = error_text
    return app


def __getattr__(name: str) -> Any:  # `uvicorn kefu.app:app`
    if name == "app":
        return create_app()
    raise AttributeError(name)


def tune_process() -> None:
    """Interpreter settings for a serving process (one per `kefu serve` worker)."""
    import gc
    import sys

    # The database driver's threads hand results back through the GIL; Python's default 5 ms
    # switch interval makes each hand-back wait behind a busy event loop (a convoy).
    sys.setswitchinterval(0.0005)
    # Thousands of open sockets are millions of long-lived objects; with the default
    # thresholds every few hundred allocations of a request walk them all again. A young
    # generation of 200,000 made each young collection 190-270 ms, landing inside a chat
    # message's write unit (p99 48-450 ms at 10,000 sockets x 500 msg/s); 50,000 makes them
    # shorter (p99 20 ms in the same A/B). The middle generation holds what survived up to
    # `threshold1` young collections: at 20, thousands of sockets connecting at once left
    # ~500,000 objects there and its collection paused the loop 0.33-0.67 s; at 4 it holds
    # at most ~200,000 (cluster, 300 msg/s: worst 5 s window p99 486 -> 117 ms). The old
    # generation's threshold rises by the same factor so full collections stay as rare.
    gc.freeze()
    gc.set_threshold(50_000, 4, 5000)


def app_from_env() -> FastAPI:
    """uvicorn factory for `kefu serve --workers N`: each process builds its own app from
    the environment (cluster mode; realtime crosses processes over Redis)."""
    tune_process()
    return create_app(get_settings())
