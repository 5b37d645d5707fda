"""Every admin object on the CRUD layer gets the same tests from `AdminViewCase`."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm
from kefu.automation.schemas import MacroIn, TriggerIn
from kefu.automation.service import automation_service
from kefu.kit.db import Database
from kefu.models.phone import PhoneIntegration
from kefu.models.user import Role
from kefu.sla.schemas import PolicyIn, ScheduleIn
from kefu.sla.service import sla_service
from kefu.team.schemas import GroupCreate
from kefu.team.service import team_service
from tests.factories import make_user
from tests.web.admin.cases import HTML, AdminViewCase, login, table

WEEK = {f"d{d}s0_{k}": v for d in range(5) for k, v in (("start", "09:00"), ("end", "18:00"))}


class TestStaff(AdminViewCase):
    slug = "users"
    perm = Perm.USERS_MANAGE
    remove = "deactivate"
    invalid_field = "email"
    list_words: ClassVar[list[str]] = ["坐席", "售后维修"]
    raw_codes: ClassVar[list[str]] = ["agent"]

    async def seed(self, s: AsyncSession) -> dict[str, Any]:
        return {"group": (await team_service.create(s, GroupCreate(name="售后维修"), actor=None)).id}

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        user = await make_user(s, email="zhang@example.com", name="张小凡", group_ids=[seeds["group"]])
        return user.id, "张小凡"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "李新",
            "email": "li.xin@example.com",
            "password": "password-123",
            "role": "agent",
            "group_ids": str(seeds["group"]),
            "chat_capacity": "3",
            "ticket_capacity": "20",
            "skills": "售后，英语",
        }
        return form, "李新"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "张大凡",
            "role": "supervisor",
            "chat_capacity": "8",
            "ticket_capacity": "40",
            "is_active": "on",
        }
        return form, "张大凡"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "无邮箱", "email": "not-an-email", "password": "password-123", "role": "agent"}


class TestGroups(AdminViewCase):
    slug = "groups"
    perm = Perm.GROUPS_MANAGE
    invalid_field = "overflow_after_minutes"
    list_words: ClassVar[list[str]] = ["等待 10分钟 后转 二线支持", "售后"]

    async def seed(self, s: AsyncSession) -> dict[str, Any]:
        second = await team_service.create(s, GroupCreate(name="二线支持"), actor=None)
        agent = await make_user(s, email="wang@example.com", name="王坐席")
        return {"second": second.id, "agent": agent.id}

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.routing.schemas import RuleIn
        from kefu.routing.service import routing_service

        group = await team_service.create(s, GroupCreate(name="售后维修"), actor=None)
        await routing_service.set_rule(
            s,
            SYSTEM,
            group.id,
            RuleIn(overflow_group_id=seeds["second"], overflow_after_seconds=600, required_skills=["售后"]),
        )
        return group.id, "售后维修"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "投诉处理",
            "member_ids": str(seeds["agent"]),
            "overflow_group_id": str(seeds["second"]),
            "overflow_after_minutes": "5",
            "sticky_wait_seconds": "90",
        }
        return form, "投诉处理"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "售后维修一组", "overflow_group_id": "", "sticky_wait_seconds": "30"}, "售后维修一组"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "坏组", "overflow_after_minutes": "很久"}


class TestSchedules(AdminViewCase):
    slug = "schedules"
    perm = Perm.SETTINGS_MANAGE
    invalid_field = "intervals"
    list_words: ClassVar[list[str]] = ["周一至周五 09:00–12:00、13:30–18:00", "周六 10:00–16:00"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        intervals = [
            {"weekday": d, "start": a, "end": b}
            for d in range(5)
            for a, b in (("09:00", "12:00"), ("13:30", "18:00"))
        ]
        intervals.append({"weekday": 5, "start": "10:00", "end": "16:00"})
        data = ScheduleIn(name="客服时间", intervals=intervals, cn_statutory=True)  # type: ignore[arg-type]
        return (await sla_service.create_schedule(s, None, data)).id, "客服时间"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "售后时间", "cn_statutory": "on", "holidays": "2026-12-31", **WEEK}, "售后时间"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "name": "客服时间（冬季）",
            **WEEK,
            "d6s0_start": "10:00",
            "d6s0_end": "15:00",
        }, "客服时间（冬季）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "坏", "d0s0_start": "18:00", "d0s0_end": "09:00"}

    async def test_a_schedule_in_use_is_kept_with_the_reason(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _seeds, key, name = await self._setup(db, make=True)
        async with db.transaction() as s:
            policy = {"name": "用它", "schedule_id": key, "targets": {"first_reply": 60}}
            await sla_service.create_policy(s, None, PolicyIn.model_validate(policy))
        await login(client, db, Role.ADMIN)
        r = await self._post(client, f"/admin/schedules/{key}/delete", {})
        assert r.status_code == 409 and "仍有 SLA 策略在使用此工作时间表" in r.text
        assert name in table((await client.get("/admin/schedules", headers=HTML)).text)
        bad = await self._post(
            client, f"/admin/schedules/{key}", {"name": name, "timezone": "Mars/Base", **WEEK}
        )
        assert bad.status_code == 422 and 'data-error-for="timezone">未知时区' in bad.text


class TestPolicies(AdminViewCase):
    slug = "sla-policies"
    perm = Perm.SETTINGS_MANAGE
    invalid_field = "first_reply"
    list_words: ClassVar[list[str]] = ["优先级：紧急、高", "首次回复 0:30", "解决 8:00", "自然时间（7×24）"]
    raw_codes: ClassVar[list[str]] = ["urgent", "first_reply"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        data = PolicyIn.model_validate(
            {
                "name": "紧急 30 分钟",
                "position": 1,
                "filter": {"priority": ["urgent", "high"]},
                "targets": {"first_reply": 30, "resolution": 480},
                "business_hours": False,
            }
        )
        return (await sla_service.create_policy(s, None, data)).id, "紧急 30 分钟"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {"name": "VIP 首响", "position": "2", "tier": "high", "first_reply": "0:10", "active": "on"}
        return form, "VIP 首响"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "name": "紧急 1 小时",
            "priority": "urgent",
            "first_reply": "1:00",
            "active": "on",
        }, "紧急 1 小时"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "坏时限", "first_reply": "半小时"}


class TestMacros(AdminViewCase):
    slug = "macros"
    perm = Perm.KB_MANAGE
    remove = "deactivate"
    invalid_field = "title"
    list_words: ClassVar[list[str]] = ["状态 已解决", "添加标签 致歉", "分配给我"]
    raw_codes: ClassVar[list[str]] = ["solved", "assign_to_me"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        data = MacroIn.model_validate(
            {
                "title": "致歉并解决",
                "body": "非常抱歉",
                "actions": {"status": "solved", "add_tags": ["致歉"], "assign_to_me": True},
            }
        )
        return (await automation_service.create_macro(s, None, data)).id, "致歉并解决"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "title": "催单回复",
            "body": "{{customer.name}}您好",
            "priority": "high",
            "public": "on",
            "active": "on",
        }, "催单回复"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"title": "致歉（新）", "body": "抱歉", "status": "pending", "active": "on"}, "致歉（新）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"title": "", "body": "x"}


class TestTriggers(AdminViewCase):
    slug = "triggers"
    perm = Perm.SETTINGS_MANAGE
    invalid_field = "actions"
    list_words: ClassVar[list[str]] = ["分类 包含 售后 且 标题 包含 故障 → 优先级 紧急", "工单创建时"]
    raw_codes: ClassVar[list[str]] = ["set_priority", "category", "urgent", "created"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        data = TriggerIn.model_validate(
            {
                "name": "售后故障紧急",
                "on": "created",
                "conditions": [
                    {"field": "category", "op": "contains", "value": "售后"},
                    {"field": "subject", "op": "contains", "value": "故障"},
                ],
                "actions": [{"action": "set_priority", "value": "urgent"}],
            }
        )
        return (await automation_service.create_trigger(s, None, data)).id, "售后故障紧急"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "投诉升级",
            "on": "created",
            "position": "1",
            "active": "on",
            "cond-0-field": "category",
            "cond-0-op": "starts_with",
            "cond-0-v-text": "投诉",
            "act-0-action": "raise_priority",
            "act-1-action": "add_tags",
            "act-1-v-text": "投诉，升级",
        }
        return form, "投诉升级"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "售后故障（高）",
            "on": "created",
            "active": "on",
            "cond-0-field": "priority",
            "cond-0-op": "is",
            "cond-0-v-priority": "low",
            "act-0-action": "set_priority",
            "act-0-v-priority": "high",
        }
        return form, "售后故障（高）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": "无操作",
            "on": "created",
            "cond-0-field": "category",
            "cond-0-op": "is",
            "cond-0-v-text": "售后",
        }


class TestQualityRules(AdminViewCase):
    slug = "quality"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "weight"
    list_words: ClassVar[list[str]] = ["禁用语", "爱买不买"]
    raw_codes: ClassVar[list[str]] = ["forbidden", "confirm_phrases"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.quality.schemas import RuleCreate
        from kefu.quality.service import quality_service

        data = RuleCreate(kind="forbidden", name="售后禁用语", config={"words": ["爱买不买"]})
        return (await quality_service.create_rule(s, SYSTEM, data)).id, "售后禁用语"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "新开场白", "kind": "greeting", "weight": "5", "active": "on"}, "新开场白"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "name": "禁用语（严格）",
            "weight": "30",
            "phrases": "不知道\n滚",
            "active": "on",
        }, "禁用语（严格）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "太重", "kind": "closing", "weight": "500"}


class TestEmailAddresses(AdminViewCase):
    slug = "email-addresses"
    perm = Perm.SETTINGS_MANAGE
    invalid_field = "address"
    list_words: ClassVar[list[str]] = ["售后维修", "售后服务部"]

    async def seed(self, s: AsyncSession) -> dict[str, Any]:
        return {"group": (await team_service.create(s, GroupCreate(name="售后维修"), actor=None)).id}

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.mail.schemas import AddressCreate
        from kefu.mail.service.channels import mail_channel_service

        data = AddressCreate(
            address="shouhou@shop.example.cn", group_id=seeds["group"], from_name="售后服务部"
        )
        return (await mail_channel_service.create_address(s, SYSTEM, data)).id, "shouhou@shop.example.cn"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "address": "vip@shop.example.cn",
            "group_id": str(seeds["group"]),
            "from_name": "VIP 专席",
        }, "vip@shop.example.cn"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"address": "repair@shop.example.cn", "group_id": ""}, "repair@shop.example.cn"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"address": "不是邮箱"}


class TestWechatAccounts(AdminViewCase):
    slug = "wechat-accounts"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "token"
    list_words: ClassVar[list[str]] = ["wx1234567890", "/api/v1/channels/wechat/"]
    raw_codes: ClassVar[list[str]] = ["app-secret-value"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.wechat.schemas import AccountCreate
        from kefu.wechat.service import wechat_service

        data = AccountCreate(
            name="小店服务号", app_id="wx1234567890", app_secret="app-secret-value", token="tok123"
        )
        return (await wechat_service.create_account(s, SYSTEM, data)).id, "小店服务号"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "旗舰店服务号",
            "app_id": "wxabcdef0001",
            "app_secret": "secret-12345",
            "token": "abc123",
        }
        return form, "旗舰店服务号"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "name": "小店服务号（新）",
            "token": "tok456",
            "welcome": "欢迎关注",
            "active": "on",
        }, "小店服务号（新）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "坏号", "app_id": "wxbad", "app_secret": "secret-12345", "token": "有中文"}

    async def test_secrets_are_never_shown(self, db: Database, client: httpx.AsyncClient) -> None:
        _seeds, key, _name = await self._setup(db, make=True)
        await login(client, db, Role.ADMIN)
        for url in ("/admin/wechat-accounts", f"/admin/wechat-accounts/{key}"):
            assert "app-secret-value" not in (await client.get(url, headers=HTML)).text


class TestSurveyCampaigns(AdminViewCase):
    slug = "survey-campaigns"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "interval_days"
    list_words: ClassVar[list[str]] = ["高价值、中价值", "90 天"]
    raw_codes: ClassVar[list[str]] = ["high", "mid"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.survey.schemas import CampaignCreate
        from kefu.survey.service import survey_service

        data = CampaignCreate(name="季度 NPS", tiers=["high", "mid"], interval_days=90)
        return (await survey_service.create_campaign(s, SYSTEM, data)).id, "季度 NPS"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {
            "name": "新客 NPS",
            "tiers": "potential",
            "interval_days": "30",
            "questions": "为什么？\n还有建议吗？",
        }, "新客 NPS"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "半年 NPS", "tiers": "high", "interval_days": "180", "active": "on"}, "半年 NPS"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "太频繁", "interval_days": "0"}


class TestPhoneLines(AdminViewCase):
    slug = "phone-lines"
    perm = Perm.SETTINGS_MANAGE
    remove = "deactivate"
    invalid_field = "secret"
    list_words: ClassVar[list[str]] = ["售后维修", "/api/v1/channels/phone/", "启用"]
    raw_codes: ClassVar[list[str]] = ["line-secret-value-0001"]

    async def seed(self, s: AsyncSession) -> dict[str, Any]:
        group = await team_service.create(s, GroupCreate(name="售后维修"), actor=None)
        agent = await make_user(s, email="lina@example.com", name="李娜")
        return {"group": group.id, "agent": agent.id}

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        from kefu.authz import SYSTEM
        from kefu.phone.schemas import IntegrationCreate
        from kefu.phone.service import phone_service

        data = IntegrationCreate(
            name="400 热线", group_id=seeds["group"], secret="line-secret-value-0001", extensions={}
        )
        return (await phone_service.create_integration(s, SYSTEM, data)).id, "400 热线"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "售后热线",
            "group_id": str(seeds["group"]),
            "secret": "pbx-shared-secret-0002",
            "extensions": "8001 lina@example.com\n8002：李娜",
        }
        return form, "售后热线"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "400 热线（新）", "extensions": "8010 李娜", "active": "on"}, "400 热线（新）"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "短密钥", "secret": "short"}

    async def test_an_unknown_agent_is_named_next_to_the_extensions(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _seeds, _key, _name = await self._setup(db)
        await login(client, db, Role.ADMIN)
        form = {"name": "热线", "secret": "pbx-shared-secret-0003", "extensions": "8001 nobody@example.com"}
        r = await self._post(client, "/admin/phone-lines/new", form)
        assert r.status_code == 422
        assert "8001 nobody@example.com" in r.text and "员工的邮箱或姓名" in r.text

    async def test_the_line_set_up_on_the_page_takes_signed_calls_for_the_extension(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        """What the admin typed is what the telephony needs: the secret signs its events, the
        extension names the agent who answered, the edit page shows the mapping, not the secret."""
        import json
        import time

        from kefu.models import Call
        from kefu.webhook.signing import signature

        seeds, _key, _name = await self._setup(db)
        await login(client, db, Role.ADMIN)
        form, _ = self.create_form(seeds)
        assert (await self._post(client, "/admin/phone-lines/new", form)).status_code == 303
        async with db.session() as s:
            line_id = (await s.execute(sa.select(sa.func.max(PhoneIntegration.id)))).scalar_one()
        page = (await client.get(f"/admin/phone-lines/{line_id}", headers=HTML)).text
        assert "8001 lina@example.com" in page and "pbx-shared-secret-0002" not in page
        body = json.dumps(
            {
                "event_id": "e1",
                "type": "answered",
                "call_id": "c-1",
                "agent_extension": "8002",
                "caller": "13800138000",
            }
        ).encode()
        ts = int(time.time())
        headers = {
            "X-Kefu-Timestamp": str(ts),
            "X-Kefu-Signature": signature("pbx-shared-secret-0002", ts, body),
            "Content-Type": "application/json",
        }
        r = await client.post(f"/api/v1/channels/phone/{line_id}/events", headers=headers, content=body)
        assert r.status_code == 200, r.text
        async with db.session() as s:
            call = (await s.execute(sa.select(Call))).scalar_one()
        assert call.agent_id == seeds["agent"]
