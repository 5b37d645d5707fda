"""Automatic triage (plan 001/003): every new ticket without a category, from any channel,
gets a category, priority and group suggested from its text; a confident guess is set on the
ticket (the priority rises with it for after-sales faults and complaints, the group changes
when nobody had routed the ticket yet, and triggers run on the change), a weaker one is shown
to the agent. The model retrains from the company's categorised tickets and the groups they
ended in, so agents' corrections become training data."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Principal
from kefu.errors import KefuError
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.triage import TicketTriage
from kefu.team.service import team_service
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service import ticket_service
from kefu.triage.classifier import GroupTable, Triage, TriageModel, raises, ticket_text
from kefu.triage.repository import triage_repository

log = structlog.get_logger(__name__)
LOOKBACK = timedelta(days=1)  # older uncategorised tickets are left to people
BATCH = 100
UNIT = 10  # tickets per write unit (classify_pending)
UNITS_AT_ONCE = 4  # on PostgreSQL
TRAIN_LIMIT = 5000
RETRAIN_SECONDS = 600.0
GROUP_APPLY_SHARE = 0.5  # move a ticket only where most tickets of its kind went


class TriageService:
    def __init__(self) -> None:
        self._model: TriageModel | None = None
        self._groups: GroupTable[int] = GroupTable({})
        self._trained_at = 0.0
        self._lock = asyncio.Lock()
        self.batch = BATCH  # tickets per transaction-light pass (tests make it small)

    async def any_pending(self, session: AsyncSession) -> bool:
        return await triage_repository.any_pending(session, utcnow() - LOOKBACK)

    async def _current_model(self, db: Database) -> TriageModel:
        async with self._lock:
            if self._model is None or time.monotonic() - self._trained_at > RETRAIN_SECONDS:
                async with db.read() as session:
                    rows = await triage_repository.labelled(session, TRAIN_LIMIT)
                    routed = await triage_repository.routed(session, TRAIN_LIMIT)
                texts = [ticket_text(s, d) for s, d, _ in rows]
                labels = [c for _, _, c in rows]
                # Seconds of CPU: off the event loop and outside any transaction.
                self._model = await asyncio.to_thread(TriageModel.train, texts, labels)
                self._groups = GroupTable.learn(routed)
                self._trained_at = time.monotonic()
            return self._model

    def forget_model(self) -> None:
        """Retrain on next use (tests; after a bulk import of categorised tickets)."""
        self._model = None

    async def classify_pending(self, db: Database) -> int:
        async with db.read() as session:
            pending = [
                (t.id, t.priority, t.group_id, t.assignee_id, tier, ticket_text(t.subject, t.description))
                for t, tier in await triage_repository.pending(session, utcnow() - LOOKBACK, self.batch)
            ]
            default = await team_service.default_group(session)
        if not pending:
            return 0
        model = await self._current_model(db)
        guesses = model.predict_many([p[-1] for p in pending])
        unrouted = {None, default.id if default is not None else None}
        guessed = list(zip(pending, guesses, strict=True))
        # A few tickets to a write unit: one commit (an fsync on SQLite) for UNIT of them,
        # each change in its own savepoint, while a unit stays short on SQLite's one writer.
        # Several units at once on PostgreSQL: each waits on its round trips, and one after
        # another they made triage the slowest step after a burst (~65 tickets/s). Not on
        # SQLite: its units run one after another on the one writer anyway, and four queued
        # at once made requests wait behind all four.
        at_once = asyncio.Semaphore(1 if db.is_sqlite else UNITS_AT_ONCE)

        async def unit(chunk: list[tuple[tuple[Any, ...], Triage]]) -> None:
            async with at_once, db.transaction() as session:
                for (tid, prio, gid, assignee, tier, _text), guess in chunk:
                    await self._apply(session, (tid, prio, gid, assignee, tier), guess, unrouted)

        chunks = [guessed[start : start + UNIT] for start in range(0, len(guessed), UNIT)]
        failures = [
            r for r in await asyncio.gather(*map(unit, chunks), return_exceptions=True) if r is not None
        ]
        if failures:  # the other units are stored; the failed ones' tickets stay pending
            raise failures[0]
        return len(pending)

    async def _apply(
        self,
        session: AsyncSession,
        ticket: tuple[int, str, int | None, int | None, str],
        guess: Triage,
        unrouted: set[int | None],
    ) -> None:
        """Apply one ticket's guess (if confident) and record it, in the caller's unit.
        `ticket`: id, priority, group, assignee and customer tier, as read for the batch."""
        ticket_id, priority, group_id, assignee, tier = ticket
        suggested = self._groups.suggest(guess.category, tier)
        applied = False
        if guess.confident:
            changes: dict[str, Any] = {"category": guess.category}
            if raises(priority, guess.priority):
                changes["priority"] = guess.priority
            if (
                suggested is not None
                and suggested[1] >= GROUP_APPLY_SHARE
                and suggested[0] != group_id
                and group_id in unrouted  # an address or a chat queue routed it: leave it
                and assignee is None
            ):
                changes["group_id"] = suggested[0]
            try:
                async with session.begin_nested():
                    await ticket_service.update(
                        session, SYSTEM, ticket_id, TicketUpdate.model_validate(changes)
                    )
                applied = True
            except KefuError as exc:  # closed meanwhile, or a category not (yet) allowed
                log.info("triage.not_applied", ticket_id=ticket_id, reason=exc.code)
        triage_repository.add(
            session,
            TicketTriage(
                ticket_id=ticket_id,
                category=guess.category,
                priority=guess.priority,
                group_id=suggested[0] if suggested is not None else None,
                confidence=round(guess.confidence, 4),
                applied=applied,
            ),
        )

    async def for_ticket(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> TicketTriage | None:
        await ticket_service.get(session, principal, ticket_id)  # visibility
        return await triage_repository.get(session, ticket_id)


triage_service = TriageService()
