"""Agent ticket pages: views, detail with timeline, reply with macros, properties, owner,
bulk changes. The customer portal's tickets are in web/portal/tickets.py."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal
from kefu.automation.service import automation_service
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.kit.schemas import Id
from kefu.loyalty.service import loyalty_service
from kefu.models.ticket import TicketPriority, TicketStatus
from kefu.sla.service import sla_service
from kefu.team.service import team_service
from kefu.ticket.email_reply import email_reply_service
from kefu.ticket.notices import ticket_notice_service
from kefu.ticket.ownership import ownership_service
from kefu.ticket.queue import ticket_queue_service
from kefu.ticket.schemas import SORT_KEYS, CommentCreate, OwnerReassign, TicketFilter, TicketUpdate
from kefu.ticket.service import ticket_service
from kefu.triage.service import triage_service
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
VIEWS = ("inbox", "mine", "owned", "unassigned", "groups", "at_risk", "overdue", "all")
QUEUE_VIEWS = ("inbox", "mine", "unassigned", "groups")
PAGE = 25


def _form_error(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, KefuError):
        return exc.message, exc.status_code
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 422
    raise exc


@router.get("/agent/tickets")
async def agent_tickets(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    view: str = "inbox",
    status: str = "",
    q: str = "",
    page: int = 1,
    sort: str = "",
    moved: int = 0,
    to: int = 0,
) -> Response:
    me = staff(principal)
    view = view if view in VIEWS else "inbox"
    # Work queues default to the queue order (priority, then loyalty ticket priority, then
    # the longest waiting); the others to the most recently updated.
    sort = sort if sort in SORT_KEYS else ("queue" if view in QUEUE_VIEWS else "-updated_at")
    page = max(1, min(page, 1000))
    f = TicketFilter(
        sort=sort,
        limit=PAGE,
        offset=(page - 1) * PAGE,
        q=q[:100] or None,
        status=[status] if status in set(TicketStatus) else None,
    )
    if view == "inbox":  # the default: what is mine to do, and what waits in my groups
        f.inbox_user, f.inbox_groups = me.id, me.group_ids
    elif view == "mine":
        f.assignee_id = me.id
        f.status = f.status or ["new", "open", "pending", "hold"]
    elif view == "owned":  # 我负责的: first-contact ownership, wherever the ticket went since
        f.owner_id = me.id
        f.status = f.status or ["new", "open", "pending", "hold"]
    elif view == "unassigned":
        f.unassigned = True
        f.status = f.status or ["new", "open"]
    elif view == "groups":
        f.status = f.status or ["new", "open", "pending", "hold"]
    elif view == "at_risk":
        f.ids = await sla_service.at_risk_ticket_ids(session, timedelta(hours=2))
        f.sort = "priority"
    elif view == "overdue":
        f.ids = await sla_service.overdue_ticket_ids(session)
    rows = await ticket_service.list_tickets(session, me, await ticket_queue_service.prepare(session, f))
    if view == "groups" and me.can(Perm.TICKETS_READ_ALL):
        rows = [t for t in rows if t.group_id in me.group_ids or t.assignee_id == me.id]
    views = await ticket_service.view(session, rows)
    tier_badges = await ticket_queue_service.badges(session, rows)
    return render(
        request,
        "agent/tickets.html",
        {
            "views": views,
            "view": view,
            "status": status,
            "q": q,
            "page": page,
            "flash": getattr(request.state, "flash", None),
            "sort": sort,
            "has_more": len(rows) == PAGE,
            "view_names": VIEWS,
            "statuses": list(TicketStatus),
            "notices": await ticket_notice_service.mine(session, me, unread_only=True, limit=10),
            "moved": await _moved_notice(session, moved, to),
            "tier_badges": tier_badges,
        },
    )


async def _moved_notice(session: Any, ticket_id: int, group_id: int) -> dict[str, Any] | None:
    """After the properties form moved a ticket out of the agent's view: which, and where to
    (ids from the redirect; group names are no secret, the ticket is not read again)."""
    if not 0 < ticket_id < 2**31:
        return None
    try:
        group = (await team_service.get(session, group_id)).name if 0 < group_id < 2**31 else "—"
    except KefuError:
        group = "—"
    return {"ticket_id": ticket_id, "group": group}


async def _detail_context(session: Any, me: Principal, ticket_id: Id) -> dict[str, Any]:
    t = await ticket_service.get(session, me, ticket_id)
    [view] = await ticket_service.view(session, [t])
    comments = await ticket_service.comments(session, me, t)
    names = {u.id: u.name for u in await user_service.list_all(session)}
    groups = await team_service.list_groups(session)
    customer = None
    if t.customer_id is not None:
        customer = customer_service.to_out(await customer_service.get(session, me, t.customer_id), me)
    conversations = await conversation_service.for_ticket(session, me, t.id)
    return {
        "t": t,
        "sla": view.sla,
        "comments": comments,
        "names": names,
        "groups": groups,
        "customer": customer,
        "macros": await automation_service.macros_for(session, me),
        "statuses": list(TicketStatus),
        "priorities": list(TicketPriority),
        **await _category_context(session, me, t.id, t.category),
        "error": None,
        "agents": [u for u in await user_service.list_all(session) if u.is_active and u.role != "partner"],
        "conversations": conversations,
        "email_reply": await email_reply_service.offer(session, t, [c.status for c, _ in conversations]),
        "can_reassign_owner": me.can(Perm.TICKETS_REASSIGN_OWNER),
        "coupons": [
            c for c in await loyalty_service.coupons(session, me, t.customer_id) if c.ticket_id == t.id
        ]
        if t.customer_id is not None
        else [],
    }


async def _category_context(session: Any, me: Principal, ticket_id: int, current: str) -> dict[str, Any]:
    """The category picker (a category outside today's list stays selectable, so saving the
    form never clears it) and the classifier's guess when it was not sure enough to set it."""
    categories = await ticket_service.categories(session)
    if current and current not in categories:
        categories = sorted([*categories, current])
    triage = await triage_service.for_ticket(session, me, ticket_id)
    suggested = ""
    if triage is not None and not current and not triage.applied and triage.category in categories:
        suggested = triage.category
    return {"categories": categories, "triage": triage, "suggested": suggested}


@router.get("/agent/tickets/{ticket_id}")
async def agent_ticket(
    request: Request, ticket_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff(principal)
    return render(request, "agent/ticket.html", await _detail_context(session, me, ticket_id))


@router.get("/agent/tickets/{ticket_id}/macro-preview")
async def agent_macro_preview(
    ticket_id: Id, macro_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff(principal)
    text = await automation_service.preview(session, me, macro_id, ticket_id)
    return HTMLResponse(f'<textarea name="body" id="reply-body" rows="6" required>{_esc(text)}</textarea>')


def _esc(text: str) -> str:
    return html.escape(text)


@router.post("/agent/tickets/{ticket_id}/reply")
async def agent_reply(
    request: Request,
    ticket_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    body: Annotated[str, Form(max_length=100_000)],
    public: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    macro_id: Annotated[int | None, Form()] = None,
) -> Response:
    me = staff(principal)
    try:
        if macro_id:
            await automation_service.apply(session, me, macro_id, ticket_id, body_override=body)
        else:
            if not body.strip():
                raise KefuError("回复内容不能为空 / the reply is empty", 422)
            data = CommentCreate(body=body, public=public == "on", email=email == "on" and public == "on")
            await email_reply_service.reply(session, me, ticket_id, data)
    except (KefuError, ValidationError) as exc:
        message, code = _form_error(exc)
        ctx = await _detail_context(session, me, ticket_id)
        return render(request, "agent/ticket.html", {**ctx, "error": message}, status=code)
    return RedirectResponse(f"/agent/tickets/{ticket_id}", status_code=303)


@router.post("/agent/tickets/{ticket_id}/properties")
async def agent_properties(
    request: Request,
    ticket_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    status: Annotated[str, Form()],
    priority: Annotated[str, Form()],
    group_id: Annotated[str, Form()] = "",
    assignee_id: Annotated[str, Form()] = "",
    category: Annotated[str | None, Form(max_length=120)] = None,
    customer_accepted: Annotated[str, Form()] = "",
) -> Response:
    me = staff(principal)
    try:
        data = TicketUpdate.model_validate(
            {
                "status": status,
                "priority": priority,
                # The owner's box: ticked when solving = the customer accepted the result.
                **({"customer_accepted": True} if customer_accepted == "on" else {}),
                **({"category": category} if category is not None else {}),
                **({"group_id": int(group_id)} if group_id.isdigit() else {}),
                "assignee_id": int(assignee_id) if assignee_id.isdigit() else None,
            }
        )
        t = await ticket_service.update(session, me, ticket_id, data)
    except (KefuError, ValidationError) as exc:
        message, code = _form_error(exc)
        ctx = await _detail_context(session, me, ticket_id)
        return render(request, "agent/ticket.html", {**ctx, "error": message}, status=code)
    if not ticket_service.can_see(me, t):  # handed to a group I am not in: saved, out of my view
        return RedirectResponse(f"/agent/tickets?moved={t.id}&to={t.group_id or 0}", status_code=303)
    return RedirectResponse(f"/agent/tickets/{ticket_id}", status_code=303)


@router.post("/agent/tickets/{ticket_id}/owner")
async def agent_reassign_owner(
    request: Request,
    ticket_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    owner_id: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Supervisors move the first-contact ownership, with a reason."""
    me = staff(principal)
    try:
        data = OwnerReassign.model_validate(
            {"owner_id": int(owner_id) if owner_id.isdigit() else 0, "reason": reason}
        )
        await ownership_service.reassign(session, me, ticket_id, data)
    except (KefuError, ValidationError) as exc:
        message, code = _form_error(exc)
        ctx = await _detail_context(session, me, ticket_id)
        return render(request, "agent/ticket.html", {**ctx, "error": message}, status=code)
    return RedirectResponse(f"/agent/tickets/{ticket_id}", status_code=303)


@router.post("/agent/ticket-notices/read")
async def agent_notices_read(session: Session, principal: OptionalPrincipal) -> Response:
    me = staff(principal)
    await ticket_notice_service.mark_read(session, me, None)
    return RedirectResponse("/agent/tickets?view=owned", status_code=303)


@router.post("/agent/tickets/bulk")
async def agent_bulk(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    ticket_ids: Annotated[list[int], Form()],
    status: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "",
    assign_to_me: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=300)] = "/agent/tickets",
) -> Response:
    """Apply the same change to several tickets; each succeeds or fails on its own."""
    me = staff(principal)
    fields: dict[str, Any] = {k: v for k, v in {"status": status, "priority": priority}.items() if v}
    if assign_to_me == "on":
        fields["assignee_id"] = me.id
    failed: list[str] = []
    if fields:
        data = TicketUpdate.model_validate(fields)
        for ticket_id in ticket_ids[:200]:
            try:
                async with session.begin_nested():  # one ticket's refusal does not undo the others
                    await ticket_service.update(session, me, ticket_id, data)
            except KefuError as exc:
                failed.append(f"#{ticket_id}: {exc.message}")
    target = back if back.startswith("/agent/tickets") else "/agent/tickets"
    if failed:
        request.state.flash = failed
        return await agent_tickets(request, session, principal, page=1, sort="-updated_at")
    return RedirectResponse(target, status_code=303)
