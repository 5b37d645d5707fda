"""Migrations build the schema the models describe, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kefu.kit.db import Base, Database


def _diff(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


class TestMigrations:
    async def test_upgraded_database_matches_the_models(self, db: Database) -> None:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_diff)
        assert diff == []

    async def test_sqlite_runs_wal_with_full_sync_and_foreign_keys(self, db: Database) -> None:
        if not db.is_sqlite:
            return
        async with db.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 2  # FULL
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
