"""Customer-facing outreach pages, no sign-in (the signed token is the proof): the one-click
unsubscribe (a message's link stops marketing on its channel at once; a button stops every
channel), the open pixel, the tracked-link redirect (only to a URL the message contained) and
the published 服务升级报告 (/service-report)."""

from __future__ import annotations

import base64
import contextlib
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kefu.deps import Session
from kefu.errors import NotFound
from kefu.kit.db import writes
from kefu.outreach.service import outreach_service
from kefu.outreach.service.reports import report_figures, service_report_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=600)]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


async def _page(
    request: Request, session: Session, token: str, source: str, *, every: bool = False
) -> HTMLResponse:
    try:
        link = await outreach_service.unsubscribe(session, token, source=source, every_channel=every)
    except NotFound:
        return render(request, "outreach/unsubscribed.html", {"ok": False}, status=404)
    return render(
        request, "outreach/unsubscribed.html", {"ok": True, "channel": link.channel or "", "token": token}
    )


@router.get("/outreach/unsubscribe/{token}", response_class=HTMLResponse)
@writes
async def unsubscribe_page(token: Token, request: Request, session: Session) -> HTMLResponse:
    return await _page(request, session, token, "link")


@router.post("/outreach/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_post(token: Token, request: Request, session: Session) -> HTMLResponse:
    """A mail client's one-click POST, or the page's "stop every channel" button (`all`)."""
    form = await request.form()
    every = form.get("all") == "1"
    return await _page(request, session, token, "page" if every else "one_click", every=every)


@router.get("/o/o/{token}")
@writes
async def open_pixel(token: Token, session: Session) -> Response:
    """The 1-pixel image of a tracked mail; an invalid token still gets the image."""
    with contextlib.suppress(NotFound):
        await outreach_service.opened(session, token)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/o/c/{token}")
@writes
async def tracked_link(token: Token, request: Request, session: Session) -> Response:
    try:
        url = await outreach_service.clicked(session, token)
    except NotFound:
        return render(request, "outreach/unsubscribed.html", {"ok": False, "bad_link": True}, status=404)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get("/service-report", response_class=HTMLResponse)
async def latest_report(request: Request, session: Session) -> HTMLResponse:
    """The newest published 服务升级报告 (public; drafts and approved reports are not)."""
    return await _report(request, session, None)


@router.get("/service-report/{period}", response_class=HTMLResponse)
async def report_page(
    period: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")], request: Request, session: Session
) -> HTMLResponse:
    return await _report(request, session, period)


async def _report(request: Request, session: Session, period: str | None) -> HTMLResponse:
    try:
        report = await service_report_service.public(session, period)
    except NotFound:
        return render(request, "outreach/service_report.html", {"report": None}, status=404)
    return render(
        request, "outreach/service_report.html", {"report": report, "figures": report_figures(report)}
    )
