"""Channels: support email addresses (address → group) and WeChat official accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import EmailStr
from pydantic import Field as PField

from kefu.kit.schemas import Schema
from kefu.mail.schemas import AddressCreate
from kefu.mail.service.channels import mail_channel_service
from kefu.team.service import team_service
from kefu.web.crud import N_, AdminView, Column, Ctx, Field
from kefu.wechat.schemas import AccountCreate, AccountUpdate
from kefu.wechat.service import callback_path, wechat_service


class AddressForm(Schema):
    address: EmailStr
    group_id: int | None = None
    from_name: str = PField(default="", max_length=120)
    signature: str = PField(default="", max_length=2000)


class EmailAddressView(AdminView):
    slug = "email-addresses"
    title = N_("Email addresses")
    noun = N_("email address")
    create_schema = AddressForm
    intro = N_(
        "Mail to these addresses becomes tickets of the chosen group; "
        "other addresses go to the default group."
    )
    columns = (
        Column(N_("Address"), lambda ctx, a: a.address),
        Column(
            N_("Group"),
            lambda ctx, a: (
                ctx.aux["group_names"].get(a.group_id, "?") if a.group_id else ctx._("Default group")
            ),
        ),
        Column(N_("Sender name"), lambda ctx, a: a.from_name or "—"),
    )
    fields = (
        Field("address", N_("Address"), kind="email", required=True),
        Field("group_id", N_("Group"), kind="select", choices="groups", blank=N_("Default group")),
        Field("from_name", N_("Sender name")),
        Field("signature", N_("Signature"), kind="textarea"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await mail_channel_service.list_addresses(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await mail_channel_service.get_address(ctx.session, ctx.principal, key)

    def label(self, obj: Any) -> str:
        return str(obj.address)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"groups": [(str(k), v) for k, v in ctx.aux["group_names"].items()]}

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await mail_channel_service.create_address(
            ctx.session, ctx.principal, AddressCreate(**data.model_dump())
        )

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await mail_channel_service.update_address(
            ctx.session, ctx.principal, obj.id, AddressCreate(**data.model_dump())
        )

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await mail_channel_service.delete_address(ctx.session, ctx.principal, obj.id)


class WechatForm(Schema):
    name: str = PField(min_length=1, max_length=120)
    app_id: str | None = PField(default=None, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    app_secret: str | None = PField(default=None, min_length=8, max_length=128)
    token: str = PField(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    encoding_aes_key: str | None = PField(default=None, pattern=r"^[A-Za-z0-9]{43}$")
    welcome: str = PField(default="", max_length=600)
    active: bool = True


class WechatAccountView(AdminView):
    slug = "wechat-accounts"
    title = N_("WeChat official accounts")
    noun = N_("WeChat account")
    remove = "deactivate"
    create_schema = WechatForm
    intro = N_(
        "Enter the server address (callback) below in the WeChat platform's 服务器配置 with the same token. "
        "Secrets are never shown again; leave them empty to keep them."
    )
    columns = (
        Column(N_("Name"), lambda ctx, a: a.name),
        Column(N_("AppID"), lambda ctx, a: a.app_id),
        Column(N_("Server address (callback)"), lambda ctx, a: callback_path(a.id)),
        Column(
            N_("Encrypted (safe mode)"), lambda ctx, a: ctx._("yes") if a.encoding_aes_key else ctx._("no")
        ),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("app_id", N_("AppID"), required=True, only="create"),
        Field(
            "app_secret", N_("AppSecret"), kind="password", help=N_("Leave empty to keep the current secret.")
        ),
        Field("token", N_("Token (3–32 letters and digits)"), required=True),
        Field("encoding_aes_key", N_("EncodingAESKey (safe mode, 43 characters)"), kind="password"),
        Field("welcome", N_("Welcome message for new followers"), kind="textarea"),
        Field("active", N_("Active"), kind="check", only="edit"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await wechat_service.list_accounts(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await wechat_service.get_account(ctx.session, ctx.principal, key)

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {}
        return {"name": obj.name, "token": obj.token, "welcome": obj.welcome, "active": obj.active}

    async def create(self, ctx: Ctx, data: Any) -> Any:
        payload = data.model_dump(exclude={"active"}, exclude_none=True)
        return await wechat_service.create_account(
            ctx.session, ctx.principal, AccountCreate.model_validate(payload)
        )

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        change = AccountUpdate.model_validate(data.model_dump(exclude={"app_id"}))
        return await wechat_service.update_account(ctx.session, ctx.principal, obj.id, change)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await wechat_service.deactivate_account(ctx.session, ctx.principal, obj.id)
