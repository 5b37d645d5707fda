"""`kefu demo`'s 90 days of history: consistent with the SLA engine, a holiday spike,
idempotent, and enough for the forecast (SQLite and PostgreSQL; one load per backend, it
takes seconds)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine

from kefu.analytics.owners import owner_report_service
from kefu.analytics.service import analytics_service
from kefu.analytics.value_service import customer_value_service
from kefu.authz import Principal
from kefu.demo.company import load
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.kit.time import ensure_utc
from kefu.loyalty.service import loyalty_service
from kefu.models import AppliedSla, Conversation, Message, SlaEvent, Survey, Ticket
from kefu.wfm.service import wfm_service

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai; 双十一 and 国庆 are inside
PLANNER = Principal(kind="staff", id=1, name="planner", role="supervisor")


async def _count(db: Database, model: type) -> int:
    async with db.session() as s:
        return int((await s.execute(sa.select(sa.func.count()).select_from(model))).scalar_one())


class TestDemoHistory:
    async def test_history_is_realistic_consistent_and_loaded_once(self, db: Database) -> None:
        with time_machine.travel(NOW, tick=False):
            async with db.transaction() as session:
                await load(session)
            counts = {
                m.__name__: await _count(db, m) for m in (Ticket, Conversation, Message, Survey, EventRecord)
            }
            assert counts["Ticket"] > 2000 and counts["Conversation"] > 2000 and counts["Message"] > 10000
            async with db.transaction() as session:
                await load(session)  # the second run adds nothing
            assert {
                m.__name__: await _count(db, m) for m in (Ticket, Conversation, Message, Survey, EventRecord)
            } == counts
            async with db.session() as session:  # the forecast has what it needs
                out = await wfm_service.forecast(session, PLANNER, date(2026, 11, 30), 7)
            async with db.session() as session:  # what a supervisor's report shows for a month
                month = await analytics_service.summary(session, PLANNER, NOW - timedelta(days=30), NOW, {})
                owners = await owner_report_service.report(session, PLANNER, NOW - timedelta(days=30), NOW)
                value = await customer_value_service.report(session, PLANNER, NOW - timedelta(days=365), NOW)
            async with db.transaction() as session:  # the first night keeps every tier
                changed = await loyalty_service.recalculate_all(session, now=NOW)

        # Tiers come from the customers' orders, so the nightly recalculation changes none of
        # them (it used to reset ~2,000 history customers to "none" and notify each one), and
        # 客户价值 has data in every tier.
        assert changed == 0
        total, tiers = value["total"], {t["tier"]: t for t in value["tiers"]}
        assert total["customers"] > 1500 and 0.1 < total["repurchase_rate"] < 0.6
        assert 0.1 < total["churn_rate"] < 0.5 and 0.3 < total["high_tier_revenue_share"] < 0.9
        assert all(tiers[t]["customers"] > 100 for t in ("high", "mid", "potential"))

        # The bot's figures are not empty (its turns are logged like the live bot's), and the
        # customer base is large enough that most problems are solved at first contact.
        assert month["bot_conversations"] > 500
        assert 0.3 < month["bot_containment"] < 0.8
        assert 0.2 < month["handoff_rate"] < 0.7
        assert month["repeat_contact_rate"] < 0.35
        assert month["fcr_rate"] > 0.6
        # The hotline: every phone ticket came in on a call, most answered within 30 s, a few
        # abandoned (the goal table's 电话30秒接通率 has data).
        assert month["calls_offered"] > 200
        assert 0.6 < month["call_service_level_30s"] < 0.95
        assert 0.02 < month["call_abandon_rate"] < 0.15
        # 首问负责制: owners recorded the customer's acceptance for most solved tickets.
        assert owners and all(0.5 < o["accepted_rate"] < 0.9 for o in owners if o["solved"] >= 30)

        async with db.session() as s:
            tickets = (await s.execute(sa.select(Ticket))).scalars().all()
            clocks = (await s.execute(sa.select(AppliedSla))).scalars().all()
            breaches = (await s.execute(sa.select(SlaEvent).where(SlaEvent.kind == "breach"))).scalars().all()
            created_events = (
                await s.execute(sa.select(sa.func.count()).where(EventRecord.name == "ticket.created"))
            ).scalar_one()
            convs = (await s.execute(sa.select(Conversation))).scalars().all()
            answered = (
                (await s.execute(sa.select(Survey).where(Survey.answered_at.is_not(None)))).scalars().all()
            )

        history = [
            t for t in tickets if t.first_replied_at is not None and t.created_at < NOW - timedelta(hours=2)
        ]
        # Finished work only: every history ticket was answered and solved, in order.
        assert all(t.status in ("solved", "closed") for t in history)
        assert all(t.created_at <= t.first_replied_at <= t.solved_at for t in history)  # type: ignore[operator]
        assert created_events == len(tickets)  # the event log has every ticket
        assert sum(t.reopen_count for t in history) > 50
        # Channels, priorities and a fair share of bot-contained chats.
        assert {"email", "portal", "phone", "chat", "wechat"} <= {t.channel for t in tickets} | {
            c.channel for c in convs
        }
        assert {"low", "normal", "high", "urgent"} <= {t.priority for t in tickets}
        contained = sum(1 for c in convs if c.first_queued_at is None)
        assert 0.3 < contained / len(convs) < 0.8

        # SLA: breaches exist and agree with the clocks (fulfilled after the due time).
        assert len(breaches) > 20
        by_key = {(c.ticket_id, c.metric): c for c in clocks}
        for b in breaches:
            clock = by_key[(b.ticket_id, b.metric)]
            assert clock.breached_at is not None and clock.fulfilled_at is not None
            assert ensure_utc(clock.fulfilled_at) > ensure_utc(clock.due_at)  # type: ignore[arg-type]
        assert sum(1 for c in clocks if c.status == "fulfilled" and c.breached_at is None) > 5 * len(breaches)

        # Surveys: CSAT mostly good, NPS answered too.
        csat = [s.score for s in answered if s.kind == "csat"]
        nps = [s.score for s in answered if s.kind == "nps"]
        assert len(csat) > 500 and 3.8 < sum(csat) / len(csat) < 4.7  # type: ignore[arg-type]
        assert len(nps) > 20

        # Weekly pattern, a quiet 国庆 and a 双十一 spike.
        stamps = [c.created_at for c in convs] + [t.created_at for t in tickets if t.channel != "chat"]
        per_day = Counter(ensure_utc(at).astimezone(TZ).date() for at in stamps)
        ordinary = [per_day[date(2026, 11, 2) + timedelta(days=d)] for d in range(5)]  # a plain Mon–Fri
        mean = sum(ordinary) / 5
        assert per_day[date(2026, 11, 11)] > 1.8 * mean
        assert per_day[date(2026, 10, 3)] < 0.7 * mean
        assert per_day[date(2026, 11, 8)] < per_day[date(2026, 11, 9)]  # Sunday quieter than Monday

        # Forecast: the 28-day backtest error includes 双十一, which no history predicts.
        assert out.backtest_mape is not None and out.backtest_mape < 0.3
        assert {"chat", "email", "phone", "portal", "wechat"} <= set(out.channels)
        monday, sunday = out.daily[0]["volume"], out.daily[6]["volume"]
        assert monday > sunday > 0  # type: ignore[operator]
