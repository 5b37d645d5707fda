"""The improvement loop's settings on the CRUD layer: responsible departments and suppliers
(supervisors and admins), and the external R&D integrations (admins: a webhook out and a
signed callback in, the secret encrypted at rest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kefu.authz import Perm
from kefu.errors import Unprocessable
from kefu.improvement.schemas import DepartmentIn, IntegrationIn
from kefu.improvement.service import improvement_service, integration_service
from kefu.web.crud import N_, AdminView, Column, Ctx, Field

KINDS = {"department": N_("Department"), "supplier": N_("Supplier")}


class DepartmentView(AdminView):
    slug = "improvement-departments"
    title = N_("Responsible departments")
    noun = N_("responsible department")
    perm = Perm.IMPROVEMENT_MANAGE
    create_schema = DepartmentIn
    intro = N_("Departments and suppliers an improvement item can be assigned to.")
    columns = (
        Column(N_("Name"), lambda ctx, d: d.name),
        Column(N_("Kind"), lambda ctx, d: ctx._(KINDS.get(d.kind, d.kind))),
        Column(N_("Status"), lambda ctx, d: ctx._("Active") if d.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("kind", N_("Kind"), kind="select", choices="kind"),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await improvement_service.departments(ctx.session)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await improvement_service.department(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"kind": [(k, ctx._(v)) for k, v in KINDS.items()]}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        return super().initial(ctx, obj) if obj is not None else {"kind": "department", "active": True}

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await improvement_service.create_department(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await improvement_service.update_department(ctx.session, ctx.principal, obj.id, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await improvement_service.delete_department(ctx.session, ctx.principal, obj.id)


class IntegrationView(AdminView):
    slug = "improvement-integrations"
    title = N_("R&D integrations")
    noun = N_("R&D integration")
    perm = Perm.SETTINGS_MANAGE
    create_schema = IntegrationIn
    intro = N_(
        "Improvement items are sent to this address as signed webhooks; the tracker calls back "
        "POST /api/v1/improvements/callback signed with the same secret to mark an item fixed."
    )
    columns = (
        Column(N_("Name"), lambda ctx, i: i.name),
        Column(N_("Address"), lambda ctx, i: i.url),
        Column(N_("Integration number"), lambda ctx, i: str(i.id)),
        Column(N_("Status"), lambda ctx, i: ctx._("Active") if i.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field(
            "url", N_("Address"), required=True, help=N_("https://… of the R&D tracker's webhook receiver")
        ),
        Field(
            "secret",
            N_("Signing secret"),
            kind="password",
            help=N_("At least 16 characters; leave empty when editing to keep the current one."),
        ),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await integration_service.list_integrations(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await integration_service.get(ctx.session, ctx.principal, key)

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        return super().initial(ctx, obj) if obj is not None else {"active": True}

    async def create(self, ctx: Ctx, data: Any) -> Any:
        if not data.secret:  # the page cannot show a generated secret safely: the admin sets it
            raise Unprocessable("Enter a signing secret of at least 16 characters.", code="weak_secret")
        integration, _secret = await integration_service.create(ctx.session, ctx.principal, data)
        return integration

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await integration_service.update(ctx.session, ctx.principal, obj.id, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await integration_service.delete(ctx.session, ctx.principal, obj.id)
