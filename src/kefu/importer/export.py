"""`kefu export`: everything the company keeps in kefu, written in the same open format the
importer reads (Zendesk API response pages), so it can leave as easily as it came in and a
round trip through `kefu import zendesk` restores it. Staff and customers share Zendesk's one
user id space: staff ids are offset by STAFF_OFFSET."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kefu.importer.repository import importer_repository as repo
from kefu.kit.db import Base, Database
from kefu.kit.time import ensure_utc
from kefu.models import (
    Article,
    Customer,
    CustomFieldDef,
    Group,
    Macro,
    Survey,
    Ticket,
    User,
)

STAFF_OFFSET = 9_000_000_000
PAGE = 100
CHANNELS = {"phone": "voice", "portal": "web", "service_point": "web"}
FIELD_TYPES = {"text": "text", "number": "decimal", "date": "date", "dropdown": "tagger"}


def _iso(value: datetime | None) -> str | None:
    return ensure_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _staff(user_id: int | None) -> int | None:
    return STAFF_OFFSET + user_id if user_id else None


class Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] = defaultdict(int)

    def page(self, name: str, key: str, rows: list[dict[str, Any]], n: int, last: bool, **extra: Any) -> None:
        body = {key: rows, "next_page": None if last else f"{name}.{n + 1}.json", "count": len(rows), **extra}
        path = self.root / f"{name}.{n}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        self.counts[key] += len(rows)


async def _all(db: Database, model: type[Base]) -> list[Any]:
    out: list[Any] = []
    after = 0
    async with db.session() as session:
        while True:
            rows: Sequence[Any] = await repo.page(session, model, after, 500)
            if not rows:
                return out
            out.extend(rows)
            after = rows[-1].id


def _paged(w: Writer, name: str, key: str, rows: list[dict[str, Any]], **extra: Any) -> None:
    chunks = [rows[i : i + PAGE] for i in range(0, len(rows), PAGE)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        w.page(name, key, chunk, n, n == len(chunks), **extra)


def _user(u: User) -> dict[str, Any]:
    return {
        "id": _staff(u.id),
        "name": u.name,
        "email": u.email,
        "role": "admin" if u.role == "admin" else "agent",
        "active": u.is_active,
        "created_at": _iso(u.created_at),
        "locale": u.locale,
    }


def _customer(c: Customer) -> dict[str, Any]:
    ident = {i.kind: i.value for i in c.identities}
    return {
        "id": c.id,
        "name": c.name,
        "email": ident.get("email"),
        "phone": ident.get("phone"),
        "external_id": ident.get("external_id"),
        "role": "end-user",
        "tags": list(c.tags or []),
        "created_at": _iso(c.created_at),
        "locale": c.locale,
        "active": c.erased_at is None,
        "user_fields": {"organization": c.organization or None},
    }


async def export(db: Database, root: Path) -> dict[str, int]:
    """Write the export directory; returns how many records of each kind were written."""
    w = Writer(root)
    users = [_user(u) for u in await _all(db, User)] + [
        _customer(c) for c in await _all(db, Customer) if c.erased_at is None
    ]
    _paged(w, "users", "users", users)
    groups = await _all(db, Group)
    _paged(
        w, "groups", "groups", [{"id": g.id, "name": g.name, "description": g.description} for g in groups]
    )
    fields: list[CustomFieldDef] = await _all(db, CustomFieldDef)
    field_ids = {f.key: f.id for f in fields}
    _paged(
        w,
        "ticket_fields",
        "ticket_fields",
        [
            {
                "id": f.id,
                "type": FIELD_TYPES.get(f.kind, "text"),
                "title": f.label,
                "active": f.active,
                "required": f.required,
                "custom_field_options": [{"name": o, "value": o} for o in f.options],
            }
            for f in fields
        ],
    )
    tickets: list[Ticket] = await _all(db, Ticket)
    rows = [
        {
            "id": t.id,
            "subject": t.subject,
            "description": t.description,
            "status": t.status,
            "priority": t.priority,
            "type": t.type,
            "tags": list(t.tags or []),
            "via": {"channel": CHANNELS.get(t.channel, t.channel)},
            "requester_id": t.customer_id,
            "assignee_id": _staff(t.assignee_id),
            "group_id": t.group_id,
            "custom_fields": [
                {"id": field_ids[k], "value": v} for k, v in (t.custom_fields or {}).items() if k in field_ids
            ],
            "created_at": _iso(t.created_at),
            "updated_at": _iso(t.updated_at),
            "due_at": _iso(t.due_at),
        }
        for t in tickets
    ]
    chunks = [rows[i : i + PAGE] for i in range(0, len(rows), PAGE)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        last = n == len(chunks)
        w.page(
            "tickets", "tickets", chunk, n, last, end_of_stream=last, after_cursor=None if last else str(n)
        )
    async with db.session() as session:
        for i in range(0, len(tickets), PAGE):
            ids = [t.id for t in tickets[i : i + PAGE]]
            files: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
            for a in await repo.attachments_of(session, ids):
                files[a.comment_id].append(
                    {
                        "id": a.id,
                        "file_name": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "content_url": f"/api/v1/attachments/{a.id}",
                    }
                )
            by_ticket: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for c in await repo.comments_of(session, ids):
                by_ticket[c.ticket_id].append(
                    {
                        "id": c.id,
                        "type": "Comment",
                        "author_id": _staff(c.author_user_id) or c.author_customer_id,
                        "body": c.body,
                        "plain_body": c.body,
                        "public": c.public,
                        "via": {"channel": CHANNELS.get(c.via, c.via)},
                        "created_at": _iso(c.created_at),
                        "attachments": files.get(c.id, []),
                    }
                )
            for ticket_id, comments in by_ticket.items():
                w.page(f"comments/{ticket_id}", "comments", comments, 1, True)
    macros: list[Macro] = await _all(db, Macro)
    _paged(
        w,
        "macros",
        "macros",
        [
            {
                "id": m.id,
                "title": m.title,
                "active": m.active,
                "actions": [
                    {"field": "comment_value", "value": m.body},
                    {"field": "comment_mode_is_public", "value": str(m.public).lower()},
                ]
                + [
                    {"field": k, "value": v}
                    for k, v in (m.actions or {}).items()
                    if k in ("status", "priority")
                ]
                + (
                    [{"field": "set_tags", "value": " ".join(m.actions["add_tags"])}]
                    if (m.actions or {}).get("add_tags")
                    else []
                ),
                "restriction": {"type": "Group", "id": m.group_id, "ids": [m.group_id]}
                if m.group_id
                else None,
            }
            for m in macros
        ],
    )
    surveys: list[Survey] = await _all(db, Survey)
    _paged(
        w,
        "satisfaction_ratings",
        "satisfaction_ratings",
        [
            {
                "id": s.id,
                "ticket_id": s.ticket_id,
                "requester_id": s.customer_id,
                "assignee_id": _staff(s.agent_id),
                "group_id": s.group_id,
                "score": "good" if (s.score or 0) >= 4 else "bad",
                "comment": s.comment,
                "created_at": _iso(s.answered_at),
            }
            for s in surveys
            if s.kind == "csat"
            and s.ticket_id is not None
            and s.answered_at is not None
            and s.score is not None
        ],
    )
    articles: list[Article] = await _all(db, Article)
    sections = {name: n for n, name in enumerate(sorted({a.category for a in articles}), start=1)}
    _paged(w, "sections", "sections", [{"id": n, "name": name or "—"} for name, n in sections.items()])
    _paged(
        w,
        "articles",
        "articles",
        [
            {
                "id": a.id,
                "title": a.title,
                "body": a.body_html,
                "section_id": sections[a.category],
                "draft": a.status != "published",
                "locale": "zh-cn" if a.locale == "zh_CN" else a.locale,
                "label_names": list(a.tags or []),
                "author_id": _staff(a.author_id),
                "created_at": _iso(a.created_at),
                "updated_at": _iso(a.updated_at),
            }
            for a in articles
        ],
    )
    return dict(w.counts)
