"""Data-subject rights: export everything about a customer as JSON; erase a customer
(anonymise profile, identities, transcripts, attachments; keep the numbers). Both audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound
from kefu.fieldservice.service.privacy import field_privacy
from kefu.kit.time import utcnow
from kefu.privacy.repository import ERASED, privacy_repository
from kefu.privacy.schemas import RetentionSettings


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = (
            v.isoformat()
            if hasattr(v, "isoformat")
            else (
                str(v) if v is not None and not isinstance(v, int | float | str | bool | list | dict) else v
            )
        )
    return out


RETENTION_KEY = "privacy.retention"


class PrivacyService:
    async def export(self, session: AsyncSession, principal: Principal, customer_id: int) -> dict[str, Any]:
        require(principal, Perm.CUSTOMERS_EXPORT)
        customer = await privacy_repository.customer(session, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        data = await privacy_repository.everything(session, customer_id)
        audit_service.record(
            session, "customer.exported", actor=principal, target_type="customer", target_id=customer_id
        )
        return {
            "format": "kefu.data-subject-export/1",
            "exported_at": utcnow().isoformat(),
            "customer": _plain(
                customer,
                (
                    "id",
                    "name",
                    "birthday",
                    "locale",
                    "tier",
                    "address",
                    "id_card",
                    "organization",
                    "tags",
                    "attributes",
                    "consents",
                    "created_at",
                    "erased_at",
                ),
            ),
            "identities": [
                _plain(i, ("kind", "value", "verified", "created_at")) for i in data["identities"]
            ],
            "tickets": [
                _plain(
                    t,
                    (
                        "id",
                        "subject",
                        "description",
                        "status",
                        "priority",
                        "category",
                        "channel",
                        "created_at",
                        "solved_at",
                    ),
                )
                for t in data["tickets"]
            ],
            "comments": [
                _plain(
                    c, ("ticket_id", "body", "public", "author_user_id", "author_customer_id", "created_at")
                )
                for c in data["comments"]
                if c.public
            ],
            "attachments": [
                _plain(a, ("ticket_id", "filename", "content_type", "size", "created_at"))
                for a in data["attachments"]
            ],
            "orders": [
                _plain(o, ("external_id", "amount", "currency", "placed_at", "status"))
                for o in data["orders"]
            ],
            "points": [_plain(p, ("delta", "reason", "note", "created_at")) for p in data["points"]],
            "coupons": [
                _plain(c, ("code", "reason", "amount", "status", "valid_until")) for c in data["coupons"]
            ],
            "access_log": [_plain(a, ("action", "actor_user_id", "created_at")) for a in data["audit"]],
            "conversations": [
                _plain(
                    c,
                    (
                        "id",
                        "channel",
                        "status",
                        "ticket_id",
                        "rating",
                        "rating_comment",
                        "created_at",
                        "closed_at",
                    ),
                )
                for c in data["conversations"]
            ],
            "messages": [
                _plain(m, ("conversation_id", "seq", "sender", "text", "created_at"))
                for m in data["messages"]
            ],
            "chat_attachments": [
                _plain(a, ("conversation_id", "filename", "content_type", "size", "created_at"))
                for a in data["chat_attachments"]
            ],
            **await field_privacy.export(session, customer_id),
        }

    async def erase(
        self, session: AsyncSession, principal: Principal, customer_id: int, attachments_root: Path
    ) -> None:
        require(principal, Perm.CUSTOMERS_EXPORT)
        customer = await privacy_repository.customer(session, customer_id)
        if customer is None:
            raise NotFound("客户不存在 / customer not found")
        if customer.erased_at is not None:
            raise Conflict("该客户的数据已删除 / this customer was already erased", code="already_erased")
        identities = (await privacy_repository.everything(session, customer_id))["identities"]
        emails = [i.value for i in identities if i.kind == "email"]
        keys = await privacy_repository.erase(session, customer, emails)
        chat_keys = await privacy_repository.erase_conversations_of(session, customer_id)
        await field_privacy.erase(session, customer_id)
        customer.name = ERASED
        customer.birthday = None
        customer.password_hash = None
        customer.locale = None
        customer.address = ""
        customer.id_card = ""
        customer.attributes = {}
        customer.organization = ""
        customer.erased_at = utcnow()
        audit_service.record(
            session,
            "customer.erased",
            actor=principal,
            target_type="customer",
            target_id=customer_id,
            detail={"tickets_kept_for_statistics": True},
        )
        for key in keys:  # files last: if the transaction fails they are still referenced
            path = attachments_root / key[:2] / key
            path.unlink(missing_ok=True)
        for key in chat_keys:  # chat files live beside the ticket files (data_dir/chat)
            (attachments_root.parent / "chat" / key[:2] / key).unlink(missing_ok=True)

    async def retention(self, session: AsyncSession) -> RetentionSettings:
        stored = await privacy_repository.setting(session, RETENTION_KEY)
        data = RetentionSettings.model_validate(stored or {})
        days = data.retention_days
        return RetentionSettings(retention_days=current_settings().retention_days if days is None else days)

    async def save_retention(
        self, session: AsyncSession, principal: Principal, data: RetentionSettings
    ) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        await privacy_repository.save_setting(session, RETENTION_KEY, data.model_dump())
        audit_service.record(
            session,
            "retention.configured",
            actor=principal,
            target_type="setting",
            target_id=RETENTION_KEY,
            detail=data.model_dump(),
        )

    async def apply_retention(
        self, session: AsyncSession, *, days: int, attachments_root: Path, now: datetime | None = None
    ) -> int:
        """Closed tickets older than `days` keep their numbers and lose their texts and files."""
        if days <= 0:
            return 0
        cutoff = (now or utcnow()) - timedelta(days=days)
        keys = await privacy_repository.expire_closed_tickets(session, cutoff, 1000)
        for key in keys:
            (attachments_root / key[:2] / key).unlink(missing_ok=True)
        await field_privacy.expire(session, cutoff)  # remote-diagnostic bundles
        for key in await privacy_repository.expire_closed_conversations(session, cutoff, 1000):
            (attachments_root.parent / "chat" / key[:2] / key).unlink(missing_ok=True)
        if keys:
            audit_service.record(session, "retention.applied", detail={"attachments_deleted": len(keys)})
        return len(keys)


privacy_service = PrivacyService()
