"""Knowledge base through the API and the help-center pages."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from kefu.demo import kb as kb_demo
from kefu.kit.db import Database
from kefu.models.kb import SearchMiss
from kefu.models.user import Role
from tests.factories import bearer, staff_token


async def _article(client: httpx.AsyncClient, token: str, **fields: object) -> dict[str, object]:
    body = {
        "title": "手机充不进电怎么办？",
        "body": "请更换**原装**充电器。",
        "category": "使用/手机",
        "status": "published",
        **fields,
    }
    r = await client.post("/api/v1/kb/articles", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())


class TestAuthoring:
    async def test_markdown_is_rendered_and_sanitised(self, db: Database, client: httpx.AsyncClient) -> None:
        _sup, token = await staff_token(db, role=Role.SUPERVISOR)
        a = await _article(
            client, token, body="**粗体** <script>alert(1)</script> [链接](javascript:alert(1))"
        )
        assert "<strong>粗体</strong>" in str(a["body_html"])
        html = str(a["body_html"])
        assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
        assert 'href="javascript' not in html

    async def test_edits_keep_a_version_history(self, db: Database, client: httpx.AsyncClient) -> None:
        _sup, token = await staff_token(db, role=Role.SUPERVISOR)
        a = await _article(client, token)
        r = await client.patch(
            f"/api/v1/kb/articles/{a['id']}", json={"body": "第二版"}, headers=bearer(token)
        )
        assert r.json()["version"] == 2
        versions = (await client.get(f"/api/v1/kb/articles/{a['id']}/versions", headers=bearer(token))).json()
        assert [v["version"] for v in versions["items"]] == [2, 1]
        assert versions["items"][1]["body"] == "请更换**原装**充电器。"

    async def test_agents_cannot_edit_and_bad_payloads_are_422(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, agent = await staff_token(db, role=Role.AGENT)
        r = await client.post("/api/v1/kb/articles", json={"title": "x", "body": "y"}, headers=bearer(agent))
        assert r.status_code == 403
        _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.post("/api/v1/kb/articles", json={"title": "", "body": "y"}, headers=bearer(sup))
        assert r.status_code == 422
        r = await client.post(
            "/api/v1/kb/articles", json={"title": "x", "body": "y", "locale": "fr"}, headers=bearer(sup)
        )
        assert r.status_code == 422


class TestVisibility:
    async def test_drafts_and_internal_articles_are_hidden_from_the_public(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
        draft = await _article(client, sup, title="草稿文章", status="draft")
        internal = await _article(client, sup, title="投诉安抚话术", body="内部话术", visibility="internal")
        public = await _article(client, sup, title="退换货政策", body="7 天无理由退货")
        assert (await client.get(f"/api/v1/kb/articles/{draft['id']}")).status_code == 404
        assert (await client.get(f"/api/v1/kb/articles/{internal['id']}")).status_code == 404
        assert (await client.get(f"/api/v1/kb/articles/{public['id']}")).status_code == 200
        listed = (await client.get("/api/v1/kb/articles")).json()["items"]
        assert [a["title"] for a in listed] == ["退换货政策"]
        _agent, agent = await staff_token(db, role=Role.AGENT)
        r = await client.get(f"/api/v1/kb/articles/{internal['id']}", headers=bearer(agent))
        assert r.status_code == 200
        found = (await client.get("/api/v1/kb/search", params={"q": "话术"}, headers=bearer(agent))).json()
        assert [i["title"] for i in found["items"]] == ["投诉安抚话术"]
        anon = (await client.get("/api/v1/kb/search", params={"q": "话术"})).json()
        assert anon["items"] == []


class TestSearch:
    async def test_demo_kb_answers_customer_questions(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            created = await kb_demo.load(s, None)
        assert created >= 40
        cases = {
            "手机充不了电": {"手机充不进电怎么办？"},
            "我想退货": {"退换货政策是什么？", "如何申请退货退款？"},
            "怎么开发票": {"如何开具发票？"},
            "耳机连不上蓝牙": {"耳机蓝牙连不上怎么办？"},
            "屏幕碎了修要多少钱": {"屏幕摔碎了维修多少钱？"},
            "退款几天能到": {"退款多久到账？"},
            "客服几点下班": {"客服工作时间是什么时候？"},
        }
        for question, titles in cases.items():
            r = await client.get("/api/v1/kb/search", params={"q": question})
            assert r.status_code == 200
            assert r.json()["items"][0]["title"] in titles, question
        r = await client.get("/api/v1/kb/search", params={"q": "bluetooth earphones", "locale": "en"})
        assert r.json()["items"][0]["title"] == "Earphones won't connect over Bluetooth"

    async def test_searches_without_results_are_logged_as_content_gaps(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        for _ in range(2):
            r = await client.get("/api/v1/kb/search", params={"q": "火星快递"})
            assert r.json()["items"] == []
        async with db.session() as s:
            miss = (await s.execute(sa.select(SearchMiss))).scalar_one()
        assert (miss.query, miss.count) == ("火星快递", 2)
        _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
        gaps = (await client.get("/api/v1/kb/gaps", headers=bearer(sup))).json()["items"]
        assert gaps[0]["query"] == "火星快递"

    async def test_edits_are_searchable_at_once(self, db: Database, client: httpx.AsyncClient) -> None:
        _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
        a = await _article(client, sup)
        assert (await client.get("/api/v1/kb/search", params={"q": "扫地机器人"})).json()["items"] == []
        await client.patch(
            f"/api/v1/kb/articles/{a['id']}", json={"title": "扫地机器人找不到充电座"}, headers=bearer(sup)
        )
        items = (await client.get("/api/v1/kb/search", params={"q": "扫地机器人"})).json()["items"]
        assert [i["id"] for i in items] == [a["id"]]

    async def test_empty_or_huge_queries_are_rejected_cleanly(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/v1/kb/search", params={"q": ""})).status_code == 422
        assert (await client.get("/api/v1/kb/search", params={"q": "x" * 500})).status_code == 422


class TestHelpCenterPages:
    async def test_browse_search_read_and_vote(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            await kb_demo.load(s, None)
        home = await client.get("/help", headers={"accept": "text/html"})
        assert home.status_code == 200 and "售后/退换货" in home.text
        found = await client.get("/help/search", params={"q": "退货"}, headers={"accept": "text/html"})
        assert "<mark>" in found.text and "退换货政策是什么？" in found.text
        r = await client.get("/api/v1/kb/search", params={"q": "退货"})
        article_id = next(i["id"] for i in r.json()["items"] if i["title"] == "退换货政策是什么？")
        page = await client.get(f"/help/articles/{article_id}", headers={"accept": "text/html"})
        assert "<strong>7 天无理由退货</strong>" in page.text
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        voted = await client.post(
            f"/help/articles/{article_id}/feedback", data={"helpful": "yes", "csrf_token": token}
        )
        assert voted.status_code == 200 and "感谢您的反馈" in voted.text
        got = (await client.get(f"/api/v1/kb/articles/{article_id}")).json()
        assert (got["views"], got["helpful"]) == (1, 1)
