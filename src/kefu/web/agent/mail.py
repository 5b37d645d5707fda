"""The "show quoted" fragment of email comments in the agent's ticket view."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from kefu.authz import require_staff
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Unauthorized
from kefu.kit.schemas import Id
from kefu.mail.service.inbound import inbound_mail_service

router = APIRouter(include_in_schema=False)


@router.get("/agent/mail/comments/{comment_id}/full")
async def agent_mail_full(comment_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    """HTMX fragment: the whole mail text, quoted history included."""
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require_staff(principal)
    text = await inbound_mail_service.full_text_of_comment(session, principal, comment_id)
    return HTMLResponse(f'<pre class="mail-full">{escape(text or "")}</pre>')
