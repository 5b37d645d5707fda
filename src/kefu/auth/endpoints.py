"""/api/v1/auth and /api/v1/users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from kefu.auth.schemas import (
    TokenInfo,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserOut,
    UserUpdate,
)
from kefu.auth.service import auth_service, user_service
from kefu.config import Settings
from kefu.deps import CurrentPrincipal, Session, get_settings_dep, rate_limited, throttled_sign_in
from kefu.kit.schemas import Id, Page

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse, dependencies=[Depends(rate_limited("login"))])
async def create_token(
    request: Request,
    body: TokenRequest,
    session: Session,
    settings: Annotated[Settings, Depends(get_settings_dep)],
) -> TokenResponse:
    user = await throttled_sign_in(
        request, body.email, lambda: auth_service.authenticate(session, body.email, body.password)
    )
    # A sign-in gets a short-lived token (KEFU_LOGIN_TOKEN_HOURS); long-lived integration
    # tokens come from `kefu token create` and are listed and revoked under /auth/tokens.
    issued = await auth_service.issue_token(session, user, name="login", hours=settings.login_token_hours)
    return TokenResponse(access_token=issued.token, role=user.role, expires_at=issued.record.expires_at)


@router.get("/auth/me")
async def me(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "id": principal.id,
        "kind": principal.kind,
        "name": principal.name,
        "role": principal.role,
        "group_ids": sorted(principal.group_ids),
        "permissions": sorted(p.value for p in principal.permissions),
    }


@router.get("/auth/tokens", response_model=Page[TokenInfo])
async def list_tokens(principal: CurrentPrincipal, session: Session) -> Page[TokenInfo]:
    tokens = await auth_service.list_tokens(session, principal)
    return Page(items=[TokenInfo.model_validate(t) for t in tokens])


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: Id, principal: CurrentPrincipal, session: Session) -> None:
    await auth_service.revoke_token(session, principal, token_id)


@router.get("/users", response_model=Page[UserOut])
async def list_users(principal: CurrentPrincipal, session: Session) -> Page[UserOut]:
    return Page(items=await user_service.list_users(session, principal))


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, principal: CurrentPrincipal, session: Session) -> UserOut:
    user = await user_service.create(session, body, actor=principal)
    return await user_service.get_out(session, user)


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: Id, body: UserUpdate, principal: CurrentPrincipal, session: Session
) -> UserOut:
    user = await user_service.update(session, principal, user_id, body)
    return await user_service.get_out(session, user)
