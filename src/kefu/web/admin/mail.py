"""Admin page for the email channel: addresses, IMAP mailboxes, the quarantine and its retry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.kit.schemas import Id
from kefu.mail.schemas import AddressCreate, MailboxCreate
from kefu.mail.service.channels import RETRYABLE, mail_channel_service
from kefu.team.service import team_service
from kefu.web.crud import submit_error
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)
LABELS = {  # field -> its label's message id, for refusals next to their meaning
    "address": "Address",
    "from_name": "Sender name",
    "name": "Name",
    "host": "Server",
    "port": "Port",
    "username": "User name",
    "password": "Password",
    "folder": "Folder",
}


def _admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.SETTINGS_MANAGE)
    return principal


async def _page(request: Request, session: Any, me: Principal, error: str | None = None) -> HTMLResponse:
    context = {
        "addresses": await mail_channel_service.list_addresses(session, me),
        "mailboxes": await mail_channel_service.list_mailboxes(session, me),
        "groups": {g.id: g.name for g in await team_service.list_groups(session)},
        "held": await mail_channel_service.list_inbound(session, me, list(RETRYABLE), 100),
        "counts": await mail_channel_service.counts(session, me),
        "error": error,
    }
    return render(request, "admin/mail.html", context, status=422 if error else 200)


def _group(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.get("/admin/mail")
async def admin_mail(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    return await _page(request, session, _admin(principal))


@router.post("/admin/mail/addresses")
async def admin_mail_address(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    address: Annotated[str, Form(max_length=254)],
    group_id: Annotated[str, Form()] = "",
    from_name: Annotated[str, Form(max_length=120)] = "",
    signature: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    me = _admin(principal)
    try:
        data = AddressCreate(
            address=address, group_id=_group(group_id), from_name=from_name, signature=signature
        )
        await mail_channel_service.create_address(session, me, data)
    except (KefuError, ValidationError) as exc:
        return await _page(request, session, me, submit_error(request, exc, LABELS))
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/admin/mail/addresses/{address_id}/delete")
async def admin_mail_address_delete(
    address_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    await mail_channel_service.delete_address(session, _admin(principal), address_id)
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/admin/mail/mailboxes")
async def admin_mailbox(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)],
    address: Annotated[str, Form(max_length=254)],
    host: Annotated[str, Form(max_length=253)],
    username: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=500)],
    port: Annotated[int, Form(ge=1, le=65535)] = 993,
    ssl: Annotated[str, Form()] = "",
    folder: Annotated[str, Form(max_length=200)] = "INBOX",
    group_id: Annotated[str, Form()] = "",
) -> Response:
    me = _admin(principal)
    try:
        data = MailboxCreate(
            name=name,
            address=address,
            host=host,
            port=port,
            ssl=ssl == "on",
            username=username,
            password=password,
            folder=folder or "INBOX",
            group_id=_group(group_id),
        )
        await mail_channel_service.create_mailbox(session, me, data)
    except (KefuError, ValidationError) as exc:
        return await _page(request, session, me, submit_error(request, exc, LABELS))
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/admin/mail/mailboxes/{mailbox_id}/delete")
async def admin_mailbox_delete(mailbox_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    await mail_channel_service.delete_mailbox(session, _admin(principal), mailbox_id)
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/admin/mail/mailboxes/{mailbox_id}/poll")
async def admin_mailbox_poll(mailbox_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    await mail_channel_service.poll_now(session, _admin(principal), mailbox_id)
    return RedirectResponse("/admin/mail", status_code=303)


@router.post("/admin/mail/inbound/{inbound_id}/retry")
async def admin_mail_retry(inbound_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    await mail_channel_service.retry(session, _admin(principal), inbound_id)
    return RedirectResponse("/admin/mail", status_code=303)
