"""Shared set-up for field-service tests: an admin, customers with devices, points, tickets."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.fieldservice.signing import sign
from kefu.kit.db import Database
from kefu.models import Customer
from kefu.models.user import Role
from tests.factories import bearer, staff_token


class Field:
    """Drives the public API as an integrator would."""

    def __init__(self, client: httpx.AsyncClient, db: Database, token: str) -> None:
        self.c, self.db, self.h = client, db, bearer(token)

    @classmethod
    async def start(cls, client: httpx.AsyncClient, db: Database) -> Field:
        _admin, token = await staff_token(db, role=Role.ADMIN)
        return cls(client, db, token)

    async def customer(self, name: str = "周杰", tier: str | None = None) -> int:
        r = await self.c.post("/api/v1/customers", headers=self.h, json={"name": name})
        assert r.status_code == 201, r.text
        cid = int(r.json()["id"])
        if tier is not None:
            async with self.db.transaction() as s:
                await s.execute(sa.update(Customer).where(Customer.id == cid).values(tier=tier))
        return cid

    async def device(
        self, customer_id: int, *, line: str = "phone", age_days: int = 30, serial: str | None = None
    ) -> dict[str, Any]:
        r = await self.c.post(
            f"/api/v1/customers/{customer_id}/devices",
            headers=self.h,
            json={
                "model": "星辰 X5",
                "serial": serial or f"SN{uuid.uuid4().hex[:10]}",
                "product_line": line,
                "purchased_at": (date.today() - timedelta(days=age_days)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def point(
        self,
        *,
        city: str = "深圳",
        lines: list[str] | None = None,
        capacity: int = 5,
        kind: str = "own",
        **kw: Any,
    ) -> dict[str, Any]:
        r = await self.c.post(
            "/api/v1/service-points",
            headers=self.h,
            json={
                "name": f"{city}网点{uuid.uuid4().hex[:4]}",
                "kind": kind,
                "province": "广东",
                "city": city,
                "product_lines": lines or ["phone"],
                "daily_capacity": capacity,
                **kw,
            },
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def ticket(self, customer_id: int) -> int:
        r = await self.c.post(
            "/api/v1/tickets",
            headers=self.h,
            json={
                "subject": "手机无法开机",
                "description": "摔了一下之后黑屏",
                "customer_id": customer_id,
                "channel": "phone",
            },
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    async def order(
        self, customer_id: int, device_id: int, *, kind: str = "onsite", city: str = "深圳", expect: int = 201
    ) -> dict[str, Any]:
        ticket_id = await self.ticket(customer_id)
        r = await self.c.post(
            "/api/v1/service-orders",
            headers=self.h,
            json={
                "ticket_id": ticket_id,
                "device_id": device_id,
                "kind": kind,
                "fault": "黑屏",
                "city": city,
            },
        )
        assert r.status_code == expect, r.text
        return dict(r.json())

    async def move(self, order_id: int, to: str, **kw: Any) -> httpx.Response:
        return await self.c.post(
            f"/api/v1/service-orders/{order_id}/transition", headers=self.h, json={"to": to, **kw}
        )


def signed(
    point: dict[str, Any],
    method: str,
    path: str,
    body: bytes = b"",
    *,
    nonce: str | None = None,
    ts: int | None = None,
) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    nonce = nonce or uuid.uuid4().hex
    return {
        "X-Kefu-Key": point["api_key"],
        "X-Kefu-Timestamp": str(ts),
        "X-Kefu-Nonce": nonce,
        "X-Kefu-Signature": sign(point["api_secret"], ts, nonce, method, path, body),
        "content-type": "application/json",
    }
