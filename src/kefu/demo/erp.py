"""The demo company's order system (a stand-in for 星辰电子's ERP): the demo bot's order
lookup intent calls it over HTTP exactly as it would call a real business system.

Orders "XC" + 10 digits answer with a status derived from the number (stable per order);
a number ending in 0000 is unknown (404), so the demo can show the bot's failure path.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/demo-erp", include_in_schema=False)

_STATUS = ("已付款，待发货", "已发货，运输中", "派送中", "已签收")
_CARRIERS = ("顺丰速运", "京东物流", "中通快递")


@router.get("/orders/{order_no}")
async def order(order_no: str) -> dict[str, str]:
    if (
        len(order_no) != 12
        or not order_no.startswith("XC")
        or not order_no[2:].isdigit()
        or order_no.endswith("0000")
    ):
        raise HTTPException(status_code=404, detail="order not found")
    h = int(hashlib.sha256(order_no.encode()).hexdigest(), 16)
    status = _STATUS[h % len(_STATUS)]
    carrier = _CARRIERS[(h >> 8) % len(_CARRIERS)]
    eta = date.today() + timedelta(days=(h >> 16) % 3 + (0 if status == "已签收" else 1))
    return {
        "order_no": order_no,
        "status": status,
        "carrier": carrier,
        "tracking_no": f"SF{(h >> 24) % 10**12:012d}",
        "eta": eta.isoformat() if status != "已签收" else "已送达",
    }
