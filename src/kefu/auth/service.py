"""Sign-in, API tokens, web sessions and staff users.

Secrets (tokens, session keys) are returned once and stored only as SHA-256 hashes.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.repository import auth_repository
from kefu.auth.schemas import UserCreate, UserOut, UserUpdate
from kefu.authz import Perm, Principal, require
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unauthorized
from kefu.kit import background
from kefu.kit.db import Database, after_commit
from kefu.kit.security import hash_password_async, hash_token, new_token, verify_password_async
from kefu.kit.time import ensure_utc, utcnow
from kefu.models import ApiToken, Customer, User, WebSession
from kefu.outbox.service import mail_service
from kefu.team.service import team_service

MAGIC_LINK = "magic-link"  # the token name of portal sign-in links

_touching: set[int] = set()


def _touch_later(session: AsyncSession, token_id: int, now: datetime) -> None:
    """A read-only request (GET) cannot write: record the token's use in a small write unit
    of its own once the read is done (one at a time per token)."""
    db: Database | None = session.info.get("db")
    if db is None or token_id in _touching:
        return
    _touching.add(token_id)

    async def touch() -> None:
        try:
            async with db.transaction() as s:
                await auth_repository.touch_token(s, token_id, now)
        finally:
            _touching.discard(token_id)

    async def later() -> None:
        # Not awaited by the request: a read must never wait for the writer (it may be
        # busy, or the SQLite file locked by another process).
        background.spawn(touch(), "token_touch")

    after_commit(session, later)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


@dataclass(frozen=True)
class NewWebSession:
    key: str
    csrf_token: str
    record: WebSession


class AuthService:
    async def authenticate(self, session: AsyncSession, email: str, password: str) -> User:
        user = await auth_repository.user_by_email(session, email)
        ok = await verify_password_async(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            # The denial itself is audited by the error handler in its own transaction.
            raise Unauthorized("邮箱或密码错误 / invalid email or password", code="invalid_credentials")
        user.last_login_at = utcnow()
        audit_service.record(
            session, "auth.login", actor_user_id=user.id, target_type="user", target_id=user.id
        )
        return user

    async def issue_token(
        self,
        session: AsyncSession,
        user: User,
        *,
        name: str = "api",
        days: int | None = 365,
        hours: int | None = None,
    ) -> IssuedToken:
        token = new_token("kf")
        lifetime = timedelta(hours=hours) if hours else timedelta(days=days) if days else None
        record = ApiToken(
            user_id=user.id,
            token_hash=hash_token(token),
            name=name,
            expires_at=utcnow() + lifetime if lifetime else None,
        )
        session.add(record)
        await session.flush()
        audit_service.record(
            session,
            "auth.token_created",
            actor_user_id=user.id,
            target_type="token",
            target_id=record.id,
        )
        return IssuedToken(token, record)

    async def issue_customer_token(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        name: str,
        days: int = 30,
        minutes: int | None = None,
    ) -> IssuedToken:
        token = new_token("kc")
        lifetime = timedelta(minutes=minutes) if minutes is not None else timedelta(days=days)
        record = ApiToken(
            customer_id=customer_id,
            token_hash=hash_token(token),
            name=name,
            expires_at=utcnow() + lifetime,
        )
        session.add(record)
        await session.flush()
        return IssuedToken(token, record)

    async def principal_from_token(self, session: AsyncSession, token: str) -> Principal:
        record = await auth_repository.token_with_user(session, hash_token(token))
        now = utcnow()
        if record is None or record.revoked_at is not None or record.name == MAGIC_LINK:
            # A sign-in link opens a browser session once; it is never an API bearer.
            raise Unauthorized("无效或已撤销的令牌 / invalid or revoked token", code="invalid_token")
        if record.expires_at is not None and ensure_utc(record.expires_at) <= now:
            raise Unauthorized("令牌已过期 / token expired", code="token_expired")
        # Touch at most once a minute: avoids a write per request.
        if record.last_used_at is None or now - ensure_utc(record.last_used_at) > timedelta(minutes=1):
            if session.info.get("read_only"):
                _touch_later(session, record.id, now)
            else:
                await auth_repository.touch_token(session, record.id, now)
        if record.user_id is not None:  # staff: the user came with the token
            if record.role is None or not record.is_active:
                raise Unauthorized("账号已停用 / account disabled", code="account_disabled")
            return Principal(
                kind="staff",
                id=record.user_id,
                name=record.user_name,
                role=record.role,
                group_ids=frozenset(int(g) for g in (record.group_ids or "").split(",") if g),
                via="token",
                token_id=record.id,
            )
        principal = await self._principal(session, None, record.customer_id, via="token")
        return replace(principal, token_id=record.id)

    async def _principal(
        self, session: AsyncSession, user_id: int | None, customer_id: int | None, *, via: str
    ) -> Principal:
        if user_id is not None:
            user = await auth_repository.user_by_id(session, user_id)
            if user is None or not user.is_active:
                raise Unauthorized("账号已停用 / account disabled", code="account_disabled")
            groups = await auth_repository.group_ids(session, user.id)
            return Principal(
                kind="staff",
                id=user.id,
                name=user.name,
                role=user.role,
                group_ids=frozenset(groups),
                via=via,  # type: ignore[arg-type]
            )
        if customer_id is not None:
            customer = await session.get(Customer, customer_id)
            if customer is None:
                raise Unauthorized("无效的会话 / invalid session", code="invalid_token")
            return Principal(kind="customer", id=customer.id, name=customer.name, via=via)  # type: ignore[arg-type]
        raise Unauthorized("无效的令牌 / invalid token", code="invalid_token")

    async def list_tokens(self, session: AsyncSession, principal: Principal) -> Sequence[ApiToken]:
        if principal.user_id is None:
            return []
        return await auth_repository.tokens_of_user(session, principal.user_id)

    async def revoke_token(self, session: AsyncSession, principal: Principal, token_id: int) -> None:
        record = await session.get(ApiToken, token_id)
        own = record is not None and record.user_id == principal.user_id
        if record is None or not (own or principal.can(Perm.TOKENS_MANAGE)):
            raise NotFound("token not found")
        record.revoked_at = utcnow()
        audit_service.record(
            session, "auth.token_revoked", actor=principal, target_type="token", target_id=token_id
        )

    # --- portal sign-in links ----------------------------------------------------------
    async def send_magic_link(self, session: AsyncSession, email: str, public_url: str) -> None:
        """Mail a one-time, 15-minute sign-in link if the address belongs to a customer. The
        answer to the caller is the same either way, so addresses cannot be probed."""
        found = await customer_service.by_email(session, email)
        if found is None:
            return
        # Only the newest link works: older ones (maybe in a forwarded mail) die now.
        await auth_repository.revoke_tokens(session, at=utcnow(), customer_id=found.id, name=MAGIC_LINK)
        issued = await self.issue_customer_token(session, found.id, name=MAGIC_LINK, minutes=15)
        link = f"{public_url.rstrip('/')}/portal/magic/{issued.token}"
        await mail_service.queue(
            session,
            to=email.strip().lower(),
            kind="magic_link",
            subject="登录星辰电子服务中心 / Sign in",
            text=(
                f"{found.name or '您'}好：\n\n"
                f"点击以下链接登录服务中心（15 分钟内有效，仅可使用一次）：\n{link}\n\n"
                "如果不是您本人操作，请忽略本邮件。"
            ),
        )
        audit_service.record(session, "portal.magic_link_sent", target_type="customer", target_id=found.id)

    async def redeem_magic_link(self, session: AsyncSession, token: str) -> int:
        record = await auth_repository.token_by_hash(session, hash_token(token))
        now = utcnow()
        if (
            record is None
            or record.customer_id is None
            or record.name != MAGIC_LINK
            or record.revoked_at
            or (record.expires_at is not None and ensure_utc(record.expires_at) <= now)
        ):
            raise Unauthorized(
                "登录链接无效或已过期 / the sign-in link is invalid or expired", code="invalid_link"
            )
        record.revoked_at = now  # one use only
        audit_service.record(
            session,
            "portal.login",
            target_type="customer",
            target_id=record.customer_id,
            detail={"via": "magic_link"},
        )
        return record.customer_id

    # --- web sessions -------------------------------------------------------------------
    async def start_web_session(
        self,
        session: AsyncSession,
        *,
        user_id: int | None = None,
        customer_id: int | None = None,
        days: int = 7,
    ) -> NewWebSession:
        key = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        record = WebSession(
            key_hash=hash_token(key),
            user_id=user_id,
            customer_id=customer_id,
            csrf_token=csrf,
            data={},
            expires_at=utcnow() + timedelta(days=days),
        )
        session.add(record)
        await session.flush()
        return NewWebSession(key, csrf, record)

    async def resolve_web_session(
        self, session: AsyncSession, key: str
    ) -> tuple[Principal, WebSession] | None:
        record = await auth_repository.web_session_by_hash(session, hash_token(key))
        if record is None or ensure_utc(record.expires_at) <= utcnow():
            return None
        try:
            principal = await self._principal(session, record.user_id, record.customer_id, via="session")
        except Unauthorized:
            return None
        return principal, record

    async def end_web_session(self, session: AsyncSession, key: str) -> None:
        await auth_repository.delete_web_session(session, hash_token(key))

    async def purge_expired_sessions(self, session: AsyncSession) -> int:
        return await auth_repository.purge_expired_sessions(session, utcnow())


class UserService:
    async def create(self, session: AsyncSession, data: UserCreate, *, actor: Principal | None) -> User:
        if actor is not None:
            require(actor, Perm.USERS_MANAGE)
        if await auth_repository.user_by_email(session, data.email) is not None:
            raise Conflict(f"用户已存在 / user {data.email} already exists", code="user_exists")
        await team_service.ensure_exist(session, data.group_ids)
        user = User(
            email=data.email.lower(),
            name=data.name or data.email.split("@")[0],
            role=data.role,
            password_hash=await hash_password_async(data.password),
            is_active=True,
        )
        session.add(user)
        await session.flush()
        await auth_repository.set_groups(session, user.id, data.group_ids)
        audit_service.record(
            session,
            "user.created",
            actor=actor,
            target_type="user",
            target_id=user.id,
            detail={"role": data.role.value},
        )
        return user

    async def update(self, session: AsyncSession, actor: Principal, user_id: int, data: UserUpdate) -> User:
        require(actor, Perm.USERS_MANAGE)
        user = await auth_repository.user_by_id(session, user_id)
        if user is None:
            raise NotFound("user not found")
        changes = data.model_dump(exclude_unset=True)
        if "password" in changes:
            user.password_hash = await hash_password_async(changes.pop("password"))
            changes["password"] = "***"  # noqa: S105 - redacted marker for the audit log
            # A new password ends every way in the old one opened: tokens and browser sessions.
            await auth_repository.revoke_tokens(session, at=utcnow(), user_id=user.id)
            await auth_repository.delete_web_sessions(session, user_id=user.id)
        if changes.get("is_active") is False:
            await auth_repository.revoke_tokens(session, at=utcnow(), user_id=user.id)
            await auth_repository.delete_web_sessions(session, user_id=user.id)
        if "group_ids" in changes:
            await team_service.ensure_exist(session, changes["group_ids"])
            await auth_repository.set_groups(session, user.id, changes["group_ids"])
        for field in ("name", "role", "is_active"):
            if field in changes:
                setattr(user, field, changes[field])
        audit_service.record(
            session,
            "user.updated",
            actor=actor,
            target_type="user",
            target_id=user.id,
            detail={"fields": sorted(changes)},
        )
        return user

    async def list_users(self, session: AsyncSession, actor: Principal) -> list[UserOut]:
        require(actor, Perm.USERS_MANAGE)
        users = await auth_repository.list_users(session)
        groups = await auth_repository.group_ids_for(session, [u.id for u in users])
        return [UserOut.model_validate(u).model_copy(update={"group_ids": groups[u.id]}) for u in users]

    async def get_out(self, session: AsyncSession, user: User) -> UserOut:
        groups = await auth_repository.group_ids(session, user.id)
        return UserOut.model_validate(user).model_copy(update={"group_ids": groups})

    async def list_all(self, session: AsyncSession) -> Sequence[User]:
        """Every staff member (names for timelines and assignee pickers)."""
        return await auth_repository.list_users(session)

    async def get(self, session: AsyncSession, user_id: int) -> User | None:
        return await auth_repository.user_by_id(session, user_id)

    async def group_ids(self, session: AsyncSession, user_id: int) -> list[int]:
        return await auth_repository.group_ids(session, user_id)

    async def by_email(self, session: AsyncSession, email: str) -> User | None:
        return await auth_repository.user_by_email(session, email)


auth_service = AuthService()
user_service = UserService()
