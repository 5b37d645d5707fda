"""Customer-value queries: one pass over the paid orders grouped per customer, then per
(tier, first-purchase cohort), both in SQL so a million customers never reach Python.

On PostgreSQL the inner aggregate reads `orders` once (a hash aggregate over the
`(customer_id, placed_at)` index) and the outer one returns at most tiers × cohorts rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.customer_value import Cell
from kefu.models import Customer
from kefu.models.loyalty import Order, OrderStatus


def _when(cond: sa.ColumnElement[bool], then: Any) -> sa.ColumnElement[Any]:
    return sa.case((cond, then), else_=0)


class ValueRepository:
    async def first_purchase(self, session: AsyncSession, end: datetime) -> datetime | None:
        stmt = sa.select(sa.func.min(Order.placed_at)).where(
            Order.status == OrderStatus.PAID, Order.placed_at < end
        )
        first: datetime | None = (await session.execute(stmt)).scalar()
        return first

    async def cells(
        self,
        session: AsyncSession,
        start: datetime,
        end: datetime,
        churn_before: datetime,
        cohorts: list[tuple[str, datetime]],
    ) -> dict[tuple[str, str], Cell]:
        """Sums per (customer tier, cohort of the first paid order) over customers who had
        bought before `end`; `cohorts` are (key, exclusive end) in order."""
        in_range = Order.placed_at >= start
        per_customer = (
            sa.select(
                Order.customer_id.label("customer_id"),
                sa.func.min(Order.placed_at).label("first_at"),
                sa.func.max(Order.placed_at).label("last_at"),
                sa.func.sum(Order.amount_cny).label("lifetime"),
                sa.func.sum(_when(in_range, Order.amount_cny)).label("revenue"),
                sa.func.sum(_when(in_range, 1)).label("orders_in_range"),
            )
            .where(Order.status == OrderStatus.PAID, Order.placed_at < end)
            .group_by(Order.customer_id)
            .subquery()
        )
        c = per_customer.c
        # An order in the range other than the customer's first ever is a repurchase.
        repurchases = c.orders_in_range - _when(c.first_at >= start, 1)
        # Cohort and flags in a subquery of their own: PostgreSQL would not match a GROUP BY
        # expression carrying bound parameters with the same expression in the SELECT.
        labelled = (
            sa.select(
                Customer.tier.label("tier"),
                sa.case(
                    *[(c.first_at < until, key) for key, until in cohorts[:-1]], else_=cohorts[-1][0]
                ).label("cohort"),
                _when(c.orders_in_range > 0, 1).label("buyer"),
                _when(repurchases > 0, 1).label("repurchaser"),
                _when(c.last_at < churn_before, 1).label("churned"),
                c.lifetime,
                c.revenue,
            )
            .select_from(per_customer.join(Customer, Customer.id == c.customer_id))
            .subquery()
        )
        v = labelled.c
        stmt = sa.select(
            v.tier,
            v.cohort,
            sa.func.count().label("customers"),
            sa.func.sum(v.buyer).label("buyers"),
            sa.func.sum(v.repurchaser).label("repurchasers"),
            sa.func.sum(v.churned).label("churned"),
            sa.func.sum(v.lifetime).label("lifetime"),
            sa.func.sum(v.revenue).label("revenue"),
        ).group_by(v.tier, v.cohort)
        out: dict[tuple[str, str], Cell] = {}
        for r in (await session.execute(stmt)).all():
            revenue = Decimal(str(r.revenue or 0))
            out[(r.tier or "none", r.cohort)] = Cell(
                customers=int(r.customers),
                buyers=int(r.buyers or 0),
                repurchasers=int(r.repurchasers or 0),
                churned=int(r.churned or 0),
                lifetime_cny=Decimal(str(r.lifetime or 0)),
                revenue_cny=revenue,
                high_revenue_cny=revenue if r.tier == "high" else Decimal(0),
            )
        return out


value_repository = ValueRepository()
