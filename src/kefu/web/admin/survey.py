"""NPS survey campaigns: who is asked, how often, and the extra questions (one per line); and
the surveys page (/admin/surveys) with the response rates, a quick campaign form and a run button."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import Field as PField
from pydantic import ValidationError

from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.kit.schemas import Id, Schema
from kefu.survey.schemas import CampaignCreate, CampaignUpdate, LowScores, Question
from kefu.survey.service import survey_service
from kefu.web.access import staff_with
from kefu.web.admin.labels import TIER, options, words
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, form_error
from kefu.web.templates import localtime, render

router = APIRouter(include_in_schema=False)


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


@router.get("/admin/surveys")
async def admin_surveys(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    return render(
        request,
        "survey/admin.html",
        {
            "campaigns": await survey_service.campaigns(session, me),
            "csat": await survey_service.response_rate(session, me, kind="csat"),
            "nps": await survey_service.response_rate(session, me, kind="nps"),
            "low": await survey_service.low_scores(session),
            "saved": request.query_params.get("saved") == "low",
            "error": None,
        },
    )


@router.post("/admin/surveys/low-scores")
async def admin_low_scores(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    csat_low: Annotated[str, Form(max_length=4)] = "",
    nps_low: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """The scores that open a follow-up for the group's supervisor (and a QA sample)."""
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    try:
        data = LowScores.model_validate({"csat_low": csat_low.strip(), "nps_low": nps_low.strip()})
    except ValidationError as exc:
        return render(
            request,
            "survey/admin.html",
            {
                "campaigns": await survey_service.campaigns(session, me),
                "csat": await survey_service.response_rate(session, me, kind="csat"),
                "nps": await survey_service.response_rate(session, me, kind="nps"),
                "low": await survey_service.low_scores(session),
                "saved": False,
                "error": form_error(
                    request,
                    exc,
                    {
                        "csat_low": "Satisfaction (1–5 stars) at or below",
                        "nps_low": "Recommendation (NPS, 0–10) at or below",
                    },
                ),
            },
            status=422,
        )
    await survey_service.save_low_scores(session, me, data)
    return RedirectResponse("/admin/surveys?saved=low", status_code=303)


@router.post("/admin/surveys/campaigns")
async def admin_campaign_create(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    name: Annotated[str, Form(max_length=120)] = "",
    tiers: Annotated[list[str] | None, Form()] = None,
    interval_days: Annotated[int, Form(ge=1, le=3650)] = 90,
    last_contact_days: Annotated[str, Form(max_length=6)] = "",
    questions: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    # One custom question per line; "?" at the end is kept. Free text answers.
    qs = [
        Question(id=f"q{i + 1}", text=line.strip()[:300], type="text")
        for i, line in enumerate(q for q in questions.splitlines() if q.strip())
    ][:20]
    days = int(last_contact_days) if last_contact_days.strip().isdigit() else None
    await survey_service.create_campaign(
        session,
        me,
        CampaignCreate(
            name=name or "NPS",
            tiers=tiers or [],
            interval_days=interval_days,
            last_contact_days=days,
            questions=qs,
        ),
    )
    return RedirectResponse("/admin/surveys", status_code=303)


@router.post("/admin/surveys/campaigns/{campaign_id}/run")
async def admin_campaign_run(campaign_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.SETTINGS_MANAGE)
    await survey_service.campaign(session, me, campaign_id)
    await survey_service.run_campaign(session, campaign_id, force=True)
    return RedirectResponse("/admin/surveys", status_code=303)
