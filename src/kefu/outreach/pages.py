"""The customer's one-click unsubscribe page: opening the link in a message unsubscribes
from marketing at once, without signing in (the signed token is the proof)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from kefu.deps import Session
from kefu.errors import NotFound
from kefu.kit.db import writes
from kefu.outreach.service import outreach_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=400)]


async def _page(request: Request, session: Session, token: str, source: str) -> HTMLResponse:
    try:
        await outreach_service.unsubscribe(session, token, source=source)
    except NotFound:
        return render(request, "outreach/unsubscribed.html", {"ok": False}, status=404)
    return render(request, "outreach/unsubscribed.html", {"ok": True})


@router.get("/outreach/unsubscribe/{token}", response_class=HTMLResponse)
@writes
async def unsubscribe_page(token: Token, request: Request, session: Session) -> HTMLResponse:
    return await _page(request, session, token, "link")


@router.post("/outreach/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_post(token: Token, request: Request, session: Session) -> HTMLResponse:
    return await _page(request, session, token, "one_click")
