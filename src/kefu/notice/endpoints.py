"""/api/v1/announcements."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Page
from kefu.notice.schemas import AnnouncementCreate, AnnouncementOut
from kefu.notice.service import notice_service

router = APIRouter(prefix="/api/v1/announcements", tags=["announcements"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def post_announcement(
    body: AnnouncementCreate, principal: CurrentPrincipal, session: Session
) -> dict[str, str]:
    await notice_service.post(session, principal, body)
    return {"status": "posted"}


@router.get("", response_model=Page[AnnouncementOut])
async def list_announcements(
    principal: CurrentPrincipal, session: Session, limit: int = Query(default=20, ge=1, le=100)
) -> Page[AnnouncementOut]:
    return Page(items=await notice_service.recent(session, principal, limit))
