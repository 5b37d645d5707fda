"""Staff and skill groups (with routing rules) on the CRUD view layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import EmailStr
from pydantic import Field as PField

from kefu.auth.schemas import UserCreate, UserUpdate
from kefu.auth.service import user_service
from kefu.authz import Perm
from kefu.errors import Conflict, NotFound
from kefu.kit.schemas import Schema
from kefu.models.user import Role
from kefu.routing.schemas import AgentSettingsIn, RuleIn
from kefu.routing.service import routing_service
from kefu.sla.service import sla_service
from kefu.team.schemas import GroupCreate, GroupUpdate
from kefu.team.service import team_service
from kefu.web.admin.labels import ROLE, minutes_text, options
from kefu.web.crud import N_, AdminView, Column, Ctx, Field

# Routing's defaults for someone who never signed in to the workspace (no state row yet).
DEFAULT_CHATS, DEFAULT_TICKETS = 5, 20


class StaffCreateForm(Schema):
    email: EmailStr
    name: str = PField(default="", max_length=120)
    password: str = PField(min_length=8, max_length=200)
    role: Role = Role.AGENT
    group_ids: list[int] = PField(default_factory=list)
    chat_capacity: int = PField(default=DEFAULT_CHATS, ge=0, le=50)
    ticket_capacity: int = PField(default=DEFAULT_TICKETS, ge=0, le=500)
    skills: list[str] = PField(default_factory=list, max_length=30)


class StaffEditForm(Schema):
    name: str = PField(min_length=1, max_length=120)
    password: str | None = PField(default=None, min_length=8, max_length=200)
    role: Role
    group_ids: list[int] = PField(default_factory=list)
    chat_capacity: int = PField(ge=0, le=50)
    ticket_capacity: int = PField(ge=0, le=500)
    skills: list[str] = PField(default_factory=list, max_length=30)
    is_active: bool = True


def _group_names(ctx: Ctx, ids: Sequence[int]) -> str:
    names: dict[int, str] = ctx.aux["group_names"]
    return "、".join(names.get(g, "?") for g in ids) or "—"


def _capacity(ctx: Ctx, user: Any) -> str:
    agent = ctx.aux["agents"].get(user.id)
    if not user.is_active:
        return "—"
    return ctx._("{chats} chats · {tickets} tickets").format(
        chats=agent.chat_capacity if agent else DEFAULT_CHATS,
        tickets=agent.ticket_capacity if agent else DEFAULT_TICKETS,
    )


class StaffView(AdminView):
    slug = "users"
    title = N_("Staff")
    noun = N_("staff member")
    perm = Perm.USERS_MANAGE
    remove = "deactivate"
    create_schema = StaffCreateForm
    update_schema = StaffEditForm
    intro = N_(
        "New staff members are agents unless you choose otherwise. Deactivated staff "
        "cannot sign in and receive no chats."
    )
    columns = (
        Column(N_("Name"), lambda ctx, u: u.name),
        Column(N_("Email"), lambda ctx, u: u.email),
        Column(N_("Role"), lambda ctx, u: ctx._(ROLE.get(u.role, u.role))),
        Column(N_("Groups"), lambda ctx, u: _group_names(ctx, u.group_ids)),
        Column(N_("Capacity"), _capacity),
        Column(
            N_("Skills"),
            lambda ctx, u: "、".join(ctx.aux["agents"][u.id].skills) if u.id in ctx.aux["agents"] else "",
        ),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("email", N_("Email"), kind="email", required=True, only="create"),
        Field(
            "password",
            N_("Password"),
            kind="password",
            required=True,
            only="create",
            help=N_("At least 8 characters."),
        ),
        Field(
            "password",
            N_("Reset password"),
            kind="password",
            only="edit",
            help=N_("Leave empty to keep the current password."),
        ),
        Field("role", N_("Role"), kind="select", choices="roles"),
        Field("group_ids", N_("Groups"), kind="checks", choices="groups"),
        Field("chat_capacity", N_("Concurrent chats"), kind="number"),
        Field("ticket_capacity", N_("Open tickets at most"), kind="number"),
        Field("skills", N_("Skills"), kind="tags", help=N_("Separated by commas, e.g. 售后, 英语")),
        Field("is_active", N_("Active (may sign in)"), kind="check", only="edit"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}
        ctx.aux["agents"] = {a.user_id: a for a in await routing_service.agents(ctx.session, ctx.principal)}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        users = await user_service.list_users(ctx.session, ctx.principal)
        return sorted(users, key=lambda u: (not u.is_active, u.id))

    def label(self, obj: Any) -> str:
        return str(obj.name)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "roles": options(ROLE, ctx._),
            "groups": [(str(k), v) for k, v in ctx.aux["group_names"].items()],
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"role": "agent", "chat_capacity": DEFAULT_CHATS, "ticket_capacity": DEFAULT_TICKETS}
        agent = ctx.aux["agents"].get(obj.id)
        return {
            "name": obj.name,
            "role": obj.role,
            "group_ids": obj.group_ids,
            "chat_capacity": agent.chat_capacity if agent else DEFAULT_CHATS,
            "ticket_capacity": agent.ticket_capacity if agent else DEFAULT_TICKETS,
            "skills": agent.skills if agent else [],
            "is_active": obj.is_active,
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        user = await user_service.create(
            ctx.session,
            UserCreate(
                email=data.email,
                name=data.name,
                password=data.password,
                role=data.role,
                group_ids=data.group_ids,
            ),
            actor=ctx.principal,
        )
        await routing_service.configure_agent(
            ctx.session,
            ctx.principal,
            user.id,
            AgentSettingsIn(
                chat_capacity=data.chat_capacity, ticket_capacity=data.ticket_capacity, skills=data.skills
            ),
        )
        return user

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        if obj.id == ctx.principal.id and (not data.is_active or data.role != Role.ADMIN):
            raise Conflict(
                "不能停用自己或取消自己的管理员角色 / you cannot deactivate or demote yourself",
                code="self_demote",
            )
        changes = data.model_dump(include={"name", "role", "group_ids", "is_active"})
        if data.password:
            changes["password"] = data.password
        user = await user_service.update(
            ctx.session, ctx.principal, obj.id, UserUpdate.model_validate(changes)
        )
        await routing_service.configure_agent(
            ctx.session,
            ctx.principal,
            obj.id,
            AgentSettingsIn(
                chat_capacity=data.chat_capacity, ticket_capacity=data.ticket_capacity, skills=data.skills
            ),
        )
        return user

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        if obj.id == ctx.principal.id:
            raise Conflict("不能停用自己 / you cannot deactivate yourself", code="self_demote")
        await user_service.update(ctx.session, ctx.principal, obj.id, UserUpdate(is_active=False))


class GroupForm(Schema):
    name: str = PField(min_length=1, max_length=80)
    description: str = PField(default="", max_length=400)
    is_default: bool = False
    member_ids: list[int] = PField(default_factory=list)
    required_skills: list[str] = PField(default_factory=list, max_length=30)
    overflow_group_id: int | None = None
    overflow_after_minutes: int = PField(default=0, ge=0, le=1440)
    sticky_wait_seconds: int = PField(default=60, ge=0, le=86_400)
    schedule_id: int | None = None


class GroupView(AdminView):
    slug = "groups"
    title = N_("Groups")
    noun = N_("group")
    perm = Perm.GROUPS_MANAGE
    remove = "delete"
    create_schema = GroupForm
    intro = N_(
        "A group receives chats and tickets; when nobody in it is free, waiting work can "
        "overflow to another group."
    )
    columns = (
        Column(N_("Name"), lambda ctx, g: g.name + (" ★" if g.is_default else "")),
        Column(
            N_("Members"),
            lambda ctx, g: "、".join(ctx.aux["user_names"].get(u, "?") for u in g.member_ids) or "—",
        ),
        Column(
            N_("Required skills"), lambda ctx, g: "、".join(ctx.aux["rules"][g.id].required_skills) or "—"
        ),
        Column(N_("Overflow"), lambda ctx, g: _overflow(ctx, g.id)),
        Column(N_("Agent hours"), lambda ctx, g: _hours(ctx, g.id)),
        Column(
            N_("Returning customer waits for last agent"),
            lambda ctx, g: minutes_text(ctx.aux["rules"][g.id].sticky_wait_seconds / 60, ctx._),
        ),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("description", N_("Description"), kind="textarea"),
        Field("is_default", N_("Default group (receives hand-offs nobody classified)"), kind="check"),
        Field("member_ids", N_("Members"), kind="checks", choices="users"),
        Field(
            "required_skills",
            N_("Required skills"),
            kind="tags",
            help=N_("Only agents with all these skills receive this group's chats."),
        ),
        Field(
            "overflow_group_id", N_("Overflow to"), kind="select", choices="groups", blank=N_("No overflow")
        ),
        Field("overflow_after_minutes", N_("Overflow after waiting (minutes)"), kind="number"),
        Field("sticky_wait_seconds", N_("Wait for the customer's last agent (seconds)"), kind="number"),
        Field(
            "schedule_id",
            N_("Agent hours"),
            kind="select",
            choices="schedules",
            blank=N_("Default business hours"),
            help=N_(
                "Outside these hours the bot still answers; a request for a person becomes a "
                "message with the time agents are back."
            ),
        ),
    )

    async def prepare(self, ctx: Ctx) -> None:
        groups = await team_service.list_groups(ctx.session)
        ctx.aux["groups"] = groups
        ctx.aux["group_names"] = {g.id: g.name for g in groups}
        ctx.aux["user_names"] = {
            u.id: u.name for u in await user_service.list_all(ctx.session) if u.is_active
        }
        ctx.aux["schedule_names"] = {s.id: s.name for s in await sla_service.list_schedules(ctx.session)}
        ctx.aux["rules"] = {
            g.id: await routing_service.get_rule(ctx.session, ctx.principal, g.id) for g in groups
        }

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return list(ctx.aux["groups"])

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "users": [(str(k), v) for k, v in ctx.aux["user_names"].items()],
            "groups": [(str(k), v) for k, v in ctx.aux["group_names"].items()],
            "schedules": [(str(k), v) for k, v in ctx.aux["schedule_names"].items()],
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"sticky_wait_seconds": 60, "overflow_after_minutes": 0}
        rule = ctx.aux["rules"][obj.id]
        return {
            "name": obj.name,
            "description": obj.description,
            "is_default": obj.is_default,
            "member_ids": obj.member_ids,
            "required_skills": rule.required_skills,
            "overflow_group_id": rule.overflow_group_id,
            "overflow_after_minutes": rule.overflow_after_seconds // 60,
            "sticky_wait_seconds": rule.sticky_wait_seconds,
            "schedule_id": rule.schedule_id,
        }

    async def _rules(self, ctx: Ctx, group_id: int, data: GroupForm) -> None:
        await team_service.set_members(ctx.session, ctx.principal, group_id, data.member_ids)
        await routing_service.set_rule(
            ctx.session,
            ctx.principal,
            group_id,
            RuleIn(
                overflow_group_id=data.overflow_group_id,
                overflow_after_seconds=data.overflow_after_minutes * 60,
                sticky_wait_seconds=data.sticky_wait_seconds,
                required_skills=data.required_skills,
                schedule_id=data.schedule_id,
            ),
        )

    async def create(self, ctx: Ctx, data: Any) -> Any:
        group = await team_service.create(
            ctx.session,
            GroupCreate(name=data.name, description=data.description, is_default=data.is_default),
            actor=ctx.principal,
        )
        await self._rules(ctx, group.id, data)
        return group

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        group = await team_service.update(
            ctx.session,
            ctx.principal,
            obj.id,
            GroupUpdate(name=data.name, description=data.description, is_default=data.is_default),
        )
        await self._rules(ctx, obj.id, data)
        return group

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await team_service.delete(ctx.session, ctx.principal, obj.id)


def _hours(ctx: Ctx, group_id: int) -> str:
    schedule_id = ctx.aux["rules"][group_id].schedule_id
    if schedule_id is None:
        return ctx._("Default business hours")
    return str(ctx.aux["schedule_names"].get(schedule_id, "?"))


def _overflow(ctx: Ctx, group_id: int) -> str:
    rule = ctx.aux["rules"][group_id]
    if rule.overflow_group_id is None:
        return "—"
    target = ctx.aux["group_names"].get(rule.overflow_group_id, "?")
    return ctx._("to {group} after {wait}").format(
        group=target, wait=minutes_text(rule.overflow_after_seconds / 60, ctx._)
    )


__all__ = ["GroupView", "NotFound", "StaffView"]
