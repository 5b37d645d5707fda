"""Replies in app conversations leave through the app's own (scoped) webhook, recorded in
the transaction that stored them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.appchannel.service import app_channel_service
from kefu.kit.events import EventRecord, intercept_all


@intercept_all
async def route_reply(session: AsyncSession, record: EventRecord) -> None:
    data = record.payload
    if record.name != "message.created" or data.get("channel") != "app" or data.get("internal"):
        return
    if data.get("sender") == "customer":
        return
    await app_channel_service.route_reply(session, record)
