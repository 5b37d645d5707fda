"""Admin page for the email channel: addresses, IMAP mailboxes, the quarantine and its
retry, and the outgoing mail server (SMTP relay) with a test mail and the release of mail
held while none was set."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from kefu.authz import Perm, Principal, require
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.kit.db import reads
from kefu.kit.i18n import translations
from kefu.kit.schemas import Id
from kefu.mail.schemas import AddressCreate, MailboxCreate
from kefu.mail.service.channels import RETRYABLE, mail_channel_service
from kefu.outbox.schemas import RelaySettings
from kefu.outbox.service import deliver, mail_service
from kefu.team.service import team_service
from kefu.web.crud import N_, submit_error
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
DELIVERY_KINDS = {  # DeliveryError.kind -> what to check, for the person at the page
    "blocked": N_("the address is not on the allow-list of outgoing connections (KEFU_OUTBOUND_ALLOW)"),
    "connect": N_("the server could not be reached: check the server name and port"),
    "timeout": N_("the server did not answer in time"),
    "tls": N_("the encrypted connection failed: check the encryption and port"),
    "auth": N_("the server refused the user name or password"),
    "rejected": N_("the server refused the sender or the recipient"),
    "other": N_("the server answered with an error"),
}
LABELS = {  # field -> its label's message id, for refusals next to their meaning
    "address": "Address",
    "from_name": "Sender name",
    "name": "Mailbox name",
    "host": "Server",
    "port": "Port",
    "username": "User name",
    "password": "Password",
    "folder": "Folder",
    "mail_from": "Sender address",
    "security": "Encryption",
    "to": "Send a test mail to",
}


def _admin(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    require(principal, Perm.SETTINGS_MANAGE)
    return principal


async def _page(
    request: Request,
    session: Any,
    me: Principal,
    error: str | None = None,
    *,
    notice: str = "",
    relay_form: dict[str, Any] | None = None,
    status: int | None = None,
) -> HTMLResponse:
    relay = await mail_service.relay(session)
    context = {
        "relay": relay,
        "r": relay_form or relay.settings.model_dump(mode="json", exclude={"password"}),
        "relay_has_password": bool(relay.settings.password),
        "outbox_held": await mail_service.held_count(session, me),
        "notice": notice,
        "addresses": await mail_channel_service.list_addresses(session, me),
        "mailboxes": await mail_channel_service.list_mailboxes(session, me),
        "groups": {g.id: g.name for g in await team_service.list_groups(session)},
        "held": await mail_channel_service.list_inbound(session, me, list(RETRYABLE), 100),
        "counts": await mail_channel_service.counts(session, me),
        "error": error,
    }
    return render(request, "admin/mail.html", context, status=status or (422 if error else 200))


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


@router.post("/admin/mail/relay")
async def admin_mail_relay(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    host: Annotated[str, Form(max_length=253)] = "",
    port: Annotated[str, Form(max_length=6)] = "25",
    security: Annotated[str, Form(max_length=10)] = "none",
    username: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    mail_from: Annotated[str, Form(max_length=254)] = "",
    from_name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    me = _admin(principal)
    form = {
        "host": host,
        "port": port,
        "security": security,
        "username": username,
        "mail_from": mail_from,
        "from_name": from_name,
    }
    try:
        data = RelaySettings.model_validate({**form, "port": port.strip() or "25", "password": password})
    except ValidationError as exc:
        return await _page(request, session, me, submit_error(request, exc, LABELS), relay_form=form)
    await mail_service.save_relay(session, me, data, keep_password=True)
    return RedirectResponse("/admin/mail?relay=saved#relay", status_code=303)


@router.post("/admin/mail/relay/test")
@reads  # the SMTP conversation (up to 20 s) must not hold the write unit
async def admin_mail_relay_test(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    to: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Sends one mail now, through the saved relay, and says what the server answered."""
    me = _admin(principal)
    _ = translations(request_locale(request)).gettext
    try:
        RelaySettings.model_validate({"mail_from": to})  # the same address check as the sender's
        relay, message = await mail_service.test_message(session, me, to.strip())
    except (KefuError, ValidationError) as exc:
        return await _page(request, session, me, submit_error(request, exc, {"mail_from": "to", **LABELS}))
    if not relay.host:
        return await _page(request, session, me, _("Set the outgoing mail server first."))
    failure = await deliver(relay, message)
    if failure is not None:
        reason = f"{_(DELIVERY_KINDS.get(failure.kind, DELIVERY_KINDS['other']))}（{failure.detail}）"
        # The request was fine; the server's answer is the result (shown as an error line).
        text = _("The test mail was not sent: {reason}").format(reason=reason)
        return await _page(request, session, me, text, status=200)
    return await _page(request, session, me, notice=_("Test mail sent to {to}.").format(to=to.strip()))


@router.post("/admin/mail/relay/release")
async def admin_mail_relay_release(
    request: Request, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _admin(principal)
    _ = translations(request_locale(request)).gettext
    released = await mail_service.release_held(session, me)
    return await _page(
        request, session, me, notice=_("{n} held mails are queued for sending.").format(n=released)
    )
