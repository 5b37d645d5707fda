"""Data-subject export and erasure: after erasure nothing we serve or log names the person."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import structlog

from kefu.config import Settings
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.logging import configure_logging
from kefu.models.user import Role
from tests.factories import PASSWORD, bearer, make_group, make_user, staff_token

NAME, PHONE, EMAIL = "钱多多", "13912345678", "qianduoduo@example.cn"
NEEDLES = (NAME, PHONE, "+86" + PHONE, EMAIL)


def leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


async def _world(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        g = await make_group(s, name="售后", is_default=True)
        await make_user(s, email="li@example.com", group_ids=[g.id])
    _admin, token = await staff_token(db, role=Role.ADMIN)
    h = bearer(token)
    await client.post(
        "/api/v1/webhooks",
        headers=h,
        json={"name": "crm", "url": "https://crm.example.com/hook", "events": ["*"]},
    )
    c = (
        await client.post(
            "/api/v1/customers",
            headers=h,
            json={"name": NAME, "email": EMAIL, "phone": PHONE, "external_id": "VIP-88"},
        )
    ).json()
    t = (
        await client.post(
            "/api/v1/tickets",
            headers=h,
            json={
                "subject": f"{NAME} 的手机 {PHONE} 坏了",
                "description": f"请回电 {PHONE} 或邮件 {EMAIL}",
                "channel": "web",
                "customer_id": c["id"],
            },
        )
    ).json()
    await client.post(f"/api/v1/tickets/{t['id']}/comments", headers=h, json={"body": f"{NAME}您好，已收到"})
    await client.patch(f"/api/v1/tickets/{t['id']}", headers=h, json={"subject": f"{NAME} 手机维修"})
    await client.post(
        f"/api/v1/tickets/{t['id']}/attachments",
        headers=h,
        files={"file": ("发票.pdf", b"%PDF-1.4 " + NAME.encode(), "application/pdf")},
    )
    await client.post(
        f"/api/v1/customers/{c['id']}/orders",
        headers=h,
        json={"external_id": "SO-88", "amount": "3000", "currency": "CNY", "placed_at": utcnow().isoformat()},
    )
    # A chat from the same person (matched by e-mail), telling their phone number to the bot.
    chat = (await client.post("/api/v1/widget/sessions", json={"name": NAME, "email": EMAIL})).json()
    ch = bearer(chat["session_token"])
    await client.post(
        "/api/v1/widget/messages", headers=ch, json={"client_id": "p1", "text": f"我是{NAME}，电话{PHONE}"}
    )
    await client.post(
        "/api/v1/widget/attachments",
        headers=ch,
        files={"file": ("截图.png", b"\x89PNG" + NAME.encode(), "image/png")},
    )
    return {"h": h, "customer": c["id"], "ticket": t["id"], "conversation": chat["conversation_id"]}


class TestExport:
    async def test_export_contains_everything_and_is_audited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        w = await _world(db, client)
        r = await client.get(f"/api/v1/customers/{w['customer']}/export", headers=w["h"])
        assert r.status_code == 200
        data = r.json()
        assert data["customer"]["name"] == NAME
        assert {i["value"] for i in data["identities"]} >= {EMAIL, "+86" + PHONE}
        assert data["tickets"][0]["id"] == w["ticket"] and data["orders"][0]["external_id"] == "SO-88"
        assert data["conversations"][0]["id"] == w["conversation"]
        assert any(PHONE in m["text"] for m in data["messages"] if m["sender"] == "customer")
        assert data["chat_attachments"][0]["filename"] == "截图.png"
        audit = (
            await client.get("/api/v1/audit", params={"action": "customer.exported"}, headers=w["h"])
        ).json()
        assert len(audit["items"]) == 1
        _agent, agent = await staff_token(db, role=Role.AGENT)
        assert (
            await client.get(f"/api/v1/customers/{w['customer']}/export", headers=bearer(agent))
        ).status_code == 403


class TestErasure:
    async def test_nothing_served_or_logged_names_the_person_afterwards(
        self, db: Database, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configure_logging(Settings(log_json=True, log_level="INFO"))
        w = await _world(db, client)
        await Worker(db).run_until_idle()  # listeners, webhook deliveries recorded
        h, cid, tid = w["h"], w["customer"], w["ticket"]
        assert (await client.post(f"/api/v1/customers/{cid}/erase", headers=h)).status_code == 204
        structlog.get_logger("probe").info("after.erasure", customer_id=cid)
        texts = []
        for url in (
            f"/api/v1/customers/{cid}",
            f"/api/v1/customers/{cid}/export",
            "/api/v1/tickets",
            f"/api/v1/tickets/{tid}",
            f"/api/v1/tickets/{tid}/history",
            f"/api/v1/customers/{cid}/orders",
            f"/api/v1/conversations/{w['conversation']}",
            f"/api/v1/conversations?customer_id={cid}",
            f"/api/v1/customers?email={EMAIL}",
            f"/api/v1/customers?phone={PHONE}",
            "/api/v1/audit",
            "/api/v1/webhooks/1/deliveries",
        ):
            r = await client.get(url, headers=h)
            assert r.status_code == 200, url
            texts.append(r.text)
        # Pages, as an agent sees them.
        page = await client.get("/login", headers={"accept": "text/html"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await client.post(
            "/login", data={"email": "li@example.com", "password": PASSWORD, "csrf_token": token}
        )
        for url in ("/agent/tickets?view=groups", f"/agent/tickets/{tid}"):
            texts.append((await client.get(url, headers={"accept": "text/html"})).text)
        texts.append(capsys.readouterr().err)
        found = {n for t in texts for n in leaks(t)}
        assert found == set()
        assert (await client.get(f"/api/v1/customers?email={EMAIL}", headers=h)).json()["items"] == []
        ticket = (await client.get(f"/api/v1/tickets/{tid}", headers=h)).json()
        assert ticket["status"] and ticket["comments"][0]["attachments"] == []  # numbers kept, content gone
        assert (await client.get(f"/api/v1/customers/{cid}/orders", headers=h)).json()["items"][0][
            "amount"
        ] == "3000.00"

    async def test_erasing_twice_or_without_permission_is_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        w = await _world(db, client)
        _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
        assert (
            await client.post(f"/api/v1/customers/{w['customer']}/erase", headers=bearer(sup))
        ).status_code == 403
        assert (
            await client.post(f"/api/v1/customers/{w['customer']}/erase", headers=w["h"])
        ).status_code == 204
        r = await client.post(f"/api/v1/customers/{w['customer']}/erase", headers=w["h"])
        assert (r.status_code, r.json()["error"]["code"]) == (409, "already_erased")


class TestRetention:
    async def test_old_closed_tickets_lose_their_texts_but_keep_numbers(
        self, db: Database, tmp_path: Any
    ) -> None:
        from datetime import timedelta

        import sqlalchemy as sa

        from kefu.models import Ticket
        from kefu.privacy.service import privacy_service
        from tests.factories import make_ticket

        async with db.transaction() as s:
            old = await make_ticket(s, subject=f"{NAME} 的旧工单")
            old.status, old.closed_at = "closed", utcnow() - timedelta(days=400)
            recent = await make_ticket(s, subject="最近的工单")
            recent.status, recent.closed_at = "closed", utcnow() - timedelta(days=10)
        async with db.transaction() as s:
            await privacy_service.apply_retention(s, days=0, attachments_root=tmp_path)  # disabled: nothing
            await privacy_service.apply_retention(s, days=365, attachments_root=tmp_path)
        async with db.session() as s:
            rows = dict((await s.execute(sa.select(Ticket.id, Ticket.subject))).all())
        assert NAME not in rows[old.id] and rows[recent.id] == "最近的工单"
