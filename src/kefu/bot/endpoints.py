"""/api/v1/bot — intents (CRUD, CSV), settings, model status and training, the try-it box,
unanswered-question clusters; /api/v1/assist — suggestions for the agent."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, UploadFile, status
from fastapi.responses import Response

from kefu.authz import Perm, require
from kefu.bot.schemas import (
    AssistOut,
    BotSettings,
    ClusterOut,
    ImportResult,
    IntentIn,
    IntentOut,
    IntentUpdate,
    ModelOut,
    TryIn,
    TryOut,
)
from kefu.bot.service import MAX_CSV_BYTES, bot_service
from kefu.conversation.service import conversation_service
from kefu.customer.service import customer_service
from kefu.deps import CurrentPrincipal, Session
from kefu.errors import Unprocessable
from kefu.kit.db import Database, reads
from kefu.kit.schemas import Id, Page
from kefu.models.bot import Intent
from kefu.ticket.service import ticket_service

router = APIRouter(prefix="/api/v1", tags=["bot"])


def _out(intent: Intent, examples: list[str]) -> IntentOut:
    return IntentOut.model_validate(intent).model_copy(update={"examples": examples})


@router.get("/bot/intents", response_model=Page[IntentOut])
async def list_intents(principal: CurrentPrincipal, session: Session) -> Page[IntentOut]:
    return Page(items=[_out(i, ex) for i, ex in await bot_service.intents(session, principal)])


@router.post("/bot/intents", response_model=IntentOut, status_code=status.HTTP_201_CREATED)
async def create_intent(data: IntentIn, principal: CurrentPrincipal, session: Session) -> IntentOut:
    intent = await bot_service.create(session, principal, data)
    return _out(intent, data.examples)


@router.get("/bot/intents.csv")
async def export_intents(principal: CurrentPrincipal, session: Session) -> Response:
    body = await bot_service.export_csv(session, principal)
    return Response(
        content="\ufeff" + body,  # a BOM so Excel opens the Chinese correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="intents.csv"'},
    )


@router.post("/bot/intents.csv", response_model=ImportResult)
async def import_intents(file: UploadFile, principal: CurrentPrincipal, session: Session) -> ImportResult:
    raw = await file.read(MAX_CSV_BYTES + 1)
    if not raw:
        raise Unprocessable("CSV 文件为空 / empty CSV", code="csv_empty")
    return await bot_service.import_csv(session, principal, raw)


@router.get("/bot/intents/{intent_id}", response_model=IntentOut)
async def get_intent(intent_id: Id, principal: CurrentPrincipal, session: Session) -> IntentOut:
    return _out(*await bot_service.get(session, principal, intent_id))


@router.patch("/bot/intents/{intent_id}", response_model=IntentOut)
async def update_intent(
    intent_id: Id, data: IntentUpdate, principal: CurrentPrincipal, session: Session
) -> IntentOut:
    await bot_service.update(session, principal, intent_id, data)
    return _out(*await bot_service.get(session, principal, intent_id))


@router.delete("/bot/intents/{intent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_intent(intent_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await bot_service.delete(session, principal, intent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/bot/settings", response_model=BotSettings)
async def get_settings(principal: CurrentPrincipal, session: Session) -> BotSettings:
    require(principal, Perm.KB_MANAGE)  # the intents' editors
    return await bot_service.settings(session)


@router.put("/bot/settings", response_model=BotSettings)
async def put_settings(data: BotSettings, principal: CurrentPrincipal, session: Session) -> BotSettings:
    return await bot_service.save_settings(session, principal, data)


@router.get("/bot/model", response_model=ModelOut)
async def model(principal: CurrentPrincipal, session: Session) -> ModelOut:
    return await bot_service.model_info(session, principal)


@router.post("/bot/train", response_model=ModelOut)
@reads  # the request holds no write unit: training stores the model in one of its own
async def train(request: Request, principal: CurrentPrincipal, session: Session) -> ModelOut:
    """Train now (in a separate process) and wait for it: seconds for a company's intents."""
    require(principal, Perm.KB_MANAGE)
    await session.commit()  # ends the read snapshot, so the answer shows the new model
    db: Database = request.app.state.db
    await bot_service.train(db)
    return await bot_service.model_info(session, principal)


@router.post("/bot/try", response_model=TryOut)
async def try_text(data: TryIn, principal: CurrentPrincipal, session: Session) -> TryOut:
    return await bot_service.try_text(session, principal, data.text)


@router.get("/bot/unanswered", response_model=Page[ClusterOut])
async def unanswered(
    principal: CurrentPrincipal, session: Session, days: int = Query(default=30, ge=1, le=365)
) -> Page[ClusterOut]:
    clusters = await bot_service.unanswered(session, principal, days)
    return Page(items=[ClusterOut(size=c.size, label=c.label, examples=list(c.examples)) for c in clusters])


@router.get("/assist", response_model=AssistOut)
async def assist(
    principal: CurrentPrincipal,
    session: Session,
    conversation_id: Id | None = Query(default=None, ge=1),
    ticket_id: Id | None = Query(default=None, ge=1),
    q: str | None = Query(default=None, max_length=1000),
) -> AssistOut:
    """Suggested articles, macros and a draft answer for a conversation, a ticket or a text."""
    if (conversation_id is None) == (ticket_id is None) and q is None:
        raise Unprocessable(
            "需要 conversation_id、ticket_id 或 q 之一 / give one of them", code="assist_target"
        )
    customer_id: Id | None = None
    question = q or ""
    if conversation_id is not None:
        question, customer_id = await conversation_service.customer_question(
            session, principal, conversation_id
        )
    elif ticket_id is not None:
        question, customer_id = await ticket_service.customer_question(session, principal, ticket_id)
    name = ""
    if customer_id is not None:
        name = (await customer_service.get(session, None, customer_id)).name or ""
    return await bot_service.assist(session, principal, question, customer_name=name)
