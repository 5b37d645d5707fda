"""/api/v1/outreach: journeys (admins manage, supervisors read), audience, preview, test
send, campaign launch, the settings, the customer's send log, inbound business events and
the one-click unsubscribe (no sign-in: the signed token is the proof)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import Id, Page
from kefu.outreach.schemas import (
    AudienceOut,
    EventIn,
    EventOut,
    FiguresOut,
    JourneyIn,
    JourneyOut,
    LaunchOut,
    PreviewIn,
    PreviewOut,
    PublishOut,
    ReportDraftIn,
    ReportEditIn,
    ReportOut,
    SendOut,
    SettingsIn,
    SettingsOut,
    TestSendIn,
    UnsubscribeOut,
)
from kefu.outreach.service import outreach_service
from kefu.outreach.service.reports import service_report_service

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/journeys", response_model=Page[JourneyOut])
async def list_journeys(principal: CurrentPrincipal, session: Session) -> Page[JourneyOut]:
    return Page(
        items=[JourneyOut.model_validate(j) for j in await outreach_service.list_journeys(session, principal)]
    )


@router.post("/journeys", response_model=JourneyOut, status_code=status.HTTP_201_CREATED)
async def create_journey(body: JourneyIn, principal: CurrentPrincipal, session: Session) -> JourneyOut:
    return JourneyOut.model_validate(await outreach_service.create(session, principal, body))


@router.get("/journeys/{journey_id}", response_model=JourneyOut)
async def get_journey(journey_id: Id, principal: CurrentPrincipal, session: Session) -> JourneyOut:
    return JourneyOut.model_validate(await outreach_service.get(session, principal, journey_id))


@router.put("/journeys/{journey_id}", response_model=JourneyOut)
async def update_journey(
    journey_id: Id, body: JourneyIn, principal: CurrentPrincipal, session: Session
) -> JourneyOut:
    return JourneyOut.model_validate(await outreach_service.update(session, principal, journey_id, body))


@router.post("/journeys/{journey_id}/deactivate", response_model=JourneyOut)
async def deactivate_journey(journey_id: Id, principal: CurrentPrincipal, session: Session) -> JourneyOut:
    return JourneyOut.model_validate(await outreach_service.deactivate(session, principal, journey_id))


@router.get("/journeys/{journey_id}/audience", response_model=AudienceOut)
async def audience(journey_id: Id, principal: CurrentPrincipal, session: Session) -> AudienceOut:
    """How many customers the journey reaches now (segment, consent, an address)."""
    return AudienceOut(count=await outreach_service.audience(session, principal, journey_id))


@router.post("/journeys/{journey_id}/preview", response_model=PreviewOut)
async def preview(
    journey_id: Id, body: PreviewIn, principal: CurrentPrincipal, session: Session
) -> PreviewOut:
    return await outreach_service.preview(session, principal, journey_id, body)


@router.post("/journeys/{journey_id}/test-send", response_model=SendOut, status_code=status.HTTP_202_ACCEPTED)
async def test_send(
    journey_id: Id, body: TestSendIn, principal: CurrentPrincipal, session: Session
) -> SendOut:
    return SendOut.model_validate(await outreach_service.test_send(session, principal, journey_id, body))


@router.post("/journeys/{journey_id}/launch", response_model=LaunchOut)
async def launch(journey_id: Id, principal: CurrentPrincipal, session: Session) -> LaunchOut:
    return LaunchOut(planned=await outreach_service.launch(session, principal, journey_id))


@router.get("/journeys/{journey_id}/sends", response_model=Page[SendOut])
async def journey_sends(
    journey_id: Id, principal: CurrentPrincipal, session: Session, limit: Limit = 100
) -> Page[SendOut]:
    sends = await outreach_service.journey_sends(session, principal, journey_id, limit)
    return Page(items=[SendOut.model_validate(s) for s in sends])


@router.get("/journeys/{journey_id}/figures", response_model=FiguresOut)
async def journey_figures(journey_id: Id, principal: CurrentPrincipal, session: Session) -> FiguresOut:
    """Sent, delivered, opened, clicked, unsubscribed (and skipped, failed, waiting)."""
    return await outreach_service.figures(session, principal, journey_id)


@router.get("/figures", response_model=Page[FiguresOut])
async def all_figures(principal: CurrentPrincipal, session: Session) -> Page[FiguresOut]:
    journeys = await outreach_service.list_journeys(session, principal)
    return Page(items=[await outreach_service.figures(session, principal, j.id) for j in journeys])


@router.get("/customers/{customer_id}/sends", response_model=Page[SendOut])
async def customer_sends(
    customer_id: Id, principal: CurrentPrincipal, session: Session, limit: Limit = 100
) -> Page[SendOut]:
    """The customer's outreach log: what was sent, skipped (and why) or is waiting."""
    sends = await outreach_service.customer_sends(session, principal, customer_id, limit)
    return Page(items=[SendOut.model_validate(s) for s in sends])


@router.get("/settings", response_model=SettingsOut)
async def get_settings(principal: CurrentPrincipal, session: Session) -> SettingsOut:
    return await outreach_service.settings(session, principal)


@router.put("/settings", response_model=SettingsOut)
async def put_settings(body: SettingsIn, principal: CurrentPrincipal, session: Session) -> SettingsOut:
    return await outreach_service.save_settings(session, principal, body)


@router.post("/events", response_model=EventOut, status_code=status.HTTP_202_ACCEPTED)
async def post_event(body: EventIn, principal: CurrentPrincipal, session: Session) -> EventOut:
    """ERP / courier webhooks: `shipment_delayed` plans the apology (and its coupon) once per
    order, however often the event is posted."""
    return await outreach_service.ingest_event(session, principal, body)


@router.post("/courier", response_model=EventOut, status_code=status.HTTP_202_ACCEPTED)
async def courier(request: Request, session: Session) -> EventOut:
    """A courier's milestone webhook (揽收/中转/派送), signed with the courier secret
    (`X-Kefu-Timestamp`, `X-Kefu-Signature: sha256=HMAC(secret, "<ts>.<body>")`); no token."""
    return await outreach_service.courier_webhook(session, request.headers, await request.body())


@router.post("/sms/delivery", status_code=status.HTTP_204_NO_CONTENT)
async def sms_delivery(request: Request, session: Session) -> None:
    """The SMS provider's delivery report `{id, status: delivered|undelivered}`, signed with
    the gateway's key like kefu's webhooks."""
    await outreach_service.delivery_report(session, request.headers, await request.body())


@router.post("/unsubscribe/{token}", response_model=UnsubscribeOut)
async def unsubscribe(
    token: Annotated[str, Path(max_length=400)], session: Session, all_channels: bool = False
) -> UnsubscribeOut:
    """One-click unsubscribe (RFC 8058 style POST); no sign-in. A message's link stops its
    own channel; `?all_channels=true` stops every channel."""
    link = await outreach_service.unsubscribe(session, token, source="api", every_channel=all_channels)
    return UnsubscribeOut(unsubscribed=True, channel=link.channel)


# --- 服务升级报告: drafted by editors (reports.read), approved and published by admins -------
@router.get("/service-reports", response_model=Page[ReportOut])
async def list_reports(principal: CurrentPrincipal, session: Session) -> Page[ReportOut]:
    return Page(
        items=[
            ReportOut.model_validate(r) for r in await service_report_service.all_reports(session, principal)
        ]
    )


@router.post("/service-reports", response_model=ReportOut, status_code=status.HTTP_201_CREATED)
async def draft_report(body: ReportDraftIn, principal: CurrentPrincipal, session: Session) -> ReportOut:
    """A draft for the month from the internal monthly report (figures refreshed on a draft)."""
    return ReportOut.model_validate(await service_report_service.draft(session, principal, body.period))


@router.get("/service-reports/{report_id}", response_model=ReportOut)
async def get_report(report_id: Id, principal: CurrentPrincipal, session: Session) -> ReportOut:
    return ReportOut.model_validate(await service_report_service.get(session, principal, report_id))


@router.put("/service-reports/{report_id}", response_model=ReportOut)
async def edit_report(
    report_id: Id, body: ReportEditIn, principal: CurrentPrincipal, session: Session
) -> ReportOut:
    return ReportOut.model_validate(await service_report_service.edit(session, principal, report_id, body))


@router.post("/service-reports/{report_id}/approve", response_model=ReportOut)
async def approve_report(report_id: Id, principal: CurrentPrincipal, session: Session) -> ReportOut:
    return ReportOut.model_validate(await service_report_service.approve(session, principal, report_id))


@router.post("/service-reports/{report_id}/publish", response_model=PublishOut)
async def publish_report(report_id: Id, principal: CurrentPrincipal, session: Session) -> PublishOut:
    report, planned = await service_report_service.publish(session, principal, report_id)
    return PublishOut(report=ReportOut.model_validate(report), planned=planned)
