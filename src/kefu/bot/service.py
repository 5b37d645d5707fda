"""The bot domain: admin-managed intents (CRUD, CSV), training in a separate process, the
serving "brain" cached per process and refreshed when intents or the model change, the
turn log and its unanswered clusters, and agent assist."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.automation.service import automation_service
from kefu.bot import actions
from kefu.bot import repository as repo
from kefu.bot.policy import (
    HANDOFF_EN,
    HANDOFF_ZH,
    ArticleRef,
    BotConfig,
    Decision,
    IntentSpec,
    Policy,
    Slot,
    Turn,
    render,
)
from kefu.bot.schemas import (
    AssistArticle,
    AssistMacro,
    AssistOut,
    BotSettings,
    ImportResult,
    IntentIn,
    IntentUpdate,
    ModelOut,
    TryArticle,
    TryOut,
)
from kefu.config import current_settings
from kefu.conversation.bot_slot import BotTurn
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kb.service import kb_service
from kefu.kit import jobs, outbound
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models.bot import BotModel, Intent, TurnOutcome
from kefu.models.conversation import Conversation
from kefu.nlp.clusters import Cluster, cluster
from kefu.nlp.embed_cache import EmbeddingCache
from kefu.nlp.emotion import analyze as analyze_emotion
from kefu.nlp.nlu import IntentModel, Prediction
from kefu.nlp.oos import background
from kefu.nlp.text import normalize, words

log = structlog.get_logger(__name__)
TRAIN_JOB = "bot.train"
REFRESH_SECONDS = 2.0  # how stale a process's brain may be after an edit elsewhere
CSV_COLUMNS = (
    "intent",
    "title",
    "example",
    "locale",
    "answer",
    "answer_en",
    "action",
    "group",
    "human_only",
    "buttons",
    "article_ids",
)
MAX_CSV_BYTES = 5_000_000


@dataclass(frozen=True)
class Brain:
    """What answers customers: the trained model, the policy over the enabled intents."""

    model: IntentModel | None
    policy: Policy
    settings: BotSettings
    version: tuple[Any, ...]
    needs_name: bool = False  # an answer says {name}: the customer's name is looked up


# A company's examples carry no out-of-scope rows and nothing tells how much of its traffic is
# off-topic: the threshold weighs a wrong answer and a needless decline equally.
OOS_PRIOR = 0.5
MIN_ARTICLE_SCORE = 1.0  # BM25: below this a "suggestion" is noise
ASSIST_FLOOR = 0.3  # an intent's answer is drafted for the agent from this confidence


def _train_arrays(
    texts: list[str], labels: list[str], cache_dir: Path | None = None
) -> tuple[bytes, dict[str, float], float]:
    """Runs in a worker process: the chats' event loop never waits for training. The shipped
    background questions train the "none of these" class (see `oos.py`)."""
    started = time.perf_counter()
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    model = IntentModel.train(texts, labels, background=background(), oos_prior=OOS_PRIOR, cache=cache)
    buf = io.BytesIO()
    np.savez_compressed(buf, **model.to_arrays())  # type: ignore[arg-type]
    return buf.getvalue(), dict(model.validation), time.perf_counter() - started


_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        import multiprocessing

        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def shutdown_training() -> None:
    """End the training process with the server (a stopped server left it orphaned): pending
    work is cancelled and the worker process terminated; the next start retrains if needed."""
    global _pool
    pool, _pool = _pool, None
    if pool is None:
        return
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # still importing or stuck in a native call: SIGKILL
            process.kill()
            process.join(timeout=5)


def _fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text, label in sorted(zip(texts, labels, strict=True)):
        digest.update(f"{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def _load_model(blob: bytes) -> IntentModel:
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        return IntentModel.from_arrays({name: npz[name] for name in npz.files})


class BotService:
    def __init__(self) -> None:
        self._brain: Brain | None = None
        self._checked = 0.0
        self._lock = asyncio.Lock()

    # ---- intents -------------------------------------------------------------------

    async def intents(self, session: AsyncSession, principal: Principal) -> list[tuple[Intent, list[str]]]:
        require(principal, Perm.KB_MANAGE)
        rows = await repo.intents(session)
        examples: dict[int, list[str]] = {}
        for ex in await repo.examples(session):
            examples.setdefault(ex.intent_id, []).append(ex.text)
        return [(i, examples.get(i.id, [])) for i in rows]

    async def get(
        self, session: AsyncSession, principal: Principal, intent_id: int
    ) -> tuple[Intent, list[str]]:
        require(principal, Perm.KB_MANAGE)
        intent = await repo.intent(session, intent_id)
        if intent is None:
            raise NotFound("意图不存在 / intent not found")
        return intent, [e.text for e in await repo.examples(session, [intent.id])]

    async def intent_named(self, session: AsyncSession, name: str) -> Intent | None:
        return await repo.intent_by_name(session, name)

    async def create(self, session: AsyncSession, principal: Principal | None, data: IntentIn) -> Intent:
        if principal is not None:
            require(principal, Perm.KB_MANAGE)
        if await repo.intent_by_name(session, data.name) is not None:
            raise Conflict(f"意图 {data.name} 已存在 / intent exists", code="intent_exists")
        await _check_action(data.action, data.config.model_dump())
        intent = Intent(
            name=data.name,
            title=data.title,
            answer=data.answer,
            answer_en=data.answer_en,
            buttons=data.buttons,
            article_ids=data.article_ids,
            action=data.action,
            config=data.config.model_dump(exclude_none=True),
            human_only=data.human_only,
            enabled=data.enabled,
        )
        session.add(intent)
        await session.flush()
        await repo.replace_examples(session, intent.id, [(e, _locale_of(e)) for e in data.examples])
        await self._changed(session)
        return intent

    async def update(
        self, session: AsyncSession, principal: Principal, intent_id: int, data: IntentUpdate
    ) -> Intent:
        intent, _ = await self.get(session, principal, intent_id)
        fields = data.model_dump(exclude_unset=True)
        examples = fields.pop("examples", None)
        if "config" in fields:
            fields["config"] = data.config.model_dump(exclude_none=True) if data.config else {}
        await _check_action(fields.get("action", intent.action), fields.get("config", intent.config))
        for key, value in fields.items():
            setattr(intent, key, value)
        if examples is not None:
            await repo.replace_examples(session, intent.id, [(e, _locale_of(e)) for e in examples])
        intent.updated_at = utcnow()
        await self._changed(session)
        return intent

    async def delete(self, session: AsyncSession, principal: Principal, intent_id: int) -> None:
        intent, _ = await self.get(session, principal, intent_id)
        await session.delete(intent)
        await self._changed(session)

    async def _changed(self, session: AsyncSession) -> None:
        """Retrain shortly (edits in a row, or a CSV of many intents, share one training)
        and refresh brains."""
        if not await jobs.is_queued(session, TRAIN_JOB):
            await jobs.enqueue(session, TRAIN_JOB, {}, run_at=utcnow() + timedelta(seconds=2))
        self._checked = 0.0

    # ---- CSV -------------------------------------------------------------------------

    async def export_csv(self, session: AsyncSession, principal: Principal) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for intent, examples in await self.intents(session, principal):
            for i, example in enumerate(examples or [""]):
                first = i == 0
                writer.writerow(
                    [
                        intent.name,
                        intent.title if first else "",
                        example,
                        _locale_of(example) if example else "",
                        intent.answer if first else "",
                        intent.answer_en if first else "",
                        intent.action if first else "",
                        (intent.config or {}).get("group", "") if first else "",
                        ("1" if intent.human_only else "0") if first else "",
                        "|".join(intent.buttons) if first else "",
                        "|".join(str(a) for a in intent.article_ids) if first else "",
                    ]
                )
        return out.getvalue()

    async def import_csv(self, session: AsyncSession, principal: Principal, raw: bytes) -> ImportResult:
        """Upsert by intent name: given fields replace, examples are added (never removed)."""
        require(principal, Perm.KB_MANAGE)
        if len(raw) > MAX_CSV_BYTES:
            raise Unprocessable("CSV 文件过大（最大 5 MB）/ CSV too large", code="csv_too_large")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
            except UnicodeDecodeError as exc:
                raise Unprocessable("无法识别的 CSV 编码 / unreadable CSV", code="csv_encoding") from exc
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"intent", "example"} <= set(reader.fieldnames):
            raise Unprocessable(
                "CSV 需要 intent 和 example 两列 / need intent,example columns", code="csv_columns"
            )
        grouped: dict[str, dict[str, Any]] = {}
        for line, row in enumerate(reader, start=2):
            name = (row.get("intent") or "").strip()
            if not name:
                continue
            try:
                IntentIn.model_validate({"name": name, "title": name[:40], "examples": ["x"]})
            except Exception as exc:
                raise Unprocessable(
                    f"第 {line} 行意图名无效 / bad intent name on line {line}", code="csv_row"
                ) from exc
            entry = grouped.setdefault(name, {"examples": []})
            for key in CSV_COLUMNS[1:]:
                value = (row.get(key) or "").strip()
                if key == "example":
                    if value:
                        entry["examples"].append(value[:500])
                elif value and key not in entry:
                    entry[key] = value
        created = updated = count = 0
        for name, entry in grouped.items():
            existing = await repo.intent_by_name(session, name)
            fields = _csv_fields(entry)
            if existing is None:
                if not entry["examples"]:
                    raise Unprocessable(
                        f"意图 {name} 没有例句 / intent {name} has no example", code="csv_row"
                    )
                data = IntentIn.model_validate(
                    {
                        "name": name,
                        "title": fields.pop("title", name[:40]),
                        **fields,
                        "examples": entry["examples"],
                    }
                )
                await self.create(session, principal, data)
                created += 1
            else:
                known = [e.text for e in await repo.examples(session, [existing.id])]
                merged = list(dict.fromkeys([*known, *entry["examples"]]))
                await self.update(
                    session,
                    principal,
                    existing.id,
                    IntentUpdate.model_validate({**fields, "examples": merged}),
                )
                updated += 1
            count += len(entry["examples"])
        return ImportResult(created=created, updated=updated, examples=count)

    # ---- settings ----------------------------------------------------------------------

    async def settings(self, session: AsyncSession) -> BotSettings:
        stored = await repo.settings(session)
        return BotSettings.model_validate(stored) if stored else BotSettings()

    async def save_settings(
        self, session: AsyncSession, principal: Principal, data: BotSettings
    ) -> BotSettings:
        require(principal, Perm.SETTINGS_MANAGE)
        await repo.save_settings(session, data.model_dump(mode="json"))
        self._checked = 0.0
        return data

    # ---- training ----------------------------------------------------------------------

    async def training_data(self, session: AsyncSession) -> tuple[list[str], list[str]]:
        enabled = {i.id: i.name for i in await repo.intents(session, enabled_only=True)}
        texts, labels = [], []
        for ex in await repo.examples(session, list(enabled)):
            texts.append(ex.text)
            labels.append(enabled[ex.intent_id])
        return texts, labels

    async def train(self, db: Database, *, in_process: bool = False) -> BotModel | None:
        """Train when the enabled intents' examples changed; None when nothing to do."""
        async with db.read() as session:
            texts, labels = await self.training_data(session)
            latest = await repo.latest_model_info(session)
        fingerprint = _fingerprint(texts, labels)
        if not texts or (latest is not None and latest[1] == fingerprint):
            return None
        settings = current_settings()
        cache_dir = settings.effective_cache_dir() if settings.embedding_cache else None
        if in_process:
            blob, validation, seconds = _train_arrays(texts, labels, cache_dir)
        else:
            loop = asyncio.get_running_loop()
            blob, validation, seconds = await loop.run_in_executor(
                _executor(), _train_arrays, texts, labels, cache_dir
            )
        async with db.transaction() as session:
            row = BotModel(
                fingerprint=fingerprint,
                arrays=blob,
                n_intents=len(set(labels)),
                n_examples=len(texts),
                train_seconds=round(seconds, 3),
                validation=validation,
            )
            session.add(row)
            await session.flush()
            await repo.prune_models(session)
        self._checked = 0.0
        log.info("bot.trained", intents=row.n_intents, examples=row.n_examples, seconds=round(seconds, 2))
        return row

    async def model_info(self, session: AsyncSession, principal: Principal) -> ModelOut:
        require(principal, Perm.KB_MANAGE)
        latest = await repo.latest_model(session)
        texts, labels = await self.training_data(session)
        pending = bool(texts) and (latest is None or latest.fingerprint != _fingerprint(texts, labels))
        if latest is None:
            return ModelOut(
                id=None,
                n_intents=0,
                n_examples=0,
                train_seconds=0.0,
                validation={},
                created_at=None,
                pending=pending,
            )
        return ModelOut(
            id=latest.id,
            n_intents=latest.n_intents,
            n_examples=latest.n_examples,
            train_seconds=latest.train_seconds,
            validation=latest.validation,
            created_at=latest.created_at,
            pending=pending,
        )

    # ---- the serving brain --------------------------------------------------------------

    def cached_brain(self) -> Brain | None:
        """The brain as last loaded, without touching the database (may be a little old)."""
        return self._brain

    async def brain(self, session: AsyncSession) -> Brain:
        now = time.monotonic()
        if self._brain is not None and now - self._checked < REFRESH_SECONDS:
            return self._brain
        async with self._lock:
            version = await repo.version(session)
            self._checked = time.monotonic()
            if self._brain is not None and self._brain.version == version:
                return self._brain
            self._brain = await self._build(session, version)
            return self._brain

    async def _build(self, session: AsyncSession, version: tuple[Any, ...]) -> Brain:
        settings = await self.settings(session)
        specs = []
        for intent in await repo.intents(session, enabled_only=True):
            specs.append(await self._spec(session, intent))
        latest = await repo.latest_model(session)
        model = _load_model(latest.arrays) if latest is not None else None
        config = BotConfig.from_dict(settings.model_dump())
        needs_name = any("{name}" in f"{i.answer}{i.answer_en}" for i in specs)
        return Brain(
            model=model,
            policy=Policy(specs, config),
            settings=settings,
            version=version,
            needs_name=needs_name,
        )

    async def _spec(self, session: AsyncSession, intent: Intent) -> IntentSpec:
        articles = []
        for article_id in intent.article_ids:
            try:
                article = await kb_service.read(session, None, article_id)
            except NotFound:
                continue  # unpublished or deleted: not linked
            articles.append(ArticleRef(article.id, article.title))
        config = intent.config or {}
        return IntentSpec(
            name=intent.name,
            title=intent.title,
            answer=intent.answer,
            answer_en=intent.answer_en,
            buttons=tuple(intent.buttons),
            articles=tuple(articles),
            action=intent.action,
            group=config.get("group"),
            human_only=intent.human_only,
            slots=tuple(Slot(s["name"], s["prompt"], s["pattern"]) for s in config.get("slots") or ()),
            url=str(config.get("url") or ""),
            method=str(config.get("method") or "GET"),
            timeout=float(config.get("timeout") or 3.0),
        )

    def predict(self, brain: Brain, text: str) -> Prediction | None:
        if brain.model is None or not any(ch.isalnum() for ch in normalize(text)):
            return None  # empty, emoji or punctuation only: nothing to classify
        return brain.model.predict(text[:1000])

    # ---- the turn log -----------------------------------------------------------------

    async def log_turn(
        self, session: AsyncSession, conversation_id: int, question: str, turn: BotTurn
    ) -> None:
        outcome = turn.outcome or (
            TurnOutcome.HANDOFF
            if turn.handoff
            else TurnOutcome.MISSED
            if turn.missed
            else TurnOutcome.ANSWERED
        )
        # It does not autoflush, so a conversation still pending in this session goes first.
        if any(isinstance(obj, Conversation) for obj in session.new):
            await session.flush()
        await repo.log_turn(
            session,
            conversation_id=conversation_id,
            question=question[:500],
            intent=turn.intent,
            confidence=turn.confidence,
            outcome=outcome,
        )

    async def unanswered(self, session: AsyncSession, principal: Principal, days: int = 30) -> list[Cluster]:
        require(principal, Perm.KB_MANAGE)
        rows = await repo.unanswered(session, utcnow() - timedelta(days=days), limit=2000)
        return cluster([r.question for r in rows])

    async def stats(self, session: AsyncSession, principal: Principal, days: int = 30) -> dict[str, int]:
        require(principal, Perm.KB_MANAGE)
        return await repo.turn_counts(session, utcnow() - timedelta(days=days))

    # ---- try it and agent assist --------------------------------------------------------

    async def try_text(self, session: AsyncSession, principal: Principal, text: str) -> TryOut:
        """The bot's answer to `text` as a customer's first message: its exact reply, buttons
        and articles (the business system is called as in a chat), for the admin's try box."""
        require(principal, Perm.KB_MANAGE)
        brain = await self.brain(session)
        prediction = self.predict(brain, text)
        feeling = analyze_emotion(text)
        decision = await self._preview(session, brain, text, prediction, feeling.anger, feeling.label)
        declined = decision.missed or prediction is None or prediction.label is None
        return TryOut(
            intent=None if declined or prediction is None else prediction.label,
            confidence=prediction.confidence if prediction else 0.0,
            ranked=list(prediction.ranked) if prediction else [],
            emotion=feeling.label,
            anger=feeling.anger,
            reply="\n".join(decision.replies),
            replies=list(decision.replies),
            buttons=list(decision.buttons),
            articles=[TryArticle(id=a.id, title=a.title, url=a.url) for a in decision.articles],
            declined=declined,
            off_topic=bool(prediction and prediction.off_topic),
            handoff=decision.handoff,
        )

    async def _preview(
        self,
        session: AsyncSession,
        brain: Brain,
        text: str,
        prediction: Prediction | None,
        anger: float,
        emotion: str,
    ) -> Decision:
        """The decision the chat bot would take (engine.NluBot.respond, without a state)."""
        turn = Turn(text=text[:1000], locale=_locale_of(text), anger=anger, emotion=emotion)
        if brain.model is None:
            return Decision(missed=True)
        decision = brain.policy.step(turn, prediction, {})
        if decision.search:
            found = await kb_service.search(session, None, decision.search, limit=3, log_miss=False)
            refs = [ArticleRef(a.id, a.title) for a in found.items if a.score >= MIN_ARTICLE_SCORE]
            decision = brain.policy.with_articles(decision, refs, turn)
        if decision.call is not None:
            spec = brain.policy.intents[decision.call.intent]
            decision = brain.policy.after_call(decision, turn, await actions.call(spec, decision.call.values))
        return decision

    async def assist(
        self, session: AsyncSession, principal: Principal, question: str, *, customer_name: str = ""
    ) -> AssistOut:
        """Suggestions for the agent: articles, macros and the bot's best answer as a draft."""
        require(principal, Perm.TICKETS_WORK)
        question = question.strip()[:1000]
        brain = await self.brain(session)
        prediction = self.predict(brain, question) if question else None
        # The best intent that answers (a hand-off intent's answer is the bot's transfer line,
        # useless to the agent already in the chat); an off-topic question has none.
        intent_name: str | None = None
        confidence = 0.0
        if prediction is not None and not prediction.off_topic:
            for name, p in prediction.ranked:
                candidate = brain.policy.intents.get(name)
                if candidate is not None and p >= ASSIST_FLOOR and not _hands_off(candidate):
                    intent_name, confidence = name, p
                    break
        spec = brain.policy.intents.get(intent_name or "")
        found = (
            await kb_service.search(session, principal, question, limit=5, log_miss=False)
            if question
            else None
        )
        articles = [
            AssistArticle(id=a.id, title=a.title, snippet=a.snippet, url=f"/help/articles/{a.id}")
            for a in (found.items if found else [])
        ]
        if spec is not None:  # the intent's own articles first
            known = {a.id for a in articles}
            articles = [
                AssistArticle(id=a.id, title=a.title, snippet="", url=a.url)
                for a in spec.articles
                if a.id not in known
            ] + articles
        draft = ""
        if spec is not None and spec.answer:
            draft = render(spec.answer, {"name": customer_name})
        elif found and found.items:
            draft = f"您好，关于您的问题，可以参考《{found.items[0].title}》：{found.items[0].snippet}"
        macros = await automation_service.macros_for(session, principal)
        return AssistOut(
            question=question,
            intent=intent_name,
            confidence=confidence,
            draft=_plain(draft),
            articles=articles[:5],
            macros=[
                AssistMacro(id=m.id, title=m.title, body=m.body) for m in _rank_macros(question, macros)[:3]
            ],
            emotion=analyze_emotion(question).label if question else None,
        )


def _rank_macros(question: str, macros: Sequence[Any]) -> list[Any]:
    """Macros sharing the most words (and characters) with the question, best first."""
    if not question:
        return []
    q_words = set(words(normalize(question)))
    q_chars = set(normalize(question))

    def score(m: Any) -> float:
        text = normalize(f"{m.title} {m.body}")
        shared = len(q_words & set(words(text)))
        return shared + 0.1 * len(q_chars & set(text))

    scored = [(score(m), m) for m in macros]
    return [m for s, m in sorted(scored, key=lambda x: -x[0]) if s >= 1.0]


def _hands_off(spec: IntentSpec) -> bool:
    """An intent whose answer is the bot's hand-off line: nothing to propose to an agent."""
    return (
        spec.human_only
        or spec.action in ("handoff", "http")
        or any(line in spec.answer for line in (HANDOFF_ZH, HANDOFF_EN, "转接人工", "转人工"))
    )


def _plain(text: str) -> str:
    return text.replace("**", "")


def _locale_of(text: str) -> str:
    return "zh_CN" if any("\u3400" <= ch <= "\u9fff" for ch in text) else "en"


async def _check_action(action: str, config: dict[str, Any]) -> None:
    if action == "http" and not config.get("url"):
        raise Unprocessable("HTTP 动作需要 url / an http action needs config.url", code="action_needs_url")
    if action == "http":
        # Slots fill the path or query only; the host is fixed and passes the SSRF guard.
        url = re.sub(r"\{[^{}]*\}", "x", str(config["url"]))
        target = urlsplit(str(config["url"])).netloc
        try:
            if "{" in target:
                raise outbound.OutboundRefused("the host part cannot hold a slot", code="invalid_url")
            await outbound.check_url(url, outbound.Policy(current_settings().effective_outbound_allow()))
        except outbound.OutboundRefused as exc:
            message = f"HTTP 动作地址不允许 / action url refused: {exc.message}"
            raise Unprocessable(message, code=exc.code) from exc
    if action == "http" and not config.get("slots"):
        raise Unprocessable(
            "HTTP 动作需要至少一个槽位 / an http action needs slots", code="action_needs_slots"
        )


def _csv_fields(entry: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("title", "answer", "answer_en", "action"):
        if key in entry:
            fields[key] = entry[key]
    if "group" in entry:
        fields["config"] = {"group": entry["group"]}
    if "human_only" in entry:
        fields["human_only"] = entry["human_only"].lower() in ("1", "true", "yes", "是")
    if "buttons" in entry:
        fields["buttons"] = [b for b in entry["buttons"].split("|") if b.strip()]
    if "article_ids" in entry:
        try:
            fields["article_ids"] = [int(a) for a in entry["article_ids"].split("|") if a.strip()]
        except ValueError as exc:
            raise Unprocessable(
                "article_ids 应为数字，用 | 分隔 / article_ids: numbers", code="csv_row"
            ) from exc
    return fields


def demo_questions() -> list[dict[str, Any]]:
    """The pre-hand-off questions the demo company asks."""
    return [
        {
            "field": "category",
            "label": "问题类型",
            "prompt": "为了让客服更快帮到您，请问您需要咨询哪类问题？",
            "options": ["订单问题=购买/订单", "产品使用=使用", "售后维修=售后/维修", "投诉建议=投诉"],
            "pattern": "",
        },
        {
            "field": "order_no",
            "label": "订单号",
            "prompt": "请提供相关的订单号（以 XC 开头），没有可回复“跳过”。",
            "options": [],
            "pattern": r"XC\d{10}",
        },
    ]


bot_service = BotService()
