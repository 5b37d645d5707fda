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
_CARRIERS = (("顺丰速运", "SF"), ("京东物流", "JDV"), ("中通快递", "ZT"))


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
    carrier, prefix = _CARRIERS[(h >> 8) % len(_CARRIERS)]
    eta = date.today() + timedelta(days=(h >> 16) % 3 + 1)
    if status == "已付款，待发货":  # not shipped: no carrier yet
        return {
            "order_no": order_no,
            "status": status,
            "carrier": "仓库",
            "tracking_no": "待生成",
            "eta": eta.isoformat(),
            "delivery": f"预计 {eta.isoformat()} 发出",
        }
    return {
        "order_no": order_no,
        "status": status,
        "carrier": carrier,
        "tracking_no": f"{prefix}{(h >> 24) % 10**12:012d}",
        "eta": "delivered" if status == "已签收" else eta.isoformat(),
        "delivery": "已送达" if status == "已签收" else f"预计 {eta.isoformat()} 送达",
    }
