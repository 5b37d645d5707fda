"""The loyalty admin pages on the CRUD layer: compensation rules (the reusable view tests),
tiers with their thresholds and benefits, and the member rewards (birthday month, referral,
long-term award) — Chinese, fields with their own errors, a confirmation after saving."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.web.admin.cases import HTML, RAW, AdminViewCase, csrf, login, table


class TestCompensationRules(AdminViewCase):
    slug = "compensation"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "amount"
    list_words: ClassVar[list[str]] = ["首次回复", "高价值", "30 天"]
    raw_codes: ClassVar[list[str]] = ["first_reply", "high"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.loyalty.schemas import RuleCreate
        from kefu.loyalty.service import loyalty_service

        data = RuleCreate(metric="first_reply", tier="high", amount=Decimal("20"), validity_days=30)
        return (await loyalty_service.create_rule(s, None, data)).id, "¥20.00"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"metric": "resolution", "tier": "", "amount": "50", "validity_days": "60"}, "¥50.00"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "metric": "first_reply",
            "tier": "mid",
            "amount": "35.5",
            "validity_days": "30",
            "active": "on",
        }
        return form, "¥35.50"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"metric": "first_reply", "amount": "-5", "validity_days": "30"}


MID_FORM = {
    "points_multiplier": "2",
    "redeem_bonus": "0",
    "routing_boost": "10",
    "discount_percent": "0",
    "birthday_coupon_cny": "100",
    "welcome_coupon_cny": "0",
    "mid_spend": "10000",
    "mid_repurchases": "2",
}


class TestLoyaltyTiers:
    """Tiers are fixed (four rows): only edited, with thresholds and benefits as fields."""

    async def test_the_list_tells_the_plans_rules_in_words(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.ADMIN)
        listing = await client.get("/admin/tiers", headers=HTML)
        rows = table(listing.text)
        for words in (
            "高价值",
            "消费高于 50,000 元且复购 ≥ 3 次",
            "消费 ≥ 10,000 元或复购 ≥ 1 次",
            "首次购买，或消费低于 10,000 元",
            "15% 专享折扣",
            "兑换加值 20%",
            "新品抢先体验",
            "免费上门服务",
            "2 倍积分",
            "¥100 生日券",
            "¥30 新客礼包",
            "首次售后服务免费",
        ):
            assert words in rows, words
        assert "/admin/tiers/new" not in listing.text and "/delete" not in rows
        for pattern in RAW:
            assert not pattern.search(rows), pattern.pattern
        assert not re.search(r">[^<]*\b(high|mid|potential|repurchases)\b[^<]*<", rows)

    async def test_admin_edits_a_tier_and_the_config_api_follows(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/tiers/2", headers=HTML)  # mid
        assert page.status_code == 200
        assert 'name="mid_repurchases"' in page.text and 'name="high_spend"' not in page.text
        assert "复购次数至少" in page.text and "售后工单优先处理" in page.text
        assert 'name="advisor_spend"' not in page.text  # in 会员奖励 now
        assert not re.search(r"<label[^>]*>\s*[a-z_]+\s*<", page.text)  # every field has a label
        form = {**MID_FORM, "priority_queue": "on", "csrf_token": csrf(page.text)}
        r = await client.post("/admin/tiers/2", data=form, headers=HTML)
        assert r.status_code == 303
        listing = await client.get("/admin/tiers", headers=HTML)
        assert "已保存：中价值" in listing.text and "复购 ≥ 2 次" in table(listing.text)
        config = (await client.get("/api/v1/loyalty/config", headers=HTML)).json()
        assert config["rules"]["mid_repurchases"] == 2
        mid = config["benefits"]["mid"]
        assert mid["priority_queue"] is True and Decimal(mid["points_multiplier"]) == 2
        assert mid["ticket_priority"] is False  # the form offers it; MID_FORM leaves it unticked

    async def test_errors_show_next_to_their_field(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/tiers/2", headers=HTML)
        form = {**MID_FORM, "csrf_token": csrf(page.text)}
        bad = await client.post("/admin/tiers/2", data={**form, "discount_percent": "150"}, headers=HTML)
        assert bad.status_code == 422
        assert re.search(r'data-error-for="discount_percent">[^<]*不能大于 100', bad.text)
        above = await client.post("/admin/tiers/2", data={**form, "mid_spend": "80000"}, headers=HTML)
        assert above.status_code == 422
        assert re.search(
            r'data-error-for="mid_spend">[^<]*高价值等级的消费门槛不能低于中价值等级', above.text
        )
        zero = await client.post("/admin/tiers/2", data={**form, "mid_repurchases": "0"}, headers=HTML)
        assert zero.status_code == 422 and 'data-error-for="mid_repurchases"' in zero.text
        config = (await client.get("/api/v1/loyalty/config", headers=HTML)).json()
        assert config["rules"]["mid_spend"] == "10000"  # nothing was saved

    async def test_agents_and_supervisors_cannot_open_tiers(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        for role in (Role.AGENT, Role.SUPERVISOR):
            await login(client, db, role)
            assert (await client.get("/admin/tiers", headers=HTML)).status_code == 403
            assert (await client.get("/admin/tiers/1", headers=HTML)).status_code == 403
            assert (await client.get("/admin/loyalty-programme", headers=HTML)).status_code == 403


PROGRAMME_FORM = {
    "birthday_points_multiplier": "3",
    "referrer_reward_cny": "120",
    "referred_reward_cny": "60",
    "referral_validity_days": "90",
    "long_term_years": "5",
    "long_term_reward_cny": "200",
    "long_term_validity_days": "365",
    "anniversary_coupon_cny": "30",
}


class TestMemberRewards:
    async def test_admin_edits_birthday_referral_and_long_term_rewards(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.ADMIN)
        listing = await client.get("/admin/loyalty-programme", headers=HTML)
        rows = table(listing.text)
        assert "2 倍积分" in rows and "推荐人得 ¥100，新客户得 ¥50" in rows
        assert "连续 5 年每年都有购买，奖励 ¥200" in rows
        assert "/admin/loyalty-programme/new" not in listing.text and "/delete" not in rows
        page = await client.get("/admin/loyalty-programme/1", headers=HTML)
        assert page.status_code == 200 and "生日月积分倍数" in page.text and 'value="2"' in page.text
        r = await client.post(
            "/admin/loyalty-programme/1", data={**PROGRAMME_FORM, "csrf_token": csrf(page.text)}, headers=HTML
        )
        assert r.status_code == 303
        listing = await client.get("/admin/loyalty-programme", headers=HTML)
        assert "已保存：会员奖励" in listing.text and "推荐人得 ¥120，新客户得 ¥60" in table(listing.text)
        config = (await client.get("/api/v1/loyalty/config", headers=HTML)).json()
        assert Decimal(config["programme"]["birthday_points_multiplier"]) == 3
        assert Decimal(config["programme"]["referrer_reward_cny"]) == 120
        assert Decimal(config["benefits"]["mid"]["points_multiplier"]) == 2  # the tiers are untouched
        assert Decimal(config["rules"]["advisor_spend"]) == 100_000  # left blank: unchanged

    async def test_admin_sets_the_dedicated_advisor_threshold(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.ADMIN)
        listing = await client.get("/admin/loyalty-programme", headers=HTML)
        assert "近 12 个月消费满 ¥100,000" in table(listing.text)
        page = await client.get("/admin/loyalty-programme/1", headers=HTML)
        assert "专属顾问门槛" in page.text and 'name="advisor_spend" type="text" value="100000"' in page.text
        form = {**PROGRAMME_FORM, "advisor_spend": "80000", "csrf_token": csrf(page.text)}
        assert (await client.post("/admin/loyalty-programme/1", data=form, headers=HTML)).status_code == 303
        config = (await client.get("/api/v1/loyalty/config", headers=HTML)).json()
        assert Decimal(config["rules"]["advisor_spend"]) == 80_000
        assert config["rules"]["high_spend"] == "50000"  # the tiers' thresholds are kept
        bad = await client.post(
            "/admin/loyalty-programme/1", data={**form, "advisor_spend": "-1"}, headers=HTML
        )
        assert bad.status_code == 422 and 'data-error-for="advisor_spend"' in bad.text

    async def test_errors_show_next_to_their_field(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        page = await client.get("/admin/loyalty-programme/1", headers=HTML)
        form = {**PROGRAMME_FORM, "csrf_token": csrf(page.text)}
        for name, value in (
            ("birthday_points_multiplier", "0.5"),
            ("long_term_years", "1"),
            ("referrer_reward_cny", ""),
        ):
            r = await client.post("/admin/loyalty-programme/1", data={**form, name: value}, headers=HTML)
            assert r.status_code == 422, name
            assert re.search(rf'data-error-for="{name}">[^<]*[\u4e00-\u9fff]', r.text), name
        config = (await client.get("/api/v1/loyalty/config", headers=HTML)).json()
        assert Decimal(config["programme"]["birthday_points_multiplier"]) == 2

    async def test_no_csrf_token_no_save(self, db: Database, client: httpx.AsyncClient) -> None:
        await login(client, db, Role.ADMIN)
        r = await client.post("/admin/loyalty-programme/1", data=PROGRAMME_FORM, headers=HTML)
        assert r.status_code == 403
