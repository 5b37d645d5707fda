"""Service points and partners: the directory (coverage, product lines, capacity, hours),
partner credentials and sign-in accounts, their own scoped webhook. Never commits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.auth.schemas import UserCreate
from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require
from kefu.errors import Forbidden, NotFound, Unprocessable
from kefu.fieldservice.dispatch import Candidate, covers, norm_city
from kefu.fieldservice.repository import field_repository as repo
from kefu.fieldservice.schemas import PartnerUserCreate, ServicePointCreate, ServicePointUpdate
from kefu.fieldservice.service.common import is_partner, local_date
from kefu.kit.events import EventRecord
from kefu.models.fieldservice import PointKind, ServicePoint, ServicePointUser
from kefu.models.user import Role, User
from kefu.webhook.schemas import SubscriptionCreate
from kefu.webhook.service import webhook_service

PARTNER_EVENTS = [
    "service_order.created",
    "service_order.dispatched",
    "service_order.transitioned",
    "service_order.rated",
    "service_order.rescheduled",
    "service_order.shipment",
    "service_order.sla_breached",
]


def partner_scope(point_id: int) -> str:
    return f"partner:{point_id}"


def _probe(p: ServicePoint) -> Candidate:
    return Candidate(p.id, p.kind, p.city, tuple(p.coverage or ()), (), 1)


class PointService:
    async def create(
        self, session: AsyncSession, principal: Principal, data: ServicePointCreate
    ) -> tuple[ServicePoint, str | None]:
        """The point and, for a partner with a webhook URL, that webhook's secret."""
        require(principal, Perm.SETTINGS_MANAGE)
        if data.webhook_url and data.kind != "partner":
            raise Unprocessable(
                "只有合作商可设置回调 / only partners have a webhook", code="webhook_own_point"
            )
        point = ServicePoint(
            name=data.name,
            kind=data.kind,
            province=data.province,
            city=data.city,
            district=data.district,
            address=data.address,
            phone=data.phone,
            opening_hours=data.opening_hours,
            coverage=[c.strip() for c in data.coverage if c.strip()],
            product_lines=data.product_lines,
            daily_capacity=data.daily_capacity,
            accept_hours=data.accept_hours,
            complete_days=data.complete_days,
        )
        if data.kind == "partner":
            point.api_key = "sp_" + secrets.token_hex(12)
            point.api_secret = secrets.token_urlsafe(32)
        session.add(point)
        await session.flush()
        webhook_secret = None
        if data.webhook_url:
            sub, webhook_secret = await webhook_service.create(
                session,
                principal,
                SubscriptionCreate(name=f"{data.name} · 服务单", url=data.webhook_url, events=PARTNER_EVENTS),
                scope=partner_scope(point.id),
            )
            point.webhook_id = sub.id
        audit_service.record(
            session, "service_point.created", actor=principal, target_type="service_point", target_id=point.id
        )
        return point, webhook_secret

    async def update(
        self, session: AsyncSession, principal: Principal, point_id: int, data: ServicePointUpdate
    ) -> ServicePoint:
        require(principal, Perm.SETTINGS_MANAGE)
        point = await self.get(session, point_id)
        for key, value in data.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(point, key, value)
        audit_service.record(
            session, "service_point.updated", actor=principal, target_type="service_point", target_id=point.id
        )
        return point

    async def get(self, session: AsyncSession, point_id: int) -> ServicePoint:
        point = await repo.point(session, point_id)
        if point is None:
            raise NotFound("网点不存在 / service point not found")
        return point

    async def directory(
        self, session: AsyncSession, *, city: str | None = None, product_line: str | None = None
    ) -> list[ServicePoint]:
        """Active points, those covering `city` first ("离我最近的网点")."""
        points = [p for p in await repo.points(session) if p.active]
        if product_line:
            points = [p for p in points if product_line in (p.product_lines or [])]
        if city:
            same = [p for p in points if norm_city(p.city) == norm_city(city)]
            covering = [p for p in points if p not in same and covers(_probe(p), city)]
            points = same + covering
        return points

    async def candidates(self, session: AsyncSession, day_loads: dict[int, int]) -> list[Candidate]:
        return [
            Candidate(
                id=p.id,
                kind=p.kind,
                city=p.city,
                coverage=tuple(p.coverage or ()),
                product_lines=tuple(p.product_lines or ()),
                daily_capacity=p.daily_capacity,
                booked=day_loads.get(p.id, 0),
                active=p.active,
            )
            for p in await repo.points(session)
        ]

    async def booked_today(self, session: AsyncSession) -> dict[int, int]:
        return await repo.loads(session, local_date())

    async def add_partner_user(
        self, session: AsyncSession, principal: Principal, point_id: int, data: PartnerUserCreate
    ) -> User:
        require(principal, Perm.USERS_MANAGE)
        point = await self.get(session, point_id)
        if point.kind != PointKind.PARTNER:
            raise Unprocessable(
                "只有合作商有登录账号 / only partners have sign-in accounts", code="not_partner"
            )
        user = await user_service.create(
            session,
            UserCreate(email=data.email, name=data.name, password=data.password, role=Role.PARTNER),
            actor=principal,
        )
        session.add(ServicePointUser(user_id=user.id, service_point_id=point.id))
        await session.flush()
        return user

    async def partner_point(self, session: AsyncSession, principal: Principal) -> ServicePoint:
        """The point a partner account works for."""
        if not is_partner(principal):
            raise Forbidden("合作商专用 / partners only", code="partners_only")
        if principal.id < 0:  # a signed API call (see partners.point_principal)
            return await self.get(session, -principal.id)
        point_id = await repo.point_of_user(session, principal.id)
        if point_id is None:
            raise Forbidden("账号未关联合作商 / account is not linked to a partner", code="no_partner")
        return await self.get(session, point_id)

    async def by_key(self, session: AsyncSession, key: str) -> ServicePoint | None:
        return await repo.point_by_key(session, key) if key else None

    async def use_nonce(self, session: AsyncSession, point_id: int, nonce: str) -> bool:
        return await repo.use_nonce(session, point_id, nonce)

    async def route_partner_event(self, session: AsyncSession, record: EventRecord) -> None:
        """An order event goes to the webhook of the partner the order is dispatched to."""
        point_id = record.payload.get("service_point_id")
        if not isinstance(point_id, int):
            return
        point = await repo.point(session, point_id)
        if point is not None and point.kind == PointKind.PARTNER and point.webhook_id is not None:
            await webhook_service.record_scoped(session, partner_scope(point.id), record)

    async def forget_nonces(self, session: AsyncSession, before: datetime) -> None:
        await repo.forget_nonces(session, before)

    async def names(self, session: AsyncSession) -> dict[int, str]:
        return {p.id: p.name for p in await repo.points(session)}

    async def all(self, session: AsyncSession) -> Sequence[ServicePoint]:
        return await repo.points(session)


point_service = PointService()
