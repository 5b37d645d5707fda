"""Quality inspection rules: one form per rule, its phrases or limits as fields, not JSON; and
the rule list's quick edit of a rule's weight, words and switch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import Field as PField

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.kit.schemas import Id, Schema
from kefu.quality.schemas import RuleCreate, RuleKind, RuleUpdate
from kefu.quality.service import quality_service
from kefu.web.access import staff_with
from kefu.web.crud import N_, AdminView, Column, Ctx, Field

router = APIRouter(include_in_schema=False)

KIND = {
    "greeting": N_("rule_greeting"),
    "closing": N_("rule_closing"),
    "forbidden": N_("rule_forbidden"),
    "response_gap": N_("rule_response_gap"),
    "emotion": N_("rule_emotion"),
    "resolution": N_("rule_resolution"),
    "handoff_context": N_("rule_handoff_context"),
}
# Which config list each kind keeps, and the form field that edits it.
LISTS = {
    "greeting": "phrases",
    "closing": "phrases",
    "forbidden": "words",
    "handoff_context": "fields",
    "resolution": "confirm_phrases",
}


class QualityRuleForm(Schema):
    kind: RuleKind | None = None
    name: str = PField(min_length=1, max_length=120)
    weight: int = PField(default=10, ge=0, le=100)
    active: bool = True
    phrases: list[str] = PField(default_factory=list, max_length=200)
    first_reply_minutes: int = PField(default=3, ge=1, le=10_000)
    next_reply_minutes: int = PField(default=3, ge=1, le=10_000)


def _settings(ctx: Ctx, rule: Any) -> str:
    cfg: dict[str, Any] = rule.config or {}
    if rule.kind in LISTS:
        # Quoted: phrases the customer may type, in any language, not labels.
        return "、".join(f"“{p}”" for p in cfg.get(LISTS[rule.kind], [])) or "—"
    if rule.kind == "response_gap":
        return ctx._("first reply within {a} min, next reply within {b} min").format(
            a=cfg.get("first_reply_minutes", 3), b=cfg.get("next_reply_minutes", 3)
        )
    if rule.kind == "emotion":
        return ctx._("the customer's mood must not get worse")
    return "—"


class QualityRuleView(AdminView):
    slug = "quality"
    title = N_("Quality rules")
    noun = N_("rule")
    remove = "deactivate"
    create_schema = QualityRuleForm
    list_template = "admin/quality_rules.html"
    intro = N_(
        "Every closed chat and solved ticket is scored automatically: "
        "the passed share of the applicable weights, 0–100."
    )
    columns = (
        Column(N_("Rule"), lambda ctx, r: r.name),
        Column(N_("Checks"), lambda ctx, r: ctx._(KIND.get(r.kind, r.kind))),
        Column(N_("Weight"), lambda ctx, r: str(r.weight)),
        Column(N_("Settings"), _settings),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("kind", N_("Checks"), kind="select", choices="kinds", only="create"),
        Field("weight", N_("Weight"), kind="number", help=N_("0–100; a rule with weight 0 is only shown.")),
        Field("phrases", N_("Phrases (one per line)"), kind="lines"),
        Field("first_reply_minutes", N_("First reply within (minutes)"), kind="number"),
        Field("next_reply_minutes", N_("Each next reply within (minutes)"), kind="number"),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await quality_service.rules(ctx.session, ctx.principal)

    async def list_context(self, ctx: Ctx) -> dict[str, Any]:
        return {"cards": await quality_service.scorecards(ctx.session, ctx.principal)}

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"kinds": [(k, ctx._(v)) for k, v in KIND.items()]}

    def form_fields(self, obj: Any | None) -> Sequence[Field]:
        if obj is None:
            return [f for f in self.fields if f.name in ("name", "kind", "weight", "active")]
        wanted = {"name", "weight", "active"}
        if obj.kind in LISTS:
            wanted.add("phrases")
        if obj.kind == "response_gap":
            wanted |= {"first_reply_minutes", "next_reply_minutes"}
        return [f for f in self.fields if f.name in wanted and f.only != "create"]

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"weight": 10, "active": True, "kind": "forbidden"}
        cfg: dict[str, Any] = obj.config or {}
        return {
            "name": obj.name,
            "weight": obj.weight,
            "active": obj.active,
            "phrases": cfg.get(LISTS.get(obj.kind, ""), []),
            "first_reply_minutes": cfg.get("first_reply_minutes", 3),
            "next_reply_minutes": cfg.get("next_reply_minutes", 3),
        }

    def _config(self, kind: str, data: QualityRuleForm, old: Mapping[str, Any]) -> dict[str, Any]:
        if kind in LISTS:
            return {**old, LISTS[kind]: data.phrases}
        if kind == "response_gap":
            return {
                "first_reply_minutes": data.first_reply_minutes,
                "next_reply_minutes": data.next_reply_minutes,
            }
        return dict(old)

    async def create(self, ctx: Ctx, data: Any) -> Any:
        kind = data.kind or "forbidden"
        rule = RuleCreate(kind=kind, name=data.name, weight=data.weight, active=data.active, config={})
        return await quality_service.create_rule(ctx.session, ctx.principal, rule)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        config = self._config(obj.kind, data, obj.config or {})
        change = RuleUpdate(name=data.name, weight=data.weight, active=data.active, config=config)
        return await quality_service.update_rule(ctx.session, ctx.principal, obj.id, change)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await quality_service.update_rule(ctx.session, ctx.principal, obj.id, RuleUpdate(active=False))


@router.post("/admin/quality/rules/{rule_id}")
async def admin_rule_update(
    rule_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    weight: Annotated[int, Form(ge=0, le=100)],
    values: Annotated[str, Form(max_length=8000)] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    rules = {r.id: r for r in await quality_service.rules(session, me)}
    rule = rules.get(rule_id)
    config = None
    keys = {"greeting": "phrases", "closing": "phrases", "forbidden": "words", "handoff_context": "fields"}
    if rule is not None and rule.kind in keys:
        # One phrase / word / field per line.
        config = {keys[rule.kind]: [v.strip() for v in values.splitlines() if v.strip()]}
    await quality_service.update_rule(
        session, me, rule_id, RuleUpdate(weight=weight, config=config, active=active == "on")
    )
    return RedirectResponse("/admin/quality", status_code=303)
