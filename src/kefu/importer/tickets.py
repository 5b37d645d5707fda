"""Tickets with their comments (Zendesk) and conversations with their messages (Chatwoot),
each written as one unit with the original times. Open tickets get SLA clocks from their
original creation time; closed and solved ones get none."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from kefu.importer.context import Context, Result, Skip
from kefu.importer.people import write_customer
from kefu.importer.repository import importer_repository as repo
from kefu.importer.schemas import Record
from kefu.kit.time import ensure_utc, utcnow
from kefu.models import Conversation, Customer, ImportMapping, Message, Ticket, TicketComment
from kefu.sla.service import sla_service
from kefu.ticket.rules import normalize_tags, sla_facts

OPEN = {"new", "open", "pending", "hold"}


def _digest(record: Record) -> str:
    return hashlib.sha256(json.dumps(record.data, sort_keys=True, default=str).encode()).hexdigest()


async def _tier(ctx: Context, t: Ticket) -> str:
    if t.customer_id is None:
        return "none"
    customer = await repo.get(ctx.session, Customer, t.customer_id)
    return customer.tier if customer else "none"


async def _start_clocks(ctx: Context, t: Ticket) -> None:
    """Clocks from the original creation time; deadlines already past are settled without
    events, so the scan emits no historic breach (and no compensation coupon)."""
    now = utcnow()
    await sla_service.apply(ctx.session, sla_facts(t, await _tier(ctx, t)), now=now)
    if t.first_replied_at is not None:
        await sla_service.agent_replied(ctx.session, t.id, public=True, now=ensure_utc(t.first_replied_at))
    await sla_service.settle_imported(ctx.session, t.id, now=now)


async def _status_moved(ctx: Context, t: Ticket, old: str) -> None:
    if old != t.status:
        now = utcnow()
        await sla_service.status_changed(
            ctx.session, sla_facts(t, await _tier(ctx, t)), old, t.status, now=now
        )
        await sla_service.settle_imported(ctx.session, t.id, now=now)


def _lifecycle(t: Ticket, status: str, when: datetime) -> None:
    t.status = status
    if status in ("solved", "closed"):
        t.solved_at = t.solved_at or when
    else:
        t.solved_at = None
    t.closed_at = (t.closed_at or when) if status == "closed" else None


async def _author(ctx: Context, source_id: str | None) -> tuple[int | None, int | None]:
    """(staff user id, customer id) of an author id from the source (one id space in Zendesk)."""
    user = await ctx.local("agent", source_id)
    if user is not None:
        return user, None
    return None, await ctx.local("customer", source_id)


async def _ticket_values(ctx: Context, data: dict[str, Any], subject: str) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    for fid, value in (data.get("custom_fields") or {}).items():
        if await ctx.mapping("field", fid) is not None:
            custom[f"{ctx.source}_{fid}"[:60]] = str(value).lower() if isinstance(value, bool) else value
    return {
        "subject": subject[:250],
        "priority": data.get("priority") or "normal",
        "type": data.get("type") or "question",
        "tags": normalize_tags(str(t) for t in data.get("tags") or []),
        "custom_fields": custom,
        "customer_id": await ctx.local("customer", data.get("customer")),
        "assignee_id": await ctx.local("agent", data.get("assignee")),
        "group_id": await ctx.local("group", data.get("group")) or await ctx.default_group(),
        "due_at": data.get("due_at"),
    }


async def write_ticket(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    created_at = data.get("created_at")
    if created_at is None:
        raise Skip("no creation time")
    updated_at = data.get("updated_at") or created_at
    description = str(data.get("description") or "")
    subject = str(data.get("subject") or "").strip() or description.strip().split("\n")[0][:80]
    subject = subject or f"{ctx.source} #{record.source_id}"
    values = await _ticket_values(ctx, data, subject)
    t = await repo.get(ctx.session, Ticket, mapping.local_id) if mapping else None
    created = t is None
    if t is None:
        t = Ticket(
            description=description, channel=data.get("channel") or "web", created_at=created_at, **values
        )
        repo.add(ctx.session, t)
        old = data["status"]
    else:
        old = t.status
        await repo.set_values(ctx.session, t, {**values, "description": description})
    _lifecycle(t, data["status"], updated_at)
    t.updated_at = updated_at
    await repo.flush(ctx.session)
    await _comments(ctx, t, record.children)
    if created and t.status in OPEN:
        await _start_clocks(ctx, t)
    elif not created:
        await _status_moved(ctx, t, old)
    return t.id, "created" if created else "updated", False


async def _comments(ctx: Context, t: Ticket, children: list[Record]) -> None:
    # New comments are inserted together (one flush for all, not one per comment: an
    # import is thousands of tickets), then mapped.
    new: list[tuple[Record, TicketComment]] = []
    for child in children:
        when = child.data.get("created_at") or t.created_at
        user_id, customer_id = await _author(ctx, child.data.get("author"))
        mapping = await ctx.mapping("comment", child.source_id)
        row = await repo.comment(ctx.session, mapping.local_id) if mapping else None
        if row is None:
            row = TicketComment(
                ticket_id=t.id,
                author_user_id=user_id,
                author_customer_id=customer_id,
                body=str(child.data.get("body") or "") or "(empty)",
                public=bool(child.data.get("public", True)),
                via=child.data.get("via") or "web",
                created_at=when,
            )
            repo.add(ctx.session, row)
            new.append((child, row))
            ctx.child_counts.append(("comment", "created"))
        else:
            row.body = str(child.data.get("body") or "") or row.body
            row.public = bool(child.data.get("public", True))
            ctx.child_counts.append(("comment", "updated"))
            ctx.set_mapping("comment", child.source_id, row.id, _digest(child), mapping)
        answered = user_id is not None and row.public and ensure_utc(when) >= ensure_utc(t.created_at)
        if answered and (t.first_replied_at is None or ensure_utc(when) < ensure_utc(t.first_replied_at)):
            t.first_replied_at = when
            t.owner_id = user_id  # 首问负责制: the first agent who answered publicly
    if new:
        await repo.flush(ctx.session)
        for child, row in new:
            ctx.set_mapping("comment", child.source_id, row.id, _digest(child))


async def write_conversation(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    """A Chatwoot conversation becomes a ticket (the unit of work, status kept) and a closed
    chat conversation holding the transcript; messages also appear as the ticket's comments."""
    data = record.data
    created_at = data.get("created_at")
    if created_at is None:
        raise Skip("no creation time")
    updated_at = data.get("updated_at") or created_at
    if await ctx.mapping("customer", data.get("customer")) is None and data.get("customer_data"):
        contact = Record("customer", str(data["customer"]), data["customer_data"], record.file)
        local, action, _merged = await write_customer(ctx, contact, None)
        ctx.set_mapping("customer", contact.source_id, local, _digest(contact))
        ctx.child_counts.append(("customer", action))
    inbox = ctx.names.get(("inbox", str(data.get("inbox"))), {})
    channel = inbox.get("channel") or "chat"
    first_text = next(
        (str(c.data.get("text") or "") for c in record.children if c.data.get("sender") == "customer"), ""
    )
    subject = first_text.strip().split("\n")[0][:80] or f"{ctx.source} #{record.source_id}"
    values = await _ticket_values(ctx, {**data, "type": "question", "custom_fields": {}}, subject)
    t = await repo.get(ctx.session, Ticket, mapping.local_id) if mapping else None
    created = t is None
    if t is None:
        t = Ticket(description=first_text, channel=channel, created_at=created_at, **values)
        repo.add(ctx.session, t)
        old = data["status"]
    else:
        old = t.status
        values.pop("subject")
        await repo.set_values(ctx.session, t, values)
    _lifecycle(t, data["status"], updated_at)
    t.updated_at = updated_at
    await repo.flush(ctx.session)
    chat_map = await ctx.mapping("chat", record.source_id)
    conv = await repo.get(ctx.session, Conversation, chat_map.local_id) if chat_map else None
    if conv is None:
        # Closed: a vendor's live session cannot continue in kefu's widget; the ticket carries on.
        conv = Conversation(
            customer_id=t.customer_id,
            channel=channel,
            status="closed",
            ticket_id=t.id,
            created_at=created_at,
            closed_at=updated_at,
            updated_at=updated_at,
            last_seq=0,
        )
        repo.add(ctx.session, conv)
        await repo.flush(ctx.session)
        ctx.set_mapping("chat", record.source_id, conv.id, "")
    conv.group_id, conv.assignee_id = t.group_id, t.assignee_id
    await _messages(ctx, t, conv, record.children)
    if created and t.status in OPEN:
        await _start_clocks(ctx, t)
    elif not created:
        await _status_moved(ctx, t, old)
    return t.id, "created" if created else "updated", False


async def _messages(ctx: Context, t: Ticket, conv: Conversation, children: list[Record]) -> None:
    new: list[tuple[Record, Message]] = []
    for child in children:
        d = child.data
        when = d.get("created_at") or conv.created_at
        sender = d.get("sender") or "system"
        user_id = await ctx.local("agent", d.get("author")) if sender == "agent" else None
        mapping = await ctx.mapping("message", child.source_id)
        row = await repo.message(ctx.session, mapping.local_id) if mapping else None
        if row is not None:
            row.text = str(d.get("text") or "")
            row.internal = bool(d.get("internal"))
            ctx.child_counts.append(("message", "updated"))
            ctx.set_mapping("message", child.source_id, row.id, _digest(child), mapping)
            continue
        conv.last_seq += 1
        row = Message(
            conversation_id=conv.id,
            seq=conv.last_seq,
            sender=sender,
            user_id=user_id,
            client_id=f"{ctx.source}:{child.source_id}"[:64],
            text=str(d.get("text") or ""),
            internal=bool(d.get("internal")),
            created_at=when,
            extra={"imported": ctx.source},
        )
        repo.add(ctx.session, row)
        if sender == "customer":
            conv.last_customer_at = when
        if sender == "agent" and not row.internal and conv.first_agent_reply_at is None:
            conv.first_agent_reply_at = when
            if t.first_replied_at is None:
                t.first_replied_at, t.owner_id = when, user_id
        if sender in ("customer", "agent") and row.text:
            repo.add(
                ctx.session,
                TicketComment(
                    ticket_id=t.id,
                    body=row.text,
                    public=not row.internal,
                    via=conv.channel,
                    created_at=when,
                    author_user_id=user_id,
                    author_customer_id=t.customer_id if sender == "customer" else None,
                ),
            )
        new.append((child, row))
        ctx.child_counts.append(("message", "created"))
    if new:
        await repo.flush(ctx.session)  # one flush for the whole transcript
        for child, row in new:
            ctx.set_mapping("message", child.source_id, row.id, _digest(child))
