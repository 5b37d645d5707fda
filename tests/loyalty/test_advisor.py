"""Dedicated advisors (专属顾问) on both backends: eligibility on the 12-month spend, who may
assign and reassign (audited), automatic removal when the spend falls (refund and the nightly
recalculation) with a notice to the advisor, the customer seeing their advisor (API and
portal), the 360° form and the 我的客户 book."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import AuditEntry, OutboundMail
from kefu.models.user import Role
from tests.factories import bearer, customer_token, make_group, make_ticket, make_user, staff_token

HTML = {"accept": "text/html"}


async def _setup(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        vip = await make_group(s, name="VIP专席")
        other = await make_group(s, name="售前", is_default=True)
        zhang = await make_user(s, email="zhangwei@kefu.demo", name="张伟", group_ids=[vip.id])
        sun = await make_user(s, email="sunyue@kefu.demo", name="孙悦", group_ids=[vip.id])
        outsider = await make_user(s, email="li@kefu.demo", name="李娜", group_ids=[other.id])
    _admin, admin = await staff_token(db, role=Role.ADMIN)
    _sup, sup = await staff_token(db, role=Role.SUPERVISOR)
    _agent, agent = await staff_token(db, role=Role.AGENT, group_ids=[vip.id])
    customer, ctoken = await customer_token(db, name="何静", email="hejing@example.cn")
    return {
        "admin": bearer(admin),
        "sup": bearer(sup),
        "agent": bearer(agent),
        "customer": customer.id,
        "me": bearer(ctoken),
        "zhang": zhang,
        "sun": sun,
        "outsider": outsider,
        "vip": vip.id,
    }


async def _order(
    client: httpx.AsyncClient, env: dict[str, Any], ext: str, amount: str, days_ago: int = 1
) -> int:
    r = await client.post(
        f"/api/v1/customers/{env['customer']}/orders",
        headers=env["admin"],
        json={
            "external_id": ext,
            "amount": amount,
            "currency": "CNY",
            "placed_at": (utcnow() - timedelta(days=days_ago)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _url(env: dict[str, Any]) -> str:
    return f"/api/v1/customers/{env['customer']}/advisor"


async def _audit(db: Database, action: str) -> list[AuditEntry]:
    async with db.transaction() as s:
        rows = (await s.execute(sa.select(AuditEntry).where(AuditEntry.action == action))).scalars().all()
        return list(rows)


async def _mails_to(db: Database, email: str) -> list[OutboundMail]:
    async with db.transaction() as s:
        rows = await s.execute(sa.select(OutboundMail).where(OutboundMail.kind == "advisor_changed"))
        return [m for m in rows.scalars().all() if email in m.to_addr]


class TestAssign:
    async def test_only_eligible_customers_get_an_advisor_from_the_advisor_group(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "60000")
        status = (await client.get(_url(env), headers=env["sup"])).json()
        assert status["eligible"] is False and status["advisor"] is None and status["threshold"] == "100000"
        r = await client.put(_url(env), headers=env["sup"], json={"user_id": env["zhang"].id})
        assert r.status_code == 409 and r.json()["error"]["code"] == "advisor_not_eligible"
        await _order(client, env, "SO-2", "40000")  # 100,000 exactly: eligible (at least the threshold)
        # An order alone assigns nobody: assigning is a person's decision.
        assert (await client.get(_url(env), headers=env["sup"])).json()["advisor"] is None
        r = await client.put(_url(env), headers=env["sup"], json={"user_id": env["outsider"].id})
        assert r.status_code == 422 and r.json()["error"]["code"] == "not_an_advisor"
        assert "VIP专席" in r.json()["error"]["message"]
        r = await client.put(
            _url(env), headers=env["sup"], json={"user_id": env["zhang"].id, "reason": "老客户"}
        )
        assert r.status_code == 200
        assert r.json()["advisor"] == {"user_id": env["zhang"].id, "name": "张伟"}
        assert r.json()["eligible"] is True and r.json()["spend_12m"] == "100000.00"

    async def test_agents_may_not_assign_supervisors_reassign_and_every_change_is_audited(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "150000")
        body = {"user_id": env["zhang"].id}
        denied = await client.put(_url(env), headers=env["agent"], json=body)
        assert denied.status_code == 403
        assert (await client.delete(_url(env), headers=env["agent"])).status_code == 403
        assert (await client.put(_url(env), headers=env["admin"], json=body)).status_code == 200
        moved = await client.put(
            _url(env), headers=env["sup"], json={"user_id": env["sun"].id, "reason": "调岗"}
        )
        assert moved.json()["advisor"]["name"] == "孙悦"
        assigned = await _audit(db, "customer.advisor_assigned")
        assert [(a.detail["from"], a.detail["to"]) for a in assigned] == [
            (None, env["zhang"].id),
            (env["zhang"].id, env["sun"].id),
        ]
        assert assigned[1].detail["reason"] == "调岗" and assigned[1].target_id == str(env["customer"])
        assert (await client.delete(_url(env) + "?reason=客户要求", headers=env["sup"])).status_code == 204
        assert (await client.delete(_url(env), headers=env["sup"])).status_code == 204  # idempotent
        removed = await _audit(db, "customer.advisor_removed")
        assert len(removed) == 1 and removed[0].detail == {
            "from": env["sun"].id,
            "to": None,
            "reason": "客户要求",
            "automatic": False,
        }
        await Worker(db).run_until_idle()  # the listener mails both advisors
        assert len(await _mails_to(db, "zhangwei@kefu.demo")) == 2  # gained, then lost
        assert len(await _mails_to(db, "sunyue@kefu.demo")) == 2

    async def test_unknown_customer_is_404(self, db: Database, client: httpx.AsyncClient) -> None:
        env = await _setup(db)
        r = await client.put("/api/v1/customers/999999/advisor", headers=env["sup"], json={"user_id": 1})
        assert r.status_code == 404


class TestAutomaticRemoval:
    async def test_a_refund_that_takes_spend_below_the_threshold_removes_the_advisor(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "80000")
        big = await _order(client, env, "SO-2", "30000")
        await client.put(_url(env), headers=env["sup"], json={"user_id": env["zhang"].id})
        await _order(client, env, "SO-3", "500")  # still above: kept
        assert (await client.get(_url(env), headers=env["sup"])).json()["advisor"] is not None
        assert (await client.post(f"/api/v1/orders/{big}/refund", headers=env["admin"])).status_code == 200
        after = (await client.get(_url(env), headers=env["sup"])).json()
        assert after["advisor"] is None and after["eligible"] is False
        removed = await _audit(db, "customer.advisor_removed")
        assert len(removed) == 1 and removed[0].detail["automatic"] is True
        assert removed[0].actor_user_id is None and removed[0].detail["reason"] == "spend_below_threshold"
        await Worker(db).run_until_idle()
        notice = (await _mails_to(db, "zhangwei@kefu.demo"))[-1]
        assert "何静" in notice.subject and "不再" in notice.subject

    async def test_the_nightly_recalculation_removes_advisors_whose_orders_aged_out(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "OLD", "200000", days_ago=300)
        await client.put(_url(env), headers=env["sup"], json={"user_id": env["sun"].id})
        async with db.transaction() as s:
            await loyalty_service.recalculate_all(s)  # still inside the 12 months
        assert (await client.get(_url(env), headers=env["sup"])).json()["advisor"]["name"] == "孙悦"
        async with db.transaction() as s:
            await loyalty_service.recalculate_all(s, now=utcnow() + timedelta(days=70))
        assert (await client.get(_url(env), headers=env["sup"])).json()["advisor"] is None
        assert (await _audit(db, "customer.advisor_removed"))[0].detail["automatic"] is True


class TestCustomerSees:
    async def test_api_and_portal_show_the_customer_their_advisor(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        before = await client.get("/portal/tickets", headers={**HTML, **env["me"]})
        assert before.status_code == 200 and "专属顾问" not in before.text
        await _order(client, env, "SO-1", "120000")
        await client.put(_url(env), headers=env["sup"], json={"user_id": env["zhang"].id})
        me = (await client.get(f"/api/v1/customers/{env['customer']}", headers=env["me"])).json()
        assert me["advisor_id"] == env["zhang"].id and me["advisor_name"] == "张伟"
        mine = (await client.get(_url(env), headers=env["me"])).json()
        assert mine["advisor"]["name"] == "张伟"
        for path in ("/portal/tickets", "/portal/account"):
            page = await client.get(path, headers={**HTML, **env["me"]})
            assert "您的专属顾问: 张伟" in page.text, path
        other, token = await customer_token(db, name="别人")
        r = await client.get(_url(env), headers=bearer(token))
        assert r.status_code == 404  # another customer's advisor is not theirs to see
        assert other.id != env["customer"]


class TestPages:
    async def test_supervisor_assigns_on_the_360_page_in_chinese(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "130000")
        page = await client.get(f"/agent/customers/{env['customer']}", headers={**HTML, **env["sup"]})
        assert 'id="assign-advisor"' in page.text and "指派顾问" in page.text and "符合条件" in page.text
        assert "张伟（0 位客户）" in page.text
        r = await client.post(
            f"/agent/customers/{env['customer']}/advisor",
            headers={**HTML, **env["sup"]},
            data={"user_id": str(env["outsider"].id), "reason": ""},
        )
        assert r.status_code == 422 and "顾问必须是「VIP专席」组的在职成员" in r.text
        r = await client.post(
            f"/agent/customers/{env['customer']}/advisor",
            headers={**HTML, **env["sup"]},
            data={"user_id": str(env["sun"].id), "reason": "高价值客户"},
        )
        assert r.status_code == 303
        page = await client.get(f"/agent/customers/{env['customer']}", headers={**HTML, **env["sup"]})
        assert 'data-testid="advisor-name">孙悦<' in page.text and "取消顾问" in page.text
        agent_view = await client.get(f"/agent/customers/{env['customer']}", headers={**HTML, **env["agent"]})
        assert "孙悦" in agent_view.text and 'id="assign-advisor"' not in agent_view.text

    async def test_my_customers_lists_the_advisors_book(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "150000")
        await client.put(_url(env), headers=env["sup"], json={"user_id": env["zhang"].id})
        async with db.transaction() as s:
            await make_ticket(s, customer_id=env["customer"], subject="扫地机不充电")
            from kefu.auth.service import auth_service

            token = (await auth_service.issue_token(s, env["zhang"])).token
            sun_token = (await auth_service.issue_token(s, env["sun"])).token
            outsider_token = (await auth_service.issue_token(s, env["outsider"])).token
        page = await client.get("/agent/my-customers", headers={**HTML, **bearer(token)})
        assert page.status_code == 200 and "我的客户" in page.text
        row = page.text[page.text.find(f'data-customer="{env["customer"]}"') :]
        row = row[: row.find("</tr>")]
        assert "何静" in row and "中价值" in row and "¥150,000" in row
        assert "<td>1</td>" in row  # one open ticket
        assert "—" not in row  # the ticket is the last contact
        sun_page = await client.get("/agent/my-customers", headers={**HTML, **bearer(sun_token)})
        assert "何静" not in sun_page.text and "还没有分配给您的客户" in sun_page.text
        api = (await client.get("/api/v1/advisors/me/customers", headers=bearer(token))).json()
        assert [e["customer_id"] for e in api["items"]] == [env["customer"]]
        assert api["items"][0]["open_tickets"] == 1 and api["items"][0]["spend_12m"] == "150000.00"
        # The menu item: for the advisor group and supervisors, not for other agents.
        link = await client.get("/agent/my-customers/link", headers={**HTML, **bearer(token)})
        assert 'href="/agent/my-customers"' in link.text and "我的客户" in link.text
        none = await client.get("/agent/my-customers/link", headers={**HTML, **bearer(outsider_token)})
        assert none.text == ""
        forbidden = await client.get(
            f"/api/v1/advisors/{env['zhang'].id}/customers", headers=bearer(sun_token)
        )
        assert forbidden.status_code == 403

    async def test_supervisors_see_eligible_customers_waiting_for_an_advisor(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        env = await _setup(db)
        await _order(client, env, "SO-1", "110000")
        page = await client.get("/agent/my-customers", headers={**HTML, **env["sup"]})
        waiting = page.text[page.text.find('id="unassigned"') :]
        assert "符合条件但尚无顾问的客户" in waiting and "何静" in waiting
        await client.put(_url(env), headers=env["sup"], json={"user_id": env["zhang"].id})
        page = await client.get(
            f"/agent/my-customers?advisor={env['zhang'].id}", headers={**HTML, **env["sup"]}
        )
        assert "所有符合条件的客户都已有专属顾问" in page.text
        assert "何静" in page.text[page.text.find('id="book"') : page.text.find('id="unassigned"')]
