"""The PostgreSQL engine's pool (cluster mode): sized per process, checked only when idle.

SQLAlchemy's `pool_pre_ping` checks every checkout; with asyncpg that is three round trips
(BEGIN, `;`, ROLLBACK) before each unit's own BEGIN … COMMIT: a third of a chat message's
round trips, each a wait for the backend to be scheduled, which on a busy machine made
units hold their connections longer and the pool run dry. A connection is pinged only
after it sat idle in the pool for `ping_idle_seconds` (a restarted server, a firewall's
idle timeout); a busy pool's connections were proven by their last unit moments ago, and
should one still be dead, SQLAlchemy invalidates the pool on the disconnect error and the
unit fails once (clients retry by client id; jobs retry).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

POOL_SIZE = 10  # per process; size max_connections above processes x (size + overflow)
MAX_OVERFLOW = 10
PING_IDLE_SECONDS = 10.0
_RETURNED = "kefu_returned_at"


def create_pg_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    ping_idle_seconds: float = PING_IDLE_SECONDS,
) -> AsyncEngine:
    engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
    pool = engine.sync_engine.pool

    def returned(_dbapi_conn: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_RETURNED)
        if since is None or time.monotonic() - since < ping_idle_seconds:
            return  # new, or back in the pool only just now
        try:
            dbapi_conn.ping()
        except Exception as error:
            # The pool drops this connection and checks out another (up to three tries).
            raise exc.DisconnectionError(str(error)) from error

    event.listen(pool, "checkin", returned)
    event.listen(pool, "checkout", checkout)
    return engine
