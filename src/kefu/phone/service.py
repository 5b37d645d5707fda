"""Phone rules: integrations (admin), signed call events applied idempotently in any order,
the call's conversation on the caller's customer, screen pop, missed-call call-back tasks
and speed of answer. Never commits."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, ensure_can_see_customer, require
from kefu.config import current_settings
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.service import conversation_service
from kefu.customer.identities import normalize_phone
from kefu.customer.masking import mask_phone
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Forbidden, KefuError, NotFound, Unauthorized, Unprocessable
from kefu.kit import jobs
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.phone import Call, CallEvent, CallStatus, PhoneIntegration
from kefu.models.ticket import Channel, TicketType
from kefu.phone.calls import earliest, speed_of_answer
from kefu.phone.events import CallAnswered, CallEnded, CallMissed
from kefu.phone.repository import phone_repository as repo
from kefu.phone.schemas import CallEventIn, CallSummary, IntegrationCreate, IntegrationUpdate
from kefu.team.service import team_service
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service
from kefu.webhook.signing import verify

CHECK_MISSED_JOB = "phone.check_missed"
SIGNATURE_WINDOW_SECONDS = 300
CALL_BACK_WITHIN = timedelta(hours=2)  # the call-back task's due time


def events_path(integration_id: int) -> str:
    return f"/api/v1/channels/phone/{integration_id}/events"


class PhoneService:
    # --- integrations -------------------------------------------------------------------
    async def create_integration(
        self, session: AsyncSession, principal: Principal, data: IntegrationCreate
    ) -> PhoneIntegration:
        require(principal, Perm.SETTINGS_MANAGE)
        await self._check_refs(session, data.group_id, data.extensions)
        integration = PhoneIntegration(
            name=data.name,
            secret=data.secret or secrets.token_urlsafe(32),
            group_id=data.group_id,
            extensions={k: int(v) for k, v in data.extensions.items()},
        )
        session.add(integration)
        await session.flush()
        audit_service.record(
            session,
            "phone.integration_created",
            actor=principal,
            target_type="phone_integration",
            target_id=integration.id,
        )
        return integration

    async def list_integrations(
        self, session: AsyncSession, principal: Principal
    ) -> Sequence[PhoneIntegration]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await repo.integrations(session)

    async def get_integration(
        self, session: AsyncSession, principal: Principal, integration_id: int
    ) -> PhoneIntegration:
        require(principal, Perm.SETTINGS_MANAGE)
        integration = await repo.integration(session, integration_id)
        if integration is None:
            raise NotFound("phone line {id} not found", params={"id": integration_id})
        return integration

    async def update_integration(
        self, session: AsyncSession, principal: Principal, integration_id: int, data: IntegrationUpdate
    ) -> PhoneIntegration:
        """Name, group, extensions and active; a new secret only when one is given."""
        integration = await self.get_integration(session, principal, integration_id)
        await self._check_refs(session, data.group_id, data.extensions)
        integration.name = data.name
        integration.group_id = data.group_id
        integration.extensions = {k: int(v) for k, v in data.extensions.items()}
        integration.active = data.active
        if data.secret:
            integration.secret = data.secret
        audit_service.record(
            session,
            "phone.integration_updated",
            actor=principal,
            target_type="phone_integration",
            target_id=integration.id,
            detail={"secret_changed": bool(data.secret), "active": data.active},
        )
        return integration

    async def deactivate_integration(
        self, session: AsyncSession, principal: Principal, integration_id: int
    ) -> None:
        """The telephony's events are refused from now on; calls and their history stay."""
        integration = await self.get_integration(session, principal, integration_id)
        integration.active = False
        audit_service.record(
            session,
            "phone.integration_deactivated",
            actor=principal,
            target_type="phone_integration",
            target_id=integration.id,
        )

    async def _check_refs(
        self, session: AsyncSession, group_id: int | None, extensions: Mapping[str, int]
    ) -> None:
        if group_id is not None:
            await team_service.get(session, group_id)
        for extension, user_id in extensions.items():
            if await user_service.get(session, int(user_id)) is None:
                raise Unprocessable(
                    "extension {extension}: no staff member {user_id}",
                    params={"extension": extension, "user_id": user_id},
                    code="unknown_agent",
                )

    # --- events -------------------------------------------------------------------------
    async def authenticate(
        self, session: AsyncSession, integration_id: int, headers: Mapping[str, str], body: bytes
    ) -> PhoneIntegration:
        """The telephony signs "<timestamp>.<body>" with the integration's secret (the same
        scheme as our outgoing webhooks); stale timestamps are refused as replays."""
        integration = await repo.integration(session, integration_id)
        ts_raw, sig = headers.get("x-kefu-timestamp", ""), headers.get("x-kefu-signature", "")
        if integration is None or not integration.active:
            raise Unauthorized("未知的电话集成 / unknown integration", code="unknown_integration")
        if not ts_raw or not sig:
            raise Unauthorized(
                "缺少签名 / missing X-Kefu-Timestamp or X-Kefu-Signature", code="missing_signature"
            )
        try:
            ts = int(ts_raw)
        except ValueError as exc:
            raise Unauthorized("时间戳无效 / invalid timestamp", code="bad_timestamp") from exc
        if abs(time.time() - ts) > SIGNATURE_WINDOW_SECONDS:
            raise Unauthorized("签名已过期 / signature timestamp outside the window", code="stale")
        if not verify(integration.secret, ts, body, sig):
            raise Forbidden("签名无效 / invalid signature", code="bad_signature")
        return integration

    def parse(self, body: bytes) -> CallEventIn:
        try:
            return CallEventIn.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            raise Unprocessable(
                f"无效的通话事件 / invalid call event: {str(exc)[:300]}", code="invalid_event"
            ) from exc

    async def ingest(
        self, session: AsyncSession, integration: PhoneIntegration, event: CallEventIn, raw: dict[str, Any]
    ) -> tuple[bool, Call]:
        """(is_new, call): the event stored raw once per event id, then applied to its call."""
        if await repo.event(session, integration.id, event.event_id) is not None:
            call = await repo.call(session, integration.id, event.call_id)
            if call is None:  # cannot happen: the first delivery created it
                raise NotFound("call not found")
            return False, call
        session.add(
            CallEvent(
                integration_id=integration.id,
                event_id=event.event_id,
                call_external_id=event.call_id,
                type=event.type,
                payload=raw,
            )
        )
        call = await self._call(session, integration, event)
        await self._apply(session, integration, call, event)
        return True, call

    async def _call(self, session: AsyncSession, integration: PhoneIntegration, event: CallEventIn) -> Call:
        call = await repo.call(session, integration.id, event.call_id)
        if call is not None:
            return call
        customer_id, label = await self._caller(session, event)
        conv = await conversation_service.start(
            session, WidgetSessionIn(name=label, locale="zh_CN"), channel="phone", customer_id=customer_id
        )
        call = Call(
            integration_id=integration.id,
            external_id=event.call_id,
            direction=event.direction,
            caller=event.caller,
            callee=event.callee,
            customer_id=customer_id,
            conversation_id=conv.id,
            status=CallStatus.RINGING,
        )
        session.add(call)
        await session.flush()
        who = event.caller or "未知号码"
        await conversation_service.channel_note(session, conv.id, f"📞 来电 {who}", {"call_id": call.id})
        return call

    async def _caller(self, session: AsyncSession, event: CallEventIn) -> tuple[int, str]:
        """The caller's customer by E.164 number (created if new); withheld or invalid numbers
        get a customer of their own."""
        number = event.caller if event.direction == "inbound" else event.callee
        try:
            e164 = normalize_phone(number) if number else None
        except KefuError:
            e164 = None
        if e164 is None:
            customer = await customer_service.create(session, CustomerCreate(name="未知来电"), actor=None)
            return customer.id, "未知来电"
        customer = await customer_service.find_or_create(
            session, CustomerCreate(name=f"来电 {mask_phone(e164)}", phone=e164)
        )
        return customer.id, customer.name

    async def _agent(
        self, session: AsyncSession, integration: PhoneIntegration, event: CallEventIn
    ) -> int | None:
        user_id: int | None = event.agent_id
        if user_id is None and event.agent_extension:
            value = (integration.extensions or {}).get(event.agent_extension)
            user_id = int(value) if value is not None else None
        if user_id is None and event.agent_email:
            found = await user_service.by_email(session, event.agent_email)
            user_id = found.id if found else None
        if user_id is None:
            return None
        user = await user_service.get(session, user_id)
        return user.id if user is not None else None

    async def _apply(
        self, session: AsyncSession, integration: PhoneIntegration, call: Call, event: CallEventIn
    ) -> None:
        at = event.at or utcnow()
        conv_id = call.conversation_id
        if event.caller and not call.caller:
            call.caller = event.caller[:40]
        if event.type == "ringing":
            call.ringing_at = earliest(call.ringing_at, at)
        elif event.type == "answered":
            call.answered_at = earliest(call.answered_at, at)
            agent_id = await self._agent(session, integration, event)
            call.agent_id = call.agent_id or agent_id
            call.status = CallStatus.ENDED if call.ended_at else CallStatus.ANSWERED
            if conv_id is not None and call.agent_id is not None and call.ended_at is None:
                await conversation_service.channel_assign(
                    session, conv_id, call.agent_id, {"rule": "phone_answered"}
                )
                await self._screen_pop(session, call)
        elif event.type == "ended":
            call.ended_at = earliest(call.ended_at, at)
            if call.answered_at is not None:
                call.status = CallStatus.ENDED
                duration = (call.ended_at - call.answered_at).total_seconds()
                await publish(
                    session,
                    CallEnded(
                        call_id=call.id,
                        conversation_id=conv_id,
                        customer_id=call.customer_id,
                        duration_seconds=duration,
                    ),
                )
            else:  # missed, unless a late "answered" arrives within the grace period
                call.status = CallStatus.MISSED
                grace = current_settings().phone_missed_grace_seconds
                await jobs.enqueue(
                    session,
                    CHECK_MISSED_JOB,
                    {"call_id": call.id},
                    run_at=utcnow() + timedelta(seconds=grace),
                )
            if conv_id is not None:
                await conversation_service.close(session, None, conv_id, why="call_ended")
        elif event.type == "recording" and event.recording_url:
            call.recording_url = event.recording_url
            if conv_id is not None:
                await conversation_service.channel_note(
                    session,
                    conv_id,
                    f"🎙 通话录音：{event.recording_url}",
                    {"recording_url": event.recording_url},
                )
        elif event.type == "transcript" and event.transcript:
            call.transcript = event.transcript
            if conv_id is not None:
                await conversation_service.channel_note(
                    session, conv_id, f"📝 通话转写：\n{event.transcript}"
                )
        call.speed_of_answer_seconds, call.answered_within_30s = speed_of_answer(
            call.ringing_at, call.answered_at
        )

    async def _screen_pop(self, session: AsyncSession, call: Call) -> None:
        assert call.agent_id is not None
        name, tier = "", "none"
        if call.customer_id is not None:
            customer = await customer_service.get(session, None, call.customer_id)
            name, tier = customer.name, customer.tier
        soa, _ = speed_of_answer(call.ringing_at, call.answered_at)
        await publish(
            session,
            CallAnswered(
                call_id=call.id,
                conversation_id=call.conversation_id,
                customer_id=call.customer_id,
                agent_id=call.agent_id,
                caller=mask_phone(call.caller) if call.caller else "",
                customer_name=name,
                tier=tier,
                speed_of_answer_seconds=soa,
            ),
        )

    async def check_missed(self, session: AsyncSession, call_id: int) -> None:
        """After the grace period: a call still unanswered gets one call-back task."""
        call = await repo.call_by_id(session, call_id)
        if call is None or call.answered_at is not None or call.callback_ticket_id is not None:
            return
        integration = await repo.integration(session, call.integration_id)
        who = call.caller or "未知号码"
        when = call.ringing_at or call.created_at
        ticket = await ticket_service.create(
            session,
            TicketCreate(
                subject=f"未接来电回拨 {who}"[:250],
                description=f"{who} 于 {when:%Y-%m-%d %H:%M:%S} UTC 来电未接通，请回拨。",
                channel=Channel.PHONE,
                type=TicketType.TASK,
                customer_id=call.customer_id,
                group_id=integration.group_id if integration else None,
                tags=["missed_call"],
                due_at=utcnow() + CALL_BACK_WITHIN,
            ),
            actor=None,
        )
        call.callback_ticket_id = ticket.id
        await publish(
            session,
            CallMissed(
                call_id=call.id,
                conversation_id=call.conversation_id,
                customer_id=call.customer_id,
                callback_ticket_id=ticket.id,
            ),
        )

    # --- reading ------------------------------------------------------------------------
    async def calls(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        agent_id: int | None = None,
        limit: int = 500,
    ) -> Sequence[Call]:
        require(principal, Perm.REPORTS_READ)
        return await repo.calls(session, start=start, end=end, agent_id=agent_id, limit=limit)

    async def calls_of_customer(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> Sequence[Call]:
        ensure_can_see_customer(principal, customer_id)
        return await repo.calls(session, customer_id=customer_id, limit=100)

    async def summary(
        self, session: AsyncSession, principal: Principal, start: datetime | None, end: datetime | None
    ) -> CallSummary:
        rows = [
            c
            for c in await self.calls(session, principal, start=start, end=end, limit=100_000)
            if c.direction == "inbound"
        ]
        answered = [c for c in rows if c.answered_at is not None]
        within = sum(1 for c in answered if c.answered_within_30s)
        speeds = [c.speed_of_answer_seconds for c in answered if c.speed_of_answer_seconds is not None]
        return CallSummary(
            offered=len(rows),
            answered=len(answered),
            missed=sum(1 for c in rows if c.status == CallStatus.MISSED),
            answered_within_30s=within,
            service_level_30s=round(within / len(rows), 4) if rows else None,
            asa_seconds=round(sum(speeds) / len(speeds), 2) if speeds else None,
        )


phone_service = PhoneService()
