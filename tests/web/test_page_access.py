"""Who may open the agent and supervisor pages that check access with `web.access`
(`staff`, `staff_with`): nobody signed in is sent to sign in, a role without the page's
permission gets 403, the role the page is for gets it. A repair partner is a staff account
without staff work: the repair panels of tickets and customers are not theirs."""

from __future__ import annotations

import httpx
import pytest

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import make_customer
from tests.web.admin.cases import HTML, login

# (page, who may open it, who may not)
PAGES: list[tuple[str, Role, Role | None]] = [
    ("/agent/tickets", Role.AGENT, None),
    ("/agent/customers", Role.AGENT, None),
    ("/agent/my-customers", Role.AGENT, None),
    ("/agent/customers/{customer}/field", Role.AGENT, Role.PARTNER),
    ("/training", Role.AGENT, Role.PARTNER),
    ("/training/report", Role.SUPERVISOR, Role.AGENT),
    ("/improvements", Role.AGENT, Role.PARTNER),
    ("/improvements/new", Role.SUPERVISOR, Role.AGENT),
    ("/admin/outreach-settings", Role.ADMIN, Role.SUPERVISOR),
    ("/admin/service-reports", Role.SUPERVISOR, Role.AGENT),
]


async def _url(db: Database, page: str) -> str:
    if "{customer}" not in page:
        return page
    async with db.transaction() as s:
        customer = await make_customer(s, name="周杰")
    return page.format(customer=customer.id)


@pytest.mark.parametrize(("page", "allowed", "denied"), PAGES, ids=[p[0] for p in PAGES])
async def test_page_access(
    db: Database, client: httpx.AsyncClient, page: str, allowed: Role, denied: Role | None
) -> None:
    url = await _url(db, page)
    anonymous = await client.get(url, headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={url}"
    if denied is not None:
        await login(client, db, denied)
        refused = await client.get(url, headers=HTML)
        assert refused.status_code == 403, refused.text[-500:]
        # Partners are turned away before the page's own check (partner portal only).
        assert ("合作商" if denied == Role.PARTNER else "无权访问") in refused.text
    await login(client, db, allowed)
    shown = await client.get(url, headers=HTML)
    assert shown.status_code == 200, shown.text[-1500:]
