"""The demo's service compensation (its scripts promise 超时自动补偿): a late first reply
or a late resolution gives the customer a coupon (idempotent; an admin's edits are kept)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.loyalty.schemas import RuleCreate
from kefu.loyalty.service import loyalty_service

RULES = [
    RuleCreate(metric="first_reply", amount=Decimal(20), validity_days=30),
    RuleCreate(metric="resolution", amount=Decimal(50), validity_days=60),
]


async def load(session: AsyncSession) -> int:
    """Returns how many rules were created: none once the demo has any (active or not)."""
    if await loyalty_service.all_rules(session, SYSTEM):
        return 0
    for rule in RULES:
        await loyalty_service.create_rule(session, None, rule)
    return len(RULES)
