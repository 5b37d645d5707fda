"""Webhook gaps found with the channels work: every event the system knows (other domains'
such as survey.answered, the channels' call.*) can be subscribed; internal targets are
refused again at send time even if they were allowed when the subscription was made."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import WebhookDelivery
from kefu.models.user import Role
from tests.conftest import Configure
from tests.factories import bearer, staff_token


async def test_known_events_of_every_domain_can_be_subscribed(
    db: Database, client: httpx.AsyncClient
) -> None:
    _admin, token = await staff_token(db, role=Role.ADMIN)
    events = ["ticket.created", "message.created", "sla.breached", "survey.answered", "call.missed"]
    r = await client.post(
        "/api/v1/webhooks",
        headers=bearer(token),
        json={"name": "BI", "url": "https://hooks.example.com/kefu", "events": events},
    )
    assert r.status_code == 201, r.text
    assert sorted(r.json()["events"]) == sorted(events) and r.json()["scope"] is None


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254"])
async def test_internal_targets_are_refused_at_send_time_once_no_longer_allowed(
    db: Database, client: httpx.AsyncClient, configure: Configure, host: str
) -> None:
    _admin, token = await staff_token(db, role=Role.ADMIN)
    configure(webhook_allowed_hosts=[host], webhook_timeout_seconds=2)
    r = await client.post(
        "/api/v1/webhooks",
        headers=bearer(token),
        json={"name": "x", "url": f"http://{host}:9/hook", "events": ["*"]},
    )
    assert r.status_code == 201
    configure(webhook_allowed_hosts=[])  # the admin withdrew it
    await client.post(f"/api/v1/webhooks/{r.json()['id']}/ping", headers=bearer(token))
    await Worker(db).run_until_idle()
    async with db.session() as s:
        [d] = (await s.execute(sa.select(WebhookDelivery))).scalars().all()
    assert d.status == "failed" and "internal address" in (d.last_error or "") and d.last_status_code is None
