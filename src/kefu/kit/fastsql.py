"""Hot-path statements on the SQLite writer without SQLAlchemy's per-call machinery.

A chat message runs five statements in its write unit. Through SQLAlchemy each cost 80-330 µs
of event-loop CPU (execution context, parameter and result processing, a greenlet switch,
ORM loading) against 10-15 µs for SQLite to run it, and the writer runs units one after
another, so that CPU is the chat path's ceiling. A `Statement` is a Core statement compiled
once per dialect and parameter set; in a unit of the SQLite writer (`kit.writer` marks its
sessions with `RAW`) it runs on the writer's sqlite3 connection directly, with the same bind
and result processing SQLAlchemy would apply. On PostgreSQL (asyncpg) it runs the same way on
the session's asyncpg connection, as a statement prepared once per connection, inside the
transaction SQLAlchemy's adapter began (or begins it, as the adapter would): SQLAlchemy's
execution around each asyncpg call cost ~2-3x the call itself. Anywhere else (readers on
SQLite, scripts) it runs through SQLAlchemy unchanged. `Loader` does the same for one ORM object, which joins
the session as if the ORM had loaded it.

Raw statements run inside the unit's transaction and savepoint (begun through the session
before the first one), so a failing unit rolls them back with the rest. They do not
autoflush: like `session.connection().execute`, callers flush first when pending ORM
changes matter (`Loader` does). Engine `before_cursor_execute` listeners still see every
statement (the statement budgets in tests count them); errors come out as SQLAlchemy's.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

RAW = "kefu.fastsql.raw"  # session.info: the writer unit's `RawConnection`
_PG = "kefu.fastsql.pg"  # session.info: (the transaction, its `PgConnection`)
# What PgConnection uses of SQLAlchemy's asyncpg adapter (private in SQLAlchemy 2.1).
_ADAPTER_API = (
    "_execute_mutex",
    "_transaction",
    "_start_transaction",
    "_prepare",
    "_handle_exception",
    "dbapi",
)
M = TypeVar("M")
Row = tuple[Any, ...]
_VALUES = re.compile(r" VALUES (\((?:\?, )*\?\))")
_NUMBERED_VALUES = re.compile(
    r" VALUES (\(\$1(?:::[^,()]+(?:\([0-9, ]+\))?)?(?:, \$\d+(?:::[^,()]+(?:\([0-9, ]+\))?)?)*\))"
)
_PLACEHOLDER = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class RawConnection:
    """The SQLite writer's connection as a unit sees it."""

    conn: sqlite3.Connection
    dialect: Dialect
    dispatch: Any  # the writer engine's event dispatch (before_cursor_execute listeners)

    def run(self, sql: str, params: Sequence[Any]) -> list[Row]:
        if self.dispatch.before_cursor_execute:
            # Listeners get no SQLAlchemy connection or context here: only tests listen.
            self.dispatch.before_cursor_execute(None, None, sql, params, None, False)
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:  # as SQLAlchemy raises it (IntegrityError, OperationalError)
            raise sa.exc.DBAPIError.instance(sql, params, exc, sqlite3.Error, dialect=self.dialect) from exc


@dataclass(frozen=True)
class PgConnection:
    """The asyncpg connection under a session's transaction, driven as SQLAlchemy's adapter
    drives it: its execute lock, its lazily begun transaction and its statement cache."""

    adapted: Any  # sqlalchemy's AsyncAdapt_asyncpg_connection
    dialect: Dialect
    dispatch: Any

    async def run(self, sql: str, params: Sequence[Any]) -> list[Row]:
        if self.dispatch.before_cursor_execute:
            self.dispatch.before_cursor_execute(None, None, sql, params, None, False)
        adapted = self.adapted
        try:
            async with adapted._execute_mutex:
                if adapted._transaction is None:
                    await adapted._start_transaction()
                prepared, _ = await adapted._prepare(
                    sql, cast(Any, self.dialect)._invalidate_schema_cache_asof
                )
                return [tuple(r) for r in await prepared.fetch(*params)]
        except Exception as exc:
            try:
                adapted._handle_exception(exc)  # the DBAPI error SQLAlchemy would wrap
            except adapted.dbapi.Error as dbapi_error:
                raise sa.exc.DBAPIError.instance(
                    sql, params, dbapi_error, adapted.dbapi.Error, dialect=self.dialect
                ) from exc
            raise


def _is_asyncpg(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.driver == "asyncpg"


async def _pg(session: AsyncSession) -> PgConnection | None:
    """The session's asyncpg connection, or None: not PostgreSQL. Kept for the rest of the
    session's transaction: asking the session again for each statement cost ~90 µs of the
    loop per chat message."""
    if not _is_asyncpg(session):
        return None
    sync = session.sync_session
    kept: tuple[Any, PgConnection] | None = session.info.get(_PG)
    transaction = sync.get_transaction()
    if kept is not None and transaction is not None and kept[0] is transaction and transaction.is_active:
        return kept[1]
    conn = await session.connection()
    adapted = (await conn.get_raw_connection()).dbapi_connection
    if not all(hasattr(adapted, name) for name in _ADAPTER_API):
        return None  # another SQLAlchemy than the one pinned: its own path, unchanged
    pg = PgConnection(adapted, conn.dialect, conn.sync_engine.dispatch)
    session.info[_PG] = (sync.get_transaction(), pg)
    return pg


def raw_connection(session: AsyncSession) -> RawConnection | None:
    """The writer unit's sqlite3 connection, or None: run through SQLAlchemy."""
    raw: RawConnection | None = session.info.get(RAW)
    return raw


async def _begun(session: AsyncSession) -> RawConnection | PgConnection | None:
    """`raw_connection`, with the session's transaction begun first: the unit's SAVEPOINT
    (or, for a batch's first unit, its join of the batch's transaction), also again after
    the unit rolled back and went on, so raw statements roll back with the unit. On
    PostgreSQL the session's asyncpg connection."""
    raw = raw_connection(session)
    if raw is None:
        return await _pg(session)
    if not session.in_transaction():
        await session.connection()
    return raw


async def _run(raw: RawConnection | PgConnection, sql: str, params: Sequence[Any]) -> list[Row]:
    return await raw.run(sql, params) if isinstance(raw, PgConnection) else raw.run(sql, params)


class _Compiled:
    """One statement compiled for one dialect and set of parameter names."""

    def __init__(self, stmt: sa.Executable, dialect: Dialect, keys: Sequence[str]) -> None:
        # SQLAlchemy's compiled form: positiontup, binds and prefetch are its public-ish
        # attributes, _bind_processors the processors its own execution uses.
        sql_compiled: Any = cast(Any, stmt).compile(dialect=dialect, column_keys=list(keys))
        self.sql: str = sql_compiled.string
        processors: Mapping[str, Callable[[Any], Any]] = sql_compiled._bind_processors
        # Columns the statement fills from their Python-side default when a row leaves them
        # out (an INSERT's created_at=utcnow): what SQLAlchemy's execution context does.
        defaults = {c.key: c.default for c in sql_compiled.insert_prefetch} | {
            c.key: c.onupdate for c in sql_compiled.update_prefetch
        }
        fixed = {
            name: b.value
            for name, b in sql_compiled.binds.items()
            if name not in keys and not b.required and b.callable is None
        }
        self.binds: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
        for name in sql_compiled.positiontup or ():
            if name in keys:
                source: Any = None
            elif name in defaults and defaults[name] is not None:
                source = defaults[name]
            elif name in fixed:
                source = _Fixed(fixed[name])
            else:
                raise ValueError(f"no value for {name!r} in {self.sql}")
            self.binds.append((name, processors.get(name), source))
        self.results: list[Callable[[Any], Any] | None] = [
            entry[3]._cached_result_processor(dialect, None) for entry in sql_compiled._result_columns
        ]

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, process, source in self.binds:
            if source is None:
                value = values[name]
            elif isinstance(source, _Fixed):
                value = source.value
            elif source.is_callable:
                value = source.arg(None)
            else:
                value = source.arg
            out.append(value if process is None or value is None else process(value))
        return out

    def rows(self, raw: list[Row]) -> list[Row]:
        if not any(self.results):
            return raw
        procs = self.results
        return [
            tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True)) for r in raw
        ]


@dataclass(frozen=True)
class _Fixed:
    value: Any


class Statement:
    """A Core statement that runs raw on the SQLite writer and through SQLAlchemy elsewhere."""

    def __init__(self, stmt: sa.Executable) -> None:
        self.stmt = stmt
        self._compiled: dict[tuple[int, frozenset[str]], _Compiled] = {}
        self._many: dict[tuple[int, frozenset[str], int], str] = {}

    def _compile(self, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
        key = (id(dialect), keys)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _Compiled(self.stmt, dialect, sorted(keys))
        return found

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> Sequence[Row]:
        """The statement's result rows (none for a plain INSERT/UPDATE)."""
        raw = await _begun(session)
        if raw is None:
            conn = await session.connection()
            result = await conn.execute(self.stmt, dict(params))
            return [tuple(r) for r in result.all()] if result.returns_rows else []
        compiled = self._compile(raw.dialect, frozenset(params))
        return compiled.rows(await _run(raw, compiled.sql, compiled.params(params)))

    async def insert_many(self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> Sequence[Row]:
        """An INSERT (… RETURNING) of several rows with the same keys in one statement. The
        order of RETURNING rows is not promised: return a column that tells them apart."""
        raw = await _begun(session)
        if raw is None or len(rows) == 1:
            if raw is None:
                conn = await session.connection()
                result = await conn.execute(self.stmt, [dict(r) for r in rows])
                return [tuple(r) for r in result.all()] if result.returns_rows else []
            return await self.rows(session, rows[0])
        keys = frozenset(rows[0])
        compiled = self._compile(raw.dialect, keys)
        sql = self._many.get((id(raw.dialect), keys, len(rows)))
        if sql is None:
            sql = self._many[(id(raw.dialect), keys, len(rows))] = _many_values(compiled, len(rows))
        params = [p for row in rows for p in compiled.params(row)]
        return compiled.rows(await _run(raw, sql, params))


def _many_values(compiled: _Compiled, n: int) -> str:
    """A one-row INSERT … VALUES (…) made an n-row one: qmark groups repeat as they are;
    numbered ($1, $2 …) groups are renumbered for each row."""
    sql = compiled.sql
    match = _VALUES.search(sql) or _NUMBERED_VALUES.search(sql)
    if match is None:
        raise ValueError(f"not a one-row INSERT … VALUES: {sql}")
    group = match.group(1)
    width = len(compiled.binds)
    if "?" in group:
        groups = [group] * n
    else:
        if len(_PLACEHOLDER.findall(sql)) != width or len(_PLACEHOLDER.findall(group)) != width:
            raise ValueError(f"parameters outside VALUES: {sql}")
        groups = [
            _PLACEHOLDER.sub(lambda m, off=i * width: f"${int(m.group(1)) + off}", group) for i in range(n)
        ]
    return sql[: match.start(1)] + ", ".join(groups) + sql[match.end(1) :]


class Loader(Generic[M]):
    """One row of a mapped class (all its table's columns), plus extra scalar columns, as a
    persistent ORM object of the session: raw on the SQLite writer, else an ORM select."""

    def __init__(
        self,
        model: type[M],
        where: sa.ColumnElement[bool],
        *,
        extra: Sequence[sa.ColumnElement[Any]] = (),
        lock: bool = False,
    ) -> None:
        self.model = model
        mapper = sa.inspect(model)
        table = cast(sa.Table, mapper.local_table)
        orm = sa.select(model, *extra).where(where)
        self.orm = orm.with_for_update(of=model) if lock else orm
        core = sa.select(*table.c, *extra).where(where)
        # FOR UPDATE for PostgreSQL's raw path; SQLite's compiler leaves it out (one writer).
        self.core = Statement(core.with_for_update(of=table) if lock else core)
        self.width = len(table.c)
        self.keys = [mapper.get_property_by_column(c).key for c in table.c]
        pk = [list(table.c).index(c) for c in mapper.primary_key]
        self.pk = pk
        self.mapper = mapper

    async def one(self, session: AsyncSession, params: Mapping[str, Any]) -> tuple[M, Row] | None:
        """(the object, the extra columns' values), or None when no row matches."""
        if raw_connection(session) is None and not _is_asyncpg(session):
            row = (await session.execute(self.orm, dict(params))).first()
            return None if row is None else (row[0], tuple(row[1:]))
        if session.new or session.dirty or session.deleted:
            await session.flush()  # what the ORM select's autoflush would have written first
        rows = await self.core.rows(session, params)
        if not rows:
            return None
        values = rows[0]
        identity = self.mapper.identity_key_from_primary_key([values[i] for i in self.pk])
        sync = session.sync_session
        existing = sync.identity_map.get(identity)
        if existing is not None:
            if sa.inspect(existing).expired_attributes:  # the ORM would refresh it: let it
                row = (await session.execute(self.orm, dict(params))).first()
                return None if row is None else (row[0], tuple(row[1:]))
            return cast(M, existing), tuple(values[self.width :])
        obj = cast(M, self.mapper.class_manager.new_instance())
        obj.__dict__.update(zip(self.keys, values[: self.width], strict=True))
        make_transient_to_detached(obj)  # loaded values are the committed state: no history
        sync.add(obj)
        return obj, tuple(values[self.width :])
