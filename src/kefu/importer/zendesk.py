"""Zendesk export → neutral records. Files are the API's own response bodies:
`users.N.json` ({"users": [...], "next_page", "count"}), `tickets.N.json` from the cursor
incremental export ({"tickets": [...], "after_cursor", "end_of_stream"}),
`comments/<ticket_id>.N.json`, Help Center `articles.N.json`/`sections.N.json` …"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kefu.importer import pages
from kefu.importer.schemas import Problem, Record, parse_time

SOURCE = "zendesk"

CHANNELS = {
    "email": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "chat": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "voice": "phone",
    "phone": "phone",
    "api": "api",
    "mobile_sdk": "api",
    "mobile": "api",
    "wechat": "wechat",
}
STATUSES = {"new", "open", "pending", "hold", "solved", "closed"}
PRIORITIES = {"urgent", "high", "normal", "low"}
TYPES = {"question", "incident", "problem", "task"}
FIELD_KINDS = {
    "text": "text",
    "textarea": "text",
    "regexp": "text",
    "integer": "number",
    "decimal": "number",
    "date": "date",
    "tagger": "dropdown",
    "multiselect": "dropdown",
    "checkbox": "dropdown",
}


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sid(row: dict[str, Any]) -> str | None:
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        return None
    return str(value)


def _ref(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else str(value)


def _tags(value: Any) -> list[str]:
    return [str(t) for t in value if isinstance(t, str | int)] if isinstance(value, list) else []


class ZendeskReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.children = True  # False: top-level records only (counting for the progress bar)

    def _rows(self, name: str, wrapper: str, sub: str = "") -> Iterator[tuple[str, dict[str, Any], str]]:
        base = self.root / sub if sub else self.root
        for file, row in pages.items(
            self.root, pages.page_files(base, name), pages.key(wrapper), self.problems
        ):
            sid = _sid(row)
            if sid is None:
                self.problems.append(Problem(file, "record without an id", wrapper))
                continue
            yield file, row, sid

    def records(self) -> Iterator[Record]:
        """Every record in dependency order: groups and people before the tickets that name
        them, sections before articles."""
        for file, g, sid in self._rows("groups", "groups"):
            if g.get("deleted"):
                self.problems.append(Problem(file, "deleted in Zendesk", "group", sid))
                continue
            yield Record(
                "group", sid, {"name": g.get("name"), "description": g.get("description") or ""}, file
            )
        for file, o, sid in self._rows("organizations", "organizations"):
            yield Record("organization", sid, {"name": o.get("name") or ""}, file)
        for file, u, sid in self._rows("users", "users"):
            yield self._user(file, u, sid)
        for file, f, sid in self._rows("ticket_fields", "ticket_fields"):
            kind = FIELD_KINDS.get(str(f.get("type")))
            if kind is None:
                continue  # system fields (subject, status, group …) map to columns, not custom fields
            options = [
                str(o.get("value") or o.get("name"))
                for o in f.get("custom_field_options") or []
                if isinstance(o, dict)
            ]
            if f.get("type") == "checkbox":
                options = ["true", "false"]
            data = {
                "label": f.get("title") or f.get("raw_title") or f"field {sid}",
                "kind": kind,
                "options": options,
                "required": bool(f.get("required")),
                "active": bool(f.get("active", True)),
            }
            yield Record("field", sid, data, file)
        for file, s, sid in self._rows("sections", "sections"):
            yield Record("section", sid, {"name": s.get("name") or ""}, file)
        for file, a, sid in self._rows("articles", "articles"):
            data = {
                "title": a.get("title") or a.get("name"),
                "html": a.get("body") or "",
                "section": _ref(a.get("section_id")),
                "locale": a.get("locale") or "",
                "draft": bool(a.get("draft")),
                "tags": _tags(a.get("label_names")),
                "author": _ref(a.get("author_id")),
                "created_at": parse_time(a.get("created_at")),
                "updated_at": parse_time(a.get("updated_at") or a.get("edited_at")),
            }
            yield Record("article", sid, data, file)
        for file, m, sid in self._rows("macros", "macros"):
            yield self._macro(file, m, sid)
        for file, t, sid in self._rows("tickets", "tickets"):
            if t.get("status") == "deleted":
                self.problems.append(Problem(file, "deleted in Zendesk", "ticket", sid))
                continue
            yield self._ticket(file, t, sid)
        for file, r, sid in self._rows("satisfaction_ratings", "satisfaction_ratings"):
            score = r.get("score")
            if score not in ("good", "bad"):
                self.problems.append(Problem(file, f"no answer (score {score!r})", "rating", sid))
                continue
            data = {
                "ticket": _ref(r.get("ticket_id")),
                "customer": _ref(r.get("requester_id")),
                "agent": _ref(r.get("assignee_id")),
                "group": _ref(r.get("group_id")),
                "score": 5 if score == "good" else 1,
                "comment": r.get("comment") or "",
                "created_at": parse_time(r.get("created_at")),
            }
            yield Record("rating", sid, data, file)

    def _user(self, file: str, u: dict[str, Any], sid: str) -> Record:
        role = u.get("role")
        data = {
            "name": u.get("name") or "",
            "email": u.get("email"),
            "phone": u.get("phone"),
            "external_id": _ref(u.get("external_id")),
            "organization": _ref(u.get("organization_id")),
            "tags": _tags(u.get("tags")),
            "locale": u.get("locale"),
            "active": bool(u.get("active", True)) and not u.get("suspended"),
            "created_at": parse_time(u.get("created_at")),
            "notes": u.get("notes") or "",
        }
        if role in ("agent", "admin"):
            data["role"] = "admin" if role == "admin" else "agent"
            return Record("agent", sid, data, file)
        return Record("customer", sid, data, file)

    def _macro(self, file: str, m: dict[str, Any], sid: str) -> Record:
        body = ""
        public = True
        actions: dict[str, Any] = {}
        for action in m.get("actions") or []:
            if not isinstance(action, dict):
                continue
            field, value = action.get("field"), action.get("value")
            if field in ("comment_value", "comment_value_html"):
                # ["channel:all", "text"] or plain text
                body = str(value[-1] if isinstance(value, list) and value else value or "")
            elif field == "comment_mode_is_public":
                public = str(value).lower() == "true"
            elif field in ("status", "priority", "type") and isinstance(value, str):
                actions[field] = value
            elif field in ("set_tags", "current_tags"):
                actions["add_tags"] = str(value).split() if isinstance(value, str) else _tags(value)
        restriction = m.get("restriction") or {}
        group = None
        if isinstance(restriction, dict) and restriction.get("type") == "Group":
            ids = restriction.get("ids") or [restriction.get("id")]
            group = _ref(ids[0]) if ids else None
        data = {
            "title": m.get("title") or m.get("raw_title"),
            "body": body,
            "public": public,
            "actions": actions,
            "active": bool(m.get("active", True)),
            "group": group,
        }
        return Record("macro", sid, data, file)

    def _ticket(self, file: str, t: dict[str, Any], sid: str) -> Record:
        via = _obj(t.get("via"))
        fields = {
            str(f.get("id")): f.get("value")
            for f in t.get("custom_fields") or t.get("fields") or []
            if isinstance(f, dict) and f.get("value") not in (None, "", [])
        }
        status = t.get("status")
        data = {
            "subject": t.get("subject") or t.get("raw_subject") or "",
            "description": t.get("description") or "",
            "status": status if status in STATUSES else "open",
            "priority": t.get("priority") if t.get("priority") in PRIORITIES else "normal",
            "type": t.get("type") if t.get("type") in TYPES else "question",
            "channel": CHANNELS.get(str(via.get("channel")), "web"),
            "tags": _tags(t.get("tags")),
            "customer": _ref(t.get("requester_id")),
            "assignee": _ref(t.get("assignee_id")),
            "group": _ref(t.get("group_id")),
            "custom_fields": fields,
            "created_at": parse_time(t.get("created_at")),
            "updated_at": parse_time(t.get("updated_at")),
            "due_at": parse_time(t.get("due_at")),
        }
        record = Record("ticket", sid, data, file)
        if not self.children:
            return record
        for cfile, c, csid in self._rows(sid, "comments", sub="comments"):
            record.children.append(self._comment(cfile, c, csid))
        record.children.sort(
            key=lambda r: (r.data["created_at"] is None, r.data["created_at"] or 0, r.source_id)
        )
        return record

    def _comment(self, file: str, c: dict[str, Any], sid: str) -> Record:
        body = c.get("plain_body") or c.get("body") or ""
        links = [
            f"📎 {a.get('file_name') or 'attachment'} ({a.get('content_url') or a.get('mapped_content_url')})"
            for a in c.get("attachments") or []
            if isinstance(a, dict) and not a.get("deleted")
        ]
        if links:
            body = (body + "\n\n" + "\n".join(links)).strip()
        via = _obj(c.get("via"))
        data = {
            "author": _ref(c.get("author_id")),
            "body": body,
            "public": bool(c.get("public", True)),
            "via": CHANNELS.get(str(via.get("channel")), "web"),
            "created_at": parse_time(c.get("created_at")),
            "attachments": len(links),
        }
        return Record("comment", sid, data, file)
