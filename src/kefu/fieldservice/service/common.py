"""Small helpers the field-service services share: the company's local date and who acts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import Forbidden
from kefu.kit.time import utcnow

PARTNER_ROLE = "partner"


def local_date(at: datetime | None = None) -> date:
    """Warranty and capacity days are the company's calendar days, not UTC's."""
    return (at or utcnow()).astimezone(ZoneInfo(current_settings().display_timezone)).date()


def is_partner(principal: Principal) -> bool:
    return principal.is_staff and principal.role == PARTNER_ROLE


def require_agent(principal: Principal, perm: Perm = Perm.TICKETS_WORK) -> None:
    """Staff work (partners are staff accounts without these permissions)."""
    if not principal.is_staff:
        raise Forbidden("staff only")
    require(principal, perm)


def actor_kind(principal: Principal | None) -> str:
    if principal is None:
        return "system"
    if is_partner(principal):
        return "partner"
    return "staff" if principal.is_staff else "customer"


def actor_user(principal: Principal | None) -> int | None:
    """The staff user behind an action (a partner's signed API call has none)."""
    return principal.id if principal is not None and principal.is_staff and principal.id > 0 else None
