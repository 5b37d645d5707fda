"""The customer portal's tickets: submit (with the custom fields and an attachment), follow, reply
and mark solved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.auth.service import user_service
from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unauthorized
from kefu.kit.schemas import Id
from kefu.loyalty.advisor import advisor_service
from kefu.models.ticket import TicketStatus
from kefu.ticket import attachments
from kefu.ticket import rules as ticket_rules
from kefu.ticket.schemas import TicketCreate, TicketFilter, TicketUpdate
from kefu.ticket.service import ticket_service
from kefu.web.access import SettingsDep
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _customer(principal: Principal | None) -> Principal:
    if principal is None or principal.is_staff:
        raise Unauthorized("请先登录 / please sign in", code="not_authenticated")
    return principal


def _form_error(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, KefuError):
        return exc.message, exc.status_code
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 422
    raise exc


@router.get("/portal/tickets")
async def portal_tickets(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _customer(principal)
    rows = await ticket_service.list_tickets(session, me, TicketFilter(limit=100, sort="-updated_at"))
    customer = await customer_service.get(session, me, me.id)
    advisor = await advisor_service.name_of(session, customer)
    return render(request, "portal/tickets.html", {"tickets": rows, "advisor_name": advisor})


async def _new_ticket_context(session: Any, error: str | None, form: dict[str, Any]) -> dict[str, Any]:
    categories = [c for c in await ticket_service.categories(session) if "/" in c]
    return {
        "categories": categories,
        "fields": await ticket_service.field_defs(session),
        "error": error,
        "form": form,
    }


def _custom_values(form: Any, fields: Any) -> dict[str, Any]:
    """Custom-field inputs ("cf_<key>") as typed values; blanks are left out."""
    values: dict[str, Any] = {}
    for d in fields:
        raw = form.get(f"cf_{d.key}")
        if not isinstance(raw, str) or not raw.strip():
            continue
        if d.kind == "number":
            try:
                values[d.key] = int(raw) if raw.strip().lstrip("-").isdigit() else float(raw)
            except ValueError:
                values[d.key] = raw  # the service reports it as not a number
        else:
            values[d.key] = raw.strip()
    return values


@router.get("/portal/tickets/new")
async def portal_ticket_new(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    _customer(principal)
    return render(request, "portal/ticket_new.html", await _new_ticket_context(session, None, {}))


@router.post("/portal/tickets")
async def portal_ticket_create(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    settings: SettingsDep,
    subject: Annotated[str, Form(max_length=250)],
    description: Annotated[str, Form(max_length=100_000)],
    category: Annotated[str, Form(max_length=120)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    me = _customer(principal)
    form = await request.form()
    try:
        defs = await ticket_service.field_defs(session)
        custom = _custom_values(form, defs)
        # A customer filling the form fills the required fields (mail and chat intake do not).
        ticket_rules.check_required_fields(
            custom, {d.key: (d.kind, list(d.options or []), d.required) for d in defs}
        )
        data = TicketCreate.model_validate(
            {
                "subject": subject,
                "description": description,
                "category": category,
                "channel": "portal",
                "custom_fields": custom,
            }
        )
        t = await ticket_service.create(session, data, actor=me)
        if file is not None and file.filename:
            blob = await file.read(attachments.MAX_BYTES + 1)
            await ticket_service.attach(
                session,
                me,
                t.id,
                settings.data_dir / "attachments",
                file.filename,
                file.content_type or "application/octet-stream",
                blob,
                "",
            )
    except (KefuError, ValidationError) as exc:
        message, code = _form_error(exc)
        kept = {
            "subject": subject,
            "description": description,
            "category": category,
            **{k: v for k, v in form.items() if isinstance(v, str) and k.startswith("cf_")},
        }
        await session.rollback()
        return render(
            request, "portal/ticket_new.html", await _new_ticket_context(session, message, kept), status=code
        )
    return RedirectResponse(f"/portal/tickets/{t.id}", status_code=303)


@router.get("/portal/tickets/{ticket_id}")
async def portal_ticket(
    request: Request, ticket_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _customer(principal)
    t = await ticket_service.get(session, me, ticket_id)
    comments = await ticket_service.comments(session, me, t)
    names = {u.id: u.name for u in await user_service.list_all(session)}
    return render(
        request, "portal/ticket.html", {"t": t, "comments": comments, "names": names, "error": None}
    )


@router.post("/portal/tickets/{ticket_id}/reply")
async def portal_reply(
    ticket_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    body: Annotated[str, Form(min_length=1, max_length=100_000)],
) -> Response:
    me = _customer(principal)
    await ticket_service.add_comment(session, me, ticket_id, body, public=True, via="portal")
    return RedirectResponse(f"/portal/tickets/{ticket_id}", status_code=303)


@router.post("/portal/tickets/{ticket_id}/solve")
async def portal_solve(ticket_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = _customer(principal)
    await ticket_service.update(session, me, ticket_id, TicketUpdate(status=TicketStatus.SOLVED))
    return RedirectResponse(f"/portal/tickets/{ticket_id}", status_code=303)
