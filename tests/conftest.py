"""Shared fixtures: every storage test runs on SQLite and, where the services answer (always
with CI=true), on PostgreSQL; fan-out tests likewise on the in-process bus and Redis."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.app import create_app
from kefu.config import Settings
from kefu.kit.db import Base, Database
from kefu.migrate import upgrade

PG_ADMIN_URL = os.environ.get("KEFU_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KEFU_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


PG_UP = _port_open("127.0.0.1", 5432)
REDIS_UP = _port_open("127.0.0.1", 6379)


def need_postgres() -> None:
    if not PG_UP:
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI (127.0.0.1:5432 does not answer)")
        pytest.skip("PostgreSQL not available")


def need_redis() -> None:
    if not REDIS_UP:
        if IN_CI:
            pytest.fail("Redis is required in CI (127.0.0.1:6379 does not answer)")
        pytest.skip("Redis not available")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    need_postgres()
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "kefu.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


async def _truncate(db: Database) -> None:
    async with db.engine.connect() as conn:
        existing = set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
    # Only tables the migrations created: a model without its migration yet must not break
    # every other test (test_migrations reports the mismatch).
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    async with db.transaction() as session:
        if db.is_sqlite:
            for name in tables:
                await session.execute(sa.text(f'DELETE FROM "{name}"'))  # noqa: S608 - our table names
        else:
            quoted = ", ".join(f'"{n}"' for n in tables)
            await session.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await _truncate(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session whose work the test commits itself (or not)."""
    async with db.session() as s:
        yield s


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "env": "test",
        "rate_limit": "off",
        "anonymous_rate_limit": "off",
        "embedded_worker": False,
        "log_level": "WARNING",
        "data_dir": Path(tempfile.mkdtemp(prefix="kefu-test-")),
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SSRF guard's explicit test allow-list (KEFU_OUTBOUND_ALLOW) for loopback fakes
    (ERP, WeChat platform, IMAP server); off by default, as in production."""
    from kefu.config import get_settings

    monkeypatch.setenv("KEFU_OUTBOUND_ALLOW", '["127.0.0.1", "localhost"]')
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("KEFU_OUTBOUND_ALLOW")
    get_settings.cache_clear()


@pytest.fixture
async def app(db: Database) -> AsyncIterator[Any]:
    application = create_app(make_settings(db.url))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Servers and CLI runs in tests load the demo without its 90 days of history (seconds
# each); tests/demo checks the history itself.
QUICK_DEMO = {"KEFU_DEMO_HISTORY_DAYS": "0"}


class LiveServer:
    """A real `kefu serve` process (own port, own environment)."""

    def __init__(self, env: dict[str, str], port: int, ready_seconds: float = 30) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        full_env = {**QUICK_DEMO, **os.environ, **env, "KEFU_PORT": str(port)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--port", str(port)],
            env=full_env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                raise RuntimeError(f"kefu serve exited: {out}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("kefu serve did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env={**QUICK_DEMO, **os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
