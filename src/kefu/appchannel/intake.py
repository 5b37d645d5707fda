"""An app user's message through the same intake as the widget (so the bot answers), in
transactions of its own: the reply is stored before the response."""

from __future__ import annotations

from kefu.appchannel.schemas import AppMessageIn, AppMessageOut
from kefu.appchannel.service import app_channel_service
from kefu.conversation import intake
from kefu.conversation.schemas import WidgetSessionIn
from kefu.conversation.sessions import widget_sessions
from kefu.conversation.tokens import ChatTicket
from kefu.kit.db import Database


async def post_message(db: Database, secret_key: str, app_key: str, data: AppMessageIn) -> AppMessageOut:
    async with db.transaction() as session:
        integration = await app_channel_service.by_key(session, app_key)
        app_channel_service.check_user(integration, data.user_id, data.user_hash)
        user = await app_channel_service.app_user(
            session, integration, data.user_id, name=data.name, email=data.email, phone=data.phone
        )
        user_pk, customer_id, conv_id = user.id, user.customer_id, user.conversation_id
    assert customer_id is not None
    if conv_id is None:
        conv_id, _ = await intake.start_session(
            db, WidgetSessionIn(name=data.name, locale="zh_CN"), channel="app", customer_id=customer_id
        )
        async with db.transaction() as session:
            await app_channel_service.link_conversation(session, user_pk, conv_id)
    chat = ChatTicket(conversation_id=conv_id, customer_id=customer_id)
    accepted = await intake.customer_message(db, chat, data.client_id, data.text)
    if accepted.bot is not None:
        await intake.run_bot(db, accepted.bot)
    return AppMessageOut(
        conversation_id=conv_id,
        customer_id=customer_id,
        seq=accepted.seq,
        duplicate=not accepted.is_new,
        session_token=await widget_sessions.issue_in(db, conv_id, customer_id),
    )
