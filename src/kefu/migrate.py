"""Running Alembic from code (`kefu migrate`, `kefu serve`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)


def schema_is_newer(database_url: str) -> bool:
    """True when the database carries a revision this code does not know: a newer release has
    migrated it (a rolling upgrade in progress), so this release must not try to migrate."""
    import asyncio

    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from kefu.kit.db import create_engine

    known = {s.revision for s in ScriptDirectory.from_config(alembic_config(database_url)).walk_revisions()}

    async def current() -> set[str]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
                if "alembic_version" not in tables:
                    return set()
                rows = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                return {str(r[0]) for r in rows}
        finally:
            await engine.dispose()

    return bool(asyncio.run(current()) - known)
