"""Improvement items (整改事项): create, edit, move through the status machine with a timeline,
employees' suggestions, the responsible departments, the verification run and the 痛点解决率
KPI. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.service import timezone
from kefu.analytics.windows import local_day
from kefu.audit.service import audit_service
from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Perm, Principal, require
from kefu.errors import Conflict, Forbidden, NotFound, Unprocessable
from kefu.improvement import lifecycle
from kefu.improvement import verification as ver
from kefu.improvement.events import ImprovementChanged, ImprovementCreated, ImprovementVerified
from kefu.improvement.repository import improvement_repository as repo
from kefu.improvement.schemas import (
    CheckResult,
    DepartmentIn,
    ItemDetail,
    ItemIn,
    ItemOut,
    ItemPatch,
    LogOut,
    MoveIn,
    SolveRate,
    SuggestionIn,
)
from kefu.improvement.service.common import item_url, staff_names, today
from kefu.improvement.service.verify import verify_service
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.improvement import (
    ImprovementDepartment,
    ImprovementItem,
    ImprovementLog,
    ItemStatus,
)

GOAL = 0.95  # the plans' 痛点解决率 ≥ 95 %
SYSTEM_LABEL = "系统"


def require_staff_member(principal: Principal) -> None:
    """Every staff member sees the loop and may suggest; customers never."""
    if not principal.is_staff:
        raise Forbidden("staff only")
    require(principal, Perm.TICKETS_WORK)


class ImprovementService:
    # --- departments --------------------------------------------------------------------------
    async def departments(
        self, session: AsyncSession, *, active_only: bool = False
    ) -> Sequence[ImprovementDepartment]:
        rows = await repo.departments(session)
        return [d for d in rows if d.active] if active_only else rows

    async def department(
        self, session: AsyncSession, principal: Principal, department_id: int
    ) -> ImprovementDepartment:
        require(principal, Perm.IMPROVEMENT_MANAGE)
        found = await repo.department(session, department_id)
        if found is None:
            raise NotFound("department not found", code="department_not_found")
        return found

    async def create_department(
        self, session: AsyncSession, principal: Principal, data: DepartmentIn
    ) -> ImprovementDepartment:
        require(principal, Perm.IMPROVEMENT_MANAGE)
        if await repo.department_named(session, data.name) is not None:
            raise Conflict("a department with this name exists", code="department_exists")
        dept = ImprovementDepartment(**data.model_dump())
        session.add(dept)
        await session.flush()
        return dept

    async def update_department(
        self, session: AsyncSession, principal: Principal, department_id: int, data: DepartmentIn
    ) -> ImprovementDepartment:
        dept = await self.department(session, principal, department_id)
        other = await repo.department_named(session, data.name)
        if other is not None and other.id != dept.id:
            raise Conflict("a department with this name exists", code="department_exists")
        for name, value in data.model_dump().items():
            setattr(dept, name, value)
        await session.flush()
        return dept

    async def delete_department(
        self, session: AsyncSession, principal: Principal, department_id: int
    ) -> None:
        dept = await self.department(session, principal, department_id)
        await session.delete(dept)  # items keep their history; their department becomes empty
        await session.flush()

    # --- reading --------------------------------------------------------------------------------
    async def list_items(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        status: str | None = None,
        department_id: int | None = None,
        source: str | None = None,
        overdue: bool = False,
        mine: bool = False,
    ) -> list[ItemOut]:
        require_staff_member(principal)
        rows = await repo.items(
            session,
            status=status,
            department_id=department_id,
            source=source,
            owner_id=principal.id if mine else None,
            overdue_on=today() if overdue else None,
        )
        return await self._outs(session, rows)

    async def _load(self, session: AsyncSession, item_id: int, *, lock: bool = False) -> ImprovementItem:
        item = await repo.item(session, item_id, lock=lock)
        if item is None:
            raise NotFound("improvement item not found", code="improvement_not_found")
        return item

    async def get(self, session: AsyncSession, principal: Principal, item_id: int) -> ImprovementItem:
        require_staff_member(principal)
        return await self._load(session, item_id)

    async def detail(self, session: AsyncSession, principal: Principal, item_id: int) -> ItemDetail:
        item = await self.get(session, principal, item_id)
        out = ItemDetail.model_validate((await self._outs(session, [item]))[0].model_dump())
        names = await staff_names(session)
        out.timeline = [
            LogOut.model_validate(log).model_copy(
                update={"actor_name": log.actor_label or names.get(log.actor_id or 0, "")}
            )
            for log in await repo.logs(session, item.id)
        ]
        sent, scores = await verify_service.survey_scores(session, item.id)
        out.surveys_sent, out.survey_answers, out.survey_average = sent, len(scores), ver.average(scores)
        return out

    async def _outs(self, session: AsyncSession, items: Sequence[ImprovementItem]) -> list[ItemOut]:
        names = await staff_names(session)
        depts = {d.id: d.name for d in await repo.departments(session)}
        day = today()
        out = []
        for item in items:
            o = ItemOut.model_validate(item)
            o.department_name = depts.get(item.department_id or 0, "")
            o.owner_name = names.get(item.owner_id or 0, "")
            o.overdue = self.is_overdue(item, day)
            o.next_statuses = lifecycle.allowed(item.source, item.status)
            out.append(o)
        return out

    @staticmethod
    def is_overdue(item: ImprovementItem, day: date) -> bool:
        return (
            item.due_date is not None
            and item.due_date < day
            and item.status in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
        )

    async def source_refs(self, session: AsyncSession, source: str) -> dict[str, int]:
        """source_ref → item id (items not dropped) for one source: the reports' buttons."""
        return await repo.refs(session, source)

    # --- writing --------------------------------------------------------------------------------
    async def _check_refs(
        self, session: AsyncSession, department_id: int | None, owner_id: int | None
    ) -> None:
        if department_id is not None and await repo.department(session, department_id) is None:
            raise Unprocessable("unknown department", code="department_not_found")
        if owner_id is not None:
            user = await user_service.get(session, owner_id)
            if user is None or not user.is_active:
                raise Unprocessable("the owner must be an active staff member", code="owner_not_found")

    async def create(
        self, session: AsyncSession, principal: Principal, data: ItemIn, *, note: str = ""
    ) -> ImprovementItem:
        if data.source == "suggestion":
            require_staff_member(principal)
        else:
            require(principal, Perm.IMPROVEMENT_MANAGE)
        await self._check_refs(session, data.department_id, data.owner_id)
        values = data.model_dump()
        values["ticket_ids"] = sorted(set(values["ticket_ids"]))
        item = ImprovementItem(
            **values,
            status=ItemStatus.OPEN,
            external_id="",
            check_note="",
            created_by=principal.user_id or None,
        )
        session.add(item)
        await session.flush()
        self._log(session, item, principal, "created", to_status=ItemStatus.OPEN, note=note)
        await publish(
            session,
            ImprovementCreated(
                item_id=item.id,
                source=item.source,
                title=item.title,
                description=item.description[:2000],
                status=item.status,
                department=await self._dept_name(session, item.department_id),
                due_date=item.due_date.isoformat() if item.due_date else None,
                url=item_url(item.id),
            ),
            actor_id=principal.user_id or None,
        )
        audit_service.record(
            session, "improvement.created", actor=principal, target_type="improvement", target_id=item.id
        )
        return item

    async def suggest(
        self, session: AsyncSession, principal: Principal, data: SuggestionIn
    ) -> ImprovementItem:
        """Any staff member's suggestion: an open item without department or owner until a
        supervisor triages it."""
        return await self.create(
            session, principal, ItemIn(title=data.title, description=data.description, source="suggestion")
        )

    async def update(
        self, session: AsyncSession, principal: Principal, item_id: int, data: ItemPatch
    ) -> ImprovementItem:
        require(principal, Perm.IMPROVEMENT_MANAGE)
        item = await self._load(session, item_id, lock=True)
        changes = {k: getattr(data, k) for k in data.model_fields_set}
        if "title" in changes and changes["title"] is None:
            raise Unprocessable(
                "{field} cannot be empty", code="invalid_improvement", params={"field": "title"}
            )
        await self._check_refs(session, changes.get("department_id"), changes.get("owner_id"))
        changed = []
        for name, value in changes.items():
            if value is None and name not in ("department_id", "owner_id", "due_date"):
                continue
            if getattr(item, name) != value:
                setattr(item, name, value)
                changed.append(name)
        if not changed:
            return item
        item.updated_at = utcnow()
        await session.flush()
        self._log(session, item, principal, "edited", note="、".join(sorted(changed)))
        await self._changed(session, item, item.status, changed, principal)
        return item

    async def move(
        self,
        session: AsyncSession,
        principal: Principal,
        item_id: int,
        data: MoveIn,
        *,
        actor_label: str = "",
        kind: str = "status",
    ) -> ImprovementItem:
        """One step of the status machine; 409 for a move it does not allow. The item's owner
        may start and finish the work; everything else is a supervisor's."""
        require_staff_member(principal)
        item = await self._load(session, item_id, lock=True)
        if not principal.can(Perm.IMPROVEMENT_MANAGE) and not (
            principal.id == item.owner_id and lifecycle.owner_may(item.status, data.to)
        ):
            raise Forbidden("only a supervisor or the item's owner may do this", code="improvement_forbidden")
        return await self._apply(session, principal, item, data.to, data.note, actor_label, kind)

    async def _apply(
        self,
        session: AsyncSession,
        principal: Principal,
        item: ImprovementItem,
        to: str,
        note: str,
        actor_label: str = "",
        kind: str = "status",
    ) -> ImprovementItem:
        reason = lifecycle.problem(item.source, item.status, to)
        if reason is not None:
            raise Conflict(reason, code="illegal_transition")
        before = item.status
        now = utcnow()
        item.status = to
        item.updated_at = now
        if to == ItemStatus.FIXED:
            item.fixed_at = now
            item.verified_at = None
            item.check_note = ""
            await verify_service.on_fixed(session, item)
        elif to == ItemStatus.VERIFIED:
            item.verified_at = now
        await session.flush()
        self._log(
            session, item, principal, kind, from_status=before, to_status=to, note=note, label=actor_label
        )
        await self._changed(session, item, before, ["status"], principal)
        if to == ItemStatus.VERIFIED:
            await publish(session, ImprovementVerified(item_id=item.id, title=item.title))
        audit_service.record(
            session,
            "improvement.moved",
            actor=principal,
            target_type="improvement",
            target_id=item.id,
            detail={"from": before, "to": to},
        )
        return item

    def _log(
        self,
        session: AsyncSession,
        item: ImprovementItem,
        principal: Principal,
        kind: str,
        *,
        from_status: str = "",
        to_status: str = "",
        note: str = "",
        label: str = "",
    ) -> None:
        repo.add_log(
            session,
            ImprovementLog(
                item_id=item.id,
                actor_id=principal.user_id or None,
                actor_label=label or ("" if principal.user_id else SYSTEM_LABEL),
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                note=note[:4000],
                created_at=utcnow(),
            ),
        )

    async def _dept_name(self, session: AsyncSession, department_id: int | None) -> str:
        dept = await repo.department(session, department_id) if department_id else None
        return dept.name if dept else ""

    async def _changed(
        self,
        session: AsyncSession,
        item: ImprovementItem,
        before: str,
        fields: list[str],
        principal: Principal,
    ) -> None:
        await publish(
            session,
            ImprovementChanged(
                item_id=item.id,
                title=item.title,
                status=item.status,
                previous_status=before,
                fields=sorted(fields),
                department=await self._dept_name(session, item.department_id),
                due_date=item.due_date.isoformat() if item.due_date else None,
                url=item_url(item.id),
            ),
            actor_id=principal.user_id or None,
        )

    # --- verification ---------------------------------------------------------------------------
    async def verify_fixed(self, session: AsyncSession, *, now: datetime | None = None) -> list[CheckResult]:
        """Check every fixed item; the ones whose checks hold become verified (periodic job)."""
        now = now or utcnow()
        out = []
        for item in await repo.fixed(session):
            volume, survey = await verify_service.check(session, item, now)
            ok = ver.verified(volume, survey)
            note = f"{volume}|{survey}"
            if item.check_note != note:
                item.check_note = note
                self._log(session, item, SYSTEM, "check", note=note)
            if ok:
                await self._apply(session, SYSTEM, item, ItemStatus.VERIFIED, "", SYSTEM_LABEL, "check")
            out.append(CheckResult(item_id=item.id, volume=volume, survey=survey, verified=ok))
        await session.flush()
        return out

    # --- the KPI ----------------------------------------------------------------------------------
    async def solve_rate(self, session: AsyncSession, first: date, end: date) -> SolveRate:
        """痛点解决率 over the local days [first, end): verified ÷ items due in them."""
        statuses = await repo.due_between(session, first, end)
        done = sum(1 for s in statuses if s == ItemStatus.VERIFIED)
        rate = ver.solve_rate(len(statuses), done)
        return SolveRate(
            start=first,
            end=end,
            due=len(statuses),
            verified=done,
            rate=rate,
            goal=GOAL,
            met=None if rate is None else rate >= GOAL - 1e-9,
        )

    async def solve_rate_between(self, session: AsyncSession, start: datetime, end: datetime) -> float | None:
        """The KPI over an instant range (the goals domain's windows)."""
        tz = timezone()
        first = local_day(start, tz)
        last = local_day(end - timedelta(microseconds=1), tz)
        return (await self.solve_rate(session, first, last + timedelta(days=1))).rate

    async def kpi(self, session: AsyncSession, principal: Principal, first: date, end: date) -> SolveRate:
        require(principal, Perm.REPORTS_READ)
        if end <= first:
            raise Unprocessable("`to` must be after `from`", code="invalid_range")
        return await self.solve_rate(session, first, end)

    # --- demo -------------------------------------------------------------------------------------
    async def seed_departments(self, session: AsyncSession) -> int:
        """The usual responsible parties, once (the admin edits them)."""
        if await repo.departments(session):
            return 0
        rows: list[dict[str, Any]] = [
            {"name": "产品研发部", "kind": "department"},
            {"name": "物流部", "kind": "department"},
            {"name": "售后服务部", "kind": "department"},
            {"name": "客服中心", "kind": "department"},
            {"name": "顺丰速运（物流供应商）", "kind": "supplier"},
        ]
        for row in rows:
            session.add(ImprovementDepartment(**row, active=True))
        await session.flush()
        return len(rows)


improvement_service = ImprovementService()
