"""Shared fixtures: every storage test runs on SQLite and, where the services answer (always
with CI=true), on PostgreSQL; fan-out tests likewise on the in-process bus and Redis."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu import registry
from kefu.app import create_app
from kefu.config import Settings, current_settings, uninstall
from kefu.kit import background
from kefu.kit.db import Base, Database
from kefu.kit.security import configure_password_hashing
from kefu.migrate import upgrade

# Factories create users outside any app: the same cheap hasher the test apps use, and
# every listener registered (publish() refuses to run before that).
configure_password_hashing(cheap=True)
registry.load_all()

PG_ADMIN_URL = os.environ.get("KEFU_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KEFU_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent
# One key for integration secrets at rest for the whole run: apps, factories and the
# `kefu serve` processes tests start all read what the others stored.
os.environ.setdefault("KEFU_SECRETS_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())


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


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database of its own, dropped afterwards."""
    need_postgres()
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


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
    """Empty every table between tests. On PostgreSQL, DELETE in dependency order plus a
    reset of every sequence is far cheaper than TRUNCATE, which swaps the files of all ~70
    tables each time (seconds per test on a loaded box) — one simple-protocol round trip."""
    async with db.engine.connect() as conn:
        existing = set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
    # Only tables the migrations created: a model without its migration yet must not break
    # every other test (test_migrations reports the mismatch).
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
    if db.is_sqlite:
        async with db.transaction() as session:
            for name in tables:
                await session.execute(sa.text(f'DELETE FROM "{name}"'))  # noqa: S608 - our table names
        return
    deletes = "".join(f'DELETE FROM "{n}";' for n in tables)  # noqa: S608 - our table names
    reset = "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S';"
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(f"BEGIN;{deletes}{reset}COMMIT;")  # type: ignore[union-attr]


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
        "hash_cost": "test",
        "data_dir": Path(tempfile.mkdtemp(prefix="kefu-test-")),
    }
    values.update(overrides)
    if values["env"] == "prod" and "hash_cost" not in overrides:
        values["hash_cost"] = "standard"  # refused in production
    return Settings(**values)


@pytest.fixture(autouse=True)
def _settings_per_test() -> Iterator[None]:
    """Each test's app installs its Settings (create_app); the next test starts without."""
    yield
    uninstall()


@pytest.fixture(autouse=True)
def _bot_brain_per_test() -> Iterator[None]:
    """The bot service keeps its brain (model, intents, settings) for 2 s between version
    checks: right for a process serving one database, wrong for tests that each have one.
    A test that ran the demo bot just before left its brain to the next test in the worker,
    which then answered from the demo's intents (tests/conversation/test_turn_saved.py failed
    after tests/bot/test_demo_bot.py)."""
    from kefu.bot.service import bot_service

    bot_service._brain = None
    bot_service._checked = 0.0
    yield


@pytest.fixture(scope="session", autouse=True)
def _one_training_process() -> Iterator[None]:
    """An app's shutdown ends the bot's training process (nothing outlives the server:
    tests/security/test_training_shutdown.py checks that rule directly). A test process
    starts hundreds of apps, and a fresh training process per app re-imports the NLU stack
    and reloads the encoder (seconds each): here one process serves the whole session and
    ends with it, pending work of a finished test is still cancelled."""
    import kefu.app
    from kefu.bot.service import training

    def keep_process() -> None:
        if training._pool is not None:
            for item in list(getattr(training._pool, "_pending_work_items", {}).values()):
                item.future.cancel()  # queued, not yet running: as shutdown would

    kefu.app.shutdown_training = keep_process  # type: ignore[assignment]
    yield
    training.shutdown_training()


Configure = Callable[..., Settings]


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Tests change settings here, never in a module's globals: `configure(smtp_port=2525)`
    updates the installed Settings (the running app's, else the environment's) and the
    environment (for an app or server started later in the test), until the test ends."""

    def apply(**updates: Any) -> Settings:
        installed = current_settings()
        for key, value in updates.items():
            monkeypatch.setattr(installed, key, value)
            text = value if isinstance(value, str | Path) else json.dumps(value)
            monkeypatch.setenv(f"KEFU_{key.upper()}", str(text))
        return installed

    return apply


@pytest.fixture
def allow_loopback(configure: Configure) -> None:
    """The SSRF guard's explicit test allow-list (KEFU_OUTBOUND_ALLOW) for loopback fakes
    (ERP, WeChat platform, IMAP server); off by default, as in production."""
    configure(outbound_allow=["127.0.0.1", "localhost"])


# FastAPI builds an included router's routes (signature and dependency analysis, pydantic
# fields) lazily per application, on the first request that walks past them: about half a
# second of CPU for kefu's ~400 routes, paid again by every test's new app (~1,100 of them,
# a quarter of the suite's time). The routers are module globals, included without per-app
# options, and no test overrides dependencies, so the tables one app built serve every later
# app of this worker. Each test still gets its own app, settings, lifespan and database.
_route_tables: dict[tuple[int, str], Any] = {}


def share_route_tables(application: Any) -> Any:
    """Give a new app the route tables an earlier app of this process already built. Falls
    back to FastAPI's own (per-app) building if its internals no longer look as expected."""
    routes = application.router.routes
    for i, route in enumerate(routes):
        original = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if original is None or context is None or getattr(route, "effective_candidates", None) is None:
            continue
        routes[i] = _route_tables.setdefault((id(original), context.prefix), route)
    return application


def new_app(settings: Settings) -> Any:
    """`create_app` for tests: the same application, with shared route tables."""
    return share_route_tables(create_app(settings))


@pytest.fixture
async def app(db: Database) -> AsyncIterator[Any]:
    application = new_app(make_settings(db.url))
    async with application.router.lifespan_context(application):
        # What the app starts in the background (the bot's warm-up) is done before the test
        # runs: its reads would otherwise land inside a test's statement count.
        await background.drain(timeout=60)
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
# They also hash passwords at argon2's minimum cost (KEFU_HASH_COST=test).
QUICK_DEMO = {"KEFU_DEMO_HISTORY_DAYS": "0", "KEFU_HASH_COST": "test"}


class LiveServer:
    """A real `kefu serve` process (own port, own environment)."""

    def __init__(self, env: dict[str, str], port: int, *args: str, ready_seconds: float = 150) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        full_env = {**QUICK_DEMO, **os.environ, **env, "KEFU_PORT": str(port)}
        # The server's output goes to a file, not a pipe nobody reads: a chatty server would
        # block once the pipe's 64 KB filled, and the test would hang.
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--port", str(port), *args],
            env=full_env,
            cwd=ROOT,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kefu serve exited: {self.logs()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("kefu serve did not become ready")

    def logs(self) -> str:
        """What the server printed so far (the last 20,000 characters)."""
        self.output.seek(0)
        return self.output.read().decode(errors="replace")[-20_000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.output.close()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env={**QUICK_DEMO, **os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # `kefu demo` takes minutes on a loaded machine
        check=False,
    )


def quick_demo_output(basetemp: Path) -> str:
    """What the shared quick demo's `kefu demo` printed (quick_demo has built it)."""
    return (_run_dir(basetemp) / "demo-template" / ".demo-output").read_text(encoding="utf-8")


def _run_dir(basetemp: Path) -> Path:
    """This pytest run's own folder: xdist workers' basetemps (popen-gwN) sit in it; a run
    without xdist has it as its basetemp (its parent is shared by every run, and a demo
    template left there by an earlier run holds secrets sealed with that run's key)."""
    return basetemp.parent if basetemp.name.startswith("popen-gw") else basetemp


def quick_demo(folder: Path, basetemp: Path) -> dict[str, str]:
    """A quick demo company (no history) in `folder`: its SQLite file and data directory, as
    `kefu demo` leaves them, copied from one `kefu demo` run that every test of the session
    shares (xdist workers too: the first one to get here builds it under a file lock). Each
    caller gets its own copy to change. Returns the environment that serves it.

    One run instead of one per module: each `kefu demo` is ~15 s of CPU (training the demo
    bot, loading the company), and a dozen modules start demo servers."""
    import fcntl
    import shutil

    template = _run_dir(basetemp) / "demo-template"  # shared by the workers of this run
    template.mkdir(exist_ok=True)
    with (template / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / ".ready").exists():
            env = {
                "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{template / 'kefu.db'}",
                "KEFU_DATA_DIR": str(template),
                "KEFU_LOG_LEVEL": "WARNING",
            }
            result = run_cli("demo", env=env)
            assert result.returncode == 0, result.stderr
            (template / ".demo-output").write_text(result.stdout, encoding="utf-8")
            (template / ".ready").touch()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        template, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock", ".ready", ".demo-output")
    )
    return {"KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'kefu.db'}", "KEFU_DATA_DIR": str(folder)}


# "LiveServer", not "LiveServer(": the kill -9 tests start theirs via asyncio.to_thread(LiveServer, ...).
_SERVER_HINTS = ("LiveServer", "run_cli(", "subprocess.")
_module_kinds: dict[Path, tuple[bool, bool]] = {}


def _module_kind(path: Path) -> tuple[bool, bool]:
    """(starts processes, drives a browser) for a test module, read once from its source."""
    if path not in _module_kinds:
        text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
        _module_kinds[path] = (any(h in text for h in _SERVER_HINTS), "playwright" in text)
    return _module_kinds[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that start `kefu serve`/CLI subprocesses `server` and Playwright tests
    `browser`, so `make test-fast` (-m "not server and not browser") skips them without
    every module having to remember a marker."""
    for item in items:
        server, browser = _module_kind(item.path)
        if server:
            item.add_marker(pytest.mark.server)
        if browser:
            item.add_marker(pytest.mark.browser)
