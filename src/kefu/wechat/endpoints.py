"""/api/v1/channels/wechat: accounts (admin) and the platform's callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import PlainTextResponse, Response

from kefu.config import Settings
from kefu.deps import CurrentPrincipal, Session, get_db, get_settings_dep
from kefu.kit.db import Database
from kefu.kit.schemas import Id, Page
from kefu.wechat import callback
from kefu.wechat.schemas import AccountCreate, AccountCreated, AccountOut
from kefu.wechat.service import callback_path, wechat_service

router = APIRouter(prefix="/api/v1/channels/wechat", tags=["wechat"])
DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@router.post("", response_model=AccountCreated, status_code=status.HTTP_201_CREATED)
async def create_account(
    body: AccountCreate, principal: CurrentPrincipal, session: Session
) -> AccountCreated:
    account = await wechat_service.create_account(session, principal, body)
    return AccountCreated(id=account.id, callback_path=callback_path(account.id))


@router.get("", response_model=Page[AccountOut])
async def list_accounts(principal: CurrentPrincipal, session: Session) -> Page[AccountOut]:
    rows = await wechat_service.list_accounts(session, principal)
    return Page(
        items=[
            AccountOut(
                id=a.id,
                name=a.name,
                app_id=a.app_id,
                safe_mode=bool(a.encoding_aes_key),
                callback_path=callback_path(a.id),
                active=a.active,
                created_at=a.created_at,
            )
            for a in rows
        ]
    )


def _query(request: Request) -> callback.Query:
    p = request.query_params
    return callback.Query(
        signature=p.get("signature", "")[:100],
        timestamp=p.get("timestamp", "")[:20],
        nonce=p.get("nonce", "")[:64],
        echostr=p.get("echostr", "")[:200],
        encrypt_type=p.get("encrypt_type", "")[:10],
        msg_signature=p.get("msg_signature", "")[:100],
    )


@router.get("/{account_id}/callback", response_class=PlainTextResponse)
async def verify_url(account_id: Id, request: Request, db: DbDep) -> str:
    return await callback.verify_url(db, account_id, _query(request))


@router.post("/{account_id}/callback")
async def receive(account_id: Id, request: Request, db: DbDep, settings: SettingsDep) -> Response:
    body = await request.body()
    text = await callback.handle(db, settings, account_id, _query(request), body)
    media = "text/plain" if text == callback.SUCCESS else "application/xml"
    return Response(content=text, media_type=media)
