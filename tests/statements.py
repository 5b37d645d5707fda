"""Count the SQL statements (database round trips) a piece of work sends.

Hot paths have statement budgets: a change that adds round trips to a ticket create or a
chat message fails its budget test, and has to say why in the budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from kefu.kit.db import Database

# Reads that refill a short-lived process cache when it runs out, not a cost of the work
# being counted: the active webhook subscriptions are read again every 2 seconds
# (webhook/service.py ACTIVE_CACHE_SECONDS), which on a loaded machine can fall inside any
# counted block and fail a budget by one. Only SELECTs: a delivery's INSERT … SELECT FROM
# webhook_subscriptions is a per-event cost and counts.
PROCESS_CACHES = ("FROM webhook_subscriptions",)


def _cache_refill(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and any(c in statement for c in PROCESS_CACHES)


class Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """Statements that did work: the writer's SAVEPOINT/RELEASE and BEGIN/COMMIT are
        transaction bookkeeping, counted separately."""
        return len(self.work)

    @property
    def work(self) -> list[str]:
        skip = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "PRAGMA")
        return [
            s for s in self.statements if not s.lstrip().upper().startswith(skip) and not _cache_refill(s)
        ]

    def report(self) -> str:
        return "\n".join(f"{i + 1:3d} {s.splitlines()[0][:150]}" for i, s in enumerate(self.work))


@contextmanager
def count_statements(db: Database) -> Iterator[Counter]:
    """Every statement sent on any of the database's engines while the block runs."""
    counter = Counter()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counter.statements.append(statement)

    engines = {id(e.sync_engine): e.sync_engine for e in (db.engine, db.read_engine, db.writer_engine)}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", before)
