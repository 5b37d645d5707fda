"""Health, readiness and the admin view of jobs."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from kefu.deps import CurrentPrincipal, Session, get_db
from kefu.kit.db import ping
from kefu.kit.schemas import Id, OutSchema, Page
from kefu.ops.service import ops_service

router = APIRouter(tags=["ops"])


class JobOut(OutSchema):
    id: Id
    name: str
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        await ping(get_db(request))
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return JSONResponse({"status": "ok"})


@router.get("/api/v1/admin/jobs", response_model=Page[JobOut])
async def list_jobs(
    principal: CurrentPrincipal,
    session: Session,
    status_: str | None = Query(default=None, alias="status", pattern="^(queued|running|done|dead)$"),
    limit: int = Query(default=100, ge=1, le=500),
) -> Page[JobOut]:
    rows = await ops_service.list_jobs(session, principal, status_, limit)
    return Page(items=[JobOut.model_validate(r) for r in rows])


@router.post("/api/v1/admin/jobs/{job_id}/retry", status_code=status.HTTP_204_NO_CONTENT)
async def retry_job(job_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await ops_service.retry(session, principal, job_id)
