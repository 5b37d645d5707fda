"""The platform's callback: verify, guard against replays, store the raw body, then feed the
message through the same intake as the widget and answer passively within the platform's
5 s limit. What is not ready by then ("success") leaves later through the sender job.

Owns its transactions (like `conversation.intake`): every step commits before the next.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import structlog

from kefu.config import Settings
from kefu.conversation import intake
from kefu.conversation.bot_slot import greeting
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.tokens import ChatTicket
from kefu.errors import Forbidden, KefuError
from kefu.kit.db import Database
from kefu.models.wechat import WechatAccount
from kefu.wechat import crypto, xmlmsg
from kefu.wechat.service import Follower, wechat_service

log = structlog.get_logger(__name__)
# The platform waits 5 s; a bot that needs longer answers through the customer-service API.
PASSIVE_BUDGET_SECONDS = 3.5
SUCCESS = "success"
_background: set[asyncio.Task[Any]] = set()


@dataclass(frozen=True)
class Query:
    signature: str = ""
    timestamp: str = ""
    nonce: str = ""
    echostr: str = ""
    encrypt_type: str = ""
    msg_signature: str = ""


def _check_signature(account: WechatAccount, q: Query) -> None:
    if not (q.signature and q.timestamp and q.nonce) or not crypto.check_signature(
        q.signature, account.token, q.timestamp, q.nonce
    ):
        raise Forbidden("签名无效 / invalid signature", code="bad_signature")


def _check_fresh(q: Query, settings: Settings) -> None:
    try:
        ts = int(q.timestamp)
    except ValueError as exc:
        raise Forbidden("时间戳无效 / invalid timestamp", code="stale") from exc
    if abs(time.time() - ts) > settings.wechat_replay_window_seconds:
        raise Forbidden("请求已过期 / timestamp outside the replay window", code="stale")


async def verify_url(db: Database, account_id: int, q: Query) -> str:
    """GET: the platform checks that we own the URL; echo its string back."""
    async with db.read() as session:
        account = await wechat_service.account(session, account_id)
    _check_signature(account, q)
    return q.echostr


async def handle(db: Database, settings: Settings, account_id: int, q: Query, body: bytes) -> str:
    """POST: the response body (reply XML or "success")."""
    async with db.read() as session:
        account = await wechat_service.account(session, account_id)
    _check_signature(account, q)
    _check_fresh(q, settings)
    safe = q.encrypt_type.lower() == "aes"
    failure: KefuError | None = None
    try:
        msg: xmlmsg.Inbound | None = _decode(account, q, body, safe)
    except Forbidden:
        raise
    except KefuError as exc:  # kept (quarantined) below, then refused
        msg, failure = None, exc
    key = msg.dedupe_key() if msg else "raw:" + hashlib.sha256(body).hexdigest()
    async with db.transaction() as session:
        await wechat_service.check_nonce(session, account.id, q.nonce, body)
        row = await wechat_service.record_inbound(
            session,
            account.id,
            key,
            body.decode("utf-8", "replace"),
            error=failure.message if failure else "",
        )
        retry_reply = row.reply if row.status == "processed" else None
    if msg is None:
        raise failure or xmlmsg.BadXml("unparseable callback")
    if retry_reply is not None:  # the platform retried: same answer, nothing stored twice
        text = retry_reply
    else:
        text = await _dispatch(db, account, msg)
        async with db.transaction() as session:
            await wechat_service.finish_inbound(session, account.id, key, text)
    if not text:
        return SUCCESS
    reply = xmlmsg.text_reply(msg.from_user, msg.to_user, int(time.time()), text)
    if safe and account.encoding_aes_key:
        encrypted = crypto.encrypt(account.encoding_aes_key, account.app_id, reply)
        sig = crypto.signature(account.token, q.timestamp, q.nonce, encrypted)
        return xmlmsg.encrypted_reply(encrypted, sig, q.timestamp, q.nonce)
    return reply


def _decode(account: WechatAccount, q: Query, body: bytes, safe: bool) -> xmlmsg.Inbound:
    values = xmlmsg.parse(body)
    if safe:
        if not account.encoding_aes_key:
            raise xmlmsg.BadXml("该公众号未配置 EncodingAESKey / no EncodingAESKey for safe mode")
        encrypted = values.get("Encrypt", "")
        if not encrypted or not q.msg_signature:
            raise xmlmsg.BadXml("缺少 Encrypt 或 msg_signature / missing Encrypt or msg_signature")
        if not crypto.check_signature(q.msg_signature, account.token, q.timestamp, q.nonce, encrypted):
            raise Forbidden("消息签名无效 / invalid msg_signature", code="bad_signature")
        values = xmlmsg.parse(crypto.decrypt(account.encoding_aes_key, account.app_id, encrypted))
    return xmlmsg.inbound(values)


async def _follower(db: Database, account: WechatAccount, msg: xmlmsg.Inbound) -> Follower:
    async with db.transaction() as session:
        return await wechat_service.follower(session, account, msg.from_user, msg.get("UnionId"))


async def _conversation(db: Database, follower: Follower, *, greet: bool) -> int:
    """The follower's conversation, started on first contact; the greeting is delivered only
    to someone who just followed (who writes first gets the answer, not a greeting)."""
    if follower.conversation_id is not None:
        return follower.conversation_id
    conv_id, _ = await intake.start_session(
        db,
        WidgetSessionIn(name="微信用户", locale="zh_CN"),
        channel="wechat",
        customer_id=follower.customer_id,
    )
    async with db.transaction() as session:
        sent = 0 if greet else await wechat_service.last_seq(session, conv_id)
        await wechat_service.link_conversation(session, follower.id, conv_id, sent)
    return conv_id


def _said(account: WechatAccount, msg: xmlmsg.Inbound) -> tuple[str, dict[str, Any]] | None:
    """What the follower said, as text for the bot and agents, with the media kept aside."""
    meta: dict[str, Any] = {"msg_id": msg.msg_id} if msg.msg_id else {}
    kind = msg.msg_type
    if kind == "text":
        return msg.get("Content").strip() or "[空消息]", meta
    if kind == "image":
        meta |= {"media_id": msg.get("MediaId"), "pic_url": msg.get("PicUrl")}
        return f"[图片] {msg.get('PicUrl')}".strip(), meta
    if kind == "voice":
        recognition = msg.get("Recognition").strip()
        meta |= {"media_id": msg.get("MediaId"), "format": msg.get("Format"), "recognition": recognition}
        return recognition or "[语音]", meta
    if kind == "event" and msg.event == "click":
        key = msg.get("EventKey")
        meta |= {"event": "CLICK", "key": key}
        return str(account.menu.get(key) or key or "[菜单]"), meta
    if kind in {"video", "shortvideo", "location", "link", "file"}:
        meta |= {k: v for k, v in msg.fields.items() if k in {"MediaId", "Url", "Title", "Label"}}
        return f"[{kind}]", meta
    return None


async def _dispatch(db: Database, account: WechatAccount, msg: xmlmsg.Inbound) -> str:
    if msg.msg_type == "event" and msg.event == "templatesendjobfinish":
        # A template message's delivery receipt: whoever sent it reads the event (outreach).
        async with db.transaction() as session:
            await wechat_service.template_finished(
                session, account.id, msg.from_user, msg.get("MsgID") or msg.msg_id, msg.get("Status")
            )
        return ""
    follower = await _follower(db, account, msg)
    if msg.msg_type == "event" and msg.event in {"subscribe", "unsubscribe"}:
        subscribed = msg.event == "subscribe"
        async with db.transaction() as session:
            await wechat_service.set_subscribed(session, follower.id, subscribed)
        if not subscribed:
            return ""
        new = follower.conversation_id is None
        await _conversation(db, follower, greet=not account.welcome)
        if account.welcome:
            return account.welcome
        pending = await _take_pending(db, follower.id)
        return pending if new and pending else greeting("zh_CN")
    said = _said(account, msg)
    if said is None:  # VIEW, SCAN, LOCATION reports ...: nothing to answer
        return ""
    text, meta = said
    conv_id = await _conversation(db, follower, greet=False)
    client_id = "wx:" + (msg.msg_id or hashlib.sha1(msg.dedupe_key().encode()).hexdigest())[:60]  # noqa: S324
    chat = ChatTicket(conversation_id=conv_id, customer_id=follower.customer_id)
    accepted = await intake.customer_message(db, chat, client_id, text[:4000], {"wechat": meta})
    if accepted.bot is not None:  # a bot that waits on the network: give it what time we have
        task = asyncio.create_task(intake.run_bot(db, accepted.bot))
        _background.add(task)
        task.add_done_callback(_background.discard)
        done, _ = await asyncio.wait({task}, timeout=PASSIVE_BUDGET_SECONDS)
        if not done:
            return ""  # the sender job delivers the answer
    return await _take_pending(db, follower.id)


async def _take_pending(db: Database, follower_id: int) -> str:
    async with db.transaction() as session:
        rows = await wechat_service.take_pending(session, follower_id)
    return "\n\n".join(m.text for m in rows if m.text)
