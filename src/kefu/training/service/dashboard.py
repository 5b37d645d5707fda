"""The training dashboard (培训看板): per agent, paths assigned and completed, exams passed and
the latest score, beside the agent's QA review average and CSAT average; the team's coverage
and pass rate. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.quality.service import quality_service
from kefu.survey.service import survey_service
from kefu.training.repository import training_repository as repo
from kefu.training.schemas import AgentTrainingOut, DashboardOut
from kefu.training.service.exams import exam_service

AGENT_PATHS = frozenset({"agent", "all"})


def _avg(values: list[float], digits: int = 1) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


class DashboardService:
    async def dashboard(self, session: AsyncSession, principal: Principal) -> DashboardOut:
        require(principal, Perm.TRAINING_MANAGE)
        require(principal, Perm.REPORTS_READ)
        agents = sorted(
            (u for u in await user_service.list_all(session) if u.is_active and u.role == "agent"),
            key=lambda u: (u.name or u.email, u.id),
        )
        paths = [p for p in await repo.paths(session, active_only=True) if p.role in AGENT_PATHS]
        steps: dict[int, set[int]] = {p.id: set() for p in paths}
        for item in await repo.items(session, [p.id for p in paths]):
            steps[item.path_id].add(item.id)
        assigned = [pid for pid, ids in steps.items() if ids]  # a path without steps is not training
        exams = {e.id: e.name for e in await repo.exams(session)}
        passed = await repo.passed_pairs(session)
        latest: dict[int, tuple[float, str]] = {}
        for a in await repo.attempts(session):  # id order: the last graded one wins
            if a.percent is not None and a.status == "graded":
                latest[a.user_id] = (a.percent, exams.get(a.exam_id, ""))
        qa: dict[int, list[float]] = {}
        for review in await quality_service.reviews(session, principal, limit=10_000):
            if review.agent_id is not None and review.total is not None:
                qa.setdefault(review.agent_id, []).append(float(review.total))
        csat = await survey_service.agent_csat(session, [u.id for u in agents])
        rows = []
        covered = 0
        for user in agents:
            done = await repo.done_item_ids(session, user.id)
            completed = sum(1 for pid in assigned if steps[pid] <= done)
            covered += bool(assigned) and completed == len(assigned)
            score, exam_name = latest.get(user.id, (None, ""))
            scores = csat.get(user.id, [])
            rows.append(
                AgentTrainingOut(
                    user_id=user.id,
                    name=user.name or user.email,
                    paths_assigned=len(assigned),
                    paths_completed=completed,
                    exams_passed=sum(1 for e, u in passed if u == user.id and e in exams),
                    latest_score=round(score, 1) if score is not None else None,
                    latest_exam=exam_name,
                    qa_average=_avg(qa.get(user.id, [])),
                    qa_reviews=len(qa.get(user.id, [])),
                    csat_average=_avg([float(s) for s in scores], 2),
                    csat_answers=len(scores),
                )
            )
        report = await exam_service.report(session, principal)
        expected = sum(e.expected for e in report.exams)
        ok = sum(e.passed for e in report.exams)
        with_paths = len(agents) if assigned else 0
        return DashboardOut(
            agents=rows,
            coverage=_share(covered, with_paths),
            covered=covered,
            with_paths=with_paths,
            pass_rate=_share(ok, expected),
            passed=ok,
            expected=expected,
        )


dashboard_service = DashboardService()
