"""首问负责制 by owner: for each first-contact owner, the tickets solved in a range, how many
were solved at first contact (not reopened, no new contact from the customer within 7
days — the analytics summary's definition), the median time to solve, how often the owner
recorded that the customer accepted the result, and the specialist-engaged clocks of their
tickets met or breached in the range."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.facts import SECOND_CONTACT_DAYS, Contact, contacts_by_customer, has_contact
from kefu.analytics.repository import analytics_repository as repo
from kefu.analytics.windows import check_range
from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.models.sla import Metric


@dataclass
class _Owner:
    solved: int = 0
    fcr: int = 0
    accepted: int = 0
    hours: list[float] = field(default_factory=list)
    clocks_met: int = 0
    clocks_breached: int = 0


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class OwnerReportService:
    async def report(
        self, session: AsyncSession, principal: Principal, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        require(principal, Perm.REPORTS_READ)
        check_range(start, end)
        solved = await repo.tickets_between(session, "solved_at", start, end, solved_only=True)
        owned = await repo.owners(session, [t.id for t in solved])
        later: dict[int, list[Contact]] = contacts_by_customer(
            await repo.contacts(
                session,
                {t.customer_id for t in solved if t.customer_id is not None and t.id in owned},
                start,
                end + timedelta(days=SECOND_CONTACT_DAYS),
            )
        )
        stats: dict[int, _Owner] = defaultdict(_Owner)
        for t in solved:
            if t.id not in owned or t.solved_at is None:
                continue
            owner_id, accepted = owned[t.id]
            s = stats[owner_id]
            s.solved += 1
            s.accepted += accepted
            again = has_contact(
                later,
                t.customer_id,
                t.solved_at,
                t.solved_at + timedelta(days=SECOND_CONTACT_DAYS),
                exclude_ticket=t.id,
                exclude_before=True,
            )
            s.fcr += t.reopen_count == 0 and not again
            s.hours.append((t.solved_at - t.created_at).total_seconds() / 3600)
        clocks = [
            c for c in await repo.sla_outcomes(session, start, end) if c.metric == Metric.SPECIALIST_ENGAGED
        ]
        clock_owners = await repo.owners(session, [c.ticket_id for c in clocks])
        for c in clocks:
            if c.ticket_id in clock_owners:
                s = stats[clock_owners[c.ticket_id][0]]
                if c.met:
                    s.clocks_met += 1
                else:
                    s.clocks_breached += 1
        names = {u.id: u.name for u in await user_service.list_all(session)}
        rows = [
            {
                "owner_id": owner_id,
                "name": names.get(owner_id, "?"),
                "solved": s.solved,
                "fcr": s.fcr,
                "fcr_rate": _ratio(s.fcr, s.solved),
                "median_hours_to_solve": round(statistics.median(s.hours), 2) if s.hours else None,
                "accepted_rate": _ratio(s.accepted, s.solved),
                "specialist_met": s.clocks_met,
                "specialist_breached": s.clocks_breached,
                "specialist_compliance": _ratio(s.clocks_met, s.clocks_met + s.clocks_breached),
            }
            for owner_id, s in stats.items()
        ]
        return sorted(rows, key=lambda r: (-r["solved"], r["name"]))


owner_report_service = OwnerReportService()
