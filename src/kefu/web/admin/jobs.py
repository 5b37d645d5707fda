"""Background jobs for admins: the queue by status and a retry for dead jobs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import Perm, require
from kefu.deps import OptionalPrincipal, Session
from kefu.kit.schemas import Id
from kefu.ops.service import ops_service
from kefu.web.access import staff
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/jobs")
async def admin_jobs(
    request: Request, session: Session, principal: OptionalPrincipal, status: str | None = None
) -> Response:
    actor = staff(principal, "admin")
    require(actor, Perm.JOBS_MANAGE)
    if status not in {None, "queued", "running", "done", "dead"}:
        status = None
    jobs = await ops_service.list_jobs(session, actor, status)
    counts = await ops_service.queue_counts(session)
    return render(request, "admin/jobs.html", {"jobs": jobs, "counts": counts, "status": status})


@router.post("/admin/jobs/{job_id}/retry")
async def admin_jobs_retry(job_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    actor = staff(principal, "admin")
    await ops_service.retry(session, actor, job_id)
    return RedirectResponse("/admin/jobs?status=dead", status_code=303)
