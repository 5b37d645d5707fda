"""WeChat official accounts (公众号), their followers, the raw callbacks we received and the
nonces already seen (replay guard)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class WechatAccount(TimestampMixin, Base):
    __tablename__ = "wechat_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    app_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    app_secret: Mapped[str] = mapped_column(EncryptedText())
    token: Mapped[str] = mapped_column(EncryptedText())
    # Safe mode (安全模式) when set: messages arrive and replies leave AES-encrypted.
    encoding_aes_key: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    # The platform API base (None: settings.wechat_api_base); tests point it at loopback.
    api_base: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    # Menu CLICK keys mapped to what the customer "said" (e.g. {"HOURS": "营业时间"}).
    menu: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    welcome: Mapped[str] = mapped_column(sa.String(600), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The access token is shared by every process, so it lives here, not in memory.
    access_token: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WechatUser(TimestampMixin, Base):
    """A follower of one account: their customer and their (single, reopened) conversation."""

    __tablename__ = "wechat_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("wechat_accounts.id", ondelete="CASCADE"))
    openid: Mapped[str] = mapped_column(sa.String(64))
    unionid: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    subscribed: Mapped[bool] = mapped_column(default=True)
    # Every outgoing message of the conversation up to this seq reached WeChat (passively
    # or through the customer-service API); the sender job works from here.
    sent_seq: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("account_id", "openid"),)


class WechatInbound(Base):
    """Every signed callback body, stored before parsing: deduplicates the platform's
    retries (MsgId, or sender + time for events) and keeps what could not be parsed."""

    __tablename__ = "wechat_inbound"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("wechat_accounts.id", ondelete="CASCADE"))
    dedupe_key: Mapped[str] = mapped_column(sa.String(160))
    raw: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="received")  # processed, unparseable
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    reply: Mapped[str] = mapped_column(sa.Text, default="")  # the passive reply text we answered
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("account_id", "dedupe_key"),)


class WechatNonce(Base):
    """Nonces seen within the replay window; the same nonce with another body is a replay."""

    __tablename__ = "wechat_nonces"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("wechat_accounts.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    body_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("account_id", "nonce"),)
