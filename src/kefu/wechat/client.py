"""The WeChat platform API: the access token (shared through the database, refreshed before
expiry and when the platform says it is invalid) and customer-service messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import structlog

from kefu.config import current_settings
from kefu.errors import KefuError
from kefu.kit import outbound
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.wechat import WechatAccount
from kefu.wechat.service import wechat_service

log = structlog.get_logger(__name__)
TIMEOUT_SECONDS = 10.0
# Token invalid or expired: fetch a new one and try once more.
TOKEN_ERRORS = {40001, 40014, 42001}
# The follower cannot receive it (48 h window passed, unfollowed, unknown openid): retrying
# will not help.
UNDELIVERABLE = {45015, 45047, 43004, 40003}


class PlatformError(KefuError):
    status_code = 502
    code = "wechat_error"

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode


def _check(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PlatformError(-1, "unexpected response")
    code = int(data.get("errcode") or 0)
    if code:
        raise PlatformError(code, str(data.get("errmsg", "")))
    return data


async def _fetch_token(http: httpx.AsyncClient, base: str, account: WechatAccount) -> tuple[str, int]:
    response = await http.get(
        f"{base}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": account.app_id, "secret": account.app_secret},
    )
    response.raise_for_status()
    data = _check(response.json())
    token = str(data.get("access_token") or "")
    if not token:
        raise PlatformError(-1, "no access_token in the answer")
    return token, int(data.get("expires_in") or 7200)


async def access_token(
    db: Database, http: httpx.AsyncClient, account: WechatAccount, *, fresh: bool = False
) -> str:
    if not fresh:
        async with db.read() as session:
            cached = await wechat_service.cached_token(session, account.id)
        if cached:
            return cached
    token, expires_in = await _fetch_token(http, wechat_service.api_base(account), account)
    async with db.transaction() as session:
        await wechat_service.store_token(session, account.id, token, utcnow() + timedelta(seconds=expires_in))
    log.info("wechat.token_refreshed", account_id=account.id)
    return token


async def send_text(db: Database, account: WechatAccount, openid: str, text: str) -> None:
    """One customer-service text message (客服消息)."""
    body = {"touser": openid, "msgtype": "text", "text": {"content": text}}
    base = wechat_service.api_base(account)
    policy = outbound.Policy(current_settings().effective_outbound_allow())
    async with outbound.client(policy, timeout=TIMEOUT_SECONDS) as http:
        token = await access_token(db, http, account)
        for attempt in (1, 2):
            response = await http.post(
                f"{base}/cgi-bin/message/custom/send", params={"access_token": token}, json=body
            )
            response.raise_for_status()
            try:
                _check(response.json())
                return
            except PlatformError as exc:
                if exc.errcode not in TOKEN_ERRORS or attempt == 2:
                    raise
                token = await access_token(db, http, account, fresh=True)
