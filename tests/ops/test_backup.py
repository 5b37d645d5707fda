"""`kefu backup` while writes go on, `kefu restore` into an empty database, and a server on
the restored data finding every ticket, message and attachment — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import tarfile
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from kefu.app import create_app
from kefu.errors import KefuError
from kefu.importer.service import import_service
from kefu.kit.db import Database
from kefu.models import Conversation, Message, Role, Ticket, TicketAttachment
from kefu.ops.backup import backup, restore, rotate
from tests.conftest import ROOT, _pg_admin, make_settings, run_cli
from tests.factories import bearer, staff_token

CHATWOOT = ROOT / "tests" / "data" / "import" / "chatwoot"


async def _ids(db: Database) -> dict[str, set[int]]:
    async with db.session() as s:
        return {
            "tickets": set((await s.execute(sa.select(Ticket.id))).scalars()),
            "messages": set((await s.execute(sa.select(Message.id))).scalars()),
            "attachments": set((await s.execute(sa.select(TicketAttachment.id))).scalars()),
            "conversations": set((await s.execute(sa.select(Conversation.id))).scalars()),
        }


async def _target(db: Database, tmp_path: Path) -> tuple[str, str | None]:
    if db.is_sqlite:
        return f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}", None
    name = f"kefu_restore_{uuid.uuid4().hex[:8]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", name


class TestBackupRestore:
    async def test_round_trip_while_writing_serves_every_ticket_message_and_attachment(
        self, db: Database, tmp_path: Path
    ) -> None:
        source_dir = tmp_path / "data"
        await import_service.run(db, "chatwoot", CHATWOOT)  # tickets, chat transcripts
        _admin, token = await staff_token(db, role=Role.ADMIN)
        app = create_app(make_settings(db.url, data_dir=source_dir))
        files: dict[str, bytes] = {}
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", headers=bearer(token)
            ) as c:
                for i in range(3):
                    r = await c.post(
                        "/api/v1/tickets",
                        json={
                            "subject": f"备份测试 {i}",
                            "description": "含附件",
                            "channel": "web",
                            "requester": {"email": f"b{i}@example.com"},
                        },
                    )
                    assert r.status_code == 201, r.text
                    content = f"附件内容 {i} ".encode() * 100
                    up = await c.post(
                        f"/api/v1/tickets/{r.json()['id']}/attachments",
                        files={"file": (f"note{i}.txt", content, "text/plain")},
                    )
                    assert up.status_code == 201, up.text
                    files[f"note{i}.txt"] = content
        before = await _ids(db)
        assert len(before["messages"]) == 8 and len(before["attachments"]) == 3

        stop = asyncio.Event()
        written = 0

        async def writer() -> None:  # a busy server: commits throughout the backup
            nonlocal written
            while not stop.is_set():
                async with db.transaction() as s:
                    s.add(Ticket(subject=f"写入中 {written}", description=""))
                written += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(writer())
        await asyncio.sleep(0.1)
        out = tmp_path / "backups" / "kefu.tar.gz"
        manifest = await asyncio.to_thread(backup, db.url, source_dir, out)
        stop.set()
        await task
        # The three attachments, and the secret key a non-production start generated there.
        assert (source_dir / "secret_key").exists()
        assert written > 0 and manifest["files"] == 4
        with tarfile.open(out) as tar:
            names = tar.getnames()
        assert "manifest.json" in names and ("db.sqlite3" in names or "db.pgdump" in names)

        target_url, pg_name = await _target(db, tmp_path)
        restored_dir = tmp_path / "restored"
        try:
            await asyncio.to_thread(restore, out, target_url, restored_dir)
            restored_db = Database(target_url)
            try:
                after = await _ids(restored_db)
            finally:
                await restored_db.dispose()
            assert before["tickets"] <= after["tickets"]  # a consistent snapshot taken mid-write
            assert after["messages"] == before["messages"] and after["attachments"] == before["attachments"]
            app2 = create_app(make_settings(target_url, data_dir=restored_dir))
            async with app2.router.lifespan_context(app2):
                transport = httpx.ASGITransport(app=app2)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://t", headers=bearer(token)
                ) as c:
                    for ticket_id in sorted(before["tickets"]):
                        assert (await c.get(f"/api/v1/tickets/{ticket_id}")).status_code == 200
                    for att_id in before["attachments"]:
                        r = await c.get(f"/api/v1/attachments/{att_id}")
                        assert r.status_code == 200
                        name = r.headers["content-disposition"].split("filename=")[-1].strip('"')
                        assert r.content == files[name]
                    seen: set[str] = set()
                    for conv_id in before["conversations"]:
                        page = await c.get(f"/api/v1/conversations/{conv_id}/messages")
                        assert page.status_code == 200
                        seen |= {m["text"] for m in page.json()["items"]}
                    assert "好的谢谢" in seen and "我帮您查一下物流" in seen
        finally:
            if pg_name:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    async def test_a_backup_of_the_other_backend_or_a_broken_file_is_refused(
        self, db: Database, tmp_path: Path
    ) -> None:
        out = tmp_path / "b.tar.gz"
        await asyncio.to_thread(backup, db.url, tmp_path / "none", out)
        other = (
            "postgresql+asyncpg://postgres@127.0.0.1:5432/x"
            if db.is_sqlite
            else f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
        )
        with pytest.raises(KefuError, match="backup is of a"):
            restore(out, other, tmp_path / "d")
        broken = tmp_path / "broken.tar.gz"
        broken.write_bytes(out.read_bytes()[:200])
        with pytest.raises(KefuError, match="not a readable kefu backup"):
            restore(broken, db.url, tmp_path / "d")


class TestRotation:
    def test_keeps_the_newest(self, tmp_path: Path) -> None:
        for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
            (tmp_path / f"kefu-backup-{stamp}.tar.gz").write_bytes(b"x")
        (tmp_path / "unrelated.tar.gz").write_bytes(b"x")
        gone = rotate(tmp_path, 2)
        assert [p.name for p in gone] == ["kefu-backup-20260101T000000Z.tar.gz"]
        assert (tmp_path / "unrelated.tar.gz").exists()


class TestCli:
    def test_backup_and_restore_commands(self, tmp_path: Path) -> None:
        env = {
            "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
            "KEFU_DATA_DIR": str(tmp_path / "a"),
        }
        assert run_cli("migrate", env=env).returncode == 0
        done = run_cli("backup", "--out", str(tmp_path / "bk"), "--keep", "3", env=env)
        assert done.returncode == 0, done.stderr
        path = json.loads(done.stdout)["file"]
        assert Path(path).name.startswith("kefu-backup-")
        env_b = {
            "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'b.db'}",
            "KEFU_DATA_DIR": str(tmp_path / "b"),
        }
        back = run_cli("restore", "--from", path, env=env_b)
        assert back.returncode == 0, back.stderr
        assert json.loads(back.stdout)["backend"] == "sqlite"
        missing = run_cli("restore", "--from", str(tmp_path / "nope.tar.gz"), env=env_b)
        assert missing.returncode == 2 and "no backup at" in missing.stderr
