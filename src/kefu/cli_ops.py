"""Operator commands: `kefu import zendesk|chatwoot`, `kefu export`, `kefu backup`, `kefu restore`.
Registered on the main app by `kefu.cli` (kept apart so cli.py stays small)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kefu.config import Settings, secrets_keys
from kefu.config import get_settings as _get_settings
from kefu.errors import KefuError
from kefu.kit import secretbox

err = Console(stderr=True)


def get_settings() -> Settings:
    """Settings, with the secrets key in place (imports and exports read integration rows)."""
    settings = _get_settings()
    secretbox.configure_from(secrets_keys(settings))
    return settings


import_app = typer.Typer(help="Import another help desk's export (idempotent by source ids)")


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _run_import(source: str, directory: Path, dry_run: bool, batch: int) -> None:
    from kefu import registry
    from kefu.importer.service import count_records, import_service
    from kefu.kit.db import Database
    from kefu.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    registry.load_all()
    try:
        total = count_records(source, directory)
    except KefuError as exc:
        _fail(exc.message)

    async def run(advance: Any) -> Any:
        db = Database(settings.database_url)
        try:
            return await import_service.run(
                db, source, directory, dry_run=dry_run, batch=batch, progress=advance
            )
        finally:
            await db.dispose()

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        label = f"{source}{' (dry run)' if dry_run else ''}"
        task = progress.add_task(label, total=total)
        summary = asyncio.run(run(lambda n: progress.advance(task, n)))
    for problem in summary.skipped[:200]:
        where = f"{problem.kind} {problem.source_id}" if problem.kind else "file"
        err.print(f"skipped {where} ({problem.file}): {problem.reason}", soft_wrap=True)
    _print_json(summary.as_dict())


@import_app.command("zendesk")
def import_zendesk(
    dir: Annotated[Path, typer.Option("--dir", help="export directory (users.1.json, tickets.1.json …)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="report what would change, write nothing")
    ] = False,
    batch: Annotated[int, typer.Option(help="records per commit")] = 100,
) -> None:
    """Import a Zendesk export directory."""
    _run_import("zendesk", dir, dry_run, batch)


@import_app.command("chatwoot")
def import_chatwoot(
    dir: Annotated[
        Path, typer.Option("--dir", help="export directory (contacts.1.json, conversations.1.json …)")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="report what would change, write nothing")
    ] = False,
    batch: Annotated[int, typer.Option(help="records per commit")] = 100,
) -> None:
    """Import a Chatwoot export directory."""
    _run_import("chatwoot", dir, dry_run, batch)


def export(
    dir: Annotated[Path, typer.Option("--dir", help="an empty or new directory")],
) -> None:
    """Export everything in the open format `kefu import zendesk` reads (the way out)."""
    from kefu import registry
    from kefu.importer.export import export as run_export
    from kefu.kit.db import Database

    if dir.exists() and any(dir.iterdir()):
        _fail(f"{dir} is not empty (pages of an older export would mix in)")
    dir.mkdir(parents=True, exist_ok=True)
    registry.load_all()

    async def run() -> dict[str, int]:
        db = Database(get_settings().database_url)
        try:
            return await run_export(db, dir)
        finally:
            await db.dispose()

    _print_json({"dir": str(dir), "exported": asyncio.run(run())})


def backup(
    out: Annotated[
        Path, typer.Option("--out", help="backup file (.tar.gz), or a directory for a dated name")
    ],
    keep: Annotated[
        int | None, typer.Option(help="keep only the newest N backups in --out's directory")
    ] = None,
) -> None:
    """Consistent backup of the database and attachments, safe while kefu serves."""
    from kefu.ops.backup import backup as run_backup
    from kefu.ops.backup import rotate

    settings = get_settings()
    try:
        manifest = run_backup(settings.database_url, settings.data_dir, out)
        removed = rotate(Path(manifest["file"]).parent, keep) if keep else []
    except KefuError as exc:
        _fail(exc.message)
    _print_json({**manifest, "rotated_out": [str(p) for p in removed]})


def restore(
    from_: Annotated[Path, typer.Option("--from", help="backup file written by `kefu backup`")],
) -> None:
    """Restore a backup into KEFU_DATABASE_URL and KEFU_DATA_DIR (stop kefu first)."""
    from kefu.ops.backup import restore as run_restore

    settings = get_settings()
    try:
        manifest = run_restore(from_, settings.database_url, settings.data_dir)
    except KefuError as exc:
        _fail(exc.message)
    _print_json({"restored": str(from_), **manifest})


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("export")(export)
    app.command("backup")(backup)
    app.command("restore")(restore)
