"""Pain points (痛点清单): rank topics of the period's contacts, link them to their tickets,
mark a topic addressed and compare its daily volume before and after."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.metrics import is_complaint
from kefu.analytics.repository import analytics_repository as repo
from kefu.analytics.repository import features
from kefu.analytics.schemas import PainPointAddressed
from kefu.analytics.topics import Item, matches, rank
from kefu.analytics.windows import check_range
from kefu.authz import Perm, Principal, require
from kefu.kit.time import ensure_utc, utcnow
from kefu.models.analytics import PainPoint
from kefu.nlp import emotion

MAX_CONVERSATIONS = 5000
COMPARE_DAYS = 28


class PainPointService:
    async def _items(
        self, session: AsyncSession, start: datetime, end: datetime, *, current: bool
    ) -> list[Item]:
        tickets = await repo.topic_tickets(session, start, end)
        _, has_emotion = await features(session)
        negative = (
            await repo.negative_share_by_ticket(session, [t.id for t in tickets]) if has_emotion else {}
        )
        items = [
            Item(
                ref=f"t:{t.id}",
                ticket_id=t.id,
                category=t.category,
                intent=None,
                text=t.subject,
                complaint=is_complaint(t.category, t.tags),
                negative=negative.get(t.id, False) or (not has_emotion and _negative(t.subject)),
                current=current,
            )
            for t in tickets
        ]
        has_turns, _ = await features(session)
        if has_turns:
            for r in await repo.first_customer_texts(session, start, end, MAX_CONVERSATIONS):
                text = r.question or ""
                items.append(
                    Item(
                        ref=f"c:{r.id}",
                        ticket_id=None,
                        category="",
                        intent=r.intent,
                        text=text,
                        complaint=False,
                        negative=r.emotion == "negative" if r.emotion else _negative(text),
                        current=current,
                    )
                )
        return items

    async def ranked(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime, *, limit: int = 20
    ) -> list[dict[str, Any]]:
        require(principal, Perm.REPORTS_READ)
        check_range(start, end)
        length = end - start
        items = await self._items(session, start, end, current=True)
        items += await self._items(session, start - length, start, current=False)
        marked = await repo.pain_points(session)
        out = []
        for topic in rank(items, limit=limit):
            point = marked.get(topic.key)
            entry: dict[str, Any] = {
                "topic": topic.key,
                "title": topic.title,
                "kind": topic.kind,
                "volume": topic.volume,
                "previous_volume": topic.previous,
                "growth": round(topic.growth, 3),
                "complaint_rate": round(topic.complaint_rate, 3),
                "negative_share": round(topic.negative_share, 3),
                "score": round(topic.score, 2),
                "ticket_ids": topic.ticket_ids,
                "addressed_at": point.addressed_at if point else None,
                "note": point.note if point else "",
            }
            if point and point.addressed_at:
                entry.update(await self._before_after(session, topic.key, ensure_utc(point.addressed_at)))
            out.append(entry)
        return out

    async def _before_after(self, session: AsyncSession, key: str, at: datetime) -> dict[str, Any]:
        """Daily volume in the 28 days before the date and since then (up to 28 days)."""
        now = utcnow()
        after_end = min(now, at + timedelta(days=COMPARE_DAYS))
        before = await self._items(session, at - timedelta(days=COMPARE_DAYS), at, current=True)
        after = await self._items(session, at, after_end, current=True) if after_end > at else []

        def count(items: list[Item]) -> int:
            return sum(1 for i in items if matches(key, i.category, i.intent, i.text))

        days_after = max((after_end - at).total_seconds() / 86400, 1 / 24)
        per_day_before = round(count(before) / COMPARE_DAYS, 2)
        per_day_after = round(count(after) / days_after, 2) if after else None
        return {
            "per_day_before": per_day_before,
            "per_day_after": per_day_after,
            "fell": per_day_after is not None and per_day_after < per_day_before,
        }

    async def topic_counts(
        self, session: AsyncSession, topic: str, start: datetime, end: datetime
    ) -> tuple[int, int]:
        """(contacts, complaints) of one topic in [start, end): the improvement loop checks a
        fixed pain point's weekly volume with it."""
        items = await self._items(session, start, end, current=True)
        hits = [i for i in items if matches(topic, i.category, i.intent, i.text)]
        return len(hits), sum(1 for i in hits if i.complaint)

    async def mark_addressed(
        self, session: AsyncSession, principal: Principal, data: PainPointAddressed
    ) -> dict[str, Any]:
        require(principal, Perm.REPORTS_READ)
        at = data.addressed_at or utcnow()
        point = await repo.pain_point(session, data.topic)
        if point is None:
            point = PainPoint(topic=data.topic, title=data.title or data.topic.partition(":")[2])
            session.add(point)
        point.addressed_at = at
        point.note = data.note
        point.addressed_by = principal.user_id
        await session.flush()
        return {"topic": point.topic, "title": point.title, "addressed_at": at, "note": point.note}


def _negative(text: str) -> bool:
    return bool(text) and emotion.analyze(text).label == "negative"


painpoint_service = PainPointService()
