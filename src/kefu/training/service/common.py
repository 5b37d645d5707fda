"""Helpers the training services share: staff names and who may manage training."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.errors import Forbidden


async def staff_names(session: AsyncSession) -> dict[int, str]:
    return {u.id: u.name or u.email for u in await user_service.list_all(session)}


def require_learner(principal: Principal) -> None:
    """Agents, supervisors and admins learn and take exams; customers never."""
    if not principal.is_staff:
        raise Forbidden("staff only")
    require(principal, Perm.TICKETS_WORK)
