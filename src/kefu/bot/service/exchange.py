"""Intents as CSV: the export an admin edits in a spreadsheet and the import that upserts it
(by intent name; examples are added, never removed; UTF-8 or GB18030)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.bot import repository as repo
from kefu.bot.schemas import ImportResult, IntentIn, IntentUpdate
from kefu.bot.service.base import _locale_of
from kefu.bot.service.intents import BotIntents
from kefu.errors import Unprocessable

CSV_COLUMNS = (
    "intent",
    "title",
    "example",
    "locale",
    "answer",
    "answer_en",
    "action",
    "group",
    "human_only",
    "buttons",
    "article_ids",
)
MAX_CSV_BYTES = 5_000_000


class BotExchange(BotIntents):
    # ---- CSV -------------------------------------------------------------------------

    async def export_csv(self, session: AsyncSession, principal: Principal) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for intent, examples in await self.intents(session, principal):
            for i, example in enumerate(examples or [""]):
                first = i == 0
                writer.writerow(
                    [
                        intent.name,
                        intent.title if first else "",
                        example,
                        _locale_of(example) if example else "",
                        intent.answer if first else "",
                        intent.answer_en if first else "",
                        intent.action if first else "",
                        (intent.config or {}).get("group", "") if first else "",
                        ("1" if intent.human_only else "0") if first else "",
                        "|".join(intent.buttons) if first else "",
                        "|".join(str(a) for a in intent.article_ids) if first else "",
                    ]
                )
        return out.getvalue()

    async def import_csv(self, session: AsyncSession, principal: Principal, raw: bytes) -> ImportResult:
        """Upsert by intent name: given fields replace, examples are added (never removed)."""
        require(principal, Perm.KB_MANAGE)
        if len(raw) > MAX_CSV_BYTES:
            raise Unprocessable("CSV 文件过大（最大 5 MB）/ CSV too large", code="csv_too_large")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
            except UnicodeDecodeError as exc:
                raise Unprocessable("无法识别的 CSV 编码 / unreadable CSV", code="csv_encoding") from exc
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"intent", "example"} <= set(reader.fieldnames):
            raise Unprocessable(
                "CSV 需要 intent 和 example 两列 / need intent,example columns", code="csv_columns"
            )
        grouped: dict[str, dict[str, Any]] = {}
        for line, row in enumerate(reader, start=2):
            name = (row.get("intent") or "").strip()
            if not name:
                continue
            try:
                IntentIn.model_validate({"name": name, "title": name[:40], "examples": ["x"]})
            except Exception as exc:
                raise Unprocessable(
                    f"第 {line} 行意图名无效 / bad intent name on line {line}", code="csv_row"
                ) from exc
            entry = grouped.setdefault(name, {"examples": []})
            for key in CSV_COLUMNS[1:]:
                value = (row.get(key) or "").strip()
                if key == "example":
                    if value:
                        entry["examples"].append(value[:500])
                elif value and key not in entry:
                    entry[key] = value
        created = updated = count = 0
        for name, entry in grouped.items():
            existing = await repo.intent_by_name(session, name)
            fields = _csv_fields(entry)
            if existing is None:
                if not entry["examples"]:
                    raise Unprocessable(
                        f"意图 {name} 没有例句 / intent {name} has no example", code="csv_row"
                    )
                data = IntentIn.model_validate(
                    {
                        "name": name,
                        "title": fields.pop("title", name[:40]),
                        **fields,
                        "examples": entry["examples"],
                    }
                )
                await self.create(session, principal, data)
                created += 1
            else:
                known = [e.text for e in await repo.examples(session, [existing.id])]
                merged = list(dict.fromkeys([*known, *entry["examples"]]))
                await self.update(
                    session,
                    principal,
                    existing.id,
                    IntentUpdate.model_validate({**fields, "examples": merged}),
                )
                updated += 1
            count += len(entry["examples"])
        return ImportResult(created=created, updated=updated, examples=count)


def _csv_fields(entry: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("title", "answer", "answer_en", "action"):
        if key in entry:
            fields[key] = entry[key]
    if "group" in entry:
        fields["config"] = {"group": entry["group"]}
    if "human_only" in entry:
        fields["human_only"] = entry["human_only"].lower() in ("1", "true", "yes", "是")
    if "buttons" in entry:
        fields["buttons"] = [b for b in entry["buttons"].split("|") if b.strip()]
    if "article_ids" in entry:
        try:
            fields["article_ids"] = [int(a) for a in entry["article_ids"].split("|") if a.strip()]
        except ValueError as exc:
            raise Unprocessable(
                "article_ids 应为数字，用 | 分隔 / article_ids: numbers", code="csv_row"
            ) from exc
    return fields
