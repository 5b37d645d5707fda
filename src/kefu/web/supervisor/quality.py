"""Quality pages: supervisors' review queue and scorecard form, agents' "My quality" with the
one dispute, admins' rules and weights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import SYSTEM, Perm, Principal
from kefu.conversation.service import conversation_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import Forbidden, KefuError, Unauthorized
from kefu.kit.schemas import Id
from kefu.quality.schemas import DisputeIn, ResolveIn, ReviewIn, RuleUpdate
from kefu.quality.service import quality_service
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


def _staff(principal: Principal | None, perm: Perm) -> Principal:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if not principal.is_staff or not principal.can(perm):
        raise Forbidden("无权访问 / you may not open this page")
    return principal


@router.get("/supervisor/quality")
async def review_queue(
    request: Request, session: Session, principal: OptionalPrincipal, status: str = "pending"
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    wanted = status if status in ("pending", "reviewed", "disputed", "resolved") else None
    reviews = await quality_service.reviews(session, me, status=wanted)
    low = await quality_service.inspections(session, me, max_score=59, limit=20)
    return render(request, "quality/queue.html", {"reviews": reviews, "status": status, "low": low})


@router.post("/supervisor/quality/inspections/{inspection_id}/review")
async def sample_by_hand(inspection_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    review = await quality_service.sample(session, me, inspection_id)
    return RedirectResponse(f"/supervisor/quality/reviews/{review.id}", status_code=303)


async def _review_context(session: Session, me: Principal, review_id: Id) -> dict[str, object]:
    review = await quality_service.review_out(session, me, review_id)
    inspection = await quality_service.inspection(session, me, review.inspection_id)
    cards = await quality_service.scorecards(session, SYSTEM)
    card = next((c for c in cards if c.id == review.scorecard_id), None) or next(
        (c for c in cards if c.active), None
    )
    transcript = None
    if review.conversation_id is not None:
        try:
            transcript = await conversation_service.detail(session, SYSTEM, review.conversation_id)
        except KefuError:
            transcript = None
    return {"r": review, "i": inspection, "card": card, "transcript": transcript, "error": None}


@router.get("/supervisor/quality/reviews/{review_id}")
async def review_page(
    request: Request, review_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    return render(request, "quality/review.html", await _review_context(session, me, review_id))


@router.post("/supervisor/quality/reviews/{review_id}/score")
async def review_submit(
    request: Request, review_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    form = await request.form()
    scores: dict[str, int] = {}
    for key, value in form.items():
        if key.startswith("c_") and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            scores[key[2:]] = int(value)
    comment = str(form.get("comment", ""))[:4000]
    try:
        await quality_service.submit(session, me, review_id, ReviewIn(scores=scores, comment=comment))
    except KefuError as exc:
        if exc.status_code != 422:
            raise
        ctx = await _review_context(session, me, review_id)
        ctx["error"] = exc.message
        return render(request, "quality/review.html", ctx, status=422)
    return RedirectResponse(f"/supervisor/quality/reviews/{review_id}", status_code=303)


@router.post("/supervisor/quality/reviews/{review_id}/resolve")
async def review_resolve(
    review_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    resolution: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    me = _staff(principal, Perm.REPORTS_READ)
    await quality_service.resolve(session, me, review_id, ResolveIn(resolution=resolution))
    return RedirectResponse(f"/supervisor/quality/reviews/{review_id}", status_code=303)


@router.get("/agent/quality")
async def my_quality(request: Request, session: Session, principal: OptionalPrincipal) -> Response:
    me = _staff(principal, Perm.TICKETS_WORK)
    reviews = await quality_service.my_reviews(session, me)
    inspections = await quality_service.inspections(session, me, agent_id=me.id, limit=50)
    return render(request, "quality/mine.html", {"reviews": reviews, "inspections": inspections})


@router.post("/agent/quality/reviews/{review_id}/dispute")
async def my_dispute(
    review_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    me = _staff(principal, Perm.TICKETS_WORK)
    await quality_service.dispute(session, me, review_id, DisputeIn(reason=reason))
    return RedirectResponse("/agent/quality", status_code=303)


@router.post("/admin/quality/rules/{rule_id}")
async def admin_rule_update(
    rule_id: Id,
    session: Session,
    principal: OptionalPrincipal,
    weight: Annotated[int, Form(ge=0, le=100)],
    values: Annotated[str, Form(max_length=8000)] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    me = _staff(principal, Perm.SETTINGS_MANAGE)
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
