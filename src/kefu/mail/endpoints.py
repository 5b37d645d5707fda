"""/api/v1/channels/email (addresses mapped to groups, IMAP mailboxes) and
/api/v1/mail/inbound (received mail, the quarantine: raw source, retry). Admin only."""

from __future__ import annotations

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.db import writes
from kefu.kit.schemas import Id, Page
from kefu.mail.schemas import AddressCreate, AddressOut, InboundOut, MailboxCreate, MailboxOut
from kefu.mail.service.channels import mail_channel_service
from kefu.mail.service.inbound import inbound_mail_service
from kefu.models.mail import InboundStatus

router = APIRouter(prefix="/api/v1", tags=["email"])
STATUS_PATTERN = (
    "^("
    + "|".join(s.value for s in InboundStatus)
    + ")(,("
    + "|".join(s.value for s in InboundStatus)
    + "))*$"
)


@router.post("/channels/email", response_model=AddressOut, status_code=status.HTTP_201_CREATED)
async def create_address(body: AddressCreate, principal: CurrentPrincipal, session: Session) -> AddressOut:
    return AddressOut.model_validate(await mail_channel_service.create_address(session, principal, body))


@router.get("/channels/email", response_model=Page[AddressOut])
async def list_addresses(principal: CurrentPrincipal, session: Session) -> Page[AddressOut]:
    rows = await mail_channel_service.list_addresses(session, principal)
    return Page(items=[AddressOut.model_validate(r) for r in rows])


@router.delete("/channels/email/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_address(address_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await mail_channel_service.delete_address(session, principal, address_id)


@router.post("/channels/email/mailboxes", response_model=MailboxOut, status_code=status.HTTP_201_CREATED)
async def create_mailbox(body: MailboxCreate, principal: CurrentPrincipal, session: Session) -> MailboxOut:
    return MailboxOut.model_validate(await mail_channel_service.create_mailbox(session, principal, body))


@router.get("/channels/email/mailboxes", response_model=Page[MailboxOut])
async def list_mailboxes(principal: CurrentPrincipal, session: Session) -> Page[MailboxOut]:
    rows = await mail_channel_service.list_mailboxes(session, principal)
    return Page(items=[MailboxOut.model_validate(r) for r in rows])


@router.delete("/channels/email/mailboxes/{mailbox_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_mailbox(mailbox_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await mail_channel_service.delete_mailbox(session, principal, mailbox_id)


@router.post("/channels/email/mailboxes/{mailbox_id}/poll", status_code=status.HTTP_202_ACCEPTED)
async def poll_mailbox(mailbox_id: Id, principal: CurrentPrincipal, session: Session) -> dict[str, str]:
    await mail_channel_service.poll_now(session, principal, mailbox_id)
    return {"status": "queued"}


@router.get("/mail/inbound", response_model=Page[InboundOut])
async def list_inbound(
    principal: CurrentPrincipal,
    session: Session,
    status_: str | None = Query(default=None, alias="status", pattern=STATUS_PATTERN),
    limit: int = Query(default=100, ge=1, le=500),
) -> Page[InboundOut]:
    statuses = status_.split(",") if status_ else []
    rows = await mail_channel_service.list_inbound(session, principal, statuses, limit)
    return Page(items=[InboundOut.model_validate(r) for r in rows])


@router.get("/mail/inbound/{inbound_id}", response_model=InboundOut)
async def get_inbound(inbound_id: Id, principal: CurrentPrincipal, session: Session) -> InboundOut:
    return InboundOut.model_validate(await mail_channel_service.inbound(session, principal, inbound_id))


@router.get("/mail/inbound/{inbound_id}/raw")
@writes  # the download is audited
async def inbound_raw(inbound_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    raw = await mail_channel_service.raw(session, principal, inbound_id)
    return Response(
        raw,
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="mail-{inbound_id}.eml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/mail/inbound/{inbound_id}/retry", response_model=InboundOut, status_code=status.HTTP_202_ACCEPTED
)
async def retry_inbound(inbound_id: Id, principal: CurrentPrincipal, session: Session) -> InboundOut:
    return InboundOut.model_validate(await mail_channel_service.retry(session, principal, inbound_id))


@router.get("/mail/comments/{comment_id}/full")
async def comment_full_text(comment_id: Id, principal: CurrentPrincipal, session: Session) -> dict[str, str]:
    """The mail behind an email comment with its quoted history ("show quoted")."""
    text = await inbound_mail_service.full_text_of_comment(session, principal, comment_id)
    return {"text": text or ""}
