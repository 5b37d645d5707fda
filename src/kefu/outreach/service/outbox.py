"""The outbox (外发消息), part of the outreach service: every message the engine planned, sent,
skipped or failed — email, SMS, WeChat and app push — newest first, filtered by customer,
journey, channel and stage, with the reason a message never left. Supervisors and admins
(`outreach.read_log`); addresses are masked for viewers without `customers.unmask`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.customer.masking import mask_identity
from kefu.outreach.repository import outreach_repository as repo
from kefu.outreach.schemas import OutboxFilter, OutboxPage, OutboxRow

# The address book kind of each channel's address (for masking).
ADDRESS_KIND = {"email": "email", "sms": "phone", "wechat": "wechat_openid", "app": "app_user"}


def _masked(channel: str, to: str) -> str:
    if channel == "app":  # the company app's user id: keep its start only
        return to[:3] + "****" if len(to) > 3 else "****"
    return mask_identity(ADDRESS_KIND.get(channel, ""), to)


class OutboxMixin:
    async def outbox(self, session: AsyncSession, principal: Principal, data: OutboxFilter) -> OutboxPage:
        require(principal, Perm.OUTREACH_LOG_READ)
        text = data.customer.strip()
        rows, total = await repo.outbox(
            session,
            customer_id=int(text) if text.isdigit() else None,
            name_part="" if text.isdigit() else text,
            journey_id=data.journey_id,
            channel=data.channel,
            stage=data.stage,
            offset=data.offset,
            limit=data.limit,
        )
        unmask = principal.can(Perm.CUSTOMERS_UNMASK)
        return OutboxPage(
            rows=[
                OutboxRow(
                    id=send.id,
                    created_at=send.created_at,
                    sent_at=send.sent_at,
                    customer_id=send.customer_id,
                    customer_name=customer_name or "",
                    journey_id=send.journey_id,
                    journey_name=journey_name or "",
                    channel=send.channel,
                    purpose=send.purpose,
                    subject=send.subject,
                    to=send.to_addr if unmask else _masked(send.channel, send.to_addr),
                    stage=stage,
                    # For a message that left, `reason` holds the provider's reference.
                    reason=send.reason if stage in ("skipped", "failed") else "",
                    opens=send.opens,
                    clicks=send.clicks,
                )
                for send, customer_name, journey_name, stage in rows
            ],
            total=total,
            offset=data.offset,
            limit=data.limit,
        )
