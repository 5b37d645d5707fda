"""Who may do what: role permissions and object-level checks (pure, no I/O).

Every route that takes an id calls one of the `ensure_*` helpers with the loaded object's
owner facts, so a customer only ever reaches their own data and agents stay in their
groups. A refusal for an object the caller may not know about is a 404, not a 403, so ids
cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from kefu.errors import Forbidden, NotFound


class Perm(StrEnum):
    USERS_MANAGE = "users.manage"
    GROUPS_MANAGE = "groups.manage"
    SETTINGS_MANAGE = "settings.manage"
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_WRITE = "customers.write"
    CUSTOMERS_UNMASK = "customers.unmask"
    CUSTOMERS_EXPORT = "customers.export"
    TICKETS_READ_ALL = "tickets.read_all"
    TICKETS_WORK = "tickets.work"
    REPORTS_READ = "reports.read"
    AUDIT_READ = "audit.read"
    JOBS_MANAGE = "jobs.manage"
    TOKENS_MANAGE = "tokens.manage"
    KB_MANAGE = "kb.manage"
    # Declaring and resolving a major incident (重大事故): supervisors and admins.
    INCIDENTS_MANAGE = "incidents.manage"
    # Orders come from the sales system (an integration's admin token, the CSV import): an
    # order credits points and raises the tier, so the people who redeem points never mint them.
    ORDERS_RECORD = "orders.record"
    # 首问负责制: the first agent who answered owns the ticket; only a supervisor or an admin
    # moves that ownership to someone else (with a reason, audited).
    TICKETS_REASSIGN_OWNER = "tickets.reassign_owner"
    # Service goals (服务目标): admins set them; supervisors read attainment (reports.read).
    GOALS_MANAGE = "goals.manage"
    # Training (培训与认证): learning paths, exams and their grading, certificates, mentors and
    # the case library; supervisors and admins. Agents learn and take exams with tickets.work.
    TRAINING_MANAGE = "training.manage"
    # The improvement loop (整改): triage suggestions, assign, move and verify improvement items,
    # manage the responsible departments; supervisors and admins. Any staff may suggest.
    IMPROVEMENT_MANAGE = "improvement.manage"
    # Dedicated advisors (专属顾问): supervisors and admins assign, reassign and remove them.
    ADVISORS_ASSIGN = "customers.assign_advisor"
    # The outreach send log (外发消息): every message kefu sent or skipped, to whom and why;
    # supervisors and admins.
    OUTREACH_LOG_READ = "outreach.read_log"


# The role × action table: every permission check reads it, and tests/test_authz_matrix.py
# reads it too (one row per role, one column per action).
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    "admin": frozenset(Perm),
    "supervisor": frozenset(
        {
            Perm.CUSTOMERS_READ,
            Perm.CUSTOMERS_WRITE,
            Perm.TICKETS_READ_ALL,
            Perm.TICKETS_WORK,
            Perm.REPORTS_READ,
            Perm.AUDIT_READ,
            Perm.KB_MANAGE,
            Perm.INCIDENTS_MANAGE,
            Perm.TICKETS_REASSIGN_OWNER,
            Perm.TRAINING_MANAGE,
            Perm.IMPROVEMENT_MANAGE,
            Perm.ADVISORS_ASSIGN,
            Perm.OUTREACH_LOG_READ,
        }
    ),
    "agent": frozenset({Perm.CUSTOMERS_READ, Perm.CUSTOMERS_WRITE, Perm.TICKETS_WORK}),
}


@dataclass(frozen=True)
class Principal:
    kind: Literal["staff", "customer"]
    id: int
    name: str
    role: str | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    via: Literal["token", "session"] = "token"
    token_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def permissions(self) -> frozenset[Perm]:
        return ROLE_PERMS.get(self.role or "", frozenset()) if self.is_staff else frozenset()

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions

    @property
    def user_id(self) -> int | None:
        return self.id if self.is_staff else None

    @property
    def customer_id(self) -> int | None:
        return self.id if self.kind == "customer" else None


def require(principal: Principal, perm: Perm) -> None:
    if not principal.can(perm):
        raise Forbidden(f"missing permission {perm.value}")


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("staff only")


def ensure_can_see_customer(principal: Principal, customer_id: int) -> None:
    """Staff with customers.read see every customer; a customer sees only themself."""
    if principal.is_staff:
        require(principal, Perm.CUSTOMERS_READ)
    elif principal.customer_id != customer_id:
        raise NotFound("customer not found")


def ensure_can_see_group_object(
    principal: Principal, *, group_id: int | None, assignee_id: int | None, customer_id: int | None
) -> None:
    """Group-scoped objects (tickets, conversations): customers see their own; agents see
    their groups' and their own assignments; supervisors and admins see all."""
    if not principal.is_staff:
        if customer_id is None or principal.customer_id != customer_id:
            raise NotFound("not found")
        return
    if principal.can(Perm.TICKETS_READ_ALL):
        return
    if assignee_id == principal.id or group_id is None or group_id in principal.group_ids:
        return
    raise NotFound("not found")


# Automations act as this principal: full rights, no user behind it (id 0 is never a user).
SYSTEM = Principal(kind="staff", id=0, name="系统", role="admin")
