"""The journeys admin page on the CRUD layer: the shared admin view tests (both backends),
plus the preview for a sample customer, the audience size and a test send."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm
from kefu.kit.db import Database
from kefu.models import OutboundMail
from kefu.models.user import Role
from kefu.outreach.schemas import JourneyIn
from kefu.outreach.service import outreach_service
from tests.factories import make_customer
from tests.outreach.conftest import consent, run_jobs
from tests.web.admin.cases import HTML, AdminViewCase, csrf, login


class TestJourneysAdmin(AdminViewCase):
    slug = "outreach"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "body_zh"
    list_words: ClassVar[list[str]] = ["生日问候", "邮件", "营销", "高价值", "启用"]
    raw_codes: ClassVar[list[str]] = ["birthday", "marketing", "email"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        data = JourneyIn(
            name="会员生日",
            trigger="birthday",
            purpose="marketing",
            segment={"tiers": ["high"]},  # type: ignore[arg-type]
            subject_zh="{name}，生日快乐",
            body_zh="{name}，祝您生日快乐！{benefit}",
        )
        return (await outreach_service.create(s, None, data)).id, "会员生日"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "积分到账",
            "trigger": "points_credited",
            "channel": "email",
            "purpose": "service",
            "body_zh": "{name}，{points} 积分已到账",
            "coupon_validity_days": "30",
            "active": "on",
        }
        return form, "积分到账"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "高价值会员生日",
            "trigger": "birthday",
            "channel": "email",
            "purpose": "marketing",
            "tiers": "high",
            "purchased_within_days": "365",
            "body_zh": "{name}，生日快乐",
            "active": "on",
        }
        return form, "高价值会员生日"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": "坏模板",
            "trigger": "birthday",
            "channel": "email",
            "purpose": "marketing",
            "body_zh": "{nick}",
        }

    async def test_preview_audience_and_test_send(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            key, _name = await self.make(s, {})
            customer = await make_customer(s, name="周杰", email="zhoujie@example.cn")
            customer.tier = "high"
            await consent(s, customer.id)
        await login(client, db, Role.ADMIN)
        page = await client.get(f"/admin/outreach/{key}?customer_id={customer.id}", headers=HTML)
        assert page.status_code == 200
        assert "当前可触达 1 位客户" in page.text
        preview = re.search(r'data-testid="preview">(.*?)</div>', page.text, re.S)
        assert (
            preview is not None
            and "周杰，生日快乐" in preview.group(1)
            and "生日月购物积分" in preview.group(1)
        )
        r = await client.post(
            f"/admin/outreach/{key}/test-send",
            data={"to": "admin@kefu.demo", "csrf_token": csrf(page.text)},
            headers=HTML,
        )
        assert r.status_code == 303
        page = await client.get(r.headers["location"], headers=HTML)
        assert "测试消息已排队发送至 admin@kefu.demo" in page.text
        await run_jobs(db)
        async with db.session() as s:
            [mail] = (await s.execute(sa.select(OutboundMail))).scalars().all()
        assert mail.to_addr == "admin@kefu.demo"
