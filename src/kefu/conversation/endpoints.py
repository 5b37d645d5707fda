"""/api/v1/widget (customers, by session token) and /api/v1/conversations (staff)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from kefu.config import Settings
from kefu.conversation import intake
from kefu.conversation.availability import availability_service
from kefu.conversation.schemas import (
    CloseIn,
    ConversationDetail,
    ConversationOut,
    MessageIn,
    MessageOut,
    OfflineMessageIn,
    RatingIn,
    SeqOut,
    TransferIn,
    WidgetSessionIn,
    WidgetSessionOut,
    WidgetStatus,
)
from kefu.conversation.service import conversation_service, message_out
from kefu.conversation.sessions import widget_sessions
from kefu.conversation.tokens import ChatTicket
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.deps import CurrentPrincipal, Session, get_db, get_settings_dep, rate_limited
from kefu.errors import Unauthorized
from kefu.kit.db import Database
from kefu.kit.schemas import Id, Page
from kefu.models.ticket import Channel
from kefu.ticket import attachments
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service

router = APIRouter(prefix="/api/v1", tags=["conversations"])
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]


def _widget_token(request: Request, token: str | None) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else (token or "")


async def chat_ticket(request: Request, db: DbDep, token: str | None = None) -> ChatTicket:
    """The widget session from `Authorization: Bearer` (or ?token= for downloads): a live,
    unrevoked `widget_sessions` row."""
    raw = _widget_token(request, token)
    ticket = await widget_sessions.verify_in(db, raw) if raw else None
    if ticket is None:
        raise Unauthorized("会话令牌无效或已过期 / invalid or expired chat session", code="bad_session")
    return ticket


ChatDep = Annotated[ChatTicket, Depends(chat_ticket)]


async def optional_chat(request: Request, db: DbDep) -> ChatTicket | None:
    """The chat a request comes from when it carries a session token, else None. As a
    dependency before `Session` it is verified before the request's write unit opens: the
    token touch writes, and a write unit waiting on the writer its own request holds would
    never finish."""
    if not request.headers.get("authorization"):
        return None
    return await chat_ticket(request, db)


# --- widget (customers) -----------------------------------------------------------------
@router.get("/widget/status", response_model=WidgetStatus, response_model_exclude_none=True)
async def widget_status(
    session: Session, locale: Annotated[str, Query(max_length=10)] = "zh_CN"
) -> WidgetStatus:
    return await availability_service.widget_status(session, locale)


@router.post(
    "/widget/sessions",
    response_model=WidgetSessionOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("widget_session", anonymous=True))],
)
async def start_session(body: WidgetSessionIn, db: DbDep) -> WidgetSessionOut:
    conv_id, token = await intake.start_widget_session(db, body)
    return WidgetSessionOut(session_token=token, conversation_id=conv_id)


@router.delete("/widget/sessions/current", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(request: Request, session: Session) -> Response:
    """The customer signs out of the chat: this token stops working at once."""
    raw = _widget_token(request, None)
    if not raw or await widget_sessions.verify(session, raw) is None:
        raise Unauthorized("会话令牌无效或已过期 / invalid or expired chat session", code="bad_session")
    await widget_sessions.revoke_current(session, raw)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/conversations/{conversation_id}/revoke-sessions")
async def revoke_sessions(
    conversation_id: Id, principal: CurrentPrincipal, session: Session
) -> dict[str, int]:
    """Staff end every widget token of a conversation (open sockets close at once)."""
    revoked = await widget_sessions.revoke_conversation(session, principal, conversation_id)
    return {"revoked": revoked}


@router.post(
    "/widget/offline",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("widget_offline", anonymous=True))],
)
async def leave_message(
    body: OfflineMessageIn, chat: Annotated[ChatTicket | None, Depends(optional_chat)], session: Session
) -> dict[str, int]:
    """Outside business hours (or with the bot off) the widget takes a message; it becomes
    a ticket. Sent from a chat (its session token as bearer), the ticket gets the chat."""
    customer = await customer_service.find_or_create(
        session, CustomerCreate(name=body.name, email=body.email, phone=body.phone)
    )
    t = await ticket_service.create(
        session,
        TicketCreate(
            subject=body.text.strip().splitlines()[0][:80] or "留言",
            description=body.text,
            channel=Channel.CHAT,
            customer_id=customer.id,
            tags=["留言"],
        ),
        actor=None,
    )
    if chat is not None:
        await conversation_service.left_message(session, chat, t.id)
    return {"ticket_id": t.id}


@router.post("/widget/messages", response_model=SeqOut)
async def widget_message(body: MessageIn, chat: ChatDep, db: DbDep) -> SeqOut:
    """The same as a socket `message` frame, for clients without WebSockets."""
    accepted = await intake.customer_message(db, chat, body.client_id, body.text)
    if accepted.bot is not None:
        await intake.run_bot(db, accepted.bot)
    return SeqOut(seq=accepted.seq)


@router.get("/widget/messages", response_model=Page[MessageOut])
async def widget_messages(
    chat: ChatDep, session: Session, after_seq: Annotated[int, Query(ge=0)] = 0
) -> Page[MessageOut]:
    rows = await conversation_service.customer_messages_after(session, chat, after_seq)
    return Page(items=[message_out(m) for m in rows])


@router.post("/widget/attachments", response_model=SeqOut, status_code=status.HTTP_201_CREATED)
async def widget_upload(
    chat: ChatDep, session: Session, settings: SettingsDep, file: Annotated[UploadFile, File()]
) -> SeqOut:
    data = await file.read(attachments.MAX_BYTES + 1)
    msg = await conversation_service.attach(
        session,
        chat.conversation_id,
        settings.data_dir / "chat",
        file.filename or "file",
        file.content_type or "application/octet-stream",
        data,
        chat=chat,
    )
    return SeqOut(seq=msg.seq)


@router.get("/widget/attachments/{attachment_id}")
async def widget_download(
    attachment_id: Id, session: Session, settings: SettingsDep, chat: ChatDep
) -> FileResponse:
    att = await conversation_service.attachment(session, attachment_id, chat=chat)
    return _download(settings, att.storage_key, att.filename)


@router.post("/widget/rating", status_code=status.HTTP_204_NO_CONTENT)
async def widget_rating(body: RatingIn, chat: ChatDep, session: Session) -> Response:
    await conversation_service.rate(session, chat, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _download(settings: Settings, key: str, filename: str) -> FileResponse:
    return FileResponse(
        attachments.path_of(settings.data_dir / "chat", key),
        media_type="application/octet-stream",
        filename=filename,
        headers={"X-Content-Type-Options": "nosniff"},
        content_disposition_type="attachment",
    )


# --- staff ------------------------------------------------------------------------------
@router.get("/conversations", response_model=Page[ConversationOut])
async def list_conversations(
    principal: CurrentPrincipal,
    session: Session,
    scope: Literal["mine", "queue", "all"] = "mine",
    customer_id: Id | None = None,
) -> Page[ConversationOut]:
    items = await conversation_service.list_for_staff(
        session, principal, scope=scope, customer_id=customer_id
    )
    return Page(items=items)


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: Id, principal: CurrentPrincipal, session: Session
) -> ConversationDetail:
    return await conversation_service.detail(session, principal, conversation_id)


@router.get("/conversations/{conversation_id}/messages", response_model=Page[MessageOut])
async def conversation_messages(
    conversation_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    after_seq: Annotated[int, Query(ge=0)] = 0,
) -> Page[MessageOut]:
    rows = await conversation_service.staff_messages_after(session, principal, conversation_id, after_seq)
    return Page(items=[message_out(m, staff=True) for m in rows])


@router.post("/conversations/{conversation_id}/messages", response_model=SeqOut)
async def post_message(
    conversation_id: Id, body: MessageIn, principal: CurrentPrincipal, session: Session
) -> SeqOut:
    msg, _ = await conversation_service.staff_message(
        session, principal, conversation_id, body.client_id, body.text, internal=body.internal
    )
    return SeqOut(seq=msg.seq)


@router.post(
    "/conversations/{conversation_id}/attachments", response_model=SeqOut, status_code=status.HTTP_201_CREATED
)
async def post_attachment(
    conversation_id: Id,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> SeqOut:
    data = await file.read(attachments.MAX_BYTES + 1)
    msg = await conversation_service.attach(
        session,
        conversation_id,
        settings.data_dir / "chat",
        file.filename or "file",
        file.content_type or "application/octet-stream",
        data,
        principal=principal,
    )
    return SeqOut(seq=msg.seq)


@router.get("/conversations/attachments/{attachment_id}")
async def staff_download(
    attachment_id: Id, principal: CurrentPrincipal, session: Session, settings: SettingsDep
) -> FileResponse:
    att = await conversation_service.attachment(session, attachment_id, principal=principal)
    return _download(settings, att.storage_key, att.filename)


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationDetail)
async def transfer(
    conversation_id: Id, body: TransferIn, principal: CurrentPrincipal, session: Session
) -> ConversationDetail:
    await conversation_service.transfer(session, principal, conversation_id, body)
    return await conversation_service.detail(session, principal, conversation_id)


@router.post("/conversations/{conversation_id}/close", response_model=ConversationDetail)
async def close(
    conversation_id: Id, principal: CurrentPrincipal, session: Session, body: CloseIn | None = None
) -> ConversationDetail:
    await conversation_service.close(
        session, principal, conversation_id, solve_ticket=bool(body and body.solve_ticket)
    )
    return await conversation_service.detail(session, principal, conversation_id)


@router.post("/conversations/{conversation_id}/takeover", response_model=ConversationDetail)
async def takeover(conversation_id: Id, principal: CurrentPrincipal, session: Session) -> ConversationDetail:
    await conversation_service.takeover(session, principal, conversation_id)
    return await conversation_service.detail(session, principal, conversation_id)
