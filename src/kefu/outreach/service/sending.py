"""The send job: the checks right before sending (unsubscribe and consent, quiet hours, the
cap under a row lock on the customer), then the channel. Part of the outreach service."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Customer
from kefu.models.outreach import SendStatus
from kefu.outreach import links, rules, tracking
from kefu.outreach.channels import CHANNELS, Delivery, Undeliverable
from kefu.outreach.repository import outreach_repository as repo

log = structlog.get_logger(__name__)
SEND_JOB = "outreach.send"
MAX_ATTEMPTS = 6


def consented(customer: Customer) -> bool:
    record = (customer.consents or {}).get("marketing")
    return isinstance(record, dict) and record.get("granted") is True


def service_wanted(customer: Customer) -> bool:
    """Service notices go unless the customer switched them off (我的通知设置)."""
    record = (customer.consents or {}).get("service")
    return not (isinstance(record, dict) and record.get("granted") is False)


async def refusal(session: AsyncSession, customer: Customer, channel: str, purpose: str) -> str:
    """Why this customer must not get this kind of message on this channel now ("" = they
    may): marketing needs consent and no unsubscribe (all channels or this one); a service
    notice goes unless they switched service notices off, everywhere or on this channel."""
    if rules.needs_consent(purpose):
        if await repo.unsubscribed(session, customer.id, channel):
            return "unsubscribed"
        return "" if consented(customer) else "no_consent"
    if not service_wanted(customer) or await repo.opted_out(session, customer.id, channel, "service"):
        return "service_off"
    return ""


async def load_policy(session: AsyncSession) -> rules.OutreachPolicy:
    stored = await repo.setting(session)
    if stored:
        return rules.OutreachPolicy.model_validate(stored)
    return rules.OutreachPolicy(timezone=current_settings().display_timezone)


class Sender:
    # --- sending -------------------------------------------------------------------------
    async def _decide(self, session: AsyncSession, send_id: int, now: datetime) -> Delivery | None:
        """Checks right before sending; the delivery, or None (done, skipped, or moved past
        quiet hours)."""
        send = await repo.send(session, send_id)
        if send is None or send.status not in (SendStatus.SCHEDULED, SendStatus.SENDING):
            return None
        send.attempts += 1
        journey = await repo.journey(session, send.journey_id) if send.journey_id else None
        if send.customer_id is not None:  # a real send (test sends have no customer)
            customer = await repo.customer(session, send.customer_id, lock=True)  # serialises the cap
            if customer is None or customer.erased_at is not None:
                send.status, send.reason = SendStatus.SKIPPED, "customer_gone"
                return None
            refused = await refusal(session, customer, send.channel, send.purpose)
            if refused:
                send.status, send.reason = SendStatus.SKIPPED, refused
                return None
            if send.status == SendStatus.SCHEDULED:
                if journey is None or not journey.active:
                    send.status, send.reason = SendStatus.SKIPPED, "journey_inactive"
                    return None
                policy = await load_policy(session)
                later = rules.quiet_until(now, policy)
                if later is not None:
                    send.run_at = later
                    await jobs.enqueue(
                        session,
                        SEND_JOB,
                        {"send_id": send.id},
                        run_at=later,
                        unique_key=f"{SEND_JOB}:{send.id}:{int(later.timestamp())}",
                        max_attempts=MAX_ATTEMPTS,
                    )
                    return None
                if rules.counts_against_cap(send.purpose):
                    cap = policy.cap(send.channel)
                    since = now - timedelta(days=cap.per_days)
                    if rules.over_cap(
                        await repo.marketing_sent_since(session, customer.id, send.channel, since), cap
                    ):
                        send.status, send.reason = SendStatus.SKIPPED, "capped"
                        return None
        send.status, send.decided_at = SendStatus.SENDING, send.decided_at or now
        options = dict(send.context or {})
        policy = await load_policy(session)
        body = _final_body(send.id, send.customer_id, send.channel, send.body, tracked=policy.tracking)
        if send.channel == "email" and send.customer_id is not None and policy.tracking:
            options["html"] = tracking.html_body(body, links.open_url(send.id))
        if send.channel == "sms":
            provider = await repo.provider(session, "sms")
            if provider is None or not provider.active:
                send.status, send.reason = SendStatus.SKIPPED, "channel_unconfigured"
                return None
            options.update(url=provider.url, api_key=provider.api_key, sign_name=provider.sign_name)
        if send.channel == "wechat":
            if not options.get("account_id"):
                send.status, send.reason = SendStatus.SKIPPED, "channel_unconfigured"
                return None
            options["template_id"] = journey.wechat_template_id if journey else ""
            if send.customer_id is not None and send.purpose == "marketing":
                options["url"] = links.unsubscribe_url(send.customer_id, channel="wechat", send_id=send.id)
        if send.channel == "app":
            provider = await repo.provider(session, "app")
            if provider is None or not provider.active:
                send.status, send.reason = SendStatus.SKIPPED, "channel_unconfigured"
                return None
            options.update(push_url=provider.url, push_secret=provider.api_key)
            first = tracking.urls_in(body)
            options["url"] = first[0] if first else ""
        return Delivery(send.id, send.channel, send.to_addr, send.subject, body, options)

    async def deliver(self, db: Database, send_id: int) -> None:
        """The send job: decide, then hand to the channel. A transient failure raises (the
        job retries with backoff); a permanent one is logged as failed."""
        async with db.transaction() as session:
            delivery = await self._decide(session, send_id, utcnow())
        if delivery is None:
            return

        async def on_sent(session: AsyncSession, ref: str, delivered: bool) -> None:
            send = await repo.send(session, send_id)
            if send is not None:
                send.status, send.sent_at, send.error = SendStatus.SENT, utcnow(), ""
                send.reason, send.provider_ref = ref[:40], ref[:120]
                if delivered:
                    send.delivery, send.delivered_at = "delivered", send.sent_at

        try:
            await CHANNELS[delivery.channel].send(db, delivery, on_sent)
        except Undeliverable as exc:
            await self._failed(db, send_id, str(exc), final=True)
        except Exception as exc:
            await self._failed(db, send_id, f"{type(exc).__name__}: {exc}", final=False)
            raise

    async def _failed(self, db: Database, send_id: int, error: str, *, final: bool) -> None:
        async with db.transaction() as session:
            send = await repo.send(session, send_id)
            if send is None:
                return
            send.error = error[:1000]
            if final or send.attempts >= MAX_ATTEMPTS:
                # Why, for the outbox: the channel refused it, or every retry failed.
                send.status, send.reason = SendStatus.FAILED, "refused" if final else "gave_up"
        log.warning("outreach.send_failed", send_id=send_id, final=final)


def _final_body(send_id: int, customer_id: int | None, channel: str, body: str, *, tracked: bool) -> str:
    """The text as it leaves: the unsubscribe link names this channel and message (so "stop
    SMS" keeps email and the journey counts it); with tracking, every other link goes through
    the signed redirect. Test sends (no customer) go out as written."""
    if customer_id is None:
        return body
    plain = links.unsubscribe_url(customer_id)
    body = body.replace(plain, links.unsubscribe_url(customer_id, channel=channel, send_id=send_id))
    if not tracked:
        return body
    return tracking.rewrite(
        body, lambda url: None if links.is_unsubscribe_url(url) else links.click_url(send_id, url)
    )


sender = Sender()
