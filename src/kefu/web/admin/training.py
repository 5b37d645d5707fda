"""Training on the CRUD layer: learning paths and their steps (internal KB articles, video
links), exams (pass mark, attempts, window, certified skill) and their questions, mentors.
Supervisors and admins (training.manage)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kefu.auth.service import user_service
from kefu.authz import Perm
from kefu.kb.service import kb_service
from kefu.team.service import team_service
from kefu.training.schemas import ExamIn, ExamPatch, ItemIn, MentorshipIn, PathIn, PathPatch, QuestionIn
from kefu.training.service import exam_service, learning_service
from kefu.web.crud import N_, AdminView, Column, Ctx, Field, FieldError

LEVELS = {"new_hire": N_("training_level_new_hire"), "advanced": N_("training_level_advanced"),
          "product_line": N_("training_level_product_line")}  # fmt: skip
ROLES = {"agent": N_("Agents"), "supervisor": N_("Supervisors"), "all": N_("Everyone")}
KINDS = {"single": N_("training_question_single"), "multiple": N_("training_question_multiple"),
         "short": N_("training_question_short")}  # fmt: skip
STEP_KINDS = {"article": N_("Knowledge base article"), "video": N_("Video link")}
LOCAL = ZoneInfo("Asia/Shanghai")
_WHEN = "%Y-%m-%d %H:%M"


def _opts(table: Mapping[str, str], ctx: Ctx) -> list[tuple[str, str]]:
    return [(k, ctx._(v)) for k, v in table.items()]


class PathView(AdminView):
    slug = "training-paths"
    title = N_("Learning paths")
    noun = N_("learning path")
    perm = Perm.TRAINING_MANAGE
    create_schema = PathIn
    intro = N_("Paths by role and level; add their steps under Learning steps.")
    columns = (
        Column(N_("Name"), lambda ctx, p: p.name),
        Column(N_("Level"), lambda ctx, p: ctx._(LEVELS.get(p.level, p.level))),
        Column(N_("For"), lambda ctx, p: ctx._(ROLES.get(p.role, p.role))),
        Column(N_("Product line"), lambda ctx, p: p.product_line or "—"),
        Column(N_("Steps"), lambda ctx, p: str(len(p.items))),
        Column(N_("Status"), lambda ctx, p: ctx._("Active") if p.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("level", N_("Level"), kind="select", choices="level"),
        Field("role", N_("For"), kind="select", choices="role"),
        Field("product_line", N_("Product line"), help=N_("Optional, e.g. 手机, 智能家居")),
        Field("description", N_("Description"), kind="textarea"),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await learning_service.list_paths(ctx.session, ctx.principal)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"level": _opts(LEVELS, ctx), "role": _opts(ROLES, ctx)}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        return (
            super().initial(ctx, obj)
            if obj is not None
            else {"level": "new_hire", "role": "agent", "active": True}
        )

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await learning_service.create_path(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        patch = PathPatch.model_validate(data.model_dump())
        return await learning_service.update_path(ctx.session, ctx.principal, obj.id, patch)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await learning_service.delete_path(ctx.session, ctx.principal, obj.id)


class _ItemForm(ItemIn):
    path_id: int


class ItemView(AdminView):
    slug = "training-steps"
    title = N_("Learning steps")
    noun = N_("learning step")
    perm = Perm.TRAINING_MANAGE
    create_schema = _ItemForm
    error_fields = {"": "kind"}  # noqa: RUF012 - the layer's class-level table
    columns = (
        Column(N_("Learning path"), lambda ctx, i: ctx.aux["paths"].get(i.path_id, "?")),
        Column(N_("Order"), lambda ctx, i: str(i.position)),
        Column(N_("Kind"), lambda ctx, i: ctx._(STEP_KINDS.get(i.kind, i.kind))),
        Column(N_("Title"), lambda ctx, i: i.title),
    )
    fields = (
        Field("path_id", N_("Learning path"), kind="select", choices="path"),
        Field("kind", N_("Kind"), kind="select", choices="kind"),
        Field("article_id", N_("Internal article"), kind="select", choices="article", blank=N_("(none)")),
        Field("url", N_("Video link"), help=N_("https://… for a video step")),
        Field("title", N_("Title"), help=N_("Optional for an article (its title)")),
        Field("position", N_("Order"), kind="number"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["paths"] = {
            p.id: p.name for p in await learning_service.list_paths(ctx.session, ctx.principal)
        }

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await learning_service.items(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await learning_service.item(ctx.session, ctx.principal, key)

    def label(self, obj: Any) -> str:
        return str(obj.title)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        articles = await kb_service.list_articles(ctx.session, ctx.principal, status="published", limit=500)
        return {
            "path": [(str(k), v) for k, v in ctx.aux["paths"].items()],
            "kind": _opts(STEP_KINDS, ctx),
            "article": [(str(a.id), a.title) for a in articles if a.visibility == "internal"],
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        item = ItemIn.model_validate(data.model_dump(exclude={"path_id"}))
        return await learning_service.add_item(ctx.session, ctx.principal, data.path_id, item)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        item = ItemIn.model_validate(data.model_dump(exclude={"path_id"}))
        return await learning_service.update_item(ctx.session, ctx.principal, obj.id, item)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await learning_service.delete_item(ctx.session, ctx.principal, obj.id)


def _when(value: datetime | None) -> str:
    return value.astimezone(LOCAL).strftime(_WHEN) if value else ""


class ExamView(AdminView):
    slug = "training-exams"
    title = N_("Exams")
    noun = N_("exam")
    perm = Perm.TRAINING_MANAGE
    create_schema = ExamIn
    intro = N_("An exam that certifies a skill is the only way to get that skill for routing.")
    columns = (
        Column(N_("Name"), lambda ctx, e: e.name),
        Column(N_("Question count"), lambda ctx, e: str(e.question_count)),
        Column(N_("Pass mark"), lambda ctx, e: f"{e.pass_mark}%"),
        Column(N_("Attempts"), lambda ctx, e: str(e.max_attempts) if e.max_attempts else ctx._("no limit")),
        Column(
            N_("Open"),
            lambda ctx, e: (
                f"{_when(e.available_from) or '…'} – {_when(e.available_until) or '…'}"
                if e.available_from or e.available_until
                else ctx._("any time")
            ),
        ),
        Column(N_("Certifies the skill"), lambda ctx, e: e.grants_skill or "—"),
        Column(N_("Status"), lambda ctx, e: ctx._("Active") if e.active else ctx._("Inactive")),
    )
    fields = (
        Field("name", N_("Name"), required=True),
        Field("description", N_("Description"), kind="textarea"),
        Field("pass_mark", N_("Pass mark (percent)"), kind="number"),
        Field("max_attempts", N_("Attempts allowed"), kind="number", help=N_("0 = no limit")),
        Field(
            "available_from", N_("Open from"), help=N_("Like 2026-12-01 09:00 (Beijing time); empty = now")
        ),
        Field("available_until", N_("Open until"), help=N_("Like 2026-12-08 18:00; empty = no end")),
        Field(
            "grants_skill", N_("Certifies the skill"), help=N_("e.g. 售后维修: passing adds it for routing")
        ),
        Field("group_id", N_("Who must pass"), kind="select", choices="group", blank=N_("Every agent")),
        Field("active", N_("Active"), kind="check"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await exam_service.list_exams(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await exam_service.detail(ctx.session, ctx.principal, key)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"group": [(str(g.id), g.name) for g in await team_service.list_groups(ctx.session)]}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"pass_mark": 80, "max_attempts": 3, "active": True}
        values = super().initial(ctx, obj)
        values["available_from"], values["available_until"] = (
            _when(obj.available_from),
            _when(obj.available_until),
        )
        return values

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        for name in ("available_from", "available_until"):
            text = str(out.get(name) or "").strip()
            try:
                out[name] = datetime.fromisoformat(text).replace(tzinfo=LOCAL) if text else None
            except ValueError as exc:
                raise FieldError(name, N_("Use a time like 2026-12-01 09:00.")) from exc
        return out

    async def create(self, ctx: Ctx, data: Any) -> Any:
        return await exam_service.create(ctx.session, ctx.principal, data)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        patch = ExamPatch.model_validate(data.model_dump())
        return await exam_service.update(ctx.session, ctx.principal, obj.id, patch)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await exam_service.delete(ctx.session, ctx.principal, obj.id)


class _QuestionForm(QuestionIn):
    exam_id: int


class QuestionView(AdminView):
    slug = "training-questions"
    title = N_("Exam questions")
    noun = N_("question")
    perm = Perm.TRAINING_MANAGE
    create_schema = _QuestionForm
    error_fields = {"": "correct"}  # noqa: RUF012 - the layer's class-level table
    columns = (
        Column(N_("Exam"), lambda ctx, q: ctx.aux["exams"].get(q.exam_id, "?")),
        Column(N_("Kind"), lambda ctx, q: ctx._(KINDS.get(q.kind, q.kind))),
        Column(N_("Question"), lambda ctx, q: q.text[:80]),
        Column(N_("Question points"), lambda ctx, q: str(q.points)),
    )
    fields = (
        Field("exam_id", N_("Exam"), kind="select", choices="exam"),
        Field("kind", N_("Kind"), kind="select", choices="kind"),
        Field("text", N_("Question"), kind="textarea", required=True),
        Field("options", N_("Options"), kind="lines", help=N_("One per line (choice questions)")),
        Field("correct", N_("Right options"), help=N_("Their numbers, e.g. 2 or 1,3")),
        Field("points", N_("Question points"), kind="number"),
        Field("position", N_("Order"), kind="number"),
    )

    async def prepare(self, ctx: Ctx) -> None:
        ctx.aux["exams"] = {e.id: e.name for e in await exam_service.list_exams(ctx.session, ctx.principal)}

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await exam_service.questions(ctx.session, ctx.principal)

    async def load(self, ctx: Ctx, key: int) -> Any:
        return await exam_service.question(ctx.session, ctx.principal, key)

    def label(self, obj: Any) -> str:
        return str(obj.text[:40])

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        return {"exam": [(str(k), v) for k, v in ctx.aux["exams"].items()], "kind": _opts(KINDS, ctx)}

    def initial(self, ctx: Ctx, obj: Any | None) -> dict[str, Any]:
        if obj is None:
            return {"kind": "single", "points": 1, "position": 0}
        values = super().initial(ctx, obj)
        values["options"] = "\n".join(obj.options or [])
        values["correct"] = ",".join(str(c + 1) for c in obj.correct or [])
        return values

    def payload(self, ctx: Ctx, form: Mapping[str, Any], obj: Any | None) -> dict[str, Any]:
        out = super().payload(ctx, form, obj)
        out["options"] = [line.strip() for line in str(form.get("options", "")).splitlines() if line.strip()]
        raw = str(out.get("correct") or "").replace("，", ",").replace(" ", "")
        try:
            out["correct"] = [int(p) - 1 for p in raw.split(",") if p]
        except ValueError as exc:
            raise FieldError("correct", N_("Give the numbers of the right options, e.g. 1,3.")) from exc
        return out

    async def create(self, ctx: Ctx, data: Any) -> Any:
        body = QuestionIn.model_validate(data.model_dump(exclude={"exam_id"}))
        return await exam_service.add_question(ctx.session, ctx.principal, data.exam_id, body)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        body = QuestionIn.model_validate(data.model_dump(exclude={"exam_id"}))
        return await exam_service.update_question(ctx.session, ctx.principal, obj.id, body)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await exam_service.delete_question(ctx.session, ctx.principal, obj.id)


class MentorView(AdminView):
    slug = "training-mentors"
    title = N_("Mentors")
    noun = N_("mentor")
    perm = Perm.TRAINING_MANAGE
    create_schema = MentorshipIn
    error_fields = {"": "mentor_id"}  # noqa: RUF012 - the layer's class-level table
    intro = N_("A mentor for a new hire on one path; the mentor signs the path off in My learning.")
    columns = (
        Column(N_("New hire"), lambda ctx, m: m.mentee_name),
        Column(N_("Mentor"), lambda ctx, m: m.mentor_name),
        Column(N_("Learning path"), lambda ctx, m: m.path_name),
        Column(N_("Progress"), lambda ctx, m: f"{m.done}/{m.total}"),
        Column(N_("Signed off"), lambda ctx, m: ctx._("yes") if m.signed_off_at else ctx._("no")),
    )
    fields = (
        Field("mentee_id", N_("New hire"), kind="select", choices="staff"),
        Field("mentor_id", N_("Mentor"), kind="select", choices="staff"),
        Field("path_id", N_("Learning path"), kind="select", choices="path"),
        Field("note", N_("Note"), kind="textarea"),
    )

    async def rows(self, ctx: Ctx) -> Sequence[Any]:
        return await learning_service.mentorships(ctx.session, ctx.principal)

    def label(self, obj: Any) -> str:
        return str(getattr(obj, "mentee_name", "") or obj.id)

    async def choices(self, ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
        staff = [u for u in await user_service.list_all(ctx.session) if u.is_active]
        paths = await learning_service.list_paths(ctx.session, ctx.principal)
        return {
            "staff": [(str(u.id), u.name or u.email) for u in staff],
            "path": [(str(p.id), p.name) for p in paths],
        }

    async def create(self, ctx: Ctx, data: Any) -> Any:
        m = await learning_service.assign_mentor(ctx.session, ctx.principal, data)
        return next(x for x in await learning_service.mentorships(ctx.session, ctx.principal) if x.id == m.id)

    async def update(self, ctx: Ctx, obj: Any, data: Any) -> Any:
        await learning_service.delete_mentorship(ctx.session, ctx.principal, obj.id)
        return await self.create(ctx, data)

    async def delete(self, ctx: Ctx, obj: Any) -> None:
        await learning_service.delete_mentorship(ctx.session, ctx.principal, obj.id)
