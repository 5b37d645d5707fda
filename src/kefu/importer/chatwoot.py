"""Chatwoot export → neutral records. Files are the application API's response bodies:
`contacts.N.json` ({"meta", "payload"}), `conversations.N.json` ({"data": {"meta",
"payload"}}), `messages/<display_id>.json` ({"meta", "payload"}), bare arrays for
`teams.json`, `agents.json` and `canned_responses.json`, `inboxes.json` ({"payload"}) and
help-center `articles.N.json` ({"payload", "meta"}). Times are Unix seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kefu.importer import pages
from kefu.importer.schemas import Problem, Record, parse_time

SOURCE = "chatwoot"

CHANNELS = {
    "Channel::WebWidget": "chat",
    "Channel::Email": "email",
    "Channel::Api": "api",
    "Channel::Sms": "phone",
    "Channel::TwilioSms": "phone",
    "Channel::Voice": "phone",
}
STATUSES = {"open": "open", "pending": "open", "snoozed": "hold", "resolved": "solved"}
PRIORITIES = {"urgent": "urgent", "high": "high", "medium": "normal", "low": "low"}
SENDERS = {0: "customer", 1: "agent", 2: "system", 3: "bot"}


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sid(row: dict[str, Any]) -> str | None:
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        return None
    return str(value)


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value is None or isinstance(value, bool) else str(value)


class ChatwootReader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.children = True  # False: top-level records only (counting for the progress bar)

    def _rows(
        self, name: str, extract: pages.Extract, kind: str, sub: str = ""
    ) -> Iterator[tuple[str, dict[str, Any], str]]:
        base = self.root / sub if sub else self.root
        for file, row in pages.items(self.root, pages.page_files(base, name), extract, self.problems):
            sid = _sid(row)
            if sid is None:
                self.problems.append(Problem(file, "record without an id", kind))
                continue
            yield file, row, sid

    def records(self) -> Iterator[Record]:
        for file, i, sid in self._rows("inboxes", pages.bare_or("payload"), "inbox"):
            channel = CHANNELS.get(str(i.get("channel_type")), "chat")
            yield Record("inbox", sid, {"name": i.get("name") or "", "channel": channel}, file)
        for file, t, sid in self._rows("teams", pages.bare_or("payload"), "group"):
            yield Record(
                "group", sid, {"name": t.get("name"), "description": t.get("description") or ""}, file
            )
        for file, a, sid in self._rows("agents", pages.bare_or("payload"), "agent"):
            data = {
                "name": a.get("name") or a.get("available_name") or "",
                "email": a.get("email"),
                "role": "admin" if a.get("role") == "administrator" else "agent",
                "active": True,
            }
            yield Record("agent", sid, data, file)
        for file, c, sid in self._rows("contacts", pages.bare_or("payload"), "customer"):
            yield Record("customer", sid, self._contact(c), file)
        for file, r, sid in self._rows("canned_responses", pages.bare_or("payload"), "macro"):
            data = {
                "title": r.get("short_code"),
                "body": r.get("content") or "",
                "public": True,
                "actions": {},
                "active": True,
                "group": None,
            }
            yield Record("macro", sid, data, file)
        for file, a, sid in self._rows("articles", pages.bare_or("payload"), "article"):
            category = _obj(a.get("category"))
            data = {
                "title": a.get("title"),
                "markdown": a.get("content") or "",
                "section_name": category.get("name") or "",
                "locale": category.get("locale") or a.get("locale") or "",
                "draft": a.get("status") != "published",
                "archived": a.get("status") == "archived",
                "tags": [],
                "author": _ref(a.get("author")),
                "created_at": parse_time(a.get("created_at")),
                "updated_at": parse_time(a.get("updated_at")),
            }
            yield Record("article", sid, data, file)
        for file, c, sid in self._rows("conversations", pages.bare_or("data", "payload"), "conversation"):
            yield self._conversation(file, c, sid)

    def _contact(self, c: dict[str, Any]) -> dict[str, Any]:
        extra = _obj(c.get("additional_attributes"))
        return {
            "name": c.get("name") or "",
            "email": c.get("email"),
            "phone": c.get("phone_number"),
            "external_id": _ref(c.get("identifier")),
            "organization_name": extra.get("company_name") or "",
            "tags": [],
            "locale": None,
            "active": not c.get("blocked"),
            "created_at": parse_time(c.get("created_at")),
            "notes": "",
        }

    def _conversation(self, file: str, c: dict[str, Any], sid: str) -> Record:
        meta = _obj(c.get("meta"))
        sender = _obj(meta.get("sender")) or None
        data = {
            "status": STATUSES.get(str(c.get("status")), "open"),
            "priority": PRIORITIES.get(str(c.get("priority")), "normal"),
            "inbox": _ref(c.get("inbox_id")),
            "customer": _ref(sender) if sender else _ref(c.get("contact_id")),
            "customer_data": self._contact(sender) if sender else None,
            "assignee": _ref(meta.get("assignee")),
            "group": _ref(meta.get("team")) or _ref(c.get("team_id")),
            "tags": [str(x) for x in c.get("labels") or [] if isinstance(x, str)],
            "created_at": parse_time(c.get("created_at")),
            "updated_at": parse_time(c.get("last_activity_at") or c.get("timestamp")),
        }
        record = Record("conversation", sid, data, file)
        if not self.children:
            return record
        for mfile, m, msid in self._rows(sid, pages.bare_or("payload"), "message", sub="messages"):
            record.children.append(self._message(mfile, m, msid))
        record.children.sort(
            key=lambda r: (
                r.data["created_at"] is None,
                r.data["created_at"] or 0,
                int(r.source_id) if r.source_id.isdigit() else 0,
            )
        )
        return record

    def _message(self, file: str, m: dict[str, Any], sid: str) -> Record:
        kind = m.get("message_type")
        if isinstance(kind, str):
            kind = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}.get(kind)
        sender = _obj(m.get("sender"))
        role = SENDERS.get(kind if isinstance(kind, int) else -1, "system")
        if role == "agent" and sender.get("type") == "agent_bot":
            role = "bot"
        files = m.get("attachments") or ([m["attachment"]] if isinstance(m.get("attachment"), dict) else [])
        links = [
            f"📎 {a.get('file_type') or 'file'} ({a.get('data_url') or ''})"
            for a in files
            if isinstance(a, dict)
        ]
        text = str(m.get("content") or "")
        if links:
            text = (text + "\n\n" + "\n".join(links)).strip()
        data = {
            "sender": role,
            "author": _ref(sender) if role in ("agent", "customer") and sender else None,
            "text": text,
            "internal": bool(m.get("private")),
            "created_at": parse_time(m.get("created_at")),
        }
        return Record("message", sid, data, file)
