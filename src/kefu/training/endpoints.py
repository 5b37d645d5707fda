"""/api/v1/training: learning paths and progress, exams and attempts, grading, certificates,
mentors, the case library and the pass-rate report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kefu.deps import CurrentPrincipal, Session
from kefu.kit.schemas import MAX_ID, Id, Page
from kefu.training.schemas import (
    AttemptOut,
    CaseIn,
    CaseNoteOut,
    CaseOut,
    CertificateOut,
    DashboardOut,
    ExamDetailOut,
    ExamIn,
    ExamOut,
    ExamPatch,
    GradeIn,
    ItemIn,
    ItemOut,
    MentorshipIn,
    MentorshipOut,
    NoteIn,
    PathIn,
    PathOut,
    PathPatch,
    QuestionAdminOut,
    QuestionIn,
    ReportOut,
    RevokeIn,
    SignOffIn,
    SubmitIn,
)
from kefu.training.service import case_service, dashboard_service, exam_service, learning_service

router = APIRouter(prefix="/api/v1/training", tags=["training"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


# --- paths ------------------------------------------------------------------------------------
@router.get("/paths", response_model=Page[PathOut])
async def list_paths(principal: CurrentPrincipal, session: Session) -> Page[PathOut]:
    return Page(items=await learning_service.list_paths(session, principal))


@router.post("/paths", response_model=PathOut, status_code=status.HTTP_201_CREATED)
async def create_path(body: PathIn, principal: CurrentPrincipal, session: Session) -> PathOut:
    path = await learning_service.create_path(session, principal, body)
    return await learning_service.path_out(session, principal, path.id)


@router.get("/paths/{path_id}", response_model=PathOut)
async def get_path(path_id: Id, principal: CurrentPrincipal, session: Session) -> PathOut:
    return await learning_service.path_out(session, principal, path_id)


@router.patch("/paths/{path_id}", response_model=PathOut)
async def update_path(path_id: Id, body: PathPatch, principal: CurrentPrincipal, session: Session) -> PathOut:
    await learning_service.update_path(session, principal, path_id, body)
    return await learning_service.path_out(session, principal, path_id)


@router.delete("/paths/{path_id}", status_code=NO_CONTENT)
async def delete_path(path_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await learning_service.delete_path(session, principal, path_id)
    return Response(status_code=NO_CONTENT)


@router.post("/paths/{path_id}/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
async def add_item(path_id: Id, body: ItemIn, principal: CurrentPrincipal, session: Session) -> ItemOut:
    return ItemOut.model_validate(await learning_service.add_item(session, principal, path_id, body))


@router.delete("/items/{item_id}", status_code=NO_CONTENT)
async def delete_item(item_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await learning_service.delete_item(session, principal, item_id)
    return Response(status_code=NO_CONTENT)


@router.put("/items/{item_id}/done", status_code=NO_CONTENT)
async def mark_done(item_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await learning_service.set_done(session, principal, item_id, True)
    return Response(status_code=NO_CONTENT)


@router.delete("/items/{item_id}/done", status_code=NO_CONTENT)
async def unmark_done(item_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await learning_service.set_done(session, principal, item_id, False)
    return Response(status_code=NO_CONTENT)


@router.get("/me/paths", response_model=Page[PathOut])
async def my_paths(principal: CurrentPrincipal, session: Session) -> Page[PathOut]:
    return Page(items=await learning_service.my_paths(session, principal))


# --- exams ------------------------------------------------------------------------------------
@router.get("/exams", response_model=Page[ExamOut])
async def list_exams(principal: CurrentPrincipal, session: Session) -> Page[ExamOut]:
    return Page(items=await exam_service.list_exams(session, principal))


@router.post("/exams", response_model=ExamDetailOut, status_code=status.HTTP_201_CREATED)
async def create_exam(body: ExamIn, principal: CurrentPrincipal, session: Session) -> ExamDetailOut:
    exam = await exam_service.create(session, principal, body)
    return await exam_service.detail(session, principal, exam.id)


@router.get("/exams/{exam_id}", response_model=ExamDetailOut)
async def get_exam(exam_id: Id, principal: CurrentPrincipal, session: Session) -> ExamDetailOut:
    return await exam_service.detail(session, principal, exam_id)


@router.patch("/exams/{exam_id}", response_model=ExamDetailOut)
async def update_exam(
    exam_id: Id, body: ExamPatch, principal: CurrentPrincipal, session: Session
) -> ExamDetailOut:
    await exam_service.update(session, principal, exam_id, body)
    return await exam_service.detail(session, principal, exam_id)


@router.delete("/exams/{exam_id}", status_code=NO_CONTENT)
async def delete_exam(exam_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await exam_service.delete(session, principal, exam_id)
    return Response(status_code=NO_CONTENT)


@router.post(
    "/exams/{exam_id}/questions", response_model=QuestionAdminOut, status_code=status.HTTP_201_CREATED
)
async def add_question(
    exam_id: Id, body: QuestionIn, principal: CurrentPrincipal, session: Session
) -> QuestionAdminOut:
    return QuestionAdminOut.model_validate(await exam_service.add_question(session, principal, exam_id, body))


@router.delete("/questions/{question_id}", status_code=NO_CONTENT)
async def delete_question(question_id: Id, principal: CurrentPrincipal, session: Session) -> Response:
    await exam_service.delete_question(session, principal, question_id)
    return Response(status_code=NO_CONTENT)


@router.get("/me/exams", response_model=Page[ExamOut])
async def my_exams(principal: CurrentPrincipal, session: Session) -> Page[ExamOut]:
    return Page(items=await exam_service.my_exams(session, principal))


@router.post("/exams/{exam_id}/attempts", response_model=AttemptOut, status_code=status.HTTP_201_CREATED)
async def start_attempt(exam_id: Id, principal: CurrentPrincipal, session: Session) -> AttemptOut:
    attempt = await exam_service.start(session, principal, exam_id)
    return await exam_service.attempt_out(session, principal, attempt.id)


@router.get("/attempts", response_model=Page[AttemptOut])
async def attempts(
    principal: CurrentPrincipal,
    session: Session,
    pending: Annotated[bool, Query()] = False,
) -> Page[AttemptOut]:
    """The caller's attempts; `pending=true`: the grading queue (supervisors)."""
    if pending:
        return Page(items=await exam_service.pending(session, principal))
    return Page(items=await exam_service.my_attempts(session, principal))


@router.get("/attempts/{attempt_id}", response_model=AttemptOut)
async def get_attempt(attempt_id: Id, principal: CurrentPrincipal, session: Session) -> AttemptOut:
    return await exam_service.attempt_out(session, principal, attempt_id)


@router.post("/attempts/{attempt_id}/submit", response_model=AttemptOut)
async def submit_attempt(
    attempt_id: Id, body: SubmitIn, principal: CurrentPrincipal, session: Session
) -> AttemptOut:
    await exam_service.submit(session, principal, attempt_id, body)
    return await exam_service.attempt_out(session, principal, attempt_id)


@router.post("/attempts/{attempt_id}/grade", response_model=AttemptOut)
async def grade_attempt(
    attempt_id: Id, body: GradeIn, principal: CurrentPrincipal, session: Session
) -> AttemptOut:
    await exam_service.grade(session, principal, attempt_id, body)
    return await exam_service.attempt_out(session, principal, attempt_id)


# --- certificates and the report ----------------------------------------------------------------
@router.get("/certificates", response_model=Page[CertificateOut])
async def certificates(
    principal: CurrentPrincipal,
    session: Session,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[CertificateOut]:
    return Page(items=await exam_service.certificates(session, principal, user_id=user_id))


@router.post("/certificates/{certificate_id}/revoke", response_model=CertificateOut)
async def revoke_certificate(
    certificate_id: Id, body: RevokeIn, principal: CurrentPrincipal, session: Session
) -> CertificateOut:
    cert = await exam_service.revoke(session, principal, certificate_id, body.reason)
    items = await exam_service.certificates(session, principal, user_id=cert.user_id)
    return next(c for c in items if c.id == cert.id)


@router.get("/report", response_model=ReportOut)
async def report(principal: CurrentPrincipal, session: Session) -> ReportOut:
    """考核通过率: per exam and group, who must pass, who did, and who has not."""
    return await exam_service.report(session, principal)


@router.get("/dashboard", response_model=DashboardOut)
async def dashboard(principal: CurrentPrincipal, session: Session) -> DashboardOut:
    """培训看板: per agent paths, exams, latest score, QA and CSAT averages; coverage, pass rate."""
    return await dashboard_service.dashboard(session, principal)


# --- mentors --------------------------------------------------------------------------------
@router.get("/mentorships", response_model=Page[MentorshipOut])
async def mentorships(principal: CurrentPrincipal, session: Session) -> Page[MentorshipOut]:
    return Page(items=await learning_service.mentorships(session, principal))


@router.post("/mentorships", response_model=MentorshipOut, status_code=status.HTTP_201_CREATED)
async def assign_mentor(body: MentorshipIn, principal: CurrentPrincipal, session: Session) -> MentorshipOut:
    m = await learning_service.assign_mentor(session, principal, body)
    return next(x for x in await learning_service.mentorships(session, principal) if x.id == m.id)


@router.post("/mentorships/{mentorship_id}/sign-off", response_model=MentorshipOut)
async def sign_off(
    mentorship_id: Id, body: SignOffIn, principal: CurrentPrincipal, session: Session
) -> MentorshipOut:
    m = await learning_service.sign_off(session, principal, mentorship_id, body.note)
    return next(x for x in await learning_service.mentorships(session, principal) if x.id == m.id)


# --- the case library --------------------------------------------------------------------------
@router.get("/cases", response_model=Page[CaseOut])
async def list_cases(principal: CurrentPrincipal, session: Session) -> Page[CaseOut]:
    return Page(items=await case_service.list_cases(session, principal))


@router.post("/cases", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
async def create_case(body: CaseIn, principal: CurrentPrincipal, session: Session) -> CaseOut:
    case = await case_service.create(session, principal, body)
    return await case_service.view(session, principal, case.id)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def get_case(case_id: Id, principal: CurrentPrincipal, session: Session) -> CaseOut:
    return await case_service.view(session, principal, case_id)


@router.post("/cases/{case_id}/notes", response_model=CaseNoteOut, status_code=status.HTTP_201_CREATED)
async def add_note(case_id: Id, body: NoteIn, principal: CurrentPrincipal, session: Session) -> CaseNoteOut:
    note = await case_service.add_note(session, principal, case_id, body.body)
    return CaseNoteOut.model_validate(note).model_copy(update={"author_name": principal.name})
