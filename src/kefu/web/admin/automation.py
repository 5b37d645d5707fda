"""Macros (an action picker) and triggers/automations (a condition → action builder).

Triggers keep the stored JSON format ({"field","op","value"} / {"action","value"}); the
admin builds them from rows of pickers and reads them back as a sentence:
"分类 包含 售后 且 标题 包含 故障 → 优先级 紧急".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field as PField

from kefu.auth.service import user_service
from kefu.authz import Perm
from kefu.automation.schemas import MacroActions, MacroIn, TriggerIn
from kefu.automation.service import automation_service
from kefu.kit.schemas import Schema
from kefu.models.ticket import TicketPriority, TicketStatus
from kefu.team.service import team_service
from kefu.web.admin.labels import CHANNEL, METRIC, PRIORITY, STATUS, TIER, TYPE, options
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError

ON = {
    "created": N_("When a ticket is created"),
    "updated": N_("When a ticket is updated"),
    "sla_warning": N_("When an SLA deadline is near"),
    "sla_breached": N_("When an SLA deadline is missed"),
    "hours_since_created": N_("Hours after creation (automation)"),
    "hours_since_updated": N_("Hours without update (automation)"),
}
FIELD = {
    "category": N_("Category"),
    "subject": N_("Ticket title"),
    "tags": N_("Tags"),
    "priority": N_("Priority"),
    "status": N_("Status"),
    "type": N_("Type"),
    "channel": N_("Channel"),
    "group_id": N_("Group"),
    "tier": N_("Customer tier"),
    "metric": N_("SLA metric"),
}
FIELD_KIND = {
    "category": "text",
    "subject": "text",
    "tags": "text",
    "priority": "priority",
    "status": "status",
    "type": "type",
    "channel": "channel",
    "group_id": "group",
    "tier": "tier",
    "metric": "metric",
}
OP = {
    "contains": N_("contains"),
    "not_contains": N_("does not contain"),
    "is": N_("is"),
    "is_not": N_("is not"),
    "starts_with": N_("starts with"),
    "in": N_("is one of"),
    "not_in": N_("is none of"),
}
ACTION = {
    "set_priority": N_("Set priority"),
    "raise_priority": N_("Raise priority one step"),
    "set_status": N_("Set status"),
    "set_group": N_("Move to group"),
    "assign": N_("Assign to"),
    "add_tags": N_("Add tags"),
    "notify_supervisors": N_("Email the supervisors"),
    "acknowledge": N_("Reply to the customer automatically"),
}
ACTION_SHORT = {
    "set_priority": N_("Priority"),
    "raise_priority": N_("Raise priority"),
    "set_status": N_("Status"),
    "set_group": N_("Group"),
    "assign": N_("Assign to"),
    "add_tags": N_("Add tags"),
    "notify_supervisors": N_("Email the supervisors"),
    "acknowledge": N_("Automatic reply"),
}
ACTION_KIND = {
    "set_priority": "priority",
    "set_status": "status",
    "set_group": "group",
    "assign": "agent",
    "add_tags": "text",
    "raise_priority": "",
    "notify_supervisors": "",
    "acknowledge": "message",
}
ENUMS = {
    "priority": PRIORITY,
    "status": STATUS,
    "type": TYPE,
    "channel": CHANNEL,
    "tier": TIER,
    "metric": METRIC,
}
MAX_ROWS = 30


def _value_text(ctx: Ctx, kind: str, value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if kind in ENUMS:
            out.append(ctx._(ENUMS[kind].get(str(v), str(v))))
        elif kind == "group":
            out.append(ctx.aux["group_names"].get(v, "?"))
        elif kind == "agent":
            out.append(ctx.aux["user_names"].get(v, "?"))
        else:
            out.append(str(v))
    return "、".join(out)


def describe(ctx: Ctx, trigger: Any) -> str:
    """The rule as a sentence: conditions joined by 且, then → and the actions."""
    conds = [
        f"{ctx._(FIELD.get(c['field'], c['field']))} {ctx._(OP.get(c['op'], c['op']))} "
        f"{_value_text(ctx, FIELD_KIND.get(c['field'], 'text'), c.get('value'))}"
        for c in trigger.conditions
    ]
    acts = []
    for a in trigger.actions:
        kind = ACTION_KIND.get(a["action"], "")
        text = ctx._(ACTION_SHORT.get(a["action"], a["action"]))
        acts.append(f"{text} {_value_text(ctx, kind, a.get('value'))}" if kind else text)
    cond_text = f" {ctx._('and')} ".join(conds) or ctx._("every ticket")
    return f"{cond_text} → {'，'.join(acts)}"


def _read_value(form: Mapping[str, Any], prefix: str, kind: str, op: str = "") -> Any:
    raw = str(form.get(f"{prefix}-v-{kind}") or "").strip()
    if kind in ("group", "agent"):
        return int(raw) if raw.isdigit() else None
    if kind == "message":  # one text, commas and all
        return raw or None
    if kind == "text" and (op in ("in", "not_in") or prefix.startswith("act")):
        return [t.strip() for t in raw.replace("，", ",").replace("、", ",").split(",") if t.strip()]
    return raw or None


def read_rules(form: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    conditions: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for i in range(MAX_ROWS):
        field, op = str(form.get(f"cond-{i}-field") or ""), str(form.get(f"cond-{i}-op") or "")
        if field in FIELD_KIND and op in OP:
            kind = FIELD_KIND[field]
            value = _read_value(form, f"cond-{i}", kind, op)
            if kind != "text" and op in ("in", "not_in"):
                value = [value]
            if value in (None, [], [None]):
                raise FieldError("conditions", N_("Every condition needs a value."))
            conditions.append({"field": field, "op": op, "value": value})
        action = str(form.get(f"act-{i}-action") or "")
        if action in ACTION_KIND:
            kind = ACTION_KIND[action]
            row: dict[str, Any] = {"action": action}
            if kind:
                row["value"] = _read_value(form, f"act-{i}", kind)
                if row["value"] in (None, []):
                    raise FieldError("actions", N_("Every action needs a value."))
            actions.append(row)
    return conditions, actions


class TriggerView(AdminView):
    slug = "triggers"
    title = N_("Triggers and automations")
    noun = N_("trigger")
    remove = "delete"
    create_schema = TriggerIn
    form_template = "admin/trigger_form.html"
    intro = N_(
        "Triggers change tickets when something happens; automations when a ticket has "
        "waited some hours. Lower order runs first."
    )
    error_fields: ClassVar[dict[str, str]] = {"conditions": "conditions", "actions": "actions"}
    columns = (
        Column(N_("Order"), lambda ctx, t: str(t.position)),
        Column(N_("Name"), lambda ctx, t: t.name),
        Column(
            N_("When"),
            lambda ctx, t: (
                ctx._(ON.get(t.on, t.on))
                + ("（" + ctx._("{n} h").format(n=f"{t.hours:g}") + "）" if t.hours else "")
            ),
        ),
        Column(N_("Rule"), describe),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("on", N_("When"), kind="select", choices="on"),
        Field("hours", N_("Hours (automations only)"), kind="number"),
        Field("position", N_("Order (lower first)"), kind="number"),
        Field("active", N_("Active"), kind="check"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}
        ctx.aux["user_names"] = {
            u.id: u.name for u in await user_service.list_all(ctx.session) if u.is_active
        }

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await automation_service.list_triggers(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await automation_service.get_trigger(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"on": options(ON, ctx._)}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"on": "created", "position": 0, "active": True, "conditions": [], "actions": []}
        return {
            "name": obj.name,
            "on": obj.on,
            "hours": obj.hours,
            "position": obj.position,
            "active": obj.active,
            "conditions": obj.conditions,
            "actions": obj.actions,
        }

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        out["conditions"], out["actions"] = read_rules(form)
        if str(out.get("on", "")).startswith("hours_since") and not out.get("hours"):
            raise FieldError("hours", N_("Automations need the number of hours."))
        if not str(out.get("on", "")).startswith("hours_since"):
            out.pop("hours", None)
        return out

    async def form_context(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        form = ctx.request.method == "POST"
        if form:
            posted = await ctx.request.form()
            conds, acts = _echo_rules(posted)
        else:
            conds = list(obj.conditions) if obj is not None else []
            acts = list(obj.actions) if obj is not None else []
        return {
            "cond_rows": [*conds, *([{}] * max(3 - len(conds), 1))],
            "act_rows": [*acts, *([{}] * max(2 - len(acts), 1))],
            "field_labels": options(FIELD, ctx._),
            "field_kind": FIELD_KIND,
            "op_labels": options(OP, ctx._),
            "action_labels": options(ACTION, ctx._),
            "action_kind": ACTION_KIND,
            "action_short": {k: ctx._(v) for k, v in ACTION_SHORT.items()},
            "enum_options": {k: options(v, ctx._) for k, v in ENUMS.items()},
            "group_options": [(str(k), v) for k, v in ctx.aux["group_names"].items()],
            "agent_options": [(str(k), v) for k, v in ctx.aux["user_names"].items()],
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await automation_service.create_trigger(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await automation_service.update_trigger(ctx.session, ctx.principal, obj.id, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await automation_service.delete_trigger(ctx.session, ctx.principal, obj.id)


def _echo_rules(form: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows as submitted (also the unreadable ones) to show them again with the error."""
    conds, acts = [], []
    for i in range(MAX_ROWS):
        field = str(form.get(f"cond-{i}-field") or "")
        if field:
            kind = FIELD_KIND.get(field, "text")
            conds.append(
                {"field": field, "op": form.get(f"cond-{i}-op"), "value": form.get(f"cond-{i}-v-{kind}")}
            )
        action = str(form.get(f"act-{i}-action") or "")
        if action:
            kind = ACTION_KIND.get(action, "")
            acts.append({"action": action, "value": form.get(f"act-{i}-v-{kind}") if kind else None})
    return conds, acts


# --- macros ---------------------------------------------------------------------------------
class MacroForm(Schema):
    title: str = PField(min_length=1, max_length=120)
    body: str = PField(default="", max_length=20_000)
    public: bool = False
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    add_tags: list[str] = PField(default_factory=list, max_length=20)
    set_group_id: int | None = None
    assign_to_me: bool = False
    group_id: int | None = None
    active: bool = True


def _macro_actions(ctx: Ctx, m: Any) -> str:
    a: dict[str, Any] = m.actions or {}
    parts = []
    if a.get("status"):
        parts.append(f"{ctx._('Status')} {ctx._(STATUS.get(a['status'], a['status']))}")
    if a.get("priority"):
        parts.append(f"{ctx._('Priority')} {ctx._(PRIORITY.get(a['priority'], a['priority']))}")
    if a.get("add_tags"):
        parts.append(f"{ctx._('Add tags')} {'、'.join(a['add_tags'])}")
    if a.get("group_id"):
        parts.append(f"{ctx._('Group')} {ctx.aux['group_names'].get(a['group_id'], '?')}")
    if a.get("assign_to_me"):
        parts.append(ctx._("Assign to me"))
    return "，".join(parts) or "—"


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class MacroView(AdminView):
    slug = "macros"
    title = N_("Macros")
    noun = N_("macro")
    perm = Perm.KB_MANAGE
    remove = "deactivate"
    create_schema = MacroForm
    intro = N_(
        "A macro posts a prepared reply and changes the ticket in one click. "
        "Placeholders: {{customer.name}}, {{ticket.id}}, {{agent.name}}."
    )
    columns = (
        Column(N_("Title"), lambda ctx, m: m.title),
        Column(N_("Reply"), lambda ctx, m: _short(m.body) or "—"),
        Column(N_("Actions"), _macro_actions),
        Column(
            N_("Available to"),
            lambda ctx, m: ctx.aux["group_names"].get(m.group_id, "?") if m.group_id else ctx._("All groups"),
        ),
        Column(N_("Used"), lambda ctx, m: str(m.usage_count)),
    )
    fields = (
        Field("title", N_("Title"), required=True),
        Field("body", N_("Reply"), kind="textarea"),
        Field("public", N_("Reply is public (the customer sees it)"), kind="check"),
        Field("status", N_("Set status"), kind="select", choices="status", blank=N_("Unchanged")),
        Field("priority", N_("Set priority"), kind="select", choices="priority", blank=N_("Unchanged")),
        Field("add_tags", N_("Add tags"), kind="tags"),
        Field("set_group_id", N_("Move to group"), kind="select", choices="groups", blank=N_("Unchanged")),
        Field("assign_to_me", N_("Assign to the agent who uses it"), kind="check"),
        Field("group_id", N_("Available to"), kind="select", choices="groups", blank=N_("All groups")),
        Field("active", N_("Active"), kind="check"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["group_names"] = {g.id: g.name for g in await team_service.list_groups(ctx.session)}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await automation_service.all_macros(ctx.session, ctx.principal)

    def label(self, obj: Any) -> str:
        return str(obj.title)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {
            "status": options(STATUS, ctx._),
            "priority": options(PRIORITY, ctx._),
            "groups": [(str(k), v) for k, v in ctx.aux["group_names"].items()],
        }

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"public": True, "active": True}
        a: dict[str, Any] = obj.actions or {}
        return {
            "title": obj.title,
            "body": obj.body,
            "public": obj.public,
            "status": a.get("status"),
            "priority": a.get("priority"),
            "add_tags": a.get("add_tags", []),
            "set_group_id": a.get("group_id"),
            "assign_to_me": a.get("assign_to_me", False),
            "group_id": obj.group_id,
            "active": obj.active,
        }

    def _macro(self, data: MacroForm) -> MacroIn:
        actions = MacroActions(
            status=data.status,
            priority=data.priority,
            add_tags=data.add_tags,
            group_id=data.set_group_id,
            assign_to_me=data.assign_to_me,
        )
        return MacroIn(
            title=data.title,
            body=data.body,
            public=data.public,
            actions=actions,
            group_id=data.group_id,
            active=data.active,
        )

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await automation_service.create_macro(ctx.session, ctx.principal, self._macro(data))

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        return await automation_service.update_macro(ctx.session, ctx.principal, obj.id, self._macro(data))

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        data = MacroForm.model_validate({**self.initial(ctx, obj), "active": False})
        await automation_service.update_macro(ctx.session, ctx.principal, obj.id, self._macro(data))


__all__ = ["MacroView", "TriggerView", "describe"]
