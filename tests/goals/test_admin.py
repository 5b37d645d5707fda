"""The service-goals admin page on the CRUD layer: the shared admin view tests, both backends."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Perm
from kefu.goals.schemas import GoalIn
from kefu.goals.service import goal_service
from tests.web.admin.cases import AdminViewCase


class TestGoalsAdmin(AdminViewCase):
    slug = "goals"
    perm = Perm.GOALS_MANAGE
    invalid_field = "target"
    list_words: ClassVar[list[str]] = [
        "投诉率",
        "≤ -60%",
        "较基准期",
        "2026-09-01 – 2026-09-30",
        "每周",
        "启用",
    ]
    raw_codes: ClassVar[list[str]] = ["complaint_rate", "at_most", "week"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        data = GoalIn(
            name="投诉率下降",
            metric="complaint_rate",
            comparison="at_most",
            target=-60,
            baseline_from="2026-09-01",  # type: ignore[arg-type]
            baseline_to="2026-09-30",  # type: ignore[arg-type]
        )
        goal = await goal_service.create(s, SYSTEM, data)
        return goal.id, "投诉率下降"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "机器人解决率",
            "metric": "bot_resolution_rate",
            "comparison": "at_least",
            "target": "80",
            "period": "week",
            "active": "on",
        }
        return form, "机器人解决率"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        form = {
            "name": "投诉率大幅下降",
            "metric": "complaint_rate",
            "comparison": "at_most",
            "target": "-70",
            "baseline_from": "2026-09-01",
            "baseline_to": "2026-09-30",
            "period": "month",
            "effective_from": "2026-10-01",
            "active": "on",
        }
        return form, "投诉率大幅下降"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        # A rate of 150 % cannot be reached.
        return {
            "name": "不可能",
            "metric": "fcr_rate",
            "comparison": "at_least",
            "target": "150",
            "period": "week",
        }
