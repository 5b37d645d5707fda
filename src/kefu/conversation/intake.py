"""The message pipeline that owns transactions: commit the customer's message (so the ack
means it is stored), then run the bot turn outside any transaction and store its result in
a second one. Sockets, REST and other channels all come through here."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.conversation.availability import availability_service
from kefu.conversation.bot_slot import BotContext, BotSlot, BotTurn, get_bot
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.service import conversation_service
from kefu.conversation.sessions import widget_sessions
from kefu.conversation.tokens import ChatTicket
from kefu.incident.service import incident_service
from kefu.kit.db import Database
from kefu.kit.groupcommit import group_commit
from kefu.models import Conversation, Message
from kefu.models.conversation import ConversationStatus
from kefu.nlp.emotion import Emotion, EmotionModel

log = structlog.get_logger(__name__)
T = TypeVar("T")
BOT_TIMEOUT_SECONDS = 10.0
APOLOGY = "抱歉，智能客服暂时无法回答，正在为您转接人工客服。"
FELT_MAX = 4096  # emotions kept by text (bounded, oldest out first)
FELT_CHARS = 200  # longer texts rarely repeat: analysed each time, not kept
_felt: dict[str, tuple[EmotionModel, Emotion]] = {}


def _analyze(text: str) -> tuple[EmotionModel, Emotion]:
    model = EmotionModel.load()
    return model, model.analyze(text)


def _remembered(text: str) -> Emotion | None:
    seen = _felt.get(text)
    return seen[1] if seen is not None and seen[0] is EmotionModel.load() else None


async def feeling_of(text: str) -> Emotion:
    """The text's emotion, in a worker thread: on unsure opinions the model runs a sentence
    encoder (~5-20 ms) that must not hold the loop. A text seen lately (a quick-reply button,
    "在吗", "转人工") is answered from memory by the same model: the lexicon path takes
    ~0.05 ms, the thread hop around it costs more CPU than that."""
    seen = _remembered(text)
    if seen is not None:
        return seen
    model, emotion = await asyncio.to_thread(_analyze, text)
    if len(text) > FELT_CHARS:
        return emotion
    _felt[text] = (model, emotion)
    while len(_felt) > FELT_MAX:  # oldest first (dicts keep insertion order)
        _felt.pop(next(iter(_felt)), None)
    return emotion


async def write(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Chat writes on SQLite share commits (one fsync for everything queued meanwhile);
    PostgreSQL commits concurrent transactions together by itself."""
    if db.is_sqlite:
        return await group_commit(db).run(work)
    async with db.transaction() as session:
        return await work(session)


@dataclass(frozen=True)
class Accepted:
    seq: int
    is_new: bool
    bot: BotContext | None  # set when the bot should answer this message


async def start_session(
    db: Database, data: WidgetSessionIn, *, channel: str = "chat", customer_id: int | None = None
) -> tuple[int, int]:
    """(conversation_id, customer_id) of a new conversation, greeted by the bot."""
    conv_id, customer, _ = await _start(db, data, channel=channel, customer_id=customer_id, token=False)
    return conv_id, customer


async def start_widget_session(db: Database, data: WidgetSessionIn) -> tuple[int, str]:
    """(conversation_id, the widget's session token): `start_session` with the token stored
    in the same write unit (one commit, not two: a widget opening is a commit and an fsync)."""
    conv_id, _, token = await _start(db, data, channel="chat", customer_id=None, token=True)
    assert token is not None
    return conv_id, token


async def _start(
    db: Database, data: WidgetSessionIn, *, channel: str, customer_id: int | None, token: bool
) -> tuple[int, int, str | None]:
    bot_slot = get_bot()
    refresh = getattr(bot_slot, "refresh", None)
    if refresh is not None:
        await refresh()  # a changed brain loads here, not in the unit below (NluBot.refresh)
    issued: list[str] = []

    async def work(session: AsyncSession) -> tuple[int, int | None, BotContext | None]:
        conv = await conversation_service.start(session, data, channel=channel, customer_id=customer_id)
        if token:
            assert conv.customer_id is not None
            issued.append(await widget_sessions.issue(session, conv.id, conv.customer_id))
        if not (await availability_service.settings(session)).bot_enabled:
            # An admin turned the bot off: straight to a person.
            assert conv.customer_id is not None
            await conversation_service.request_handoff(session, ChatTicket(conv.id, conv.customer_id))
            return conv.id, conv.customer_id, None
        ctx = BotContext(conversation_id=conv.id, customer_id=conv.customer_id, text="", locale=conv.locale)
        turn = await _turn_in(bot_slot, session, ctx, greet=True)
        if turn is not None:
            await conversation_service.bot_turn(session, conv.id, turn)
            return conv.id, conv.customer_id, None
        return conv.id, conv.customer_id, ctx

    conv_id, customer, ctx = await write(db, work)
    assert customer is not None
    if ctx is not None:
        await run_bot(db, ctx, greet=True)
    return conv_id, customer, issued[-1] if issued else None


async def customer_message(
    db: Database, chat: ChatTicket, client_id: str, text: str, extra: dict[str, Any] | None = None
) -> Accepted:
    """Store the message; an inline bot's answer is stored in the same commit (then `bot` is
    None), any other bot's turn is left to `run_bot`."""
    bot_slot = get_bot()
    emotion, inferred = await _infer(bot_slot, text)

    async def work(session: AsyncSession) -> Accepted:
        msg, is_new, conv = await conversation_service.customer_message(
            session, chat, client_id, text, extra, feeling=emotion, hold=True
        )
        accepted = await answer(session, msg, is_new, conv)
        # Normally the held line went out with the bot's answer; else it is written now.
        await conversation_service.write_held(session, conv)
        await conversation_service.save_turn(session, conv)
        return accepted

    async def answer(session: AsyncSession, msg: Message, is_new: bool, conv: Conversation) -> Accepted:
        if not is_new or conv.status != ConversationStatus.BOT:
            return Accepted(seq=msg.seq, is_new=is_new, bot=None)
        ctx = BotContext(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            text=text,
            locale=conv.locale,
            misses=conv.bot_misses,
            tier=conv.tier,
            state=dict(conv.bot_state or {}),
            emotion=msg.emotion or "neutral",
            anger=msg.anger or 0.0,
        )
        outage = await incident_service.outage_answer(session, text)
        if outage is not None:
            # An open incident's topic: the outage text answers before any NLU (重大事故模式).
            notice = BotTurn(replies=[outage], reason="incident", intent="incident")
            await conversation_service.bot_turn(session, conv.id, notice, question=text, locked=conv)
            return Accepted(seq=msg.seq, is_new=True, bot=None)
        # When the bot's inference ran out of time, its turn runs after the commit.
        turn = await _turn_in(bot_slot, session, ctx, greet=False) if inferred else None
        if turn is None:
            return Accepted(seq=msg.seq, is_new=True, bot=ctx)
        await conversation_service.bot_turn(session, conv.id, turn, question=text, locked=conv)
        return Accepted(seq=msg.seq, is_new=True, bot=None)

    return await write(db, work)


async def _infer(bot: BotSlot, text: str) -> tuple[Emotion | None, bool]:
    """The message's emotion and the bot's prediction, made before (not in) the write unit
    in worker threads: the unit runs on the event loop while every other write of the
    process waits for it, and the emotion model runs a sentence encoder on unsure opinions
    (~5-20 ms). The bot's timeout covers this inference, and only this: inside the unit the
    turn's database reads are never cut off mid-statement (that failed the message).
    (emotion, or None to analyse it in the unit; False when the prediction ran out of time)."""
    prefetch = getattr(bot, "prefetch", None)
    emotion = _remembered(text)  # no thread hop, no task for a text seen lately
    if emotion is not None and prefetch is None:
        return emotion, True
    try:
        async with asyncio.timeout(BOT_TIMEOUT_SECONDS):
            if emotion is None and prefetch is not None:
                emotion, _ = await asyncio.gather(feeling_of(text), prefetch(text))
            elif emotion is None:
                emotion = await feeling_of(text)
            elif prefetch is not None:
                await prefetch(text)
    except TimeoutError:
        log.warning("bot.inference_timeout", seconds=BOT_TIMEOUT_SECONDS)
        return _remembered(text), False
    return emotion, True


async def _turn_in(bot: BotSlot, session: AsyncSession, ctx: BotContext, *, greet: bool) -> BotTurn | None:
    """The bot's turn inside the message's own write unit, so message and answer share one
    commit and one fsync; None leaves the turn to `run_bot` after the commit.

    A bot that only computes (`inline`) always answers here. The NLU bot answers here unless
    the turn calls a business system (`respond_in` gives None), or an earlier turn of this
    conversation is still out waiting on one (answering now would skip its result).
    `respond_in` runs without the bot's timeout: what it awaits is the unit's own database
    reads (cancelling one mid-statement broke the unit); its inference ran before (`_infer`)."""
    if getattr(bot, "inline", False):
        return await _turn(bot, ctx, greet=greet)
    respond_in = getattr(bot, "greet_in" if greet else "respond_in", None)
    if respond_in is None:
        return None
    pending = _turn_locks.get(ctx.conversation_id)
    if pending is not None and pending.locked():
        return None
    try:
        turn: BotTurn | None = await respond_in(session, ctx)
        return turn
    except Exception as exc:  # the turn is retried after the commit, where failure apologises
        log.warning("bot.inline_failed", conversation_id=ctx.conversation_id, error=repr(exc))
        return None


async def _turn(bot: BotSlot, ctx: BotContext, *, greet: bool) -> BotTurn:
    """One bot turn; a bot that fails or hangs apologises and hands off."""
    try:
        async with asyncio.timeout(BOT_TIMEOUT_SECONDS):
            return await (bot.greet(ctx) if greet else bot.respond(ctx))
    except Exception as exc:
        log.warning("bot.failed", conversation_id=ctx.conversation_id, error=repr(exc))
        return BotTurn(replies=[APOLOGY], handoff=not greet, reason="bot_error")


# One bot turn at a time per conversation (in this process), each seeing the state the
# previous one left: two quick messages must not both answer the same pending question.
_turn_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


async def run_bot(db: Database, ctx: BotContext, *, greet: bool = False) -> None:
    """A bot turn in a transaction of its own (bots that wait on the network)."""
    lock = _turn_locks.get(ctx.conversation_id)
    if lock is None:
        lock = _turn_locks[ctx.conversation_id] = asyncio.Lock()
    async with lock:
        if not greet:
            async with db.read() as session:
                snapshot = await conversation_service.bot_snapshot(session, ctx.conversation_id)
            if snapshot is None:  # a human took it meanwhile
                return
            ctx = replace(ctx, state=snapshot[0], misses=snapshot[1])
        turn = await _turn(get_bot(), ctx, greet=greet)

        async def work(session: AsyncSession) -> None:
            await conversation_service.bot_turn(
                session, ctx.conversation_id, turn, question=None if greet else ctx.text
            )

        await write(db, work)


async def handoff(db: Database, chat: ChatTicket) -> None:
    async with db.transaction() as session:
        await conversation_service.request_handoff(session, chat)


async def staff_message(
    db: Database, principal: Principal, conversation_id: int, client_id: str, text: str, *, internal: bool
) -> int:
    async def work(session: AsyncSession) -> int:
        msg, _ = await conversation_service.staff_message(
            session, principal, conversation_id, client_id, text, internal=internal
        )
        return msg.seq

    return await write(db, work)
