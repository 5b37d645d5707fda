"""The demo's journeys: seeded once; the demo customers with a birthday consented; the
birthday greeting reaches the one whose birthday is today; the quarterly NPS campaign waits
for the next quarter and its invitation reaches only consenting customers, once."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from kefu.authz import SYSTEM
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.demo import outreach as outreach_demo
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.outreach.service import outreach_service
from kefu.survey.service import survey_service
from tests.outreach.conftest import run_jobs, sends, set_policy


class TestDemoJourneys:
    async def test_seeded_once_and_the_birthday_greeting_arrives(self, db: Database) -> None:
        await set_policy(db)
        today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
        async with db.transaction() as s:  # 周杰 of the demo, born today (in some year)
            born = date(1990, today.month, min(today.day, 28))
            zhou = await customer_service.create(
                s, CustomerCreate(name="周杰", email="zhoujie@example.cn", birthday=born), actor=None
            )
            assert await outreach_demo.load(s) == 15
            assert await outreach_demo.load(s) == 0
            journeys = {j.trigger: j for j in await outreach_service.list_journeys(s, SYSTEM)}
        assert set(journeys) == {
            "coupon_issued",
            "points_credited",
            "tier_changed",
            "birthday",
            "shipment_delayed",
            "shipment_milestone",
            "first_purchase",
            "followup",
            "anniversary",
            "monthly_content",
            "holiday",
            "service_report",
            "survey",
        }
        assert journeys["followup"].follows_id == journeys["first_purchase"].id
        assert journeys["birthday"].purpose == "marketing" and journeys["coupon_issued"].purpose == "service"
        async with db.transaction() as s:
            await outreach_service.birthdays(s)
        await run_jobs(db)
        [send] = await sends(db, zhou.id)
        assert send.status == "sent" and send.subject == "周杰，生日快乐！"
        assert "生日月购物积分" in send.body and "/outreach/unsubscribe/" in send.body

    async def test_the_quarterly_nps_invitation_reaches_only_consenting_customers(self, db: Database) -> None:
        await set_policy(db)
        async with db.transaction() as s:
            yes = await customer_service.create(
                s,
                CustomerCreate(name="周杰", email="zhoujie@example.cn", birthday=date(1990, 5, 4)),
                actor=None,
            )
            no = await customer_service.create(
                s, CustomerCreate(name="未同意", email="no@example.cn"), actor=None
            )
            await outreach_demo.load(s)
            await outreach_demo.load(s)
            [campaign] = await survey_service.campaigns(s, SYSTEM)
        assert campaign.name == "季度 NPS 调查" and campaign.runs == 0
        assert campaign.next_run_at == outreach_demo.next_quarter(utcnow())  # nothing sent before then
        for _ in range(2):  # "run now" twice: one invitation
            async with db.transaction() as s:
                result = await survey_service.run_campaign(s, campaign.id, force=True)
            assert result is not None
        await run_jobs(db)
        invites = [x for x in await sends(db) if x.occurrence.startswith("survey:")]
        assert [(x.customer_id, x.status) for x in invites] == [(yes.id, "sent")]
        assert "/o/c/" not in invites[0].body and "/s/" in invites[0].body  # stored as written
        assert no.id not in {x.customer_id for x in await sends(db)}
