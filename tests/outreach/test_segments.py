"""Segments select the right customers, in SQL, on both backends: tier, purchase recency,
birthday month, last contact, consent (and unsubscribe), and an address on the channel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from kefu.authz import SYSTEM
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer
from kefu.outreach.repository import outreach_repository
from kefu.outreach.service import outreach_service
from tests.factories import make_customer, make_ticket
from tests.outreach.conftest import consent, make_journey, order


@pytest.fixture
async def people(db: Database) -> dict[str, int]:
    now = utcnow()
    async with db.transaction() as s:
        a = await make_customer(s, name="甲", email="a@example.cn", birthday=date(1990, 3, 12))
        b = await make_customer(s, name="乙", email="b@example.cn", phone="+8613800000002")
        c = await make_customer(s, name="丙", phone="+8613800000003", birthday=date(1985, 3, 1))
        d = await make_customer(s, name="丁", email="d@example.cn")
        await order(s, a.id, "SEG-A", 500, now - timedelta(days=10))
        await order(s, b.id, "SEG-B", 500, now - timedelta(days=200))
        for cid in (a.id, c.id, d.id):
            await consent(s, cid)
        (await s.get(Customer, a.id)).tier = "high"  # type: ignore[union-attr]
    async with db.transaction() as s:
        await make_ticket(s, customer_id=b.id, channel="email")
        await outreach_repository.add_unsubscribe(s, d.id, "link")
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id}


async def _who(db: Database, people: dict[str, int], **journey: Any) -> set[str]:
    async with db.transaction() as s:
        j = await make_journey(s, **journey)
        count = await outreach_service.audience(s, SYSTEM, j.id)
        ids = await outreach_repository.audience_ids(s, outreach_service._where(j, utcnow()))
    assert count == len(ids)
    names = {v: k for k, v in people.items()}
    return {names[i] for i in ids}


class TestSegments:
    async def test_tier(self, db: Database, people: dict[str, int]) -> None:
        assert await _who(db, people, segment={"tiers": ["high"]}) == {"a"}
        assert await _who(db, people, segment={"tiers": ["potential", "none"]}) == {"b", "d"}

    async def test_purchase_recency(self, db: Database, people: dict[str, int]) -> None:
        assert await _who(db, people, segment={"purchased_within_days": 30}) == {"a"}
        assert await _who(db, people, segment={"purchased_within_days": 365}) == {"a", "b"}
        # Lapsed: nothing in 30 days (never bought counts too); c has no email, so not here ...
        assert await _who(db, people, segment={"no_purchase_within_days": 30}) == {"b", "d"}
        # ... but on SMS, where she has a number.
        assert await _who(db, people, channel="sms", segment={"no_purchase_within_days": 30}) == {"b", "c"}

    async def test_birthday_month(self, db: Database, people: dict[str, int]) -> None:
        assert await _who(db, people, segment={"birthday_month": 3}) == {"a"}
        assert await _who(db, people, channel="sms", segment={"birthday_month": 3}) == {"c"}
        assert await _who(db, people, segment={"birthday_month": 4}) == set()

    async def test_last_contact(self, db: Database, people: dict[str, int]) -> None:
        assert await _who(db, people, segment={"contacted_within_days": 7}) == {"b"}
        assert await _who(db, people, segment={"no_contact_within_days": 7}) == {"a", "d"}

    async def test_marketing_needs_consent_and_no_unsubscribe(
        self, db: Database, people: dict[str, int]
    ) -> None:
        # b never consented, d unsubscribed, c has no email: only a.
        assert await _who(db, people, trigger="campaign", purpose="marketing") == {"a"}
        assert await _who(db, people, trigger="campaign", purpose="marketing", channel="sms") == {"c"}
        # A service notice is about the customer's own account: no marketing consent needed.
        assert await _who(db, people) == {"a", "b", "d"}

    async def test_conditions_combine(self, db: Database, people: dict[str, int]) -> None:
        both = {"tiers": ["high"], "no_contact_within_days": 7, "birthday_month": 3}
        assert await _who(db, people, trigger="campaign", purpose="marketing", segment=both) == {"a"}
        assert await _who(db, people, segment={"tiers": ["high"], "contacted_within_days": 7}) == set()
