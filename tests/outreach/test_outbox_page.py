"""外发消息 (both backends): supervisors and admins see every message the engine sent, skipped
or failed, how far it got (sent, opened) and why one was not sent, in Chinese without
codes; filters by customer, journey, channel and status; addresses masked for supervisors;
agents may not open it, and the nav shows it only to those who may."""

from __future__ import annotations

import re

import httpx

from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.outreach import links
from kefu.outreach.service import outreach_service
from tests.factories import make_customer
from tests.outreach.conftest import make_journey, run_jobs, sends, set_policy
from tests.web.admin.cases import CJK, HTML, login

TAGS = re.compile(r"<[^>]+>")
CODES = (
    "no_consent",
    "channel_unconfigured",
    "skipped",
    "opened",
    "outreach_stage",
    "outreach_reason",
    "email",
    "sms",
    "marketing",
)


def visible(html: str) -> str:
    """The page's text as a reader sees it (no tags, attributes or option values)."""
    body = html[html.find("<main>") : html.find("</main>")]
    return TAGS.sub(" ", body)


def rows(html: str) -> int:
    return html.count('data-testid="outbox-row"')


async def _messages(db: Database) -> dict[str, int]:
    """An email coupon notice that was sent and opened, a campaign refused for want of
    consent, and an SMS notice with no gateway set up."""
    await set_policy(db)
    async with db.transaction() as s:
        coupon = await make_journey(s, name="优惠券到账")
        sms = await make_journey(s, name="等级短信", trigger="tier_changed", channel="sms", body_zh="{tier}")
        promo = await make_journey(
            s, name="双十一活动", trigger="campaign", purpose="marketing", body_zh="{name}，双十一见"
        )
        wang = await make_customer(s, name="王芳", email="wangfang@example.cn", phone="+8613700137001")
        li = await make_customer(s, name="李雷", email="lilei@example.cn")
        await outreach_service.trigger(s, "coupon_issued", wang.id, "coupon:1", {"coupon_amount": "20"})
        await outreach_service.trigger(s, "tier_changed", wang.id, "tier:a", {})
        await outreach_service.trigger(s, "campaign", li.id, "launch", {})
    await run_jobs(db)
    [opened] = [x for x in await sends(db, wang.id) if x.channel == "email"]
    async with db.transaction() as s:
        await outreach_service.opened(s, links.open_url(opened.id).rsplit("/", 1)[1])
    return {"coupon": coupon.id, "sms": sms.id, "promo": promo.id, "wang": wang.id, "li": li.id}


class TestOutboxPage:
    async def test_supervisor_reads_every_message_in_chinese_and_filters(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        ids = await _messages(db)
        await login(client, db, Role.SUPERVISOR)
        page = await client.get("/supervisor/outbox", headers=HTML)
        assert page.status_code == 200 and rows(page.text) == 3
        text = visible(page.text)
        assert 'href="/supervisor/outbox"' in page.text and "外发消息" in text  # in the nav
        assert "已打开" in text and "未发送" in text
        assert "客户未同意接收营销消息" in text and "该渠道尚未配置" in text
        assert "邮件" in text and "短信" in text and "王芳" in text and "双十一活动" in text
        assert not any(code in text for code in CODES), [c for c in CODES if c in text]
        assert CJK.search(text) and "wangfang@example.cn" not in text  # masked for supervisors

        async def count(**q: str | int) -> int:
            r = await client.get("/supervisor/outbox", params=q, headers=HTML)
            assert r.status_code == 200
            return rows(r.text)

        assert await count(status="skipped") == 2
        assert await count(status="opened") == 1
        assert await count(status="delivered") == 0
        assert await count(channel="sms") == 1
        assert await count(customer="王芳") == 2
        assert await count(customer=str(ids["li"])) == 1
        assert await count(journey=ids["promo"]) == 1
        assert await count(journey=ids["promo"], status="sent") == 0
        assert await count(status="nonsense") == 3  # an unknown filter is ignored

        await login(client, db, Role.ADMIN)
        page = await client.get("/supervisor/outbox", params={"customer": "王芳"}, headers=HTML)
        assert "wangfang@example.cn" in visible(page.text)  # admins may unmask

    async def test_agents_may_not_and_do_not_see_it_in_the_nav(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        await login(client, db, Role.AGENT)
        assert (await client.get("/supervisor/outbox", headers=HTML)).status_code == 403
        assert 'href="/supervisor/outbox"' not in (await client.get("/agent", headers=HTML)).text
