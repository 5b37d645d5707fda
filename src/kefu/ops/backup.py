"""`kefu backup` / `kefu restore`: one file holding the database and the data directory
(attachments, chat files), safe to take while kefu serves.

- SQLite: the online backup API copies the database in one step inside a read transaction,
  so the copy is one consistent snapshot however busy the writer is (WAL readers never block
  it, and it never blocks the writer for longer than a page copy loop).
- PostgreSQL: `pg_dump --format=custom` (a snapshot by MVCC); `pg_restore` puts it back.
- Files are written once under generated keys and never changed; the database is copied
  first, so every file a backed-up row names is already on disk when the files are copied.

The archive is a gzip'd tar: `manifest.json`, `db.sqlite3` or `db.pgdump`, `files/…`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kefu.errors import KefuError

FORMAT = 1
PREFIX = "kefu-backup-"
SUFFIX = ".tar.gz"


def _sqlite_path(url: str) -> Path:
    # sqlite+aiosqlite:///./var/kefu.db (relative) or sqlite+aiosqlite:////abs/kefu.db
    path = url.split(":///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise KefuError("an in-memory SQLite database cannot be backed up", 422)
    return Path(path)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools (password via the environment)."""
    parts = urlsplit(url.replace("+asyncpg", "").replace("+psycopg", ""))
    args = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432)]
    if parts.username:
        args += ["--username", unquote(parts.username)]
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return [*args, "--dbname", parts.path.lstrip("/")], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise KefuError(
            f"{name} is not installed (PostgreSQL client tools, same major version as the server)", 422
        )
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise KefuError(f"{Path(cmd[0]).name} failed: {result.stderr.strip()[-2000:]}", 500)


def _revision(conn: sqlite3.Connection) -> str | None:
    with contextlib.suppress(sqlite3.Error):
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    return None


def _dump_sqlite(url: str, target: Path) -> str | None:
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise KefuError(f"no database at {source_path}", 422)
    src = sqlite3.connect(source_path, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise KefuError("the copied database failed its integrity check", 500)
        return _revision(dst)
    finally:
        dst.close()
        src.close()


def _excluded(url: str, data_dir: Path, out: Path) -> set[Path]:
    skip = {out.resolve()}
    if url.startswith("sqlite"):
        db = _sqlite_path(url).resolve()
        skip |= {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}
    return skip


def _add_files(tar: tarfile.TarFile, data_dir: Path, skip: set[Path]) -> int:
    count = 0
    if not data_dir.is_dir():
        return 0
    for path in sorted(data_dir.rglob("*")):
        resolved = path.resolve()
        if not path.is_file() or resolved in skip or path.name.startswith(PREFIX):
            continue
        tar.add(path, arcname=f"files/{path.relative_to(data_dir).as_posix()}", recursive=False)
        count += 1
    return count


def backup(database_url: str, data_dir: Path, out: Path) -> dict[str, Any]:
    """Write the backup to `out` (a directory gets a dated file name); returns the manifest."""
    if out.is_dir() or not out.name.endswith((".tar.gz", ".tgz", ".tar")):
        out.mkdir(parents=True, exist_ok=True)
        out = out / f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}{SUFFIX}"
    out.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat()}
    with tempfile.TemporaryDirectory(prefix="kefu-backup-") as tmp:
        if database_url.startswith("sqlite"):
            db_file = Path(tmp) / "db.sqlite3"
            manifest["backend"] = "sqlite"
            manifest["revision"] = _dump_sqlite(database_url, db_file)
        elif database_url.startswith("postgresql"):
            db_file = Path(tmp) / "db.pgdump"
            manifest["backend"] = "postgresql"
            args, env = _pg_args(database_url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(db_file), *args], env)
        else:
            raise KefuError(f"cannot back up {database_url.split(':', 1)[0]} databases", 422)
        manifest["database_bytes"] = db_file.stat().st_size
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(db_file, arcname=db_file.name)
            manifest["files"] = _add_files(tar, data_dir, _excluded(database_url, data_dir, out))
            blob = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(blob)
            info.mtime = int(datetime.now(UTC).timestamp())
            with tempfile.SpooledTemporaryFile() as fh:
                fh.write(blob)
                fh.seek(0)
                tar.addfile(info, fh)
        os.replace(partial, out)  # a half-written backup never carries the final name
    manifest["file"] = str(out)
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for m in tar.getmembers():
        name = Path(m.name)
        if name.is_absolute() or ".." in name.parts or not (m.isfile() or m.isdir()):
            raise KefuError(f"refusing unsafe archive member {m.name!r}", 422)
        members.append(m)
    return members


def restore(archive: Path, database_url: str, data_dir: Path) -> dict[str, Any]:
    """Put a backup back: the database (replacing its content) and the data directory's files.
    Stop kefu first; `kefu serve` migrates a backup from an older release on start."""
    if not archive.is_file():
        raise KefuError(f"no backup at {archive}", 422)
    try:
        with tarfile.open(archive, "r:*") as tar, tempfile.TemporaryDirectory(prefix="kefu-restore-") as tmp:
            return _restore(tar, Path(tmp), database_url, data_dir)
    except (tarfile.TarError, EOFError, zlib.error, json.JSONDecodeError) as exc:
        raise KefuError(f"not a readable kefu backup: {exc}", 422) from exc


def _restore(tar: tarfile.TarFile, tmp: Path, database_url: str, data_dir: Path) -> dict[str, Any]:
    members = _safe_members(tar)
    names = {m.name for m in members}
    if "manifest.json" not in names:
        raise KefuError("not a kefu backup (no manifest.json)", 422)
    tar.extractall(tmp, members=members)  # noqa: S202 - members checked above
    manifest: dict[str, Any] = json.loads((Path(tmp) / "manifest.json").read_text())
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if manifest.get("backend") != backend:
        raise KefuError(
            f"this backup is of a {manifest.get('backend')} database, the target is {backend}", 422
        )
    if backend == "sqlite":
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(Path(tmp) / "db.sqlite3")
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # rewrites the target in place (its WAL included)
        finally:
            dst.close()
            src.close()
    else:
        args, env = _pg_args(database_url)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(Path(tmp) / "db.pgdump"),
            ],
            env,
        )
    restored = 0
    files_root = Path(tmp) / "files"
    if files_root.is_dir():
        for path in files_root.rglob("*"):
            if path.is_file():
                dest = data_dir / path.relative_to(files_root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
                restored += 1
    return {**manifest, "files_restored": restored}


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups (`kefu-backup-*.tar.gz`) in directory."""
    found = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    gone = found[max(keep, 1) :]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
