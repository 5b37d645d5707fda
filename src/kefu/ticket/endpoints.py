"""/api/v1/tickets and ticket settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import FileResponse

from kefu.authz import require_staff
from kefu.config import Settings
from kefu.deps import CurrentPrincipal, Session, get_settings_dep
from kefu.errors import Unprocessable
from kefu.kit.schemas import Id, Page
from kefu.models.ticket import Channel, TicketPriority, TicketStatus
from kefu.ticket import attachments
from kefu.ticket.email_reply import email_reply_service
from kefu.ticket.escalation import escalation_service
from kefu.ticket.notices import ticket_notice_service
from kefu.ticket.ownership import ownership_service
from kefu.ticket.queue import ticket_queue_service
from kefu.ticket.schemas import (
    SORT_KEYS,
    AttachmentOut,
    CategoryCreate,
    CommentCreate,
    CommentOut,
    EscalationConfig,
    FieldDefCreate,
    FieldDefOut,
    HistoryEntry,
    LinkRequest,
    MergeRequest,
    NoticeOut,
    NoticesRead,
    OwnerReassign,
    SlaOut,
    TicketCreate,
    TicketDetail,
    TicketFilter,
    TicketOut,
    TicketUpdate,
)
from kefu.ticket.service import TicketView, ticket_service

router = APIRouter(prefix="/api/v1", tags=["tickets"])
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _out(view: TicketView) -> TicketOut:
    out = TicketOut.model_validate(view.ticket)
    out.sla = [SlaOut(metric=c.metric, due_at=c.due_at, status=c.status) for c in view.sla]
    return out


async def _detail(session: Any, principal: Any, ticket_id: Id) -> TicketDetail:
    t = await ticket_service.get(session, principal, ticket_id)
    [view] = await ticket_service.view(session, [t])
    comments = await ticket_service.comments(session, principal, t)
    atts = await ticket_service.attachments_of(session, principal, t)
    links, children, followers = await ticket_service.related(session, t)
    detail = TicketDetail.model_validate(
        {
            **_out(view).model_dump(),
            "linked_ids": links,
            "child_ids": children,
            "follower_ids": followers if principal.is_staff else [],
        }
    )
    by_comment: dict[int, list[AttachmentOut]] = {}
    for a in atts:
        by_comment.setdefault(a.comment_id or 0, []).append(AttachmentOut.model_validate(a))
    detail.comments = [
        CommentOut.model_validate(c).model_copy(update={"attachments": by_comment.get(c.id, [])})
        for c in comments
    ]
    return detail


@router.post("/tickets", response_model=TicketDetail, status_code=status.HTTP_201_CREATED)
async def create_ticket(body: TicketCreate, principal: CurrentPrincipal, session: Session) -> TicketDetail:
    # A new ticket has no attachments, links, children or followers yet: its clocks and
    # first comment come from the creation itself (nothing read back).
    # Validated once from the ticket (not as a TicketOut, dumped and validated again).
    created = await ticket_service.create_shown(session, body, actor=principal)
    detail = TicketDetail.model_validate(created.view.ticket)
    detail.sla = [SlaOut(metric=c.metric, due_at=c.due_at, status=c.status) for c in created.view.sla]
    detail.comments = [CommentOut.model_validate(c) for c in created.comments]
    return detail


@router.get("/tickets", response_model=Page[TicketOut])
async def list_tickets(
    principal: CurrentPrincipal,
    session: Session,
    customer_id: Id | None = None,
    status_: list[TicketStatus] | None = Query(default=None, alias="status"),
    channel: Channel | None = None,
    group_id: Id | None = None,
    assignee_id: Id | None = None,
    owner_id: Id | None = None,
    unassigned: bool = False,
    priority: TicketPriority | None = None,
    tag: str | None = Query(default=None, max_length=40),
    q: str | None = Query(default=None, max_length=100),
    sort: str = Query(default="-updated_at"),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0),
) -> Page[TicketOut]:
    if sort not in SORT_KEYS:
        raise Unprocessable(f"sort must be one of {list(SORT_KEYS)}", code="invalid_sort")
    f = TicketFilter(
        customer_id=customer_id,
        status=[s.value for s in status_] if status_ else None,
        channel=channel.value if channel else None,
        group_id=group_id,
        assignee_id=assignee_id,
        owner_id=owner_id,
        unassigned=unassigned,
        priority=priority.value if priority else None,
        tag=tag,
        q=q,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    f = await ticket_queue_service.prepare(session, f)
    rows = await ticket_service.list_tickets(session, principal, f)
    return Page(items=[_out(v) for v in await ticket_service.view(session, rows)])


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
async def get_ticket(ticket_id: Id, principal: CurrentPrincipal, session: Session) -> TicketDetail:
    return await _detail(session, principal, ticket_id)


@router.patch("/tickets/{ticket_id}", response_model=TicketDetail)
async def update_ticket(
    ticket_id: Id, body: TicketUpdate, principal: CurrentPrincipal, session: Session
) -> TicketDetail:
    t = await ticket_service.update(session, principal, ticket_id, body)
    if not ticket_service.can_see(principal, t):
        # A valid change that took the ticket out of the caller's view (e.g. an agent moved
        # it to another group): kept, and said so, never a 404 that would roll it back.
        [view] = await ticket_service.view(session, [t])
        return TicketDetail.model_validate(
            {**_out(view).model_dump(), "linked_ids": [], "child_ids": [], "in_view": False}
        )
    return await _detail(session, principal, ticket_id)


@router.get("/tickets/{ticket_id}/comments", response_model=Page[CommentOut])
async def list_comments(ticket_id: Id, principal: CurrentPrincipal, session: Session) -> Page[CommentOut]:
    """The ticket's timeline, oldest first: replies, notes and the lines of its
    conversations with their real authors (customers see public ones only)."""
    t = await ticket_service.get(session, principal, ticket_id)
    comments = await ticket_service.comments(session, principal, t)
    names = await ticket_service.author_names(session, comments)
    return Page(
        items=[
            CommentOut.model_validate(c).model_copy(update={"author_name": names.get(c.id)}) for c in comments
        ]
    )


@router.post("/tickets/{ticket_id}/comments", response_model=CommentOut, status_code=status.HTTP_201_CREATED)
async def add_comment(
    ticket_id: Id, body: CommentCreate, principal: CurrentPrincipal, session: Session
) -> CommentOut:
    """A reply or note; `email: true` (staff, public replies) also mails it with the ticket's
    conversation to a customer who came by chat, WeChat, app, phone or the portal."""
    return CommentOut.model_validate(await email_reply_service.reply(session, principal, ticket_id, body))


@router.post(
    "/tickets/{ticket_id}/attachments", response_model=AttachmentOut, status_code=status.HTTP_201_CREATED
)
async def upload_attachment(
    ticket_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    body: Annotated[str, Form(max_length=100_000)] = "",
    public: Annotated[bool, Form()] = True,
) -> AttachmentOut:
    data = await file.read(attachments.MAX_BYTES + 1)
    att = await ticket_service.attach(
        session,
        principal,
        ticket_id,
        settings.data_dir / "attachments",
        file.filename or "file",
        file.content_type or "application/octet-stream",
        data,
        body,
        public=public,
    )
    return AttachmentOut.model_validate(att)


@router.get("/attachments/{attachment_id}")
async def download_attachment(
    attachment_id: Id, principal: CurrentPrincipal, session: Session, settings: SettingsDep
) -> FileResponse:
    att = await ticket_service.attachment(session, principal, attachment_id)
    path = attachments.path_of(settings.data_dir / "attachments", att.storage_key)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=att.filename,
        headers={"X-Content-Type-Options": "nosniff"},
        content_disposition_type="attachment",
    )


@router.get("/tickets/{ticket_id}/history", response_model=Page[HistoryEntry])
async def ticket_history(ticket_id: Id, principal: CurrentPrincipal, session: Session) -> Page[HistoryEntry]:
    rows = await ticket_service.history(session, principal, ticket_id)
    return Page(items=[HistoryEntry.model_validate(r) for r in rows])


@router.post("/tickets/{ticket_id}/merge", response_model=TicketDetail)
async def merge_ticket(
    ticket_id: Id, body: MergeRequest, principal: CurrentPrincipal, session: Session
) -> TicketDetail:
    target = await ticket_service.merge(session, principal, ticket_id, body.target_id)
    return await _detail(session, principal, target.id)


@router.post("/tickets/{ticket_id}/links", status_code=status.HTTP_204_NO_CONTENT)
async def link_ticket(
    ticket_id: Id, body: LinkRequest, principal: CurrentPrincipal, session: Session
) -> None:
    await ticket_service.link(session, principal, ticket_id, body.other_id)


@router.post("/tickets/{ticket_id}/follow", status_code=status.HTTP_204_NO_CONTENT)
async def follow_ticket(ticket_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await ticket_service.follow(session, principal, ticket_id)


@router.post("/tickets/{ticket_id}/owner", response_model=TicketDetail)
async def reassign_owner(
    ticket_id: Id, body: OwnerReassign, principal: CurrentPrincipal, session: Session
) -> TicketDetail:
    """首问负责制: supervisors and admins move the ownership, with a reason (audited)."""
    await ownership_service.reassign(session, principal, ticket_id, body)
    return await _detail(session, principal, ticket_id)


@router.get("/ticket-notices", response_model=Page[NoticeOut])
async def list_notices(
    principal: CurrentPrincipal,
    session: Session,
    unread: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
) -> Page[NoticeOut]:
    """The caller's notices about tickets they own or follow, newest first."""
    rows = await ticket_notice_service.mine(session, principal, unread_only=unread, limit=limit)
    return Page(items=[NoticeOut.model_validate(n) for n in rows])


@router.post("/ticket-notices/read")
async def read_notices(body: NoticesRead, principal: CurrentPrincipal, session: Session) -> dict[str, int]:
    return {"read": await ticket_notice_service.mark_read(session, principal, body.ids)}


@router.get("/ticket-escalation", response_model=EscalationConfig)
async def get_escalation(principal: CurrentPrincipal, session: Session) -> EscalationConfig:
    require_staff(principal)
    return await escalation_service.config(session)


@router.put("/ticket-escalation", response_model=EscalationConfig)
async def put_escalation(
    body: EscalationConfig, principal: CurrentPrincipal, session: Session
) -> EscalationConfig:
    return await escalation_service.save_config(session, principal, body)


@router.get("/ticket-fields", response_model=Page[FieldDefOut])
async def list_fields(principal: CurrentPrincipal, session: Session) -> Page[FieldDefOut]:
    return Page(items=[FieldDefOut.model_validate(d) for d in await ticket_service.field_defs(session)])


@router.post("/ticket-fields", response_model=FieldDefOut, status_code=status.HTTP_201_CREATED)
async def create_field(body: FieldDefCreate, principal: CurrentPrincipal, session: Session) -> FieldDefOut:
    return FieldDefOut.model_validate(await ticket_service.create_field_def(session, principal, body))


@router.get("/ticket-categories")
async def list_categories(principal: CurrentPrincipal, session: Session) -> dict[str, list[str]]:
    return {"items": await ticket_service.categories(session)}


@router.post("/ticket-categories", status_code=status.HTTP_201_CREATED)
async def add_category(body: CategoryCreate, principal: CurrentPrincipal, session: Session) -> dict[str, str]:
    return {"path": await ticket_service.add_category(session, principal, body.path)}
