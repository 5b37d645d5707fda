"""NPS survey campaigns: who is asked, how often, and the extra questions (one per line)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field as PField

from kefu.kit.schemas import Schema
from kefu.survey.schemas import CampaignCreate, CampaignUpdate, Question
from kefu.survey.service import survey_service
from kefu.web.admin.labels import TIER, options, words
from kefu.web.crud import N_, AdminView, Column, Ctx, Field
from kefu.web.templates import localtime


class CampaignForm(Schema):
    name: str = PField(min_length=1, max_length=120)
    tiers: list[str] = PField(default_factory=list, max_length=10)
    interval_days: int = PField(default=90, ge=1, le=3650)
    last_contact_days: int | None = PField(default=None, ge=1, le=3650)
    questions: list[str] = PField(default_factory=list, max_length=20)
    expires_days: int = PField(default=14, ge=1, le=365)
    active: bool = True


def _questions(lines: list[str]) -> list[Question]:
    return [Question(id=f"q{i + 1}", text=line[:300], type="text") for i, line in enumerate(lines)]


class SurveyCampaignView(AdminView):
    slug = "survey-campaigns"
    title = N_("Survey campaigns")
    noun = N_("survey campaign")
    remove = "deactivate"
    create_schema = CampaignForm
    intro = N_(
        "NPS surveys sent on a schedule to customers of the chosen tiers "
        "(CSAT is asked after each solved ticket)."
    )
    columns = (
        Column(N_("Name"), lambda ctx, c: c.name),
        Column(N_("Customer tier"), lambda ctx, c: words(TIER, c.tiers, ctx._) or ctx._("All tiers")),
        Column(N_("Every"), lambda ctx, c: ctx._("{n} days").format(n=c.interval_days)),
        Column(N_("Next run"), lambda ctx, c: localtime(c.next_run_at)),
        Column(N_("Runs"), lambda ctx, c: str(c.runs)),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("tiers", N_("Customer tier"), kind="checks", choices="tiers", help=N_("None ticked = all.")),
        Field("interval_days", N_("Every (days)"), kind="number"),
        Field("last_contact_days", N_("Only customers in contact within (days)"), kind="number"),
        Field("questions", N_("Extra questions (one per line)"), kind="lines"),
        Field("expires_days", N_("Answer within (days)"), kind="number", only="create"),
        Field("active", N_("Active"), kind="check", only="edit"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await survey_service.campaigns(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await survey_service.campaign(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"tiers": options(TIER, ctx._)}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"interval_days": 90, "expires_days": 14, "tiers": ["high"]}
        return {
            "name": obj.name,
            "tiers": obj.tiers,
            "interval_days": obj.interval_days,
            "last_contact_days": obj.last_contact_days,
            "questions": [q.get("text", "") for q in obj.questions],
            "active": obj.active,
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        campaign = CampaignCreate(
            name=data.name,
            tiers=data.tiers,
            interval_days=data.interval_days,
            last_contact_days=data.last_contact_days,
            questions=_questions(data.questions),
            expires_days=data.expires_days,
        )
        return await survey_service.create_campaign(ctx.session, ctx.principal, campaign)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        change = CampaignUpdate(
            name=data.name,
            tiers=data.tiers,
            interval_days=data.interval_days,
            last_contact_days=data.last_contact_days,
            questions=_questions(data.questions),
            active=data.active,
        )
        return await survey_service.update_campaign(ctx.session, ctx.principal, obj.id, change)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await survey_service.update_campaign(ctx.session, ctx.principal, obj.id, CampaignUpdate(active=False))
