"""NPS campaigns (both backends): an admin targets tiers on a schedule; the invitations go
through the outreach engine (a `survey` journey), so only consenting, reachable customers of
the segment are asked, once per round however often it runs; an unsubscribe stops them, even
one already planned; quiet hours, tracking and the send log apply; answers and the NPS."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from kefu.authz import SYSTEM
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer, OutboundMail, Survey
from kefu.models.outreach import OutreachSend
from kefu.outreach import links
from kefu.outreach.rules import OutreachPolicy
from kefu.outreach.service import outreach_service
from kefu.survey.service import survey_service
from tests.factories import make_customer
from tests.outreach.conftest import consent, make_due, make_journey, set_policy
from tests.survey.helpers import LINK, run_jobs, setup

QUESTIONS = [
    {"id": "why", "text": "主要原因是什么？", "type": "text", "required": True},
    {"id": "channel", "text": "您常用哪个渠道？", "type": "choice", "options": ["微信", "电话"]},
]


async def customers(db: Database) -> dict[str, int]:
    """High-tier customers who said yes (甲, 无邮箱 with a phone only), said nothing (乙) or
    unsubscribed (退订), and a mid-tier one who said yes (丙)."""
    async with db.transaction() as s:
        ids = {}
        for name, tier, email, yes in (
            ("高价值甲", "high", "a@example.cn", True),
            ("高价值乙", "high", "b@example.cn", False),
            ("中价值丙", "mid", "c@example.cn", True),
            ("高价值无邮箱", "high", None, True),
            ("高价值退订", "high", "d@example.cn", True),
        ):
            c = await make_customer(
                s, name=name, **({"email": email} if email else {"phone": "+8613900000000"})
            )
            ids[name] = c.id
            await s.execute(sa.update(Customer).where(Customer.id == c.id).values(tier=tier))
            if yes:
                await consent(s, c.id)
    async with db.transaction() as s:
        await outreach_service.unsubscribe(s, links.unsubscribe_token(ids["高价值退订"]))
    return ids


async def invitations(db: Database) -> list[OutreachSend]:
    async with db.session() as s:
        stmt = (
            sa.select(OutreachSend).where(OutreachSend.occurrence.like("survey:%")).order_by(OutreachSend.id)
        )
        return list((await s.execute(stmt)).scalars())


async def outreach_mails(db: Database) -> list[OutboundMail]:
    async with db.session() as s:
        stmt = sa.select(OutboundMail).where(OutboundMail.kind == "outreach").order_by(OutboundMail.id)
        return list((await s.execute(stmt)).scalars())


class TestCampaigns:
    async def test_only_consenting_customers_of_the_segment_once_per_round(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await set_policy(db)
        ids = await customers(db)
        body = {"name": "季度 NPS", "tiers": ["high"], "interval_days": 90, "questions": QUESTIONS}
        assert (
            await client.post("/api/v1/survey-campaigns", json=body, headers=env.supervisor)
        ).status_code == 403
        bad = {**body, "interval_days": 0}
        assert (await client.post("/api/v1/survey-campaigns", json=bad, headers=env.admin)).status_code == 422
        r = await client.post("/api/v1/survey-campaigns", json=body, headers=env.admin)
        assert r.status_code == 201
        campaign = r.json()
        # No invitation journey yet: the default one (email, marketing) carries the invitations.
        journeys = (await client.get("/api/v1/outreach/journeys", headers=env.admin)).json()["items"]
        assert [(j["trigger"], j["channel"], j["purpose"]) for j in journeys] == [
            ("survey", "email", "marketing")
        ]

        # The periodic job: due now → one invitation, to the high-tier customer who consented
        # and has an e-mail address (not 乙: no consent; not 退订; not 无邮箱: no address).
        async with db.transaction() as s:
            results = await survey_service.run_due(s)
        assert [(x.sent, x.run) for x in results] == [(1, 1)]
        # Run again at once: not due (next round in 90 days) → nothing new. Forced twice
        # ("run now"): the same round, so nobody is asked twice.
        async with db.transaction() as s:
            assert await survey_service.run_due(s) == []
        for _ in range(2):
            r = await client.post(f"/api/v1/survey-campaigns/{campaign['id']}/run", headers=env.admin)
            assert r.status_code == 200 and (r.json()["sent"], r.json()["skipped"]) == (0, 1)
        c = (await client.get(f"/api/v1/survey-campaigns/{campaign['id']}", headers=env.admin)).json()
        assert c["next_run_at"] > (utcnow() + timedelta(days=89)).isoformat()
        await run_jobs(db)
        [invite] = await invitations(db)
        assert (invite.customer_id, invite.status, invite.channel) == (ids["高价值甲"], "sent", "email")
        assert {m.to_addr for m in await outreach_mails(db)} == {"a@example.cn"}
        async with db.session() as s:
            [survey] = (await s.execute(sa.select(Survey))).scalars()
        assert (survey.customer_id, survey.channel, survey.kind) == (ids["高价值甲"], "email", "nps")

        # Tracking applies: the mailed link is the signed redirect to the survey page.
        [mail] = await outreach_mails(db)
        assert "/s/" not in mail.body_text and "/o/c/" in mail.body_text
        tracked = next(w for w in mail.body_text.split() if "/o/c/" in w)
        hop = await client.get(urlsplit(tracked).path)
        found = LINK.search(hop.headers["location"])
        assert hop.status_code == 302 and found and found.group(1) == survey.token
        token = survey.token

        public = (await client.get(f"/api/v1/s/{token}")).json()
        assert public["kind"] == "nps" and [q["id"] for q in public["questions"]] == ["why", "channel"]
        r = await client.post(f"/api/v1/s/{token}", json={"score": 11, "answers": {"why": "快"}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "score_out_of_range"
        r = await client.post(f"/api/v1/s/{token}", json={"score": 9, "answers": {}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "answer_required"
        r = await client.post(
            f"/api/v1/s/{token}", json={"score": 9, "answers": {"why": "快", "channel": "飞鸽"}}
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "bad_answer"
        r = await client.post(f"/api/v1/s/{token}", json={"score": 9, "answers": {"why": "快", "x": 1}})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_question"
        r = await client.post(
            f"/api/v1/s/{token}", json={"score": 0, "answers": {"why": "太慢", "channel": "电话"}}
        )
        assert r.status_code == 200
        s = (await client.get("/api/v1/surveys?kind=nps&answered=true", headers=env.supervisor)).json()[
            "items"
        ]
        assert s[0]["answers"] == {"why": "太慢", "channel": "电话"} and s[0]["score_100"] is None
        rate = (await client.get("/api/v1/surveys/response-rate?kind=nps", headers=env.supervisor)).json()
        assert (rate["sent"], rate["answered"], rate["nps"]) == (1, 1, -100.0)
        # NPS ≤ 6 opens a follow-up too.
        followups = (await client.get("/api/v1/survey-followups", headers=env.supervisor)).json()["items"]
        assert [(f["kind"], f["score"]) for f in followups] == [("nps", 0)]

    async def test_periodic_job_waits_for_quiet_hours_and_an_unsubscribe_stops_it(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        local = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
        quiet = OutreachPolicy(  # quiet from an hour ago to an hour from now
            quiet_start=f"{(local - timedelta(hours=1)):%H:%M}",
            quiet_end=f"{(local + timedelta(hours=1)):%H:%M}",
        )
        await set_policy(db, quiet)
        ids = await customers(db)
        await client.post("/api/v1/survey-campaigns", json={"name": "全员 NPS"}, headers=env.admin)
        async with db.transaction() as s:
            await jobs.enqueue(s, "survey.run_campaigns", {})
        await run_jobs(db)
        # Every tier: 甲 and 丙 (consent and e-mail); planned, waiting for quiet hours to end.
        planned = await invitations(db)
        assert sorted((x.customer_id, x.status) for x in planned) == sorted(
            [(ids["高价值甲"], "scheduled"), (ids["中价值丙"], "scheduled")]
        )
        assert await outreach_mails(db) == []
        # 丙 unsubscribes from the link of another message before it goes out.
        async with db.transaction() as s:
            await outreach_service.unsubscribe(s, links.unsubscribe_token(ids["中价值丙"], channel="email"))
        await set_policy(db)  # quiet hours end
        await make_due(db)
        await run_jobs(db)
        outcome = {x.customer_id: (x.status, x.reason) for x in await invitations(db)}
        assert outcome[ids["中价值丙"]] == ("skipped", "unsubscribed")
        assert outcome[ids["高价值甲"]][0] == "sent"
        assert [m.to_addr for m in await outreach_mails(db)] == ["a@example.cn"]

    async def test_one_invitation_through_the_first_journey_that_reaches_the_customer(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await set_policy(db)
        ids = await customers(db)
        async with db.transaction() as s:
            await make_journey(
                s,
                name="短信邀请",
                trigger="survey",
                channel="sms",
                purpose="marketing",
                body_zh="{survey_url}",
            )
            await make_journey(
                s, name="邮件邀请", trigger="survey", purpose="marketing", body_zh="请评价：{survey_url}"
            )
            await s.execute(sa.update(Customer).values(tier="high"))
        r = await client.post("/api/v1/survey-campaigns", json={"name": "NPS"}, headers=env.admin)
        journeys = (await client.get("/api/v1/outreach/journeys", headers=env.admin)).json()["items"]
        assert len(journeys) == 2  # the admin's own: no default added
        r = await client.post(f"/api/v1/survey-campaigns/{r.json()['id']}/run", headers=env.admin)
        assert r.json()["sent"] == 3
        by_customer = {x.customer_id: x.channel for x in await invitations(db)}
        # The phone-only customer by SMS (the first journey), the others by e-mail (no phone).
        assert by_customer == {ids["高价值甲"]: "email", ids["中价值丙"]: "email", ids["高价值无邮箱"]: "sms"}

    async def test_without_an_active_invitation_journey_a_campaign_waits(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await setup(db)
        await set_policy(db)
        await customers(db)
        r = await client.post("/api/v1/survey-campaigns", json={"name": "NPS"}, headers=env.admin)
        campaign = r.json()
        [journey] = (await client.get("/api/v1/outreach/journeys", headers=env.admin)).json()["items"]
        async with db.transaction() as s:
            await outreach_service.deactivate(s, SYSTEM, journey["id"])
        async with db.transaction() as s:
            assert await survey_service.run_due(s) == []
        r = await client.post(f"/api/v1/survey-campaigns/{campaign['id']}/run", headers=env.admin)
        assert r.status_code == 409 and r.json()["error"]["code"] == "no_survey_journey"
        c = (await client.get(f"/api/v1/survey-campaigns/{campaign['id']}", headers=env.admin)).json()
        assert c["runs"] == 0 and c["next_run_at"] == campaign["next_run_at"]  # its round is kept
        assert await invitations(db) == []
