"""The responsible departments and suppliers on the shared CRUD view tests (both backends)."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM, Perm
from kefu.improvement.schemas import DepartmentIn
from kefu.improvement.service import improvement_service
from tests.web.admin.cases import AdminViewCase


class TestDepartments(AdminViewCase):
    slug = "improvement-departments"
    perm = Perm.IMPROVEMENT_MANAGE
    invalid_field = "name"
    list_words: ClassVar[list[str]] = ["顺丰速运", "供应商"]
    raw_codes: ClassVar[list[str]] = ["supplier"]

    async def make(self, s: AsyncSession, seeds: dict[str, Any]) -> tuple[int, str]:
        dept = await improvement_service.create_department(
            s, SYSTEM, DepartmentIn(name="顺丰速运", kind="supplier")
        )
        return dept.id, "顺丰速运"

    def create_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "产品研发部", "kind": "department", "active": "on"}, "产品研发部"

    def edit_form(self, seeds: dict[str, Any]) -> tuple[dict[str, Any], str]:
        return {"name": "京东物流", "kind": "supplier", "active": "on"}, "京东物流"

    def invalid_form(self, seeds: dict[str, Any]) -> dict[str, Any]:
        return {"name": "", "kind": "department"}
