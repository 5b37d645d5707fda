"""Field-service metrics: repair turnaround, first-time fix rate (no rework after quality
check), repeat repair within 90 days on the same device, partner CSAT — overall and by point."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.fieldservice.repository import field_repository as repo
from kefu.fieldservice.schemas import FieldMetrics
from kefu.fieldservice.service.points import point_service
from kefu.kit.time import ensure_utc

REPEAT_WINDOW = timedelta(days=90)


def _summary(rows: list[Any], repeats: set[int]) -> dict[str, Any]:
    hours = [(ensure_utc(r[5]) - ensure_utc(r[4])).total_seconds() / 3600 for r in rows]
    n = len(rows)
    ratings = [r[7] for r in rows if r[7] is not None]
    return {
        "csat": round(sum(1 for x in ratings if x >= 4) / len(ratings), 4) if ratings else None,
        "completed": n,
        "turnaround_hours_p50": round(statistics.median(hours), 1) if hours else None,
        "first_time_fix_rate": round(sum(1 for r in rows if not r[6]) / n, 4) if n else None,
        "repeat_repair_90d_rate": round(sum(1 for r in rows if r[0] in repeats) / n, 4) if n else None,
    }


class FieldMetricsService:
    async def summary(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime
    ) -> FieldMetrics:
        require(principal, Perm.REPORTS_READ)
        rows = list(await repo.finished(session, start, end))
        # A repeat: the same device came back for another order within 90 days of this one.
        history: dict[int, list[datetime]] = defaultdict(list)
        for device_id, created in await repo.device_orders(session, list({r[1] for r in rows})):
            history[device_id].append(ensure_utc(created))
        repeats = {
            r[0]
            for r in rows
            if any(
                timedelta(0) < t - ensure_utc(r[4]) <= REPEAT_WINDOW
                or timedelta(0) < ensure_utc(r[4]) - t <= REPEAT_WINDOW
                for t in history[r[1]]
            )
        }
        names = await point_service.names(session)
        by_point: dict[int | None, list[Any]] = defaultdict(list)
        for r in rows:
            by_point[r[2]].append(r)
        overall = _summary(rows, repeats)
        return FieldMetrics(
            orders=await repo.created_count(session, start, end),
            completed=overall["completed"],
            turnaround_hours_p50=overall["turnaround_hours_p50"],
            first_time_fix_rate=overall["first_time_fix_rate"],
            repeat_repair_90d_rate=overall["repeat_repair_90d_rate"],
            by_point=[
                {
                    "service_point_id": pid,
                    "name": names.get(pid, "—") if pid else "—",
                    **_summary(group, repeats),
                }
                for pid, group in sorted(by_point.items(), key=lambda kv: kv[0] or 0)
            ],
        )


field_metrics_service = FieldMetricsService()
