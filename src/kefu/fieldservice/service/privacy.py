"""Field service under PIPL: a customer's devices, repairs and diagnostic bundles in their
data export; erasure deletes the bundles (logs are personal) and blanks repair addresses and
texts, keeping the orders' numbers and times for statistics; retention drops old bundles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.fieldservice.repository import field_repository as repo


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


class FieldPrivacy:
    async def export(self, session: AsyncSession, customer_id: int) -> dict[str, Any]:
        devices = await repo.devices_of(session, customer_id)
        orders = await repo.orders(session, customer_id=customer_id, limit=10_000)
        bundles = await repo.bundles(session, customer_id=customer_id)
        return {
            "devices": [
                _plain(
                    d,
                    ("id", "model", "serial", "product_line", "purchased_at", "order_ref", "warranty_until"),
                )
                for d in devices
            ],
            "service_orders": [
                _plain(
                    o,
                    (
                        "id",
                        "ticket_id",
                        "device_id",
                        "kind",
                        "status",
                        "fault",
                        "city",
                        "address",
                        "fee_cny",
                        "quote_cny",
                        "rating",
                        "rating_comment",
                        "created_at",
                        "completed_at",
                    ),
                )
                for o in orders
            ],
            "diagnostic_bundles": [
                _plain(
                    b, ("id", "conversation_id", "serial", "device_info", "fault_codes", "logs", "created_at")
                )
                for b in bundles
            ],
        }

    async def erase(self, session: AsyncSession, customer_id: int) -> None:
        await repo.delete_bundles(session, customer_id=customer_id)
        await repo.blank_orders(session, customer_id)

    async def expire(self, session: AsyncSession, before: datetime) -> int:
        return await repo.delete_bundles(session, before=before)


field_privacy = FieldPrivacy()
