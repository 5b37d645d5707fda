"""The admin area: every setting as a list, a form and a confirmed delete/deactivate.

Views are declared in this package on the CRUD layer (`kefu.web.crud`); this module mounts
them and keeps the old addresses working (/admin/sla, /admin/automation).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from kefu.deps import OptionalPrincipal
from kefu.errors import Forbidden, Unauthorized
from kefu.web.admin.automation import MacroView, TriggerView
from kefu.web.admin.channels import EmailAddressView, WechatAccountView
from kefu.web.admin.goals import GoalView
from kefu.web.admin.improvement import DepartmentView, IntegrationView
from kefu.web.admin.loyalty import CompensationView, ProgrammeView, TierView
from kefu.web.admin.phone import PhoneLineView
from kefu.web.admin.quality import QualityRuleView
from kefu.web.admin.sla import PolicyView, ScheduleView
from kefu.web.admin.survey import SurveyCampaignView
from kefu.web.admin.team import GroupView, StaffView
from kefu.web.admin.training import ExamView, ItemView, MentorView, PathView, QuestionView
from kefu.web.crud import ADMIN_NAV, AdminView, mount

router = APIRouter(include_in_schema=False)

VIEWS: list[AdminView] = [
    StaffView(),
    GroupView(),
    ScheduleView(),
    PolicyView(),
    MacroView(),
    TriggerView(),
    QualityRuleView(),
    TierView(),
    ProgrammeView(),
    CompensationView(),
    EmailAddressView(),
    WechatAccountView(),
    PhoneLineView(),
    SurveyCampaignView(),
    GoalView(),
    PathView(),
    ItemView(),
    ExamView(),
    QuestionView(),
    MentorView(),
    DepartmentView(),
    IntegrationView(),
]
for _view in VIEWS:
    mount(router, _view)
    ADMIN_NAV.append((f"/admin/{_view.slug}", _view.title))


@router.get("/admin")
async def admin_home(principal: OptionalPrincipal) -> Response:
    if principal is None:
        raise Unauthorized("需要登录 / authentication required", code="not_authenticated")
    if principal.role != "admin":
        raise Forbidden("无权访问 / you may not open this page")
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/sla")
async def old_sla() -> Response:
    return RedirectResponse("/admin/schedules", status_code=303)


@router.get("/admin/automation")
async def old_automation() -> Response:
    return RedirectResponse("/admin/triggers", status_code=303)
