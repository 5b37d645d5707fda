"""Customer value from orders by loyalty tier and first-purchase cohort (plan 003): repurchase
rate, churn, lifetime value and the high tier's share of revenue. Supervisors and admins
(reports.read). Definitions: docs/customer-value.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics import customer_value as cv
from kefu.analytics.service import timezone
from kefu.analytics.value_repository import value_repository as repo
from kefu.analytics.windows import check_range
from kefu.authz import Perm, Principal, require


class CustomerValueService:
    async def report(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime
    ) -> dict[str, Any]:
        require(principal, Perm.REPORTS_READ)
        check_range(start, end)
        rollup = await self.rollup(session, start, end)
        return {
            "from": start,
            "to": end,
            "cohort_unit": "quarter",
            "churn_months": cv.CHURN_MONTHS,
            "total": cv.row(rollup.total),
            "tiers": [{"tier": t, **cv.row(cell)} for t, cell in rollup.by_tier.items()],
            "cohorts": [{"cohort": k, **cv.row(cell)} for k, cell in rollup.by_cohort.items()],
        }

    async def rollup(self, session: AsyncSession, start: datetime, end: datetime) -> cv.Rollup:
        """The numbers without a permission check (goals evaluate them as the system)."""
        first = await repo.first_purchase(session, end)
        if first is None:
            return cv.roll_up({})
        cohorts = cv.cohort_bounds(first, end, timezone())
        churn_before = cv.months_before(end, cv.CHURN_MONTHS)
        return cv.roll_up(await repo.cells(session, start, end, churn_before, cohorts))

    async def metrics(self, session: AsyncSession, start: datetime, end: datetime) -> dict[str, float | None]:
        """The goal metrics: the high tier's share of revenue in the range and the churn rate at its end."""
        total = cv.row((await self.rollup(session, start, end)).total)
        return {k: total[k] for k in ("high_tier_revenue_share", "churn_rate")}  # type: ignore[misc]


customer_value_service = CustomerValueService()
