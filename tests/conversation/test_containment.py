"""Containment means the bot resolved the conversation (both backends for the stored verdict):
a confirmed answer or a silent leave after a real answer counts; a decline, a repeated
question or a customer left without an answer does not, and the reports and `/metrics`
count only the resolved ones."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa

from kefu.conversation.containment import BotTurn, bot_resolved, confirms
from kefu.conversation.service import conversation_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Conversation
from kefu.models.user import Role
from kefu.ops.repository import ops_repository
from tests.factories import bearer, staff_token


def turn(outcome: str, intent: str | None = None, question: str = "问题") -> BotTurn:
    return BotTurn(outcome, intent, question)


class TestVerdict:
    def test_a_silent_leave_after_a_real_answer_is_resolved(self) -> None:
        assert bot_resolved([turn("answered", "warranty")], [])
        assert bot_resolved([turn("answered", "order_status"), turn("action", "order_status_lookup")], [])

    def test_declines_suggestions_and_questions_back_are_not(self) -> None:
        assert not bot_resolved([], [])
        assert not bot_resolved([turn("missed")], [])
        assert not bot_resolved([turn("answered", "warranty"), turn("missed")], [])
        assert not bot_resolved([turn("kb")], [])
        assert not bot_resolved([turn("answered", "a"), turn("buttons", "b")], [])
        assert not bot_resolved([turn("slot", "order_status")], [])

    def test_asking_the_same_thing_twice_means_the_answer_did_not_help(self) -> None:
        assert not bot_resolved([turn("answered", "warranty"), turn("answered", "warranty")], [])
        assert bot_resolved([turn("answered", "warranty"), turn("answered", "invoice")], [])

    def test_a_confirmation_counts_whatever_the_bot_made_of_it(self) -> None:
        repeated = [turn("answered", "warranty"), turn("answered", "warranty")]
        assert bot_resolved(repeated, ["好的，谢谢"])
        assert bot_resolved([turn("answered", "warranty"), turn("missed", None, "明白了，谢谢")], [])
        # Thanks for the greeting alone is not a resolved question.
        assert not bot_resolved([turn("missed", None, "谢谢")], [])
        # Writing again without an answer is not resolved.
        assert not bot_resolved([turn("answered", "warranty")], ["那电池呢"])

    def test_a_complaint_dressed_as_thanks_is_not_a_confirmation(self) -> None:
        assert confirms("好的谢谢") and confirms("OK, thanks!") and confirms("解决了")
        assert not confirms("谢谢，但还是没解决") and not confirms("不明白") and not confirms("okinawa")


class TestStoredVerdict:
    async def test_closing_a_bot_conversation_stores_whether_the_bot_resolved_it(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await staff_token(db, role=Role.ADMIN)
        cases = {
            "answered, then silence": (["保修多久"], True),
            "declined": (["今天天气怎么样"], False),
            "asked twice": (["保修多久", "保修到底是多久"], False),
            "asked twice, then thanks": (["保修多久", "保修到底是多久", "好的，谢谢"], True),
        }
        ids: dict[str, int] = {}
        for name, (texts, _) in cases.items():
            r = await client.post("/api/v1/widget/sessions", json={"name": name})
            assert r.status_code == 201
            headers = bearer(r.json()["session_token"])
            ids[name] = int(r.json()["conversation_id"])
            for text in texts:
                r = await client.post(
                    "/api/v1/widget/messages",
                    json={"client_id": str(uuid.uuid4()), "text": text},
                    headers=headers,
                )
                assert r.status_code == 200, r.text
        async with db.transaction() as session:
            closed = await conversation_service.close_idle(session, bot_minutes=-1, human_minutes=10_000)
        assert closed == len(cases)
        async with db.read() as session:
            rows = dict(
                (
                    await session.execute(
                        sa.select(Conversation.id, Conversation.bot_resolved).where(
                            Conversation.id.in_(ids.values())
                        )
                    )
                ).all()
            )
            for name, (_, expected) in cases.items():
                assert rows[ids[name]] is expected, name
            # /metrics counts only the resolved ones among the bot's closed chats.
            counts = await ops_repository.operational_counts(session, utcnow())
        assert counts["bot_closed_24h"] == 4 and counts["bot_contained_24h"] == 2
