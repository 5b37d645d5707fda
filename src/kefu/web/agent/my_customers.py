"""我的客户: a dedicated advisor's book of customers, and the menu link to it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.loyalty.advisor import advisor_service
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/agent/my-customers")
async def my_customers(
    request: Request, session: Session, principal: OptionalPrincipal, advisor: int | None = None
) -> Response:
    """The advisor's customers; supervisors and admins may open anyone's book and see the
    eligible customers still waiting for an advisor."""
    me = staff(principal)
    manage = me.can(Perm.ADVISORS_ASSIGN)
    shown = advisor if manage and advisor is not None else me.id
    advisors = await advisor_service.advisors(session) if manage else []
    return render(
        request,
        "agent/my_customers.html",
        {
            "book": await advisor_service.book(session, me, shown),
            "shown": shown,
            "shown_name": next((u.name for u, _n in advisors if u.id == shown), me.name),
            "advisors": advisors,
            "manage": manage,
            "unassigned": await advisor_service.unassigned(session, me) if manage else [],
            "threshold": await advisor_service.threshold(session),
        },
    )


@router.get("/agent/my-customers/link")
async def my_customers_link(
    request: Request, session: Session, principal: OptionalPrincipal, path: str = ""
) -> Response:
    """The menu item, for members of the advisor group and for supervisors and admins (the
    page lists the customers waiting for an advisor); empty for everyone else."""
    if principal is None or not principal.is_staff:
        return HTMLResponse("")
    if not (principal.can(Perm.ADVISORS_ASSIGN) or await advisor_service.is_advisor(session, principal)):
        return HTMLResponse("")
    return render(
        request, "agent/_my_customers_link.html", {"current": path.startswith("/agent/my-customers")}
    )
