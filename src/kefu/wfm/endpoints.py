"""/api/v1/wfm: forecast, staffing curve, single Erlang C solve, shifts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.wfm.schemas import ErlangIn, ErlangOut, ForecastOut, ShiftIn, ShiftOut, StaffingOut
from kefu.wfm.service import DEFAULT_MAX_OCCUPANCY, DEFAULT_REDUNDANCY, DEFAULT_SHRINKAGE, wfm_service

router = APIRouter(prefix="/api/v1/wfm", tags=["wfm"])
From = Annotated[date | None, Query(alias="from", description="first day (default: next Monday)")]


@router.post("/erlang", response_model=ErlangOut)
async def erlang(body: ErlangIn, principal: CurrentPrincipal) -> ErlangOut:
    return wfm_service.erlang(body)


@router.get("/forecast", response_model=ForecastOut)
async def forecast(
    principal: CurrentPrincipal, session: Session, start: From = None, days: int = 7, channel: str = ""
) -> ForecastOut:
    return await wfm_service.forecast(session, principal, start, days, channel)


@router.get("/staffing", response_model=StaffingOut)
async def staffing(
    principal: CurrentPrincipal,
    session: Session,
    start: From = None,
    days: int = 7,
    channel: str = "",
    target_level: float | None = None,
    target_seconds: float | None = None,
    shrinkage: float = DEFAULT_SHRINKAGE,
    redundancy: float = DEFAULT_REDUNDANCY,
    max_occupancy: float | None = DEFAULT_MAX_OCCUPANCY,
) -> StaffingOut:
    return await wfm_service.staffing(
        session,
        principal,
        start,
        days,
        channel,
        target_level=target_level,
        target_seconds=target_seconds,
        shrinkage=shrinkage,
        redundancy=redundancy,
        max_occupancy=max_occupancy,
    )


@router.get("/shifts", response_model=Page[ShiftOut])
async def list_shifts(principal: CurrentPrincipal, session: Session) -> Page[ShiftOut]:
    return Page(items=await wfm_service.list_shifts(session, principal))


@router.post("/shifts", response_model=ShiftOut, status_code=201)
async def create_shift(body: ShiftIn, principal: CurrentPrincipal, session: Session) -> ShiftOut:
    return await wfm_service.create_shift(session, principal, body)


@router.put("/shifts/{shift_id}", response_model=ShiftOut)
async def update_shift(
    shift_id: Id, body: ShiftIn, principal: CurrentPrincipal, session: Session
) -> ShiftOut:
    return await wfm_service.update_shift(session, principal, shift_id, body)


@router.delete("/shifts/{shift_id}", status_code=204)
async def delete_shift(shift_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await wfm_service.delete_shift(session, principal, shift_id)
    return Response(status_code=204)
