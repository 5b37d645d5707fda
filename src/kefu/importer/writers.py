"""One writer per record kind: map a neutral record onto kefu rows, matching rows kefu
already has. Called by the import service inside a savepoint; raises `Skip` with a reason
for a record that cannot be imported."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

import nh3

from kefu.importer.context import Context, Result, Skip, existing, required
from kefu.importer.people import write_agent, write_customer
from kefu.importer.repository import importer_repository as repo
from kefu.importer.schemas import Record
from kefu.importer.tickets import write_conversation, write_ticket
from kefu.kb.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from kefu.kit.time import utcnow
from kefu.models import (
    Article,
    ArticleVersion,
    CustomFieldDef,
    Group,
    ImportMapping,
    Macro,
    Survey,
)


async def _names(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    return 0, "updated" if mapping else "created", False


async def _group(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    name = required(record.data, "name", "name")[:80]
    group = await existing(ctx, Group, mapping)
    merged = False
    if group is None:
        group = await repo.group_by_name(ctx.session, name)
        merged = group is not None
    if group is None:
        group = Group(name=name, description=str(record.data.get("description") or "")[:400])
        repo.add(ctx.session, group)
        await repo.flush(ctx.session)
        return group.id, "created", False
    group.description = str(record.data.get("description") or group.description)[:400]
    if group.name != name and await repo.group_by_name(ctx.session, name) is None:
        group.name = name
    return group.id, "updated", merged


async def _field(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    key = f"{ctx.source}_{record.source_id}"[:60]
    row = await existing(ctx, CustomFieldDef, mapping) or await repo.field_by_key(ctx.session, key)
    values = {
        "label": str(data.get("label") or key)[:120],
        "kind": data["kind"],
        "options": [o[:120] for o in data.get("options") or []][:200],
        "required": False,  # old tickets were valid without it; kefu must not refuse their edits
        "active": bool(data.get("active", True)),
    }
    if row is None:
        row = CustomFieldDef(key=key, **values)
        repo.add(ctx.session, row)
        await repo.flush(ctx.session)
        return row.id, "created", False
    await repo.set_values(ctx.session, row, values)
    return row.id, "updated", False


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>|</div>", "\n", html)
    text = nh3.clean(text, tags=set())
    text = re.sub(r"&nbsp;", " ", text).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


async def _article(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    title = required(data, "title", "title")[:200]
    if "html" in data:
        body = _html_to_text(str(data["html"]))
        body_html = nh3.clean(
            str(data["html"]),
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    else:
        body = str(data.get("markdown") or "")
        body_html = render_markdown(body)
    section = data.get("section_name") or ""
    if data.get("section"):
        section = ctx.names.get(("section", str(data["section"])), {}).get("name") or section
    locale = {"zh-cn": "zh_CN", "zh": "zh_CN", "en-us": "en", "en": "en"}.get(
        str(data.get("locale")).lower(), "zh_CN"
    )
    status = "archived" if data.get("archived") else "draft" if data.get("draft") else "published"
    author = await ctx.local("agent", data.get("author"))
    when = data.get("updated_at") or data.get("created_at") or utcnow()
    row = await existing(ctx, Article, mapping)
    if row is None:
        row = Article(
            title=title,
            body=body,
            body_html=body_html,
            category=str(section).strip("/")[:120],
            tags=list(data.get("tags") or [])[:20],
            locale=locale,
            visibility="public",
            status=status,
            version=1,
            author_id=author,
            updated_at=when,
            published_at=when if status == "published" else None,
        )
        row.created_at = data.get("created_at") or when
        repo.add(ctx.session, row)
        await repo.flush(ctx.session)
        repo.add(
            ctx.session,
            ArticleVersion(article_id=row.id, version=1, title=title, body=body, editor_id=author),
        )
        return row.id, "created", False
    if row.title != title or row.body != body:
        row.version += 1
        repo.add(
            ctx.session,
            ArticleVersion(article_id=row.id, version=row.version, title=title, body=body, editor_id=author),
        )
    await repo.set_values(
        ctx.session,
        row,
        {
            "title": title,
            "body": body,
            "body_html": body_html,
            "status": status,
            "category": str(section).strip("/")[:120],
        },
    )
    return row.id, "updated", False


async def _macro(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    title = required(data, "title", "title")[:120]
    actions = dict(data.get("actions") or {})
    if actions.get("status") not in (None, "new", "open", "pending", "hold", "solved", "closed"):
        actions.pop("status")
    if actions.get("priority") not in (None, "urgent", "high", "normal", "low"):
        actions.pop("priority")
    actions.pop("type", None)
    values = {
        "body": str(data.get("body") or "")[:20_000],
        "public": bool(data.get("public", True)),
        "actions": actions,
        "group_id": await ctx.local("group", data.get("group")),
        "active": bool(data.get("active", True)),
    }
    row = await existing(ctx, Macro, mapping)
    merged = False
    if row is None:
        row = await repo.macro_by_title(ctx.session, title)
        merged = row is not None
    if row is None:
        row = Macro(title=title, **values)
        repo.add(ctx.session, row)
        await repo.flush(ctx.session)
        return row.id, "created", False
    await repo.set_values(ctx.session, row, values)
    return row.id, "updated", merged


async def _rating(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    data = record.data
    ticket_id = await ctx.local("ticket", data.get("ticket"))
    if ticket_id is None:
        raise Skip("its ticket was not imported")
    when: datetime = data.get("created_at") or utcnow()
    score = int(data["score"])
    values = {
        "score": score,
        "score_100": (score - 1) * 25,
        "comment": str(data.get("comment") or "")[:5000],
        "answered_at": when,
    }
    row = await existing(ctx, Survey, mapping)
    if row is None:
        row = Survey(
            kind="csat",
            ticket_id=ticket_id,
            channel="email",
            token=secrets.token_urlsafe(24),
            dedupe_key=f"import:{ctx.source}:{record.source_id}"[:80],
            customer_id=await ctx.local("customer", data.get("customer")),
            agent_id=await ctx.local("agent", data.get("agent")),
            group_id=await ctx.local("group", data.get("group")),
            sent_at=when,
            expires_at=when,
            **values,
        )
        repo.add(ctx.session, row)
        await repo.flush(ctx.session)
        return row.id, "created", False
    await repo.set_values(ctx.session, row, values)
    return row.id, "updated", False


WRITERS = {
    "group": _group,
    "organization": _names,
    "section": _names,
    "inbox": _names,
    "agent": write_agent,
    "customer": write_customer,
    "field": _field,
    "article": _article,
    "macro": _macro,
    "ticket": write_ticket,
    "conversation": write_conversation,
    "rating": _rating,
}


async def write(ctx: Context, record: Record, mapping: ImportMapping | None) -> Result:
    writer = WRITERS.get(record.kind)
    if writer is None:
        raise Skip(f"unsupported record type {record.kind}")
    return await writer(ctx, record, mapping)
