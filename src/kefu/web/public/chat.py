"""Customer chat page: standalone at /chat and inside the widget's iframe (/chat?embed=1).

Everything after the first paint travels over the widget REST calls and /ws/chat, so the
page itself only renders the shell and its translated strings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/chat")
async def chat_page(request: Request, embed: str = "") -> Response:
    embedded = embed not in {"", "0", "false"}
    response = render(request, "chat/page.html", {"embed": embedded})
    if embedded:
        # The widget frames this page on the company's own sites: allow exactly the
        # configured origins (any site when none are configured) instead of SAMEORIGIN.
        allowed = [o for o in request.app.state.settings.allowed_origins if o and o != "*"]
        sources = " ".join(["'self'", *allowed]) if allowed else "*"
        # Browsers ignore the middleware's X-Frame-Options when frame-ancestors is present.
        response.headers["content-security-policy"] = f"frame-ancestors {sources}"
    response.headers["cache-control"] = "no-store"
    return response
