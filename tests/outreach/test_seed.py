"""The demo's journeys: seeded once; the demo customers with a birthday consented; the
birthday greeting reaches the one whose birthday is today."""

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
            assert await outreach_demo.load(s) == 14
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
        }
        assert journeys["followup"].follows_id == journeys["first_purchase"].id
        assert journeys["birthday"].purpose == "marketing" and journeys["coupon_issued"].purpose == "service"
        async with db.transaction() as s:
            await outreach_service.birthdays(s)
        await run_jobs(db)
        [send] = await sends(db, zhou.id)
        assert send.status == "sent" and send.subject == "周杰，生日快乐！"
        assert "生日月购物积分" in send.body and "/outreach/unsubscribe/" in send.body
