"""The `kefu` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kefu.config import get_settings, install
from kefu.errors import KefuError
from kefu.kit.security import configure_password_hashing

app = typer.Typer(help="kefu 客服 — omnichannel customer service", no_args_is_help=True)
user_app = typer.Typer(help="Staff users")
token_app = typer.Typer(help="API tokens")
sla_app = typer.Typer(help="SLA calendar")
wfm_app = typer.Typer(help="Workforce planning")
bot_app = typer.Typer(help="Bot / NLU")
emotion_app = typer.Typer(help="Emotion model")
orders_app = typer.Typer(help="Orders (feed tiers and points)")
secrets_app = typer.Typer(help="Integration secrets at rest")
for sub, name in (
    (user_app, "user"),
    (token_app, "token"),
    (sla_app, "sla"),
    (wfm_app, "wfm"),
    (bot_app, "bot"),
    (emotion_app, "emotion"),
    (orders_app, "orders"),
    (secrets_app, "secrets"),
):
    app.add_typer(sub, name=name)

console = Console()
err = Console(stderr=True)


@app.callback()
def _configure() -> None:
    """Process-wide settings every command shares (the password hasher's cost)."""
    settings = install(get_settings())  # the one Settings every command's services read
    configure_password_hashing(cheap=settings.hash_cost == "test")


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _feature(module: str, name: str) -> Any:
    """A function from a module that may not be part of this build yet (clear exit 2)."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        _fail(f"{module} is not available in this build")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _runtime_settings() -> Any:
    """Settings a server may run with: a weak secret key in prod exits 2 with the reason;
    the data dir is private and new files are 0600 (umask)."""
    import os

    from kefu.config import ConfigError, prepare_runtime, private_dir, secrets_keys, sqlite_path
    from kefu.kit import secretbox

    settings = get_settings()
    os.umask(0o077)
    private_dir(settings.data_dir)
    db_file = sqlite_path(settings.database_url)
    for path in [db_file, *(Path(f"{db_file}{s}") for s in ("-wal", "-shm"))] if db_file else []:
        if path.is_file():
            os.chmod(path, 0o600)
    try:
        settings = prepare_runtime(settings)
        secretbox.configure_from(secrets_keys(settings))
    except (ConfigError, secretbox.SecretBoxError) as exc:
        _fail(str(exc))
    return settings


@app.command()
def migrate() -> None:
    """Apply database migrations to KEFU_DATABASE_URL."""
    from kefu.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    console.print(f"migrated {settings.database_url.split('@')[-1]}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port (default KEFU_PORT or 8000)")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="web processes on one port (cluster mode only)")
    ] = 1,
) -> None:
    """Migrate, then serve web, API, WebSockets and (embedded mode) the worker."""
    import uvicorn

    from kefu.app import create_app, tune_process
    from kefu.migrate import schema_is_newer, upgrade

    settings = _runtime_settings()
    if workers > 1 and (settings.database_url.startswith("sqlite") or not settings.redis_url):
        # SQLite has one writer per file and the in-process bus reaches one process only.
        console.print(
            "[red]--workers > 1 需要集群模式 / needs cluster mode: KEFU_DATABASE_URL=postgresql+asyncpg://… "
            "and KEFU_REDIS_URL; the embedded mode (SQLite) serves from one process.[/red]"
        )
        raise typer.Exit(2)
    # During a rolling upgrade the previous release restarts against the new schema: it
    # serves without migrating (migrations stay backward compatible for one release).
    if not schema_is_newer(settings.database_url):
        upgrade(settings.database_url)
    bind, listen = host or settings.host, port or settings.port
    shown = "127.0.0.1" if bind in {"0.0.0.0", "::", ""} else bind  # noqa: S104 - display only
    shown = f"[{shown}]" if ":" in shown else shown
    # uvicorn runs quiet (warnings only): say where the demo is.
    typer.echo(f"kefu is serving at http://{shown}:{listen}  (Ctrl+C to stop)")
    options: dict[str, Any] = {
        "host": bind,
        "port": listen,
        # X-Forwarded-For is read by our middleware, only from KEFU_TRUSTED_PROXIES.
        "proxy_headers": False,
        "timeout_graceful_shutdown": 20,
        "log_level": "warning",
        "ws_max_size": 65536,
        # No permessage-deflate: chat frames are a few hundred bytes, and each socket's zlib
        # streams cost ~38 KB of memory (97 -> 59 KB per open chat socket) plus CPU per frame.
        "ws_per_message_deflate": False,
        "backlog": 4096,  # a burst of chat reconnects must not be refused
    }
    if workers > 1:  # N processes share the listening socket; each builds its app
        uvicorn.run("kefu.app:app_from_env", factory=True, workers=workers, **options)
        return
    tune_process()
    uvicorn.run(create_app(settings), **options)


@app.command()
def worker(once: Annotated[bool, typer.Option(help="run ready jobs, then exit")] = False) -> None:
    """Run background jobs (cluster mode: any number of these beside `kefu serve`)."""
    from kefu.app import tune_process
    from kefu.worker import run_worker

    # As a web process: with Python's default thresholds the worker's loaded models made
    # full collections of ~0.34 s every few seconds (seen by its loop watch under chat load).
    tune_process()
    asyncio.run(run_worker(_runtime_settings(), once=once))


async def _in_transaction(fn: Any) -> Any:
    from kefu import registry
    from kefu.kit.db import Database

    registry.load_all()
    db = Database(get_settings().database_url)
    try:
        async with db.transaction() as session:
            return await fn(session)
    finally:
        await db.dispose()


async def _train_bot() -> None:
    from kefu.bot.service import bot_service
    from kefu.kit.db import Database

    db = Database(get_settings().database_url)
    try:
        await bot_service.train(db, in_process=True)
    finally:
        await db.dispose()


@app.command()
def demo() -> None:
    """Load the demo company (idempotent) and print the demo logins."""
    from kefu.demo.company import COMPANY, DEMO_PASSWORD, STAFF, load
    from kefu.migrate import upgrade

    settings = _runtime_settings()
    upgrade(settings.database_url)
    result = asyncio.run(_in_transaction(load))
    asyncio.run(_train_bot())  # the demo bot answers from the first chat
    console.print(
        f"{COMPANY}: {result.created_groups} groups, {result.created_users} staff, "
        f"{result.created_customers} customers, {result.created_articles} articles, "
        f"{result.created_intents} bot intents, "
        f"{result.created_policies} SLA policies, {result.created_tickets} tickets created",
        soft_wrap=True,
    )
    table = Table(title=f"Demo logins (password: {DEMO_PASSWORD})")
    table.add_column("email")
    table.add_column("role")
    table.add_column("name")
    for email, name, role, _groups in STAFF:
        table.add_row(email, role.value, name)
    console.print(table)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin | supervisor | agent")],
    name: Annotated[str, typer.Option()] = "",
    group: Annotated[list[str] | None, typer.Option(help="group name or id; repeatable")] = None,
) -> None:
    """Create a staff user."""
    from pydantic import ValidationError

    from kefu.auth.schemas import UserCreate
    from kefu.auth.service import user_service
    from kefu.team.service import team_service

    async def run(session: Any) -> int:
        ids: list[int] = []
        for g in group or []:
            found = await team_service.by_name(session, g)
            if found is None and g.isdigit():
                found = await team_service.get(session, int(g))
            if found is None:
                raise KefuError(f"unknown group {g!r}", 422)
            ids.append(found.id)
        data = UserCreate(email=email, password=password, role=role, name=name, group_ids=ids)  # type: ignore[arg-type]
        user = await user_service.create(session, data, actor=None)
        return user.id

    try:
        user_id = asyncio.run(_in_transaction(run))
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except KefuError as exc:
        _fail(exc.message)
    console.print(f"created user {user_id} <{email}> ({role})")


@secrets_app.command("new-key")
def secrets_new_key() -> None:
    """Print a fresh key: put it first in KEFU_SECRETS_KEY (old keys after it), then rotate."""
    from kefu.kit import secretbox

    sys.stdout.write(secretbox.new_key() + "\n")


@secrets_app.command("rotate")
def secrets_rotate() -> None:
    """Re-encrypt every stored integration secret with the current (first) key."""
    import kefu.models  # noqa: F401 - every table on Base.metadata
    from kefu import registry
    from kefu.kit import secretbox
    from kefu.kit.db import Base, Database

    settings = _runtime_settings()
    registry.load_all()

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                return await secretbox.rotate(session, Base.metadata)
        finally:
            await db.dispose()

    try:
        changed = asyncio.run(run())
    except secretbox.SecretBoxError as exc:
        _fail(str(exc))
    _print_json({"rewritten": changed})


@token_app.command("create")
def token_create(email: Annotated[str, typer.Option()], name: Annotated[str, typer.Option()] = "cli") -> None:
    """Print a new API token for that user."""
    from kefu.auth.service import auth_service, user_service

    async def run(session: Any) -> str:
        user = await user_service.by_email(session, email)
        if user is None:
            raise KefuError(f"no user {email}", 404)
        return (await auth_service.issue_token(session, user, name=name)).token

    try:
        token = asyncio.run(_in_transaction(run))
    except KefuError as exc:
        _fail(exc.message)
    sys.stdout.write(token + "\n")


@sla_app.command("due")
def sla_due(
    schedule: Annotated[Path, typer.Option(help="schedule JSON (same as the schedules API)")],
    start: Annotated[str, typer.Option(help="ISO 8601 start, with offset")],
    minutes: Annotated[int, typer.Option(help="business minutes")],
) -> None:
    """Print the due time of N business minutes after start."""
    from kefu.sla.calendar import due_iso

    try:
        data = json.loads(schedule.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail(f"cannot read schedule: {exc}")
    try:
        sys.stdout.write(due_iso(data, start, minutes) + "\n")
    except KefuError as exc:
        _fail(exc.message)


@wfm_app.command("staffing")
def wfm_staffing(
    volume: Annotated[float, typer.Option(help="contacts per interval")],
    interval_minutes: Annotated[float, typer.Option()],
    aht_seconds: Annotated[float, typer.Option()],
    target_level: Annotated[float, typer.Option(help="e.g. 0.8")],
    target_seconds: Annotated[float, typer.Option(help="e.g. 20")],
    max_occupancy: Annotated[float | None, typer.Option()] = None,
    shrinkage: Annotated[float, typer.Option()] = 0.0,
    concurrency: Annotated[float, typer.Option(help="chats one agent handles at once")] = 1.0,
    redundancy: Annotated[float, typer.Option(help="spare margin on top, e.g. 0.1")] = 0.0,
) -> None:
    """Erlang C staffing for one interval."""
    from kefu.wfm.erlang import staffing

    try:
        result = staffing(
            volume,
            interval_minutes,
            aht_seconds,
            target_level,
            target_seconds,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            concurrency=concurrency,
            redundancy=redundancy,
        )
    except KefuError as exc:
        _fail(exc.message)
    _print_json(result)


@bot_app.command("eval")
def bot_eval(
    train: Annotated[Path, typer.Option(help="training CSV (text,label)")],
    test: Annotated[Path, typer.Option(help="test CSV (text,label)")],
    oos_label: Annotated[str | None, typer.Option(help="label of out-of-scope rows")] = None,
) -> None:
    """Train a fresh intent model on T, evaluate on S, print JSON."""
    evaluate = _feature("kefu.nlp.evaluation", "evaluate")
    try:
        _print_json(evaluate(train, test, oos_label))
    except KefuError as exc:
        _fail(exc.message)


@emotion_app.command("eval")
def emotion_eval(test: Annotated[Path, typer.Option(help="test CSV (text,label)")]) -> None:
    """Evaluate the shipped emotion model on S, print JSON."""
    evaluate_emotion = _feature("kefu.nlp.emotion_eval", "evaluate_emotion")
    try:
        _print_json(evaluate_emotion(test))
    except KefuError as exc:
        _fail(exc.message)


@emotion_app.command("train")
def emotion_train(
    data: Annotated[Path, typer.Option(help="labelled CSV (text,label: negative/positive)")],
    out: Annotated[Path | None, typer.Option(help="model folder (default: the site model)")] = None,
) -> None:
    """Train the emotion model on your own labelled texts; it replaces the shipped one, print JSON."""
    from kefu.nlp.emotion import site_model_dir

    train_csv = _feature("kefu.nlp.emotion_train", "train_csv")
    try:
        _print_json(train_csv(data, out or site_model_dir()))
    except KefuError as exc:
        _fail(exc.message)


async def _import_orders(rows: list[dict[str, str]], batch: int, advance: Callable[[int], None]) -> Any:
    from kefu import registry
    from kefu.kit.db import Database
    from kefu.loyalty.orders_import import import_rows

    registry.load_all()
    db = Database(get_settings().database_url)
    try:
        return await import_rows(db, rows, batch, advance)
    finally:
        await db.dispose()


@orders_app.command("import")
def orders_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: customer (email, phone or external id), external_id, amount, currency, placed_at"
        ),
    ],
    batch: Annotated[int, typer.Option(help="orders per transaction")] = 500,
) -> None:
    """Import orders from CSV with a progress bar; bad rows are reported, good rows kept."""
    import csv

    from rich.progress import Progress

    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        _fail(f"cannot read {file}: {exc}")
    required = {"customer", "external_id", "amount", "placed_at"}
    if rows and not required <= set(rows[0]):
        _fail(f"missing columns: {sorted(required - set(rows[0]))}")
    with Progress(console=err) as progress:
        task = progress.add_task("orders", total=len(rows))
        result = asyncio.run(_import_orders(rows, batch, lambda n: progress.advance(task, n)))
    for line, message in result.errors[:50]:
        err.print(f"line {line}: {message}")
    _print_json({"imported": result.imported, "duplicates": result.duplicates, "errors": len(result.errors)})
    if result.errors:
        raise typer.Exit(1)


from kefu.cli_ops import register as _register_ops  # noqa: E402  (import, backup, restore)

_register_ops(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
