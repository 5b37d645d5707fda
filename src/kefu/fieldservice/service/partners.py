"""The partner API's authentication: key, HMAC signature over timestamp, nonce, method, path
and body; a stale timestamp or a reused nonce is refused. Calls act as the point itself."""

from __future__ import annotations

import time
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.errors import Conflict, Forbidden, Unauthorized
from kefu.fieldservice import signing
from kefu.fieldservice.service.common import PARTNER_ROLE
from kefu.fieldservice.service.points import point_service
from kefu.models.fieldservice import PointKind, ServicePoint


def point_principal(point: ServicePoint) -> Principal:
    """A signed API call acts as the partner itself: a negative id is never a user (the
    system's is 0), and `partner_point` maps it back to the point."""
    return Principal(kind="staff", id=-point.id, name=point.name, role=PARTNER_ROLE)


async def authenticate(
    session: AsyncSession, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> ServicePoint:
    key = headers.get("x-kefu-key", "")
    ts_raw, nonce = headers.get("x-kefu-timestamp", ""), headers.get("x-kefu-nonce", "")
    given = headers.get("x-kefu-signature", "")
    point = await point_service.by_key(session, key)
    if point is None or point.kind != PointKind.PARTNER or not point.active or not point.api_secret:
        raise Unauthorized("合作商密钥无效 / unknown or missing X-Kefu-Key", code="bad_partner_key")
    if not ts_raw or not nonce or not given:
        raise Unauthorized(
            "缺少签名 / missing X-Kefu-Timestamp, X-Kefu-Nonce or X-Kefu-Signature", code="missing_signature"
        )
    if len(nonce) > 64:
        raise Unauthorized("随机串过长 / nonce longer than 64 characters", code="bad_nonce")
    try:
        ts = int(ts_raw)
    except ValueError as exc:
        raise Unauthorized("时间戳无效 / invalid timestamp", code="bad_timestamp") from exc
    # The signature first: a forged call must not burn a genuine nonce.
    if not signing.verify(point.api_secret, ts, nonce, method, path, body, given):
        raise Forbidden("签名无效 / invalid signature", code="bad_signature")
    if not signing.fresh(ts, time.time()):
        raise Unauthorized("签名已过期 / timestamp outside the 5-minute window", code="stale_signature")
    if not await point_service.use_nonce(session, point.id, nonce):
        raise Conflict("重复的请求 / this nonce was already used (replay)", code="replayed")
    return point
