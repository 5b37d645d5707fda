"""WeChat rules: accounts (admin), the replay guard, raw inbound records, followers as
customers with one conversation each, the sent cursor and the shared access token.
Never commits: the callback and the sender own their transactions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.kit import outbound
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models import Message
from kefu.models.customer import IdentityKind
from kefu.models.wechat import WechatAccount, WechatInbound, WechatNonce, WechatUser
from kefu.wechat.events import TemplateSendFinished
from kefu.wechat.repository import wechat_repository as repo
from kefu.wechat.schemas import AccountCreate, AccountUpdate

TOKEN_MARGIN = timedelta(seconds=120)  # refresh this long before the platform's expiry


def callback_path(account_id: int) -> str:
    return f"/api/v1/channels/wechat/{account_id}/callback"


@dataclass(frozen=True)
class Follower:
    id: int
    openid: str
    customer_id: int
    conversation_id: int | None
    subscribed: bool


class WechatService:
    # --- accounts -----------------------------------------------------------------------
    async def create_account(
        self, session: AsyncSession, principal: Principal, data: AccountCreate
    ) -> WechatAccount:
        require(principal, Perm.SETTINGS_MANAGE)
        if await repo.account_by_app_id(session, data.app_id) is not None:
            raise Conflict("该公众号已接入 / this app_id is already connected", code="duplicate_app_id")
        if data.api_base:
            try:  # the platform API base is an outgoing target like any other
                policy = outbound.Policy(current_settings().effective_outbound_allow())
                await outbound.check_url(data.api_base, policy)
            except outbound.OutboundRefused as exc:
                raise Unprocessable(f"api_base: {exc.message}", code=exc.code) from exc
        account = WechatAccount(
            name=data.name,
            app_id=data.app_id,
            app_secret=data.app_secret,
            token=data.token,
            encoding_aes_key=data.encoding_aes_key,
            api_base=data.api_base.rstrip("/") if data.api_base else None,
            menu=dict(data.menu),
            welcome=data.welcome,
        )
        session.add(account)
        await session.flush()
        audit_service.record(
            session,
            "wechat.account_created",
            actor=principal,
            target_type="wechat_account",
            target_id=account.id,
            detail={"app_id": data.app_id},
        )
        return account

    async def list_accounts(self, session: AsyncSession, principal: Principal) -> Sequence[WechatAccount]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await repo.accounts(session)

    async def get_account(
        self, session: AsyncSession, principal: Principal, account_id: int
    ) -> WechatAccount:
        require(principal, Perm.SETTINGS_MANAGE)
        account = await repo.account(session, account_id)
        if account is None:
            raise NotFound("公众号不存在 / no such WeChat account")
        return account

    async def update_account(
        self, session: AsyncSession, principal: Principal, account_id: int, data: AccountUpdate
    ) -> WechatAccount:
        account = await self.get_account(session, principal, account_id)
        account.name, account.token, account.welcome, account.active = (
            data.name,
            data.token,
            data.welcome,
            data.active,
        )
        if data.app_secret:
            account.app_secret = data.app_secret
            account.access_token = None  # fetched again with the new secret
        if data.encoding_aes_key:
            account.encoding_aes_key = data.encoding_aes_key
        audit_service.record(
            session,
            "wechat.account_updated",
            actor=principal,
            target_type="wechat_account",
            target_id=account.id,
        )
        return account

    async def deactivate_account(self, session: AsyncSession, principal: Principal, account_id: int) -> None:
        """The platform's callbacks are refused from now on; followers and history stay."""
        account = await self.get_account(session, principal, account_id)
        account.active = False
        audit_service.record(
            session,
            "wechat.account_deactivated",
            actor=principal,
            target_type="wechat_account",
            target_id=account.id,
        )

    async def account(self, session: AsyncSession, account_id: int) -> WechatAccount:
        """For the platform's callbacks (no principal: the signature is the proof)."""
        account = await repo.account(session, account_id)
        if account is None or not account.active:
            raise NotFound("公众号不存在 / no such WeChat account")
        return account

    def api_base(self, account: WechatAccount) -> str:
        return (account.api_base or current_settings().wechat_api_base).rstrip("/")

    # --- replay guard and raw records ---------------------------------------------------
    async def check_nonce(self, session: AsyncSession, account_id: int, nonce: str, body: bytes) -> None:
        """The same nonce again is the platform retrying (same body: allowed, deduplicated
        later) or a replay (another body under a captured signature: refused)."""
        digest = hashlib.sha256(body).hexdigest()
        seen = await repo.nonce(session, account_id, nonce)
        if seen is not None:
            if seen.body_hash != digest:
                raise Forbidden("重复使用的 nonce / replayed nonce", code="replayed")
            return
        window = current_settings().wechat_replay_window_seconds
        await repo.purge_nonces(session, utcnow() - timedelta(seconds=2 * window))
        session.add(WechatNonce(account_id=account_id, nonce=nonce[:64], body_hash=digest))
        await session.flush()

    async def record_inbound(
        self, session: AsyncSession, account_id: int, key: str, raw: str, *, error: str = ""
    ) -> WechatInbound:
        """Store the callback body before acting on it; the existing row on a retry."""
        existing = await repo.inbound(session, account_id, key)
        if existing is not None:
            return existing
        row = WechatInbound(
            account_id=account_id,
            dedupe_key=key,
            raw=raw,
            status="unparseable" if error else "received",
            error=error[:500],
        )
        session.add(row)
        await session.flush()
        return row

    async def finish_inbound(self, session: AsyncSession, account_id: int, key: str, reply: str) -> None:
        row = await repo.inbound(session, account_id, key)
        if row is not None:
            row.status = "processed"
            row.reply = reply

    # --- followers ----------------------------------------------------------------------
    async def follower(
        self, session: AsyncSession, account: WechatAccount, openid: str, unionid: str = ""
    ) -> Follower:
        """The follower and their customer: matched by unionid (the same person across the
        company's accounts), else by openid; created on first contact."""
        user = await repo.user(session, account.id, openid, lock=True)
        if user is None:
            customer = (
                await customer_service.by_identity(session, IdentityKind.WECHAT_UNIONID, unionid)
                if unionid
                else None
            )
            if customer is None:
                customer = await customer_service.find_or_create(
                    session, CustomerCreate(name="微信用户", wechat_openid=openid)
                )
            else:
                await customer_service.attach_identity(session, customer, IdentityKind.WECHAT_OPENID, openid)
            user = WechatUser(
                account_id=account.id, openid=openid, unionid=unionid or None, customer_id=customer.id
            )
            session.add(user)
            await session.flush()
        elif user.customer_id is None:  # the customer was erased: start a new one
            customer = await customer_service.find_or_create(
                session, CustomerCreate(name="微信用户", wechat_openid=openid)
            )
            user.customer_id = customer.id
            user.conversation_id = None
        if unionid and not user.unionid:
            user.unionid = unionid
            customer = await customer_service.get(session, None, user.customer_id)  # type: ignore[arg-type]
            await customer_service.attach_identity(session, customer, IdentityKind.WECHAT_UNIONID, unionid)
        assert user.customer_id is not None
        return Follower(user.id, user.openid, user.customer_id, user.conversation_id, user.subscribed)

    async def link_conversation(
        self, session: AsyncSession, follower_id: int, conversation_id: int, sent_seq: int
    ) -> None:
        user = await repo.user_by_id(session, follower_id, lock=True)
        if user is None:
            raise NotFound("follower not found")
        user.conversation_id = conversation_id
        user.sent_seq = sent_seq

    async def set_subscribed(self, session: AsyncSession, follower_id: int, subscribed: bool) -> None:
        user = await repo.user_by_id(session, follower_id, lock=True)
        if user is not None:
            user.subscribed = subscribed

    async def template_finished(
        self, session: AsyncSession, account_id: int, openid: str, msgid: str, status: str
    ) -> None:
        """The platform's delivery receipt of a template message (TEMPLATESENDJOBFINISH),
        published for the domain that sent it; a receipt without a message id names nothing."""
        if msgid.strip():
            await publish(
                session,
                TemplateSendFinished(
                    account_id=account_id,
                    openid=openid[:64],
                    msgid=msgid.strip()[:120],
                    status=status.strip()[:60],
                ),
            )

    async def last_seq(self, session: AsyncSession, conversation_id: int) -> int:
        conv = await repo.conversation(session, conversation_id)
        return conv.last_seq if conv else 0

    # --- the sent cursor ----------------------------------------------------------------
    async def take_pending(self, session: AsyncSession, follower_id: int) -> list[Message]:
        """Everything not yet delivered, marked delivered (the passive reply carries it)."""
        user = await repo.user_by_id(session, follower_id, lock=True)
        if user is None or user.conversation_id is None:
            return []
        rows = list(await repo.outgoing_after(session, user.conversation_id, user.sent_seq))
        if rows:
            await repo.advance(session, user.id, rows[-1].seq)
        return rows

    async def pending(
        self, session: AsyncSession, conversation_id: int
    ) -> tuple[WechatUser, WechatAccount, list[Message]] | None:
        user = await repo.user_by_conversation(session, conversation_id)
        if user is None:
            return None
        account = await repo.account(session, user.account_id)
        if account is None:
            return None
        rows = list(await repo.outgoing_after(session, conversation_id, user.sent_seq))
        return user, account, rows

    async def sent_seq(self, session: AsyncSession, follower_id: int) -> int:
        user = await repo.user_by_id(session, follower_id)
        return user.sent_seq if user else 0

    async def mark_sent(self, session: AsyncSession, follower_id: int, seq: int) -> None:
        await repo.advance(session, follower_id, seq)

    # --- access token -------------------------------------------------------------------
    async def cached_token(self, session: AsyncSession, account_id: int) -> str | None:
        account = await repo.account(session, account_id)
        if account is None or not account.access_token or account.token_expires_at is None:
            return None
        if account.token_expires_at - TOKEN_MARGIN <= utcnow():
            return None
        return account.access_token

    async def store_token(
        self, session: AsyncSession, account_id: int, token: str | None, expires_at: datetime | None
    ) -> None:
        account = await repo.account(session, account_id)
        if account is not None:
            account.access_token = token
            account.token_expires_at = expires_at

    # --- the customer's timeline --------------------------------------------------------
    async def followers_of(self, session: AsyncSession, customer_id: int) -> Sequence[WechatUser]:
        return await repo.users_of_customer(session, customer_id)


wechat_service = WechatService()
