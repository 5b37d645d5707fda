"""Tracking and opt-outs, part of the outreach service: the open pixel and tracked links
(signed; a click goes only to a URL the message contained), delivery reports from the SMS
provider (signed with its key) and WeChat's template-message receipts, each journey's
figures, and a customer's own per-channel choices (portal)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.customer.service import customer_service
from kefu.errors import Forbidden, NotFound, Unauthorized, Unprocessable
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.outreach import OutreachJourney, OutreachSend, SendStatus
from kefu.outreach import links, rules, tracking
from kefu.outreach.events import CustomerUnsubscribed, MessageEngaged
from kefu.outreach.repository import outreach_repository as repo
from kefu.outreach.schemas import DeliveryReportIn, FiguresOut, NotificationSettings
from kefu.outreach.service import sending
from kefu.webhook.signing import verify

SIGNATURE_WINDOW_SECONDS = 300


def check_signature(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """`X-Kefu-Timestamp` and `X-Kefu-Signature: sha256=HMAC(secret, "<ts>.<body>")`, within
    five minutes (a replayed old report is refused)."""
    ts_raw, sig = headers.get("x-kefu-timestamp", ""), headers.get("x-kefu-signature", "")
    if not secret:
        raise Forbidden("not configured", code="not_configured")
    if not ts_raw or not sig:
        raise Unauthorized("missing X-Kefu-Timestamp or X-Kefu-Signature", code="missing_signature")
    try:
        ts = int(ts_raw)
    except ValueError as exc:
        raise Unauthorized("invalid timestamp", code="bad_timestamp") from exc
    if abs(time.time() - ts) > SIGNATURE_WINDOW_SECONDS:
        raise Unauthorized("signature timestamp outside the window", code="stale")
    if not verify(secret, ts, body, sig):
        raise Forbidden("invalid signature", code="bad_signature")


class TrackingMixin:
    if TYPE_CHECKING:

        async def get(
            self, session: AsyncSession, principal: Principal, journey_id: int
        ) -> OutreachJourney: ...

    async def _engaged(self, session: AsyncSession, send: OutreachSend, kind: str) -> None:
        if send.customer_id is not None:
            await publish(
                session,
                MessageEngaged(
                    customer_id=send.customer_id, send_id=send.id, journey_id=send.journey_id, kind=kind
                ),
            )

    async def opened(self, session: AsyncSession, token: str) -> None:
        """The mail's 1-pixel image was fetched: the first open is the one that counts."""
        send = await repo.send(session, links.open_of(token))
        if send is None or send.customer_id is None:
            return
        send.opens += 1
        if send.opened_at is None:
            send.opened_at = utcnow()
            await self._engaged(session, send, "opened")

    async def clicked(self, session: AsyncSession, token: str) -> str:
        """Where a tracked link goes. The token is signed, and its URL must be one the send's
        own text contained: a forged or re-targeted link is a 404, never an open redirect."""
        send_id, url = links.click_of(token)
        send = await repo.send(session, send_id)
        if send is None or url not in tracking.urls_in(send.body):
            raise NotFound("invalid link", code="bad_link")
        if send.customer_id is not None:
            send.clicks += 1
            if send.opened_at is None:  # a click proves the open (images are often blocked)
                send.opened_at = utcnow()
            if send.clicked_at is None:
                send.clicked_at = utcnow()
                await self._engaged(session, send, "clicked")
        return url

    async def delivery_report(self, session: AsyncSession, headers: Mapping[str, str], raw: bytes) -> int:
        """The SMS provider's report, signed with the gateway's key; unknown ids are 404."""
        provider = await repo.provider(session, "sms")
        check_signature(provider.api_key if provider else "", headers, raw)
        try:
            data = DeliveryReportIn.model_validate(json.loads(raw))
        except ValueError as exc:
            raise Unprocessable(f"invalid delivery report: {str(exc)[:200]}", code="invalid_report") from exc
        send = await repo.send_by_ref(session, "sms", data.id)
        if send is None:
            raise NotFound("no such message", code="send_not_found")
        send.delivery = data.status
        if data.status == "delivered":
            send.delivered_at = send.delivered_at or utcnow()
        elif send.status == SendStatus.SENT:
            send.error = "undelivered (provider report)"
        return send.id

    async def wechat_receipt(
        self, session: AsyncSession, account_id: int, openid: str, msgid: str, status: str
    ) -> int | None:
        """The platform's TEMPLATESENDJOBFINISH for a template message we sent (matched by the
        msgid the send API returned, the follower and the account): "success" is delivered;
        "failed:user block" (the follower refuses the account's messages) and "failed: system
        failed" fail the send with that reason. The send's id, or None for someone else's."""
        send = await repo.send_by_ref(session, "wechat", msgid)
        if (
            send is None
            or send.to_addr != openid
            or (send.context or {}).get("account_id") not in (None, account_id)
        ):
            return None
        if status.strip().lower() == "success":
            send.delivery = "delivered"
            send.delivered_at = send.delivered_at or utcnow()
            return send.id
        send.delivery, send.delivered_at = "undelivered", None
        send.status = SendStatus.FAILED
        send.reason = "user_block" if "block" in status.lower() else "system_failed"
        send.error = f"WeChat: {status}"[:1000]
        return send.id

    async def figures(self, session: AsyncSession, principal: Principal, journey_id: int) -> FiguresOut:
        await self.get(session, principal, journey_id)
        return FiguresOut(journey_id=journey_id, **await repo.figures(session, journey_id))

    # --- the customer's own choices (portal 我的通知设置) ---------------------------------
    async def notification_settings(
        self, session: AsyncSession, principal: Principal
    ) -> NotificationSettings:
        """What reaches this customer: marketing (their consent, no unsubscribe from every
        channel) and service notices, and the channels each kind may use."""
        customer_id = _customer_of(principal)
        customer = await repo.customer(session, customer_id)
        if customer is None:
            raise NotFound("customer not found", code="customer_not_found")
        off = await repo.optouts(session, customer_id)
        return NotificationSettings.model_validate(
            {
                "marketing": sending.consented(customer)
                and not await repo.unsubscribed(session, customer_id),
                "service": sending.service_wanted(customer),
                "marketing_channels": [c for c in rules.CHANNELS if (c, "marketing") not in off],
                "service_channels": [c for c in rules.CHANNELS if (c, "service") not in off],
            }
        )

    async def save_notification_settings(
        self, session: AsyncSession, principal: Principal, data: NotificationSettings
    ) -> NotificationSettings:
        """The customer's choices: a kind switched on or off is their consent record (audited,
        PIPL: marketing only with it); turning marketing on lifts an unsubscribe from every
        channel; the channels of a kind that is on are its opt-outs. Sends already planned
        are checked again before they go, so a stop holds at once."""
        customer_id = _customer_of(principal)
        before = await self.notification_settings(session, principal)
        consents = {
            kind: wanted
            for kind, wanted, was in (
                ("marketing", data.marketing, before.marketing),
                ("service", data.service, before.service),
            )
            if wanted != was
        }
        if consents:
            await customer_service.set_own_consents(session, principal, consents)
        if data.marketing:
            await repo.remove_unsubscribe(session, customer_id)
        elif before.marketing:
            await publish(session, CustomerUnsubscribed(customer_id=customer_id, source="portal", channel=""))
        for purpose, on, wanted in (
            ("marketing", data.marketing, data.marketing_channels),
            ("service", data.service, data.service_channels),
        ):
            if not on:
                continue  # a kind switched off keeps its channel choices for when it is back on
            for channel in rules.CHANNELS:
                if channel in wanted:
                    await repo.remove_optout(session, customer_id, channel, purpose)
                elif (
                    await repo.add_optout(session, customer_id, channel, "portal", purpose=purpose)
                    and purpose == "marketing"
                ):
                    await publish(
                        session,
                        CustomerUnsubscribed(customer_id=customer_id, source="portal", channel=channel),
                    )
        return await self.notification_settings(session, principal)


def _customer_of(principal: Principal) -> int:
    if principal.is_staff or principal.customer_id is None:
        raise Forbidden("customers only", code="customers_only")
    return int(principal.customer_id)
