"""The plans' other journeys (#16) on both backends: logistics milestones from the API and
a signed courier webhook (each once; a late expected date is a delay apology), the onboarding
guide on the first purchase of a product line with a day-7 follow-up step, anniversaries
感恩回馈 with a coupon once a year, monthly content by tier from KB collections, holiday
greetings; quiet hours and consent still hold; the 服务升级报告's approval states."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.user import Role
from kefu.outreach.rules import OutreachPolicy
from kefu.outreach.schemas import SettingsIn
from kefu.outreach.service import outreach_service
from kefu.webhook.signing import signature
from tests.factories import bearer, make_article, make_customer, staff_token
from tests.outreach.conftest import consent, make_journey, order, run_jobs, sends, set_policy


async def _admin(db: Database) -> dict[str, str]:
    return bearer((await staff_token(db, role=Role.ADMIN))[1])


class TestLogistics:
    async def test_each_milestone_once_from_api_and_courier(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        h = await _admin(db)
        async with db.transaction() as s:
            await make_journey(
                s,
                name="物流节点",
                trigger="shipment_milestone",
                purpose="service",
                subject_zh="订单 {order_ref}：{milestone}",
                body_zh="{name}您好，您的订单 {order_ref} {milestone}。",
            )
            await outreach_service.save_settings(
                s,
                SYSTEM,
                SettingsIn.model_validate(
                    {
                        "policy": {"quiet_start": "00:00", "quiet_end": "00:00"},
                        "courier": {"secret": "courier-secret-123"},
                    }
                ),
            )
            c = await make_customer(s, name="高远", email="gaoyuan@example.cn", phone="+8613700137010")
        event = {
            "customer_id": c.id,
            "kind": "shipment_milestone",
            "order_ref": "SO-2001",
            "milestone": "picked_up",
        }
        for _ in range(2):
            assert (await client.post("/api/v1/outreach/events", headers=h, json=event)).status_code == 202
        # The courier's webhook: by mobile number, signed; the same milestone again is nothing new.
        for milestone in ("picked_up", "in_transit", "in_transit", "out_for_delivery"):
            raw = json.dumps(
                {"order_ref": "SO-2001", "milestone": milestone, "phone": "13700137010"}
            ).encode()
            ts = int(time.time())
            headers = {
                "X-Kefu-Timestamp": str(ts),
                "X-Kefu-Signature": signature("courier-secret-123", ts, raw),
            }
            r = await client.post("/api/v1/outreach/courier", content=raw, headers=headers)
            assert r.status_code == 202, r.text
        bad = {"X-Kefu-Timestamp": str(int(time.time())), "X-Kefu-Signature": "sha256=00"}
        assert (await client.post("/api/v1/outreach/courier", content=raw, headers=bad)).status_code == 403
        await run_jobs(db)
        got = sorted((x.occurrence, x.status) for x in await sends(db, c.id))
        assert got == [
            ("ship:SO-2001:in_transit", "sent"),
            ("ship:SO-2001:out_for_delivery", "sent"),
            ("ship:SO-2001:picked_up", "sent"),
        ]
        assert any("已揽收" in x.body for x in await sends(db, c.id))

    async def test_a_late_expected_date_is_one_apology(self, db: Database, client: httpx.AsyncClient) -> None:
        await set_policy(db)
        h = await _admin(db)
        async with db.transaction() as s:
            await make_journey(
                s,
                name="延误",
                trigger="shipment_delayed",
                purpose="service",
                body_zh="订单 {order_ref} 延误，送您 {coupon_amount} 元券。",
                coupon_amount="20",
            )
            c = await make_customer(s, name="韩梅", email="hanmei@example.cn")
        promised = utcnow() + timedelta(days=1)
        event = {
            "customer_id": c.id,
            "kind": "shipment_milestone",
            "order_ref": "SO-2002",
            "milestone": "in_transit",
            "promised_at": promised.isoformat(),
            "expected_at": (promised + timedelta(days=2)).isoformat(),
        }
        for _ in range(2):
            assert (await client.post("/api/v1/outreach/events", headers=h, json=event)).status_code == 202
        await run_jobs(db)
        [send] = await sends(db, c.id)
        assert send.occurrence == "delay:SO-2002" and "送您 20 元券" in send.body
        coupons = (await client.get(f"/api/v1/customers/{c.id}/coupons", headers=h)).json()["items"]
        assert len(coupons) == 1


async def _article(db: Database, title: str, category: str) -> int:
    async with db.transaction() as s:
        return int((await make_article(s, title=title, category=category)).id)


class TestOnboarding:
    async def test_first_purchase_of_a_line_starts_the_guide_and_day_7_step(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        h = await _admin(db)
        article = await _article(db, "新手机上手指南", "手机入门")
        async with db.transaction() as s:
            guide = await make_journey(
                s,
                name="上手指南",
                trigger="first_purchase",
                purpose="service",
                product_line="手机",
                kb_category="手机入门",
                body_zh="{name}，欢迎使用{product_line}：\n{articles}",
            )
            await make_journey(
                s,
                name="第7天回访",
                trigger="followup",
                purpose="service",
                follows_id=guide.id,
                delay_days=7,
                body_zh="{name}，用了一周{product_line}，感觉如何？",
            )
            c = await make_customer(s, name="钱多", email="qianduo@example.cn")
        for ref in ("SO-3001", "SO-3002"):  # a second phone: no second guide
            r = await client.post(
                "/api/v1/outreach/events",
                headers=h,
                json={"customer_id": c.id, "kind": "purchase", "order_ref": ref, "product_line": "手机"},
            )
            assert r.status_code == 202
        await client.post(
            "/api/v1/outreach/events",
            headers=h,
            json={"customer_id": c.id, "kind": "purchase", "order_ref": "SO-3003", "product_line": "耳机"},
        )
        await run_jobs(db)
        rows = await sends(db, c.id)
        assert [(x.journey_id == guide.id, x.status) for x in rows] == [(True, "sent"), (False, "scheduled")]
        assert f"/help/articles/{article}" in rows[0].body and "新手机上手指南" in rows[0].body
        step = rows[1]
        assert step.run_at - rows[0].run_at >= timedelta(days=7)
        with time_machine.travel(step.run_at + timedelta(minutes=1), tick=False):
            from tests.outreach.conftest import make_due

            await make_due(db)
            await run_jobs(db)
        assert [x.status for x in await sends(db, c.id)] == ["sent", "sent"]

    async def test_a_follow_up_cannot_follow_itself(self, db: Database, client: httpx.AsyncClient) -> None:
        h = await _admin(db)
        r = await client.post(
            "/api/v1/outreach/journeys",
            headers=h,
            json={"name": "a", "trigger": "first_purchase", "purpose": "service", "body_zh": "x"},
        )
        a = r.json()["id"]
        r = await client.post(
            "/api/v1/outreach/journeys",
            headers=h,
            json={
                "name": "b",
                "trigger": "followup",
                "purpose": "service",
                "body_zh": "x",
                "follows_id": a,
                "delay_days": 3,
            },
        )
        b = r.json()["id"]
        r = await client.put(
            f"/api/v1/outreach/journeys/{a}",
            headers=h,
            json={"name": "a", "trigger": "followup", "purpose": "service", "body_zh": "x", "follows_id": b},
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "journey_cycle"
        r = await client.post(
            "/api/v1/outreach/journeys",
            headers=h,
            json={"name": "c", "trigger": "followup", "purpose": "service", "body_zh": "x"},
        )
        assert r.status_code == 422


class TestCalendarJourneys:
    async def test_anniversary_once_a_year_with_its_coupon(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        now = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
        async with db.transaction() as s:
            await make_journey(
                s,
                name="感恩回馈",
                trigger="anniversary",
                purpose="marketing",
                body_zh="{name}，感谢 {years} 年相伴，{coupon_amount} 元回馈券已到账。",
                coupon_amount="30",
            )
            old = await make_customer(s, name="老友", email="laoyou@example.cn")
            new = await make_customer(s, name="新友", email="xinyou@example.cn")
            shy = await make_customer(s, name="无同意", email="shy@example.cn")
            for c in (old, new):
                await consent(s, c.id)
            await order(s, old.id, "A-1", 500, datetime(2024, 12, 8, 2, 0, tzinfo=UTC))
            await order(s, old.id, "A-2", 500, datetime(2025, 3, 8, 2, 0, tzinfo=UTC))
            await order(s, new.id, "B-1", 500, datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
            await order(s, shy.id, "C-1", 500, datetime(2023, 12, 1, 2, 0, tzinfo=UTC))
        for _ in range(2):
            async with db.transaction() as s:
                await outreach_service.occasions(s, now=now)
        with time_machine.travel(now, tick=False):
            await run_jobs(db)
        [send] = await sends(db, old.id)
        assert send.occurrence == "anniversary:2026" and "感谢 2 年相伴" in send.body
        assert await sends(db, new.id) == [] and await sends(db, shy.id) == []  # too new; no consent
        h = await _admin(db)
        coupons = (await client.get(f"/api/v1/customers/{old.id}/coupons", headers=h)).json()["items"]
        assert [(c["reason"], c["amount"]) for c in coupons] == [("anniversary", "30.00")]

    async def test_monthly_content_by_tier_from_kb_collections(self, db: Database) -> None:
        """Made mid-month (a fixed clock: 15 Nov 2026, Shanghai), the journeys send nothing at
        once; the issue goes out on 1 Dec (once, however often the hourly job runs), then 1 Jan."""
        await set_policy(db)
        insight = await _article(db, "2026 行业趋势", "行业洞察")
        tips = await _article(db, "省电小技巧", "使用技巧")
        made = datetime(2026, 11, 15, 2, 0, tzinfo=UTC)  # 10:00 on the 15th in Shanghai
        with time_machine.travel(made, tick=False):
            async with db.transaction() as s:
                await make_journey(
                    s,
                    name="月度·高价值",
                    trigger="monthly_content",
                    purpose="marketing",
                    segment={"tiers": ["high"]},
                    kb_category="行业洞察",
                    body_zh="本月行业洞察：\n{articles}",
                )
                await make_journey(
                    s,
                    name="月度·潜力",
                    trigger="monthly_content",
                    purpose="marketing",
                    segment={"tiers": ["potential"]},
                    kb_category="使用技巧",
                    body_zh="本月使用技巧：\n{articles}",
                )
                high = await make_customer(s, name="高", email="high@example.cn")
                pot = await make_customer(s, name="潜", email="pot@example.cn")
                high.tier, pot.tier = "high", "potential"
                for c in (high, pot):
                    await consent(s, c.id)
        for now in (made, made + timedelta(hours=1), datetime(2026, 11, 30, 15, 59, tzinfo=UTC)):
            async with db.transaction() as s:  # the rest of November, to 23:59 on the 30th
                assert await outreach_service.occasions(s, now=now) == 0
        assert await sends(db) == []
        first = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 Dec in Shanghai
        for now in (first, first + timedelta(hours=1), first + timedelta(days=20)):
            async with db.transaction() as s:
                await outreach_service.occasions(s, now=now)
        await run_jobs(db)
        [h_send] = await sends(db, high.id)
        [p_send] = await sends(db, pot.id)
        assert h_send.occurrence == "month:2026-12" and p_send.occurrence == "month:2026-12"
        assert f"/help/articles/{insight}" in h_send.body and "省电" not in h_send.body
        assert f"/help/articles/{tips}" in p_send.body and "行业趋势" not in p_send.body
        async with db.transaction() as s:
            await outreach_service.occasions(s, now=datetime(2026, 12, 31, 16, 0, tzinfo=UTC))  # 1 Jan
        assert [x.occurrence for x in await sends(db, high.id)] == ["month:2026-12", "month:2027-01"]

    async def test_holiday_greeting_waits_for_quiet_hours_and_needs_consent(self, db: Database) -> None:
        await set_policy(db, OutreachPolicy())  # quiet 21:00–08:00
        night = datetime(2026, 10, 1, 14, 30, tzinfo=UTC)  # 22:30 on 国庆节 in Shanghai
        async with db.transaction() as s:
            await make_journey(
                s,
                name="国庆问候",
                trigger="holiday",
                purpose="marketing",
                holiday="national_day",
                body_zh="{name}，{holiday}快乐！",
            )
            yes = await make_customer(s, name="甲", email="jia@example.cn")
            no = await make_customer(s, name="乙", email="yi@example.cn")
            await consent(s, yes.id)
        async with db.transaction() as s:
            await outreach_service.occasions(s, now=night - timedelta(days=2))  # not the holiday
            await outreach_service.occasions(s, now=night)
            await outreach_service.occasions(s, now=night)
        [send] = await sends(db, yes.id)
        assert send.status == "scheduled" and "国庆节快乐" in send.body
        assert send.run_at == datetime(2026, 10, 2, 0, 0, tzinfo=UTC)  # 08:00 the next morning
        assert await sends(db, no.id) == []


class TestServiceReport:
    async def test_only_a_published_report_is_seen_and_sent(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await set_policy(db)
        admin = await _admin(db)
        supervisor = bearer((await staff_token(db, role=Role.SUPERVISOR))[1])
        async with db.transaction() as s:
            await make_journey(
                s,
                name="服务升级报告",
                trigger="service_report",
                purpose="marketing",
                body_zh="{name}，本月服务升级报告：{report_url}",
            )
            reader = await make_customer(s, name="读者", email="reader@example.cn")
            silent = await make_customer(s, name="未同意", email="silent@example.cn")
            await consent(s, reader.id)
        r = await client.post(
            "/api/v1/outreach/service-reports", headers=supervisor, json={"period": "2026-11"}
        )
        assert r.status_code == 201, r.text
        report = r.json()
        assert report["status"] == "draft" and "first_reply_seconds_p50" in report["figures"]
        assert (await client.get("/service-report/2026-11")).status_code == 404  # a draft is not public
        # Publishing a draft is refused; supervisors edit but do not approve.
        assert (
            await client.post(f"/api/v1/outreach/service-reports/{report['id']}/publish", headers=admin)
        ).status_code == 409
        edit = {
            "title": "11 月服务升级报告",
            "intro": "感谢反馈",
            "items": [{"text": "退款到账从 3 天缩短到 1 天"}],
        }
        r = await client.put(
            f"/api/v1/outreach/service-reports/{report['id']}", headers=supervisor, json=edit
        )
        assert r.status_code == 200
        assert (
            await client.post(f"/api/v1/outreach/service-reports/{report['id']}/approve", headers=supervisor)
        ).status_code == 403
        r = await client.post(f"/api/v1/outreach/service-reports/{report['id']}/approve", headers=admin)
        assert r.json()["status"] == "approved"
        assert (await client.get("/service-report/2026-11")).status_code == 404  # approved is not published
        r = await client.post(f"/api/v1/outreach/service-reports/{report['id']}/publish", headers=admin)
        assert r.status_code == 200 and r.json()["planned"] == 1
        page = await client.get("/service-report/2026-11")
        assert page.status_code == 200 and "退款到账从 3 天缩短到 1 天" in page.text
        assert (
            await client.post(f"/api/v1/outreach/service-reports/{report['id']}/publish", headers=admin)
        ).status_code == 409
        await run_jobs(db)
        [send] = await sends(db, reader.id)
        assert send.status == "sent" and "/service-report/2026-11" in send.body
        assert await sends(db, silent.id) == []
        r = await client.put(
            f"/api/v1/outreach/service-reports/{report['id']}", headers=supervisor, json=edit
        )
        assert r.status_code == 409
