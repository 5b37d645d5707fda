"""Migration c4e7a2f9d1b6 carries referrals rewarded under the old rule (both coupons at
registration, codes RF<referred>-A/B) over as rewarded referrals, on SQLite and PostgreSQL:
those customers cannot be referred (and paid for) a second time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.migrate import upgrade
from kefu.models import Coupon, Customer
from kefu.models.loyalty import Referral
from tests.conftest import _pg_admin, need_postgres

BEFORE = "d9f1b3c5e7a2"  # the revision before it
REVISION = "c4e7a2f9d1b6"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    need_postgres()
    name = f"kefu_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _old_referral(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        async with db.transaction() as s:
            referrer, referred, stranger = (
                Customer(name="推荐人"),
                Customer(name="新客"),
                Customer(name="路人"),
            )
            s.add_all([referrer, referred, stranger])
            await s.flush()
            valid = utcnow() + timedelta(days=90)
            s.add_all(
                [
                    Coupon(
                        customer_id=referrer.id,
                        code=f"RF{referred.id}-A",
                        reason="referral",
                        amount=Decimal(100),
                        valid_until=valid,
                    ),
                    Coupon(
                        customer_id=referred.id,
                        code=f"RF{referred.id}-B",
                        reason="referral",
                        amount=Decimal(50),
                        valid_until=valid,
                    ),
                    Coupon(
                        customer_id=stranger.id,
                        code="BD2026-1",
                        reason="birthday",
                        amount=Decimal(50),
                        valid_until=valid,
                    ),
                ]
            )
            return referrer.id, referred.id, stranger.id
    finally:
        await db.dispose()


async def _referrals(url: str) -> list[tuple[int, int, str, bool, bool]]:
    db = Database(url)
    try:
        async with db.session() as s:
            rows = (await s.execute(sa.select(Referral))).scalars().all()
            return [
                (
                    r.referrer_id,
                    r.referred_id,
                    r.status,
                    r.referrer_coupon_id is not None,
                    r.referred_coupon_id is not None,
                )
                for r in rows
            ]
    finally:
        await db.dispose()


def test_old_referrals_are_carried_over_as_rewarded(fresh_url: str) -> None:
    upgrade(fresh_url, BEFORE)
    referrer, referred, _stranger = asyncio.run(_old_referral(fresh_url))
    upgrade(fresh_url, REVISION)
    assert asyncio.run(_referrals(fresh_url)) == [(referrer, referred, "rewarded", True, True)]
