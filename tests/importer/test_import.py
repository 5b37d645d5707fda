"""Importing Zendesk and Chatwoot exports (fixtures written from the vendors' API docs), on
SQLite and PostgreSQL: what lands where, re-runs, dry runs, broken files, resuming, SLAs."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from kefu.importer.service import import_service
from kefu.kit.db import Database
from kefu.models import (
    AppliedSla,
    Article,
    Conversation,
    Customer,
    Identity,
    ImportMapping,
    Macro,
    Message,
    SlaPolicy,
    Survey,
    Ticket,
    TicketComment,
    User,
)
from kefu.sla.service import sla_service
from tests.conftest import ROOT, run_cli
from tests.factories import make_customer

DATA = ROOT / "tests" / "data" / "import"
ZENDESK = DATA / "zendesk"
CHATWOOT = DATA / "chatwoot"
COUNTED = (
    Ticket,
    TicketComment,
    Customer,
    Identity,
    User,
    Macro,
    Article,
    Survey,
    Conversation,
    Message,
    ImportMapping,
)


async def _counts(db: Database) -> dict[str, int]:
    async with db.session() as s:
        return {
            m.__tablename__: (await s.execute(sa.select(sa.func.count()).select_from(m))).scalar_one()
            for m in COUNTED
        }


def _totals(summary: dict[str, object]) -> dict[str, tuple[int, int, int]]:
    types = summary["types"]
    assert isinstance(types, dict)
    return {k: (v["created"], v["updated"], v["skipped"]) for k, v in types.items()}


class TestZendesk:
    async def test_everything_lands_with_original_times_and_matched_customers(self, db: Database) -> None:
        async with db.transaction() as s:
            existing = await make_customer(s, name="", email="ZhangWei@example.com")
        summary = (await import_service.run(db, "zendesk", ZENDESK)).as_dict()
        totals = _totals(summary)
        assert totals["ticket"] == (4, 0, 1)  # 1004 was deleted in Zendesk
        assert totals["comment"] == (9, 0, 0)
        assert totals["customer"] == (2, 1, 0)  # 张伟 merged into the existing customer by e-mail
        assert summary["types"]["customer"]["merged"] == 1
        assert totals["agent"] == (2, 0, 0) and totals["group"] == (2, 0, 0)
        assert totals["rating"] == (2, 0, 1)
        reasons = {(p["type"], p["source_id"]): p["reason"] for p in summary["skipped"]}
        assert reasons[("ticket", "1004")] == "deleted in Zendesk"
        assert "offered" in reasons[("rating", "7003")]
        async with db.session() as s:
            t = (
                await s.execute(sa.select(Ticket).where(Ticket.subject == "净化器滤网更换后仍然报警"))
            ).scalar_one()
            assert t.created_at == datetime(2024, 11, 2, 2, 10, tzinfo=UTC)
            assert t.status == "solved" and t.priority == "high" and t.customer_id == existing.id
            assert t.custom_fields == {
                "zendesk_1500101": "air_purifier",
                "zendesk_1500102": "SO-20241030-8812",
            }
            agent = (
                await s.execute(sa.select(User).where(User.email == "li.qiang@acme-cn.example"))
            ).scalar_one()
            assert t.assignee_id == agent.id and t.owner_id == agent.id
            assert t.first_replied_at == datetime(2024, 11, 2, 3, tzinfo=UTC)
            comments = (
                (
                    await s.execute(
                        sa.select(TicketComment)
                        .where(TicketComment.ticket_id == t.id)
                        .order_by(TicketComment.created_at)
                    )
                )
                .scalars()
                .all()
            )
            assert [c.public for c in comments] == [True, True, False, True]
            assert comments[0].author_customer_id == existing.id and comments[1].author_user_id == agent.id
            assert "报警照片.jpg" in comments[0].body  # attachment metadata kept as a link
            customer = await s.get(Customer, existing.id)
            assert (
                customer is not None
                and customer.name == "张伟"
                and customer.organization == "上海星河贸易有限公司"
            )
            kinds = {
                (i.kind, i.value)
                for i in (
                    await s.execute(sa.select(Identity).where(Identity.customer_id == existing.id))
                ).scalars()
            }
            assert ("phone", "+8613800138000") in kinds and ("external_id", "crm-1001") in kinds
            article = (
                await s.execute(sa.select(Article).where(Article.title == "如何复位滤网提醒"))
            ).scalar_one()
            assert article.status == "published" and article.category == "售后/保养"
            assert "<script>" not in article.body_html and "<strong>" in article.body_html
            draft = (await s.execute(sa.select(Article).where(Article.title.like("滤网多久%")))).scalar_one()
            assert draft.status == "draft"
            macro = (await s.execute(sa.select(Macro).where(Macro.title == "滤网复位说明"))).scalar_one()
            assert macro.body == "您好，请长按滤网复位键 5 秒即可。" and macro.actions["status"] == "solved"
            scores = sorted((await s.execute(sa.select(Survey.score_100))).scalars().all())
            assert scores == [0, 100]

    async def test_a_rerun_updates_and_never_duplicates(self, db: Database) -> None:
        await import_service.run(db, "zendesk", ZENDESK)
        before = await _counts(db)
        again = (await import_service.run(db, "zendesk", ZENDESK)).as_dict()
        assert all(c["created"] == 0 for c in again["types"].values())
        assert again["types"]["ticket"]["updated"] == 4 and again["types"]["ticket"]["unchanged"] == 4
        assert await _counts(db) == before

    async def test_a_changed_record_is_updated_in_place(self, db: Database, tmp_path: Path) -> None:
        export = tmp_path / "zd"
        shutil.copytree(ZENDESK, export)
        await import_service.run(db, "zendesk", export)
        page = export / "tickets.1.json"
        body = json.loads(page.read_text())
        body["tickets"][1]["status"] = "solved"
        body["tickets"][1]["updated_at"] = "2024-12-21T00:00:00Z"
        page.write_text(json.dumps(body))
        summary = (await import_service.run(db, "zendesk", export)).as_dict()
        assert summary["types"]["ticket"]["updated"] == 4 and summary["types"]["ticket"]["unchanged"] == 3
        async with db.session() as s:
            t = (await s.execute(sa.select(Ticket).where(Ticket.subject == "发票抬头开错了"))).scalar_one()
            assert t.status == "solved" and t.solved_at == datetime(2024, 12, 21, tzinfo=UTC)
            assert (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one() == 4

    async def test_dry_run_reports_the_changes_and_writes_nothing(self, db: Database) -> None:
        before = await _counts(db)
        dry = (await import_service.run(db, "zendesk", ZENDESK, dry_run=True)).as_dict()
        assert dry["dry_run"] is True
        assert await _counts(db) == before
        real = (await import_service.run(db, "zendesk", ZENDESK)).as_dict()
        assert _totals(dry) == _totals(real)

    async def test_a_malformed_file_is_reported_and_skipped(self, db: Database, tmp_path: Path) -> None:
        export = tmp_path / "zd"
        shutil.copytree(ZENDESK, export)
        (export / "users.2.json").write_text('{"users": [{"id": 91002, "name": "陈静"', encoding="utf-8")
        (export / "macros.1.json").write_text('{"macro_list": []}', encoding="utf-8")
        (export / "comments" / "1003.1.json").write_bytes(b"\xff\xfe not json")
        summary = (await import_service.run(db, "zendesk", export)).as_dict()
        files = {p["file"]: p["reason"] for p in summary["skipped"]}
        assert files["users.2.json"].startswith("malformed JSON")
        assert "expected list is missing" in files["macros.1.json"]
        assert "comments/1003.1.json" in files
        # Everything else came in: tickets of the unreadable requesters too, without them.
        assert summary["types"]["ticket"]["created"] == 4
        async with db.session() as s:
            t = (await s.execute(sa.select(Ticket).where(Ticket.subject == "发票抬头开错了"))).scalar_one()
            assert t.customer_id is None

    async def test_a_killed_import_resumes_without_duplicates(self, db: Database) -> None:
        first = await import_service.run(db, "zendesk", ZENDESK, batch=3, stop_after=16)
        assert first.interrupted
        async with db.session() as s:
            partial = (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one()
        assert partial < 4  # the open batch was lost, as in a kill
        await import_service.run(db, "zendesk", ZENDESK)
        async with db.session() as s:
            assert (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one() == 4
            assert (await s.execute(sa.select(sa.func.count()).select_from(TicketComment))).scalar_one() == 9
            assert (await s.execute(sa.select(sa.func.count()).select_from(User))).scalar_one() == 2

    async def test_open_tickets_get_clocks_from_their_original_times_without_historic_breaches(
        self, db: Database
    ) -> None:
        async with db.transaction() as s:
            s.add(
                SlaPolicy(
                    name="全部",
                    position=0,
                    filter={},
                    targets={"first_reply": 60, "resolution": 1440},
                    business_hours=False,
                )
            )
        await import_service.run(db, "zendesk", ZENDESK)
        async with db.session() as s:
            rows = (
                await s.execute(
                    sa.select(Ticket.subject, AppliedSla).join(AppliedSla, AppliedSla.ticket_id == Ticket.id)
                )
            ).all()
        clocks = {(subject, c.metric): c for subject, c in rows}
        assert {subject for subject, _m in clocks} == {
            "发票抬头开错了",
            "扫地机器人无法回充",
        }  # solved/closed: none
        late = clocks[("发票抬头开错了", "first_reply")]
        assert late.started_at == datetime(2024, 12, 20, 6, tzinfo=UTC)
        assert late.breached_at == datetime(2024, 12, 20, 7, tzinfo=UTC) and late.breach_at is None
        answered = clocks[("扫地机器人无法回充", "first_reply")]
        assert answered.status == "fulfilled" and answered.achieved_minutes == 140
        async with db.transaction() as s:
            assert await sla_service.scan(s) == 0  # nothing historic is emitted (no coupons follow)


class TestChatwoot:
    async def test_conversations_become_tickets_with_transcripts(self, db: Database) -> None:
        summary = (await import_service.run(db, "chatwoot", CHATWOOT)).as_dict()
        totals = _totals(summary)
        assert totals["conversation"] == (3, 0, 0) and totals["message"] == (8, 0, 0)
        assert totals["group"] == (2, 0, 0) and totals["macro"] == (2, 0, 0) and totals["agent"] == (2, 0, 0)
        assert totals["customer"] == (4, 0, 0)  # three contacts and one only named by its conversation
        async with db.session() as s:
            t = (
                await s.execute(sa.select(Ticket).where(Ticket.subject.like("你好，我想申请退款%")))
            ).scalar_one()
            assert t.status == "solved" and t.channel == "chat" and t.tags == ["退款"]
            assert t.created_at == datetime.fromtimestamp(1730000000, UTC)
            conv = (
                await s.execute(sa.select(Conversation).where(Conversation.ticket_id == t.id))
            ).scalar_one()
            assert conv.status == "closed" and conv.last_seq == 5
            msgs = (
                (
                    await s.execute(
                        sa.select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)
                    )
                )
                .scalars()
                .all()
            )
            assert [m.sender for m in msgs] == ["customer", "system", "agent", "agent", "customer"]
            assert msgs[3].internal and "receipt.png" in msgs[0].text
            comments = (
                (await s.execute(sa.select(TicketComment).where(TicketComment.ticket_id == t.id)))
                .scalars()
                .all()
            )
            assert len(comments) == 4 and sum(not c.public for c in comments) == 1
            snoozed = (
                await s.execute(sa.select(Ticket).where(Ticket.subject == "请问有发票吗？"))
            ).scalar_one()
            assert snoozed.status == "hold" and snoozed.channel == "email"
            archived = (
                await s.execute(sa.select(Article).where(Article.title == "旧版退款规则"))
            ).scalar_one()
            assert archived.status == "archived"
            macro = (await s.execute(sa.select(Macro).where(Macro.title == "物流查询"))).scalar_one()
            assert macro.body.startswith("您好，请提供订单号")

    async def test_customers_merge_across_sources_and_reruns_change_nothing(self, db: Database) -> None:
        await import_service.run(db, "zendesk", ZENDESK)
        summary = (await import_service.run(db, "chatwoot", CHATWOOT)).as_dict()
        assert summary["types"]["customer"]["merged"] == 1  # Chen Jing, by e-mail (case-insensitive)
        before = await _counts(db)
        again = (await import_service.run(db, "chatwoot", CHATWOOT)).as_dict()
        assert all(c["created"] == 0 for c in again["types"].values())
        assert await _counts(db) == before
        async with db.session() as s:
            ident = (
                await s.execute(sa.select(Identity).where(Identity.value == "chen.jing@example.com"))
            ).scalar_one()
            customer = await s.get(Customer, ident.customer_id)
            assert customer is not None
            assert (
                customer.attributes["zendesk_id"] == "91002" and customer.attributes["chatwoot_id"] == "203"
            )

    async def test_dry_run_writes_nothing(self, db: Database) -> None:
        before = await _counts(db)
        dry = (await import_service.run(db, "chatwoot", CHATWOOT, dry_run=True)).as_dict()
        assert dry["types"]["conversation"]["created"] == 3
        assert await _counts(db) == before


class TestTolerance:
    @pytest.mark.parametrize("source", ["zendesk", "chatwoot"])
    async def test_unknown_fields_and_missing_optional_fields_are_fine(
        self, db: Database, source: str, tmp_path: Path
    ) -> None:
        export = tmp_path / source
        export.mkdir()
        if source == "zendesk":
            (export / "users.1.json").write_text(
                json.dumps(
                    {
                        "users": [{"id": 1, "name": "甲", "role": "end-user", "new_field": {"x": 1}}],
                        "next_page": None,
                    }
                )
            )
            (export / "tickets.1.json").write_text(
                json.dumps(
                    {
                        "tickets": [
                            {
                                "id": 9,
                                "requester_id": 1,
                                "created_at": "2025-01-01T00:00:00Z",
                                "status": "open",
                            }
                        ],
                        "end_of_stream": True,
                    }
                )
            )
        else:
            (export / "conversations.1.json").write_text(
                json.dumps(
                    {
                        "data": {
                            "meta": {},
                            "payload": [
                                {"id": 9, "status": "open", "created_at": 1735689600, "brand_new": True}
                            ],
                        }
                    }
                )
            )
        summary = (await import_service.run(db, source, export)).as_dict()
        kind = "ticket" if source == "zendesk" else "conversation"
        assert summary["types"][kind]["created"] == 1 and summary["skipped"] == []


class TestCli:
    def test_import_prints_one_json_summary(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
        env = {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(tmp_path)}
        dry = run_cli("import", "zendesk", "--dir", str(ZENDESK), "--dry-run", env=env)
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["types"]["ticket"]["created"] == 4
        done = run_cli("import", "zendesk", "--dir", str(ZENDESK), env=env)
        again = run_cli("import", "zendesk", "--dir", str(ZENDESK), env=env)
        assert json.loads(done.stdout)["types"]["ticket"] == {
            "created": 4,
            "updated": 0,
            "unchanged": 0,
            "merged": 0,
            "skipped": 1,
        }
        assert json.loads(again.stdout)["types"]["ticket"]["created"] == 0
        assert "deleted in Zendesk" in again.stderr
        out = run_cli("export", "--dir", str(tmp_path / "export"), env=env)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["exported"]["tickets"] == 4
        assert (tmp_path / "export" / "comments").is_dir()
        refused = run_cli("export", "--dir", str(tmp_path / "export"), env=env)
        assert refused.returncode == 2 and "not empty" in refused.stderr
        missing = run_cli("import", "chatwoot", "--dir", str(tmp_path / "nope"), env=env)
        assert missing.returncode == 2 and "not a directory" in missing.stderr


class TestExport:
    async def test_an_export_imports_back_into_an_empty_kefu(self, db: Database, tmp_path: Path) -> None:
        from kefu.importer.export import export
        from kefu.migrate import upgrade

        await import_service.run(db, "zendesk", ZENDESK)
        await import_service.run(db, "chatwoot", CHATWOOT)
        written = await export(db, tmp_path / "out")
        page = json.loads((tmp_path / "out" / "tickets.1.json").read_text())
        assert page["end_of_stream"] is True and len(page["tickets"]) == 7
        assert written["comments"] == 9 + 7  # Zendesk comments and Chatwoot customer/agent lines
        url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        await asyncio.to_thread(upgrade, url)
        other = Database(url)
        try:
            summary = (await import_service.run(other, "zendesk", tmp_path / "out")).as_dict()
            assert summary["skipped"] == []
            mine, theirs = await _counts(db), await _counts(other)
        finally:
            await other.dispose()
        for table in ("tickets", "ticket_comments", "customers", "users", "macros", "kb_articles"):
            assert theirs[table] == mine[table], table
        assert summary["types"]["rating"]["created"] == 2
