"""Error messages in the request's language, same code: zh-CN by default, English on request."""

from __future__ import annotations

import httpx
import pytest

from kefu.errors import NotFound
from kefu.kit.db import Database
from kefu.kit.i18n import accept_language, error_text, split_bilingual
from kefu.models.user import Role
from tests.factories import bearer, staff_token


class TestSplit:
    @pytest.mark.parametrize(
        ("message", "zh", "en"),
        [
            ("工单不存在 / ticket not found", "工单不存在", "ticket not found"),
            ("CSV 文件过大（最大 5 MB）/ CSV too large", "CSV 文件过大（最大 5 MB）", "CSV too large"),
            (
                "日期 2026/13/01 无效 / invalid date 2026/13/01",
                "日期 2026/13/01 无效",
                "invalid date 2026/13/01",
            ),
        ],
    )
    def test_bilingual_messages(self, message: str, zh: str, en: str) -> None:
        assert split_bilingual(message) == (zh, en)
        assert error_text(message, locale="zh_CN") == zh
        assert error_text(message, locale="en") == en

    @pytest.mark.parametrize("message", ["ticket not found", "工单不存在", "a/b 测试"])
    def test_one_language_is_not_split(self, message: str) -> None:
        assert split_bilingual(message) is None


class TestCatalog:
    def test_english_ids_are_translated_and_placeholders_filled(self) -> None:
        assert error_text("group not found", locale="zh_CN") == "技能组不存在"
        assert error_text("group not found", locale="en") == "group not found"
        assert error_text("no id {n} here", {"n": 5}, locale="zh_CN") == "no id 5 here"

    def test_outside_a_request_the_message_stays_as_written(self) -> None:
        assert NotFound("工单不存在 / ticket not found").message == "工单不存在 / ticket not found"

    @pytest.mark.parametrize(
        ("header", "locale"),
        [
            ("en-US,en;q=0.9", "en"),
            ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
            ("fr, en;q=0.5", "en"),
            ("fr", None),
        ],
    )
    def test_accept_language(self, header: str, locale: str | None) -> None:
        assert accept_language(header) == locale


class TestApi:
    async def test_same_code_in_both_languages(self, db: Database, client: httpx.AsyncClient) -> None:
        _user, token = await staff_token(db, role=Role.ADMIN)
        zh = await client.get("/api/v1/tickets/987654", headers=bearer(token))
        en = await client.get(
            "/api/v1/tickets/987654", headers={**bearer(token), "Accept-Language": "en-US,en;q=0.9"}
        )
        by_query = await client.get("/api/v1/tickets/987654?lang=en", headers=bearer(token))
        assert zh.status_code == en.status_code == 404
        assert zh.json() == {"error": {"code": "not_found", "message": "工单不存在"}}
        assert en.json() == {"error": {"code": "not_found", "message": "ticket not found"}}
        assert by_query.json() == en.json()

    async def test_english_id_rendered_in_chinese_by_default(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _user, token = await staff_token(db, role=Role.ADMIN)
        zh = await client.delete("/api/v1/schedules/987654", headers=bearer(token))
        en = await client.delete(
            "/api/v1/schedules/987654", headers={**bearer(token), "Accept-Language": "en"}
        )
        assert zh.status_code == 404 and zh.json()["error"]["message"] == "工作时间表不存在"
        assert en.json()["error"] == {"code": zh.json()["error"]["code"], "message": "schedule not found"}

    async def test_malformed_json_in_both_languages(self, db: Database, client: httpx.AsyncClient) -> None:
        _user, token = await staff_token(db, role=Role.ADMIN)
        h = {**bearer(token), "Content-Type": "application/json"}
        zh = await client.post("/api/v1/tickets", content=b"{", headers=h)
        en = await client.post("/api/v1/tickets", content=b"{", headers={**h, "Accept-Language": "en"})
        assert zh.json()["error"] == {"code": "malformed_json", "message": "请求体不是有效的 JSON"}
        assert en.json()["error"] == {"code": "malformed_json", "message": "malformed JSON body"}

    async def test_a_browser_follows_the_page_language_not_its_accept_language(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _user, token = await staff_token(db, role=Role.ADMIN)
        h = {**bearer(token), "Accept-Language": "en-US"}
        zh = await client.get("/api/v1/tickets/987654", headers={**h, "Cookie": "kefu_csrf=x"})
        en = await client.get("/api/v1/tickets/987654", headers={**h, "Cookie": "kefu_lang=en"})
        assert zh.json()["error"]["message"] == "工单不存在"
        assert en.json()["error"]["message"] == "ticket not found"
        # A page follows the UI language even on a browser's first visit (no cookies yet).
        page = await client.get("/agent/tickets/987654", headers={**h, "Accept": "text/html"})
        assert page.status_code == 404 and "工单不存在" in page.text and "ticket not found" not in page.text

    async def test_unknown_pages_and_methods_speak_the_page_language(self, client: httpx.AsyncClient) -> None:
        """Starlette's own 404/405 reasons ("Not Found") are English; a Chinese page must not be."""
        page = await client.get("/customers/60", headers={"Accept": "text/html"})
        assert page.status_code == 404 and "页面或资源不存在" in page.text and "Not Found" not in page.text
        en = await client.get("/customers/60", headers={"Accept": "text/html", "Cookie": "kefu_lang=en"})
        assert en.status_code == 404 and "Not Found" in en.text
        api = await client.get("/api/v1/no-such-thing")
        assert api.json() == {"error": {"code": "not_found", "message": "页面或资源不存在"}}
        wrong = await client.put("/api/v1/tickets?lang=en")
        assert wrong.status_code == 405
        assert wrong.json()["error"] == {"code": "method_not_allowed", "message": "Method Not Allowed"}
