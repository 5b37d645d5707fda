"""Devices and warranty: registration (API, portal, app, from orders), warranty rules per
product line, warranty check by serial. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, ensure_can_see_customer, require
from kefu.customer.service import customer_service
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.fieldservice import fees
from kefu.fieldservice.events import DeviceRegistered, WarrantyExpiring
from kefu.fieldservice.repository import field_repository as repo
from kefu.fieldservice.schemas import DeviceCreate, DeviceOut, WarrantyCheck, WarrantyRuleIn
from kefu.fieldservice.service.common import is_partner, local_date
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.fieldservice import Device, WarrantyRule
from kefu.outbox.service import mail_service


class DeviceService:
    async def rule(self, session: AsyncSession, product_line: str) -> fees.Rule:
        row = await repo.warranty_rule(session, product_line)
        if row is None:
            return fees.default_rule(product_line)
        return fees.Rule(row.months, row.labour_fee_cny, row.onsite_fee_cny)

    async def rules(self, session: AsyncSession) -> list[WarrantyRuleIn]:
        stored = {r.product_line: r for r in await repo.warranty_rules(session)}
        out = {
            line: WarrantyRuleIn(product_line=line, months=m, labour_fee_cny=lab, onsite_fee_cny=on)
            for line, (m, lab, on) in fees.DEFAULT_RULES.items()
        }
        for line, r in stored.items():
            out[line] = WarrantyRuleIn(
                product_line=line,
                months=r.months,
                labour_fee_cny=r.labour_fee_cny,
                onsite_fee_cny=r.onsite_fee_cny,
            )
        return [out[k] for k in sorted(out)]

    async def set_rule(
        self, session: AsyncSession, principal: Principal, data: WarrantyRuleIn
    ) -> WarrantyRuleIn:
        require(principal, Perm.SETTINGS_MANAGE)
        row = await repo.warranty_rule(session, data.product_line)
        if row is None:
            row = WarrantyRule(product_line=data.product_line)
            session.add(row)
        row.months, row.labour_fee_cny, row.onsite_fee_cny = (
            data.months,
            data.labour_fee_cny,
            data.onsite_fee_cny,
        )
        audit_service.record(
            session,
            "warranty_rule.changed",
            actor=principal,
            target_type="warranty_rule",
            target_id=data.product_line,
            detail=data.model_dump(),
        )
        return data

    def out(self, device: Device) -> DeviceOut:
        view = DeviceOut.model_validate(device)
        return view.model_copy(update={"in_warranty": fees.in_warranty(device.warranty_until, local_date())})

    async def register(
        self,
        session: AsyncSession,
        principal: Principal | None,
        customer_id: int,
        data: DeviceCreate,
        *,
        source: str = "api",
    ) -> Device:
        """Staff register any customer's device; a customer only their own."""
        if principal is not None:
            if is_partner(principal):
                raise NotFound("customer not found")
            ensure_can_see_customer(principal, customer_id)
            if principal.is_staff:
                require(principal, Perm.CUSTOMERS_WRITE)
        await customer_service.get(session, None, customer_id)  # 404 for an unknown customer
        if data.purchased_at > local_date():
            raise Unprocessable(
                "购买日期不能晚于今天 / purchase date is in the future", code="future_purchase"
            )
        if await repo.device_by_serial(session, data.serial) is not None:
            raise Conflict(
                "该序列号已登记 / a device with this serial is already registered", code="serial_taken"
            )
        rule = await self.rule(session, data.product_line)
        device = Device(
            customer_id=customer_id,
            model=data.model,
            serial=data.serial.upper(),
            product_line=data.product_line,
            purchased_at=data.purchased_at,
            order_ref=data.order_ref,
            warranty_until=fees.warranty_until(data.purchased_at, rule, data.extended_until),
            extended_until=data.extended_until,
            source=source,
        )
        session.add(device)
        await session.flush()
        await publish(
            session,
            DeviceRegistered(
                device_id=device.id,
                customer_id=customer_id,
                serial=device.serial,
                product_line=device.product_line,
            ),
            actor_id=principal.user_id if principal else None,
        )
        return device

    async def get(self, session: AsyncSession, principal: Principal | None, device_id: int) -> Device:
        device = await repo.device(session, device_id)
        if device is None:
            raise NotFound("设备不存在 / device not found")
        if principal is not None and not is_partner(principal):
            try:
                ensure_can_see_customer(principal, device.customer_id)
            except NotFound as exc:
                raise NotFound("设备不存在 / device not found") from exc
        return device

    async def of_customer(
        self, session: AsyncSession, principal: Principal, customer_id: int
    ) -> Sequence[Device]:
        if is_partner(principal):
            raise NotFound("customer not found")
        ensure_can_see_customer(principal, customer_id)
        return await repo.devices_of(session, customer_id)

    async def check(self, session: AsyncSession, principal: Principal, serial: str) -> WarrantyCheck:
        """Warranty by serial (staff and partners: a partner must know before repairing)."""
        if not principal.is_staff:
            device = await repo.device_by_serial(session, serial)
            if device is None or device.customer_id != principal.customer_id:
                raise NotFound("未找到该序列号 / no device with this serial")
        else:
            device = await repo.device_by_serial(session, serial)
            if device is None:
                raise NotFound("未找到该序列号 / no device with this serial")
        return WarrantyCheck(
            serial=device.serial,
            model=device.model,
            product_line=device.product_line,
            purchased_at=device.purchased_at,
            warranty_until=device.warranty_until,
            in_warranty=fees.in_warranty(device.warranty_until, local_date()),
        )

    async def warranty_campaign(
        self, session: AsyncSession, *, now: datetime | None = None, days: int = 30
    ) -> int:
        """Predictive service, first step: tell each customer once, `days` before a device's
        warranty ends (e-mail when we have one; the event reaches CRM/outbound webhooks)."""
        now = now or utcnow()
        today = local_date(now)
        told = 0
        for device in await repo.expiring(session, today, today + timedelta(days=days), 500):
            if not await repo.claim_notice(session, device.id, now):
                continue
            customer = await customer_service.get(session, None, device.customer_id)
            if customer.erased_at is not None:
                continue
            await publish(
                session,
                WarrantyExpiring(
                    device_id=device.id,
                    customer_id=device.customer_id,
                    serial=device.serial,
                    model=device.model,
                    warranty_until=device.warranty_until,
                ),
            )
            email = await customer_service.primary_email(session, device.customer_id)
            if email:
                await mail_service.queue(
                    session,
                    to=email,
                    kind="warranty_expiring",
                    subject=f"您的{device.model}保修即将到期",
                    text=f"{customer.name or '您'}好：\n\n您的{device.model}（序列号 {device.serial}）"
                    f"保修将于 {device.warranty_until.isoformat()} 到期。到期前如有故障可免费维修，"
                    "也可购买延保服务。如需维修，请登录服务中心预约。",
                )
            told += 1
        return told


device_service = DeviceService()
