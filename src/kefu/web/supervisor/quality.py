"""Quality review for supervisors: the review queue, sampling a low-scored inspection, the
scorecard form and resolving a dispute. Agents' "My quality" is web/agent/quality.py, the
rules are web/admin/quality.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.authz import SYSTEM, Perm, Principal
from kefu.conversation.service import conversation_service
from kefu.deps import OptionalPrincipal, Session
from kefu.errors import KefuError
from kefu.kit.schemas import Id
from kefu.quality.schemas import ResolveIn, ReviewIn
from kefu.quality.service import quality_service
from kefu.web.access import staff_with
from kefu.web.templates import render

router = APIRouter(include_in_schema=False)


@router.get("/supervisor/quality")
async def review_queue(
    request: Request, session: Session, principal: OptionalPrincipal, status: str = "pending"
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
    wanted = status if status in ("pending", "reviewed", "disputed", "resolved") else None
    reviews = await quality_service.reviews(session, me, status=wanted)
    low = await quality_service.inspections(session, me, max_score=59, limit=20)
    return render(request, "quality/queue.html", {"reviews": reviews, "status": status, "low": low})


@router.post("/supervisor/quality/inspections/{inspection_id}/review")
async def sample_by_hand(inspection_id: Id, session: Session, principal: OptionalPrincipal) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
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
    me = staff_with(principal, Perm.REPORTS_READ)
    return render(request, "quality/review.html", await _review_context(session, me, review_id))


@router.post("/supervisor/quality/reviews/{review_id}/score")
async def review_submit(
    request: Request, review_id: Id, session: Session, principal: OptionalPrincipal
) -> Response:
    me = staff_with(principal, Perm.REPORTS_READ)
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
    me = staff_with(principal, Perm.REPORTS_READ)
    await quality_service.resolve(session, me, review_id, ResolveIn(resolution=resolution))
    return RedirectResponse(f"/supervisor/quality/reviews/{review_id}", status_code=303)
