"""Outgoing webhooks: subscriptions, the delivery log, and signed delivery with retries.

Deliveries are recorded in the same transaction as the event they report (so none is lost
and none is sent for a rolled-back change), then sent by an I/O job outside any transaction.
The target host is resolved again at every attempt and internal addresses are refused unless
an admin allowed the host (SSRF, DNS rebinding); we connect to the address we checked and
never follow redirects.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import NotFound, Unprocessable
from kefu.kit import jobs, outbound, posting
from kefu.kit.db import Database, after_commit
from kefu.kit.events import EventRecord, known_events
from kefu.kit.time import utcnow
from kefu.models.webhook import DeliveryStatus, WebhookDelivery, WebhookSubscription
from kefu.webhook.repository import Attempt, ToSend, webhook_repository
from kefu.webhook.schemas import SubscriptionCreate, SubscriptionUpdate
from kefu.webhook.signing import signature

DELIVER_JOB = "webhook.deliver"
RETRY_DELAYS = (10, 60, 300, 1800, 7200, 21600, 43200)  # seconds; then the delivery fails
PING = "webhook.ping"
USER_AGENT = "kefu-webhooks/1"
# Deliveries of one batch in flight at once: a slow or dead endpoint costs a batch of 16
# about four timeouts, not sixteen, and a batch keeps to a few kept connections.
SEND_AT_ONCE = 4


ACTIVE_CACHE_SECONDS = 2.0
_active_cache: dict[str, tuple[float, list[tuple[int, frozenset[str]]]]] = {}


def _forget_active(session: AsyncSession) -> None:
    """Subscriptions change: drop the cache now and again once the change is committed."""
    _active_cache.clear()

    async def clear() -> None:
        _active_cache.clear()

    after_commit(session, clear)


def outbound_policy() -> outbound.Policy:
    return outbound.Policy(current_settings().effective_outbound_allow())


class WebhookService:
    # --- subscriptions ------------------------------------------------------------------
    def _check_events(self, events: list[str]) -> list[str]:
        known = set(known_events()) | {"*", PING}
        unknown = sorted(set(events) - known)
        if unknown:
            raise Unprocessable(f"unknown events: {', '.join(unknown)}", code="unknown_event")
        return sorted(set(events))

    async def _check_url(self, url: str) -> None:
        try:
            await outbound.check_url(url, outbound_policy())
        except outbound.OutboundRefused as exc:
            raise Unprocessable(f"webhook: {exc.message}", code=exc.code) from exc

    async def create(
        self,
        session: AsyncSession,
        principal: Principal,
        data: SubscriptionCreate,
        *,
        scope: str | None = None,
    ) -> tuple[WebhookSubscription, str]:
        """`scope`: a channel's own subscription (see `record_scoped`), not the event stream."""
        require(principal, Perm.SETTINGS_MANAGE)
        _forget_active(session)
        await self._check_url(data.url)
        secret = data.secret or secrets.token_urlsafe(32)
        sub = WebhookSubscription(
            name=data.name,
            url=data.url,
            secret=secret,
            events=self._check_events(data.events),
            active=data.active,
            created_by=principal.user_id,
            scope=scope,
        )
        session.add(sub)
        await session.flush()
        audit_service.record(
            session,
            "webhook.created",
            actor=principal,
            target_type="webhook",
            target_id=sub.id,
            detail={"url": data.url},
        )
        return sub, secret

    async def update(
        self, session: AsyncSession, principal: Principal, sub_id: int, data: SubscriptionUpdate
    ) -> WebhookSubscription:
        require(principal, Perm.SETTINGS_MANAGE)
        _forget_active(session)
        sub = await self.get(session, principal, sub_id)
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if "url" in changes:
            await self._check_url(changes["url"])
        if "events" in changes:
            changes["events"] = self._check_events(changes["events"])
        for key, value in changes.items():
            setattr(sub, key, value)
        audit_service.record(
            session,
            "webhook.updated",
            actor=principal,
            target_type="webhook",
            target_id=sub.id,
            detail={"fields": sorted(changes)},
        )
        return sub

    async def delete(self, session: AsyncSession, principal: Principal, sub_id: int) -> None:
        _forget_active(session)
        sub = await self.get(session, principal, sub_id)
        await session.delete(sub)
        audit_service.record(
            session, "webhook.deleted", actor=principal, target_type="webhook", target_id=sub_id
        )

    async def get(self, session: AsyncSession, principal: Principal, sub_id: int) -> WebhookSubscription:
        require(principal, Perm.SETTINGS_MANAGE)
        sub = await webhook_repository.get(session, sub_id)
        if sub is None:
            raise NotFound("webhook not found")
        return sub

    async def list_subscriptions(
        self, session: AsyncSession, principal: Principal
    ) -> Sequence[WebhookSubscription]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await webhook_repository.list_subscriptions(session)

    async def deliveries(
        self, session: AsyncSession, principal: Principal, sub_id: int, status: str | None, limit: int
    ) -> Sequence[WebhookDelivery]:
        await self.get(session, principal, sub_id)
        return await webhook_repository.deliveries(session, sub_id, status, limit)

    # --- recording ----------------------------------------------------------------------
    async def _active(self, session: AsyncSession) -> list[tuple[int, frozenset[str]]]:
        """(id, events) of active subscriptions, cached briefly: every chat message is an
        event, and the subscription list changes rarely (edits here clear the cache; other
        processes see them within ACTIVE_CACHE_SECONDS)."""
        key = str(session.get_bind().engine.url)
        cached = _active_cache.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        rows = [
            (s.id, frozenset(s.events or ()))
            for s in await webhook_repository.active(session)
            if s.scope is None
        ]
        _active_cache[key] = (now + ACTIVE_CACHE_SECONDS, rows)
        return rows

    async def record_event(self, session: AsyncSession, record: EventRecord) -> None:
        """Called in the publishing transaction for every event: one INSERT per matching
        subscription, which also checks it is still active (the cached list may be 2 s old)."""
        matching = [i for i, events in await self._active(session) if "*" in events or record.name in events]
        if not matching or record.id is None:
            return
        created = record.created_at or utcnow()
        body = {
            "id": record.id,
            "event": record.name,
            "created_at": created.isoformat(),
            "data": record.payload,
        }
        for sub_id in matching:
            delivery_id = await webhook_repository.queue_delivery(
                session, sub_id, record.id, record.name, body, utcnow()
            )
            if delivery_id is not None:
                await jobs.enqueue(session, DELIVER_JOB, {"delivery_id": delivery_id})

    async def record_scoped(
        self, session: AsyncSession, scope: str, record: EventRecord, extra: dict[str, Any] | None = None
    ) -> int:
        """Deliver one event to a channel's own subscriptions (e.g. an app's replies, only for
        its own conversations); `extra` adds routing facts (the app's user id) to the body."""
        subs = [s for s in await webhook_repository.scoped(session, scope) if record.name in (s.events or ())]
        if subs:
            await session.flush()
        for sub in subs:
            body = {
                "id": record.id,
                "event": record.name,
                "created_at": (record.created_at or utcnow()).isoformat(),
                "data": {**record.payload, **(extra or {})},
            }
            await self._queue(session, sub, record.id, record.name, body)
        return len(subs)

    async def _queue(
        self,
        session: AsyncSession,
        sub: WebhookSubscription,
        event_id: int | None,
        name: str,
        body: dict[str, Any],
    ) -> WebhookDelivery:
        delivery = WebhookDelivery(subscription_id=sub.id, event_id=event_id, event_name=name, payload=body)
        session.add(delivery)
        await session.flush()
        await jobs.enqueue(session, DELIVER_JOB, {"delivery_id": delivery.id})
        return delivery

    async def ping(self, session: AsyncSession, principal: Principal, sub_id: int) -> WebhookDelivery:
        sub = await self.get(session, principal, sub_id)
        body = {
            "id": None,
            "event": PING,
            "created_at": utcnow().isoformat(),
            "data": {"subscription_id": sub.id},
        }
        return await self._queue(session, sub, None, PING, body)

    async def redeliver(
        self, session: AsyncSession, principal: Principal, sub_id: int, delivery_id: int
    ) -> None:
        await self.get(session, principal, sub_id)
        delivery = await webhook_repository.delivery(session, delivery_id)
        if delivery is None or delivery.subscription_id != sub_id:
            raise NotFound("delivery not found")
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = utcnow()
        await jobs.enqueue(session, DELIVER_JOB, {"delivery_id": delivery.id})
        audit_service.record(
            session,
            "webhook.redelivered",
            actor=principal,
            target_type="webhook_delivery",
            target_id=delivery_id,
        )

    # --- sending ------------------------------------------------------------------------
    async def deliver(self, db: Database, delivery_ids: list[int]) -> jobs.Finish | None:
        """Send deliveries (the worker hands over its due delivery jobs together): one read
        for all, at most SEND_AT_ONCE in flight on kept-alive connections (kit.posting inside
        the worker). Returns the write that records every attempt; the worker runs it in the
        unit that marks the jobs done (one write unit per batch, not one per delivery)."""
        async with db.read() as session:
            found = await webhook_repository.to_send(session, delivery_ids)  # with subscriptions
        due = [d for d in found if d.status == DeliveryStatus.PENDING and d.active]
        if not due:
            return None
        limit = asyncio.Semaphore(SEND_AT_ONCE)
        timeout = current_settings().webhook_timeout_seconds
        policy = outbound_policy()

        async def attempt(d: ToSend) -> _Outcome:
            async with limit:
                return await self._attempt(policy, timeout, d)

        outcomes = await asyncio.gather(*(attempt(d) for d in due))
        return partial(self._record_attempts, outcomes=list(outcomes))

    async def _attempt(self, policy: outbound.Policy, timeout: float, d: ToSend) -> _Outcome:
        code: int | None = None
        error: str | None = None
        retry = True
        try:
            code = await self._post(policy, timeout, d)
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except OSError as exc:  # kit.posting's errors, timeouts included
            refused = outbound.refused_reason(exc)
            if refused is not None:  # refused by the SSRF guard: retrying will not help
                error, retry = refused, False
            else:
                error = f"{type(exc).__name__}: {exc}"[:1000]
        return _Outcome(d.id, d.attempts, code, error, retry)

    async def _post(self, policy: outbound.Policy, timeout: float, d: ToSend) -> int:
        body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Kefu-Event": d.event_name,
            "X-Kefu-Delivery": str(d.id),
            "X-Kefu-Timestamp": str(ts),
            "X-Kefu-Signature": signature(d.secret, ts, body),
        }
        # The guard resolves the host, checks every answer and connects to a checked one;
        # redirects are answers like any other (recorded, not followed).
        return await posting.post(d.url, body, headers, policy=policy, timeout=timeout)

    async def _record_attempts(self, session: AsyncSession, outcomes: list[_Outcome]) -> None:
        """Conditional UPDATEs, no read: each applies only while its delivery is still the
        pending one this attempt read (a redelivery or another worker's attempt wins).
        Settled outcomes go in one statement; one to retry is recorded alone, and its next
        job enqueued only if the record applied."""
        now = utcnow()
        settled: list[Attempt] = []
        for o in outcomes:
            attempts = o.seen_attempts + 1
            status, delivered, next_at = DeliveryStatus.FAILED.value, None, None
            if o.error is None:
                status, delivered = DeliveryStatus.SUCCEEDED.value, now
            elif o.retry and attempts <= len(RETRY_DELAYS):
                status, next_at = (
                    DeliveryStatus.PENDING.value,
                    now + timedelta(seconds=RETRY_DELAYS[attempts - 1]),
                )
            record = Attempt(o.delivery_id, o.seen_attempts, status, o.code, o.error, delivered, next_at)
            if next_at is None:
                settled.append(record)
                continue
            recorded = await webhook_repository.record_attempt(
                session,
                o.delivery_id,
                seen_attempts=o.seen_attempts,
                status=status,
                code=o.code,
                error=o.error,
                delivered_at=None,
                next_attempt_at=next_at,
            )
            if recorded:
                await jobs.enqueue(session, DELIVER_JOB, {"delivery_id": o.delivery_id}, run_at=next_at)
        await webhook_repository.record_settled(session, settled)


class _Outcome(NamedTuple):
    delivery_id: int
    seen_attempts: int
    code: int | None
    error: str | None
    retry: bool


webhook_service = WebhookService()
