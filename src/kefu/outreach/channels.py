"""Channels behind one interface: `await channel.send(db, delivery, on_sent)`.

- email: the mail outbox (`mail_service.queue`); queued and marked sent in one transaction,
  so exactly once; SMTP delivery, retries and "held" without a relay are the outbox's.
- sms: a provider adapter over HTTP, through the SSRF guard (kit.outbound); the gateway's
  URL and key are the admin's (key encrypted at rest). The adapter speaks a small JSON
  protocol: `POST <url>` with `Authorization: Bearer <key>` and `{"to", "sign", "text"}`,
  answered `{"ok": true, "id": "..."}`; a vendor's own API sits behind an adapter of this shape.
- wechat: template messages (模板消息) through the official account's API with the shared
  access token of `kefu.wechat.client` (refreshed when the platform says it is invalid).
- app: push through the company app's webhook (its server turns it into a push
  notification): `POST <url>` signed like kefu's webhooks (`X-Kefu-Timestamp`,
  `X-Kefu-Signature: sha256=HMAC(secret, "<ts>.<body>")`), body `{"type": "push", "send_id",
  "user_id", "title", "body", "url"}`; through the SSRF guard.

`on_sent(session, ref, delivered)`: the provider's reference, and whether its answer already
means the message reached the customer (the app's webhook: yes; SMS: only when the provider's
delivery report comes; WeChat: when the platform's TEMPLATESENDJOBFINISH receipt says
"success", matched by the msgid; email: when the outbox hands it to the SMTP relay).

Network channels are at-least-once: the provider call and the log update cannot share a
transaction, so a crash between them may repeat one message (the job retries).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.kit import outbound
from kefu.kit.db import Database
from kefu.outbox.service import mail_service
from kefu.webhook.signing import signature
from kefu.wechat import client as wechat_client
from kefu.wechat.service import wechat_service

OnSent = Callable[[AsyncSession, str, bool], Awaitable[None]]
TIMEOUT_SECONDS = 10.0


class Undeliverable(Exception):
    """A refusal retrying will not fix (bad number, unfollowed, guard refused the target)."""


@dataclass(frozen=True)
class Delivery:
    send_id: int
    channel: str
    to: str
    subject: str
    body: str
    options: dict[str, Any] = field(default_factory=dict)  # provider / account details


class Channel(Protocol):
    name: str

    async def send(self, db: Database, delivery: Delivery, on_sent: OnSent) -> None: ...


class EmailChannel:
    name = "email"

    async def send(self, db: Database, delivery: Delivery, on_sent: OnSent) -> None:
        async with db.transaction() as session:
            mail = await mail_service.queue(
                session,
                to=delivery.to,
                subject=delivery.subject or "—",
                text=delivery.body,
                kind="outreach",
                html=delivery.options.get("html") or None,
            )
            await on_sent(session, mail.message_id, False)


class SmsChannel:
    name = "sms"

    async def send(self, db: Database, delivery: Delivery, on_sent: OnSent) -> None:
        url = str(delivery.options.get("url") or "")
        if not url:
            raise Undeliverable("no SMS provider configured")
        policy = outbound.Policy(current_settings().effective_outbound_allow())
        body = {"to": delivery.to, "sign": delivery.options.get("sign_name", ""), "text": delivery.body}
        headers = {"Authorization": f"Bearer {delivery.options.get('api_key', '')}"}
        async with outbound.client(policy, timeout=TIMEOUT_SECONDS) as http:
            try:
                response = await http.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = outbound.refused_reason(exc)
                if reason:
                    raise Undeliverable(reason) from exc
                raise
        if response.status_code >= 500 or response.status_code == 429:
            raise RuntimeError(f"SMS provider answered {response.status_code}")
        data = _json(response)
        if response.status_code >= 400 or not data.get("ok"):
            raise Undeliverable(
                f"SMS provider refused: {str(data.get('error') or response.status_code)[:200]}"
            )
        async with db.transaction() as session:
            await on_sent(session, str(data.get("id") or ""), False)


class WechatTemplateChannel:
    name = "wechat"

    async def send(self, db: Database, delivery: Delivery, on_sent: OnSent) -> None:
        async with db.read() as session:
            account = await wechat_service.account(session, int(delivery.options["account_id"]))
        base = wechat_service.api_base(account)
        message = {
            "touser": delivery.to,
            "template_id": delivery.options.get("template_id", ""),
            "data": {
                "first": {"value": delivery.subject},
                "keyword1": {"value": delivery.body},
                "remark": {"value": delivery.options.get("remark", "")},
            },
        }
        if delivery.options.get("url"):
            message["url"] = delivery.options["url"]
        policy = outbound.Policy(current_settings().effective_outbound_allow())
        msgid = ""
        async with outbound.client(policy, timeout=TIMEOUT_SECONDS) as http:
            token = await wechat_client.access_token(db, http, account)
            for attempt in (1, 2):
                response = await http.post(
                    f"{base}/cgi-bin/message/template/send", params={"access_token": token}, json=message
                )
                response.raise_for_status()
                data = _json(response)
                code = int(data.get("errcode") or 0)
                if code == 0:
                    msgid = str(data.get("msgid") or "")
                    break
                if code in wechat_client.TOKEN_ERRORS and attempt == 1:
                    token = await wechat_client.access_token(db, http, account, fresh=True)
                    continue
                if code in wechat_client.UNDELIVERABLE:
                    raise Undeliverable(f"WeChat error {code}: {data.get('errmsg', '')}")
                raise wechat_client.PlatformError(code, str(data.get("errmsg", "")))
        async with db.transaction() as session:  # delivered when the platform's receipt says so
            await on_sent(session, msgid, False)


class AppPushChannel:
    name = "app"

    async def send(self, db: Database, delivery: Delivery, on_sent: OnSent) -> None:
        url = str(delivery.options.get("push_url") or "")
        if not url:
            raise Undeliverable("no app push webhook configured")
        body = json.dumps(
            {
                "type": "push",
                "send_id": delivery.send_id,
                "user_id": delivery.to,
                "title": delivery.subject,
                "body": delivery.body,
                "url": delivery.options.get("url") or "",
            },
            ensure_ascii=False,
        ).encode()
        ts = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Kefu-Timestamp": str(ts),
            "X-Kefu-Signature": signature(str(delivery.options.get("push_secret") or ""), ts, body),
        }
        policy = outbound.Policy(current_settings().effective_outbound_allow())
        async with outbound.client(policy, timeout=TIMEOUT_SECONDS) as http:
            try:
                response = await http.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = outbound.refused_reason(exc)
                if reason:
                    raise Undeliverable(reason) from exc
                raise
        if response.status_code >= 500 or response.status_code == 429:
            raise RuntimeError(f"app push webhook answered {response.status_code}")
        if response.status_code >= 400:
            raise Undeliverable(f"app push webhook refused: {response.status_code}")
        data = _json(response)
        async with db.transaction() as session:
            await on_sent(session, str(data.get("id") or ""), True)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


CHANNELS: dict[str, Channel] = {
    c.name: c for c in (EmailChannel(), SmsChannel(), WechatTemplateChannel(), AppPushChannel())
}
