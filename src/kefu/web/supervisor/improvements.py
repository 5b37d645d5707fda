"""改进事项 pages: the list with filters and the 痛点解决率 KPI, an item's detail with its
timeline and status buttons, the supervisor's form, any staff member's suggestion form, the
SLA breach-pattern report, and the buttons that turn a pain point, a QA review or a low-CSAT
answer into an item. Every call goes through the improvement services, like the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.auth.service import user_service
from kefu.authz import Perm
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError, Unprocessable
from kefu.improvement import lifecycle
from kefu.improvement.schemas import (
    FromPainPoint,
    FromQaReview,
    FromSlaPattern,
    FromSurvey,
    ItemIn,
    ItemPatch,
    MoveIn,
    SuggestionIn,
)
from kefu.improvement.service import improvement_service, source_service
from kefu.improvement.service.common import today
from kefu.kit.i18n import translations
from kefu.kit.schemas import Id
from kefu.web.access import staff_with
from kefu.web.crud import pydantic_message
from kefu.web.templates import render, request_locale

router = APIRouter(include_in_schema=False)
STATUSES = ("open", "in_progress", "fixed", "verified", "rejected", "closed")
SOURCES = ("painpoint", "qa", "sla", "csat", "suggestion")
FORM_FIELDS = (
    "source", "title", "description", "department_id", "owner_id", "action_plan", "due_date", "external_url",
    "topic", "verify_ratio", "verify_weeks", "survey_threshold",
)  # fmt: skip
KPI_DAYS = 30


def _back(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 and int(value) > 0 else None


async def _choices(session: Session) -> dict[str, Any]:
    departments = await improvement_service.departments(session, active_only=True)
    staff = [u for u in await user_service.list_all(session) if u.is_active and u.role != "partner"]
    return {"departments": departments, "staff": staff}


# --- the list ---------------------------------------------------------------------------------------
@router.get("/improvements")
async def list_page(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    status: Annotated[str, Query(max_length=20)] = "",
    department: Annotated[str, Query(max_length=12)] = "",
    source: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=3)] = "",
    mine: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    items = await improvement_service.list_items(
        session,
        me,
        status=status if status in STATUSES else None,
        department_id=_int(department),
        source=source if source in SOURCES else None,
        overdue=overdue == "1",
        mine=mine == "1",
    )
    end = today() + timedelta(days=1)
    kpi = await improvement_service.solve_rate(session, end - timedelta(days=KPI_DAYS), end)
    context = {
        "items": items,
        "kpi": kpi,
        "kpi_days": KPI_DAYS,
        "filters": {"status": status, "department": department, "source": source, "overdue": overdue,
                    "mine": mine},
        "statuses": STATUSES,
        "sources": SOURCES,
        "departments": await improvement_service.departments(session),
        "manages": me.can(Perm.IMPROVEMENT_MANAGE),
    }  # fmt: skip
    return render(request, "improvement/list.html", context)


# --- forms -------------------------------------------------------------------------------------------
def _values(form: Any) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip() for k in FORM_FIELDS}


def _payload(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    for key in ("department_id", "owner_id"):
        data[key] = _int(values.get(key)) if values.get(key) else None
    if not values.get("due_date"):
        data["due_date"] = None
    return data


async def _form(
    request: Request,
    session: Session,
    item: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {"item": item, "values": values, "errors": errors, **await _choices(session)}
    return render(request, "improvement/form.html", context, status=status)


def _errors(exc: ValidationError, request: Request) -> dict[str, str]:
    gettext = translations(request_locale(request)).gettext
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "title"
        out.setdefault(field, pydantic_message(err, gettext))
    return out


@router.get("/improvements/new")
async def new_page(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    values = {"source": "suggestion", "verify_ratio": "50", "verify_weeks": "2", "survey_threshold": "4",
              "due_date": (today() + timedelta(days=14)).isoformat()}  # fmt: skip
    return await _form(request, session, None, values, {})


@router.post("/improvements/new")
async def create(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    values = _values(await request.form())
    try:
        data = ItemIn.model_validate({**_payload(values), "source": values.get("source") or "suggestion"})
        item = await improvement_service.create(session, me, data)
    except ValidationError as exc:
        return await _form(request, session, None, values, _errors(exc, request), 422)
    except KefuError as exc:
        if exc.status_code in (401, 403):
            raise
        return await _form(request, session, None, values, {"": exc.message}, exc.status_code)
    return _back(f"/improvements/{item.id}")


@router.get("/improvements/suggest")
async def suggest_page(request: Request, principal: OptionalPrincipal) -> Response:
    staff_with(principal, Perm.TICKETS_WORK)
    return render(request, "improvement/suggest.html", {"values": {}, "errors": {}})


@router.post("/improvements/suggest")
async def suggest(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("title", "description")}
    try:
        item = await improvement_service.suggest(session, me, SuggestionIn.model_validate(values))
    except ValidationError as exc:
        ctx = {"values": values, "errors": _errors(exc, request)}
        return render(request, "improvement/suggest.html", ctx, status=422)
    return _back(f"/improvements/{item.id}")


# --- one item ----------------------------------------------------------------------------------------
@router.get("/improvements/sla-patterns")
async def sla_patterns(
    request: Request,
    session: Session,
    principal: OptionalPrincipal,
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    last = _date(to) or today()
    first = _date(start) or last - timedelta(days=29)
    rows = await source_service.sla_patterns(session, me, first, last + timedelta(days=1))
    refs = await improvement_service.source_refs(session, "sla")
    context = {"rows": rows, "refs": refs, "inputs": {"from": first.isoformat(), "to": last.isoformat()},
               "manages": me.can(Perm.IMPROVEMENT_MANAGE)}  # fmt: skip
    return render(request, "improvement/sla_patterns.html", context)


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2200 else None


@router.post("/improvements/from-sla")
async def from_sla(
    session: Session,
    principal: OptionalPrincipal,
    key: Annotated[str, Form(min_length=3, max_length=200)],
    start: Annotated[date, Form(alias="from")],
    to: Annotated[date, Form()],
) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    item, _ = await source_service.from_sla_pattern(session, me, FromSlaPattern(key=key, start=start, end=to))
    return _back(f"/improvements/{item.id}")


@router.post("/improvements/from-painpoint")
async def from_painpoint(
    session: Session,
    principal: OptionalPrincipal,
    topic: Annotated[str, Form(min_length=3, max_length=200)],
    title: Annotated[str, Form(max_length=200)] = "",
    start: Annotated[str, Form(alias="from", max_length=10)] = "",
    to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    data = FromPainPoint(topic=topic, title=title, start=_date(start), end=_date(to))
    item, _ = await source_service.from_painpoint(session, me, data)
    return _back(f"/improvements/{item.id}")


@router.post("/improvements/from-qa/{review_id}")
async def from_qa(
    review_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    due_date: Annotated[str, Form(max_length=10)] = "",
    action_plan: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    data = FromQaReview(review_id=review_id, due_date=_date(due_date), action_plan=action_plan)
    item, _ = await source_service.from_qa_review(session, me, data)
    return _back(f"/improvements/{item.id}")


@router.post("/improvements/from-survey/{survey_id}")
async def from_survey(
    survey_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    department_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    data = FromSurvey(survey_id=survey_id, department_id=_int(department_id))
    item, _ = await source_service.from_survey(session, me, data)
    return _back(f"/improvements/{item.id}")


@router.get("/improvements/{item_id}")
async def detail_page(
    request: Request, item_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    item = await improvement_service.detail(session, me, item_id)
    manages = me.can(Perm.IMPROVEMENT_MANAGE)
    moves = [
        s
        for s in item.next_statuses
        if manages or (me.id == item.owner_id and lifecycle.owner_may(item.status, s))
    ]
    volume, _, survey = item.check_note.partition("|")
    context = {
        "item": item,
        "moves": moves,
        "manages": manages,
        "check": {"volume": volume, "survey": survey},
    }
    return render(request, "improvement/detail.html", context)


@router.get("/improvements/{item_id}/edit")
async def edit_page(
    request: Request, item_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    item = await improvement_service.get(session, me, item_id)
    values = {k: "" if getattr(item, k) is None else str(getattr(item, k)) for k in FORM_FIELDS}
    if item.survey_threshold is not None:
        values["survey_threshold"] = f"{item.survey_threshold:g}"
    return await _form(request, session, item, values, {})


@router.post("/improvements/{item_id}/edit")
async def edit(request: Request, item_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.IMPROVEMENT_MANAGE)
    item = await improvement_service.get(session, me, item_id)
    values = _values(await request.form())
    payload = _payload(values)
    payload.pop("source", None)
    for key in ("description", "action_plan", "external_url", "topic"):
        payload.setdefault(key, "")
    try:
        await improvement_service.update(session, me, item_id, ItemPatch.model_validate(payload))
    except ValidationError as exc:
        return await _form(request, session, item, values, _errors(exc, request), 422)
    except KefuError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return await _form(request, session, item, values, {"": exc.message}, exc.status_code)
    return _back(f"/improvements/{item_id}")


@router.post("/improvements/{item_id}/move")
async def move(
    item_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    to: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    me = staff_with(principal, Perm.TICKETS_WORK)
    try:
        data = MoveIn.model_validate({"to": to, "note": note})
    except ValidationError as exc:
        raise Unprocessable("Unknown status.", code="invalid_status") from exc
    await improvement_service.move(session, me, item_id, data)
    return _back(f"/improvements/{item_id}")
