"""Phone lines: the call-centre integrations whose signed call events become calls, screen
pops and missed-call tasks (`kefu.phone`). The admin names the line, picks the group, sets
the signing secret the telephony uses, and maps PBX extensions to staff, one per line."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field as PField

from kefu.auth.service import user_service
from kefu.kit.schemas import Schema
from kefu.phone.schemas import IntegrationCreate, IntegrationUpdate
from kefu.phone.service import events_path, phone_service
from kefu.team.service import team_service
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError

_LINE = re.compile(r"^(\S{1,20})\s*[:：=＝\s]\s*(\S.*)$")


class PhoneLineForm(Schema):
    name: str = PField(min_length=1, max_length=120)
    group_id: int | None = None
    secret: str | None = None  # checked by the view: its own message beats "required"
    extensions: dict[str, int] = PField(default_factory=dict, max_length=2000)
    active: bool = True


class PhoneLineView(AdminView):
    slug = "phone-lines"
    title = N_("Phone lines")
    noun = N_("phone line")
    remove = "deactivate"
    create_schema = PhoneLineForm
    intro = N_(
        "The call centre sends signed call events (ringing, answered, ended) to the events address "
        "below, signed with the same secret; calls pop up at the extension's agent and missed "
        "calls become call-back tasks. Secrets are never shown again; leave them empty to keep them."
    )
    columns = (
        Column(N_("Name"), lambda ctx, i: i.name),
        Column(
            N_("Group"),
            lambda ctx, i: (
                ctx.aux["group_names"].get(i.group_id, "?") if i.group_id else ctx._("Default group")
            ),
        ),
        Column(N_("Events address"), lambda ctx, i: events_path(i.id)),
        Column(N_("Extensions"), lambda ctx, i: str(len(i.extensions or {}))),
        Column(N_("Status"), lambda ctx, i: ctx._("Active") if i.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("group_id", N_("Group"), kind="select", choices="groups", blank=N_("Default group")),
        Field(
            "secret",
            N_("Signing secret"),
            kind="password",
            help=N_("At least 16 characters; leave empty when editing to keep the current one."),
        ),
        Field(
            "extensions",
            N_("Extensions"),
            kind="textarea",
            help=N_(
                "One per line: the extension, then the agent's email or name, e.g. 8001 zhangwei@example.com"
            ),
        ),
        Field("active", N_("Active"), kind="check", only="edit"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}
        ctx.aux["staff"] = [u for u in await user_service.list_all(ctx.session) if u.role != "customer"]

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await phone_service.list_integrations(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await phone_service.get_integration(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"groups": [(str(k), v) for k, v in ctx.aux["group_names"].items()]}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {}
        emails = {u.id: u.email for u in ctx.aux.get("staff", [])}
        lines = [f"{ext} {emails.get(uid, uid)}" for ext, uid in sorted((obj.extensions or {}).items())]
        return {
            "name": obj.name,
            "group_id": obj.group_id,
            "extensions": "\n".join(lines),
            "active": obj.active,
        }

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        secret = out.get("secret")
        if obj is None and not secret:
            raise FieldError("secret", N_("Enter a signing secret of at least 16 characters."))
        if secret is not None and len(secret) < 16:
            raise FieldError("secret", N_("Enter a signing secret of at least 16 characters."))
        out["extensions"] = self._extensions(ctx, str(out.get("extensions") or ""))
        return out

    def _extensions(self, ctx: Ctx, text: str) -> dict[str, int]:
        """'8001 zhangwei@example.com' per line -> {"8001": user id}; a line that names no
        staff member is refused with the line in the message."""
        staff = ctx.aux.get("staff", [])
        by_key = {u.email.lower(): u.id for u in staff} | {u.name: u.id for u in staff}
        out: dict[str, int] = {}
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            match = _LINE.match(line)
            who = match.group(2).strip() if match else ""
            user_id = by_key.get(who.lower()) or by_key.get(who)
            if match is None or user_id is None:
                message = ctx._(
                    "Line “{line}”: write the extension, then the email or name of a staff member."
                )
                raise FieldError("extensions", message.format(line=line))
            out[match.group(1)] = user_id
        return out

    async def create(self, ctx: Ctx, data: Any) -> Any:
        payload = data.model_dump(exclude={"active"})
        return await phone_service.create_integration(
            ctx.session, ctx.principal, IntegrationCreate.model_validate(payload)
        )

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        change = IntegrationUpdate.model_validate(data.model_dump())
        return await phone_service.update_integration(ctx.session, ctx.principal, obj.id, change)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await phone_service.deactivate_integration(ctx.session, ctx.principal, obj.id)
