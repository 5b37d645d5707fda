"""The public answer page behind the e-mailed link (zh-CN by default, English on request),
its refusals as readable pages, the portal list and the supervisor's follow-up pages."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Survey
from tests.factories import bearer, customer_token
from tests.survey.helpers import setup, solved_ticket, token_from_mail

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class TestAnswerPage:
    async def test_stars_in_chinese_then_thanks_then_already_answered(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await solved_ticket(db, client, env)
        token = await token_from_mail(db)
        page = await client.get(f"/s/{token}")
        assert page.status_code == 200
        assert "您对本次服务满意吗？" in page.text and 'data-testid="score-5"' in page.text
        english = await client.get(f"/s/{token}?lang=en")
        assert "How satisfied are you with our service?" in english.text
        csrf = CSRF.search(page.text)
        assert csrf
        r = await client.post(
            f"/s/{token}", data={"score": "5", "comment": "很满意", "csrf_token": csrf.group(1)}
        )
        assert r.status_code == 200 and "感谢您的反馈" in r.text and "★★★★★" in r.text
        # Reusing the link: the page says it was answered; a second submit is a 409 page.
        assert "这份问卷已经提交过了" in (await client.get(f"/s/{token}")).text
        again = await client.post(f"/s/{token}", data={"score": "1", "csrf_token": csrf.group(1)})
        assert again.status_code == 409 and "已经提交过" in again.text
        s = (await client.get("/api/v1/surveys", headers=env.supervisor)).json()["items"][0]
        assert (s["score"], s["comment"]) == (5, "很满意")

    async def test_refusals_are_pages_with_a_clear_message(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await solved_ticket(db, client, env)
        token = await token_from_mail(db)
        page = await client.get(f"/s/{token}")
        csrf = CSRF.search(page.text)
        assert csrf
        r = await client.post(f"/s/{token}", data={"score": "9", "csrf_token": csrf.group(1)})
        assert r.status_code == 422 and "1–5" in r.text
        r = await client.post(f"/s/{token}", data={"score": "5"})  # no CSRF token
        assert r.status_code == 403
        assert (await client.get("/s/nope")).status_code == 404
        _other, other = await customer_token(db, name="张三", email="zs@example.cn")
        r = await client.get(f"/s/{token}", headers=bearer(other))
        # The message is in the request's language (zh-CN by default).
        assert r.status_code == 403 and "不属于当前登录的账户" in r.text
        async with db.transaction() as s:
            await s.execute(sa.update(Survey).values(expires_at=utcnow() - timedelta(seconds=1)))
        r = await client.get(f"/s/{token}")
        assert r.status_code == 410 and "过期" in r.text


class TestPortalAndSupervisorPages:
    async def test_portal_lists_open_surveys_and_supervisor_closes_followup(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        ticket = await solved_ticket(db, client, env)
        token = await token_from_mail(db)
        async with db.session() as s:
            customer_id = (await s.execute(sa.select(Survey.customer_id))).scalar_one()
        assert customer_id is not None
        async with db.transaction() as s:
            cust_token = (await auth_service.issue_customer_token(s, customer_id, name="portal")).token
        portal = await client.get("/portal/surveys", headers=bearer(cust_token))
        assert portal.status_code == 200 and f"/s/{token}" in portal.text
        mine = (await client.get("/api/v1/surveys/pending", headers=bearer(cust_token))).json()["items"]
        assert [m["ticket_id"] for m in mine] == [ticket["id"]]

        await client.post(
            f"/api/v1/s/{token}", json={"score": 1, "comment": "没人管"}, headers=bearer(cust_token)
        )
        after = await client.get("/portal/surveys", headers=bearer(cust_token))
        assert "暂无待评价的问卷" in after.text and f"/s/{token}" not in after.text
        listing = await client.get("/supervisor/followups", headers=env.supervisor)
        assert listing.status_code == 200 and "没人管" in listing.text
        fid = (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"][0]["id"]
        r = await client.post(
            f"/supervisor/followups/{fid}/close", data={"outcome": " "}, headers=env.supervisor
        )
        assert r.status_code == 422 and "请填写处理结果" in r.text
        r = await client.post(
            f"/supervisor/followups/{fid}/close", data={"outcome": "已致电道歉"}, headers=env.supervisor
        )
        assert r.status_code == 303
        done = await client.get(f"/supervisor/followups/{fid}", headers=env.supervisor)
        assert "已致电道歉" in done.text
        assert (await client.get("/supervisor/followups", headers=env.agent)).status_code == 403
