"""Learning paths (new hire, advanced, product line) of internal KB articles and video links,
each agent's progress, and mentors who sign a new hire's path off. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.kb.service import kb_service
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.training import LearningItem, LearningPath, Mentorship
from kefu.training.events import PathSignedOff
from kefu.training.repository import training_repository as repo
from kefu.training.schemas import ItemIn, ItemOut, MentorshipIn, MentorshipOut, PathIn, PathOut, PathPatch
from kefu.training.service.common import require_learner, staff_names


def _audiences(role: str | None) -> set[str]:
    if role == "admin":
        return {"agent", "supervisor", "all"}
    return {role or "agent", "all"}


class LearningService:
    # --- paths (supervisors and admins build them) ------------------------------------------
    async def list_paths(self, session: AsyncSession, principal: Principal) -> list[PathOut]:
        require(principal, Perm.TRAINING_MANAGE)
        return await self._outs(session, await repo.paths(session), None)

    async def get_path(self, session: AsyncSession, principal: Principal, path_id: int) -> LearningPath:
        require(principal, Perm.TRAINING_MANAGE)
        return await self._path(session, path_id)

    async def _path(self, session: AsyncSession, path_id: int) -> LearningPath:
        path = await repo.path(session, path_id)
        if path is None:
            raise NotFound("learning path not found", code="path_not_found")
        return path

    async def path_out(self, session: AsyncSession, principal: Principal, path_id: int) -> PathOut:
        return (await self._outs(session, [await self.get_path(session, principal, path_id)], None))[0]

    async def create_path(self, session: AsyncSession, principal: Principal, data: PathIn) -> LearningPath:
        require(principal, Perm.TRAINING_MANAGE)
        path = LearningPath(**data.model_dump())
        session.add(path)
        await session.flush()
        return path

    async def update_path(
        self, session: AsyncSession, principal: Principal, path_id: int, data: PathPatch
    ) -> LearningPath:
        path = await self.get_path(session, principal, path_id)
        for name in data.model_fields_set:
            value = getattr(data, name)
            if value is None:
                raise Unprocessable("{field} cannot be empty", code="invalid_path", params={"field": name})
            setattr(path, name, value)
        path.updated_at = utcnow()
        await session.flush()
        return path

    async def delete_path(self, session: AsyncSession, principal: Principal, path_id: int) -> None:
        path = await self.get_path(session, principal, path_id)
        await session.delete(path)
        await session.flush()

    async def items(self, session: AsyncSession, principal: Principal) -> Sequence[LearningItem]:
        require(principal, Perm.TRAINING_MANAGE)
        return await repo.all_items(session)

    async def item(self, session: AsyncSession, principal: Principal, item_id: int) -> LearningItem:
        require(principal, Perm.TRAINING_MANAGE)
        found = await repo.item(session, item_id)
        if found is None:
            raise NotFound("step not found", code="item_not_found")
        return found

    async def _item_values(
        self, session: AsyncSession, principal: Principal, data: ItemIn
    ) -> dict[str, object]:
        values: dict[str, object] = data.model_dump()
        if data.kind == "article":
            assert data.article_id is not None
            article = await kb_service.read(session, principal, data.article_id)  # 404 when unknown
            values["title"] = data.title or article.title
            values["url"] = ""
        else:
            values["article_id"] = None
        return values

    async def add_item(
        self, session: AsyncSession, principal: Principal, path_id: int, data: ItemIn
    ) -> LearningItem:
        path = await self.get_path(session, principal, path_id)
        item = LearningItem(path_id=path.id, **await self._item_values(session, principal, data))
        session.add(item)
        await session.flush()
        return item

    async def update_item(
        self, session: AsyncSession, principal: Principal, item_id: int, data: ItemIn
    ) -> LearningItem:
        item = await self.item(session, principal, item_id)
        for name, value in (await self._item_values(session, principal, data)).items():
            setattr(item, name, value)
        await session.flush()
        return item

    async def delete_item(self, session: AsyncSession, principal: Principal, item_id: int) -> None:
        item = await self.item(session, principal, item_id)
        await session.delete(item)
        await session.flush()

    # --- my learning ---------------------------------------------------------------------
    async def my_paths(self, session: AsyncSession, principal: Principal) -> list[PathOut]:
        """The active paths for the caller's role with their progress and mentor sign-off."""
        require_learner(principal)
        wanted = _audiences(principal.role)
        paths = [p for p in await repo.paths(session, active_only=True) if p.role in wanted]
        return await self._outs(session, paths, principal.id)

    async def set_done(
        self, session: AsyncSession, principal: Principal, item_id: int, done: bool = True
    ) -> None:
        require_learner(principal)
        item = await repo.item(session, item_id)
        path = await repo.path(session, item.path_id) if item is not None else None
        if item is None or path is None or not path.active or path.role not in _audiences(principal.role):
            raise NotFound("step not found", code="item_not_found")
        if done:
            await repo.mark_done(session, item.id, principal.id)
        else:
            await repo.unmark_done(session, item.id, principal.id)

    async def _outs(
        self, session: AsyncSession, paths: Sequence[LearningPath], user_id: int | None
    ) -> list[PathOut]:
        items = await repo.items(session, [p.id for p in paths])
        done = await repo.done_item_ids(session, user_id) if user_id is not None else set()
        mentors: dict[int, Mentorship] = {}
        names: dict[int, str] = {}
        if user_id is not None:
            names = await staff_names(session)
            mentors = {m.path_id: m for m in await repo.mentorships(session) if m.mentee_id == user_id}
        out = []
        for p in paths:
            steps = [
                ItemOut.model_validate(i).model_copy(update={"done": i.id in done})
                for i in items
                if i.path_id == p.id
            ]
            m = mentors.get(p.id)
            out.append(
                PathOut.model_validate(p).model_copy(
                    update={
                        "items": steps,
                        "total": len(steps),
                        "done": sum(1 for s in steps if s.done),
                        "signed_off": bool(m and m.signed_off_at),
                        "mentor_name": names.get(m.mentor_id, "") if m else "",
                    }
                )
            )
        return out

    # --- mentors -------------------------------------------------------------------------
    async def mentorships(self, session: AsyncSession, principal: Principal) -> list[MentorshipOut]:
        """Supervisors see all; a mentor sees the new hires they mentor, a new hire their own."""
        require_learner(principal)
        rows = await repo.mentorships(session)
        if not principal.can(Perm.TRAINING_MANAGE):
            rows = [m for m in rows if principal.id in (m.mentor_id, m.mentee_id)]
        return await self._mentorship_outs(session, rows)

    async def mentorship(self, session: AsyncSession, principal: Principal, mentorship_id: int) -> Mentorship:
        require(principal, Perm.TRAINING_MANAGE)
        found = await repo.mentorship(session, mentorship_id)
        if found is None:
            raise NotFound("mentorship not found", code="mentorship_not_found")
        return found

    async def assign_mentor(
        self, session: AsyncSession, principal: Principal, data: MentorshipIn
    ) -> Mentorship:
        require(principal, Perm.TRAINING_MANAGE)
        if data.mentee_id == data.mentor_id:
            raise Unprocessable("a new hire cannot mentor themself", code="invalid_mentorship")
        for user_id in (data.mentee_id, data.mentor_id):
            user = await user_service.get(session, user_id)
            if user is None or not user.is_active:
                raise NotFound("user not found", code="user_not_found")
        await self._path(session, data.path_id)
        if await repo.mentorship_of(session, data.mentee_id, data.path_id) is not None:
            raise Conflict("this new hire has a mentor for this path already", code="mentorship_exists")
        m = Mentorship(**data.model_dump())
        session.add(m)
        await session.flush()
        return m

    async def delete_mentorship(
        self, session: AsyncSession, principal: Principal, mentorship_id: int
    ) -> None:
        m = await self.mentorship(session, principal, mentorship_id)
        await session.delete(m)
        await session.flush()

    async def sign_off(
        self, session: AsyncSession, principal: Principal, mentorship_id: int, note: str = ""
    ) -> Mentorship:
        """The mentor (or a supervisor) confirms the new hire finished the path: every step
        must be done first."""
        require_learner(principal)
        m = await repo.mentorship(session, mentorship_id)
        if m is None or not (m.mentor_id == principal.id or principal.can(Perm.TRAINING_MANAGE)):
            raise NotFound("mentorship not found", code="mentorship_not_found")
        if m.mentee_id == principal.id:
            raise Forbidden("you cannot sign off your own path", code="own_sign_off")
        if m.signed_off_at is not None:
            raise Conflict("this path was signed off already", code="signed_off")
        items = await repo.items(session, [m.path_id])
        done = await repo.done_item_ids(session, m.mentee_id)
        if any(i.id not in done for i in items):
            raise Conflict("the new hire has not finished every step of this path", code="path_not_finished")
        m.signed_off_at, m.signed_off_by = utcnow(), principal.id
        if note:
            m.note = note
        await session.flush()
        await publish(
            session,
            PathSignedOff(
                mentorship_id=m.id, mentee_id=m.mentee_id, mentor_id=m.mentor_id, path_id=m.path_id
            ),
        )
        return m

    async def _mentorship_outs(
        self, session: AsyncSession, rows: Sequence[Mentorship]
    ) -> list[MentorshipOut]:
        names = await staff_names(session)
        paths = {p.id: p.name for p in await repo.paths(session)}
        items = await repo.items(session, list({m.path_id for m in rows}))
        out = []
        for m in rows:
            done = await repo.done_item_ids(session, m.mentee_id)
            steps = [i.id for i in items if i.path_id == m.path_id]
            out.append(
                MentorshipOut.model_validate(m).model_copy(
                    update={
                        "mentee_name": names.get(m.mentee_id, ""),
                        "mentor_name": names.get(m.mentor_id, ""),
                        "path_name": paths.get(m.path_id, ""),
                        "done": sum(1 for i in steps if i in done),
                        "total": len(steps),
                    }
                )
            )
        return out


learning_service = LearningService()
