"""Email channel settings (admin): our addresses mapped to groups, IMAP mailboxes, and the
quarantine of inbound mail that could not be processed (list, raw source, retry)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.errors import Conflict, NotFound, Unprocessable
from kefu.kit import jobs, outbound
from kefu.mail.parse import base_address
from kefu.mail.repository import mail_repository
from kefu.mail.schemas import AddressCreate, MailboxCreate
from kefu.models.mail import InboundMail, InboundStatus, MailAddress, Mailbox
from kefu.team.service import team_service

PROCESS_JOB = "mail.process"
FETCH_JOB = "mail.fetch"
RETRYABLE = (InboundStatus.QUARANTINED, InboundStatus.HELD)


class MailChannelService:
    # --- addresses ----------------------------------------------------------------------
    async def create_address(
        self, session: AsyncSession, principal: Principal, data: AddressCreate
    ) -> MailAddress:
        require(principal, Perm.SETTINGS_MANAGE)
        address = base_address(str(data.address))
        if data.group_id is not None:
            await team_service.get(session, data.group_id)
        if await mail_repository.address_by_value(session, address) is not None:
            raise Conflict(f"地址已存在 / {address} is already mapped", code="address_exists")
        row = MailAddress(
            address=address, group_id=data.group_id, from_name=data.from_name, signature=data.signature
        )
        session.add(row)
        await session.flush()
        audit_service.record(
            session, "mail.address_created", actor=principal, target_type="mail_address", target_id=row.id
        )
        return row

    async def list_addresses(self, session: AsyncSession, principal: Principal) -> Sequence[MailAddress]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await mail_repository.addresses(session)

    async def get_address(self, session: AsyncSession, principal: Principal, address_id: int) -> MailAddress:
        require(principal, Perm.SETTINGS_MANAGE)
        row = await mail_repository.address(session, address_id)
        if row is None:
            raise NotFound("地址不存在 / address not found")
        return row

    async def update_address(
        self, session: AsyncSession, principal: Principal, address_id: int, data: AddressCreate
    ) -> MailAddress:
        row = await self.get_address(session, principal, address_id)
        address = base_address(str(data.address))
        if data.group_id is not None:
            await team_service.get(session, data.group_id)
        other = await mail_repository.address_by_value(session, address)
        if other is not None and other.id != row.id:
            raise Conflict(f"地址已存在 / {address} is already mapped", code="address_exists")
        row.address, row.group_id = address, data.group_id
        row.from_name, row.signature = data.from_name, data.signature
        audit_service.record(
            session, "mail.address_updated", actor=principal, target_type="mail_address", target_id=row.id
        )
        return row

    async def delete_address(self, session: AsyncSession, principal: Principal, address_id: int) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        row = await mail_repository.address(session, address_id)
        if row is None:
            raise NotFound("地址不存在 / address not found")
        await session.delete(row)
        audit_service.record(
            session, "mail.address_deleted", actor=principal, target_type="mail_address", target_id=address_id
        )

    async def accepts_recipient(self, session: AsyncSession, address: str) -> bool:
        """Without KEFU_MAIL_DOMAINS every recipient is taken (unmapped ones go to the
        default group); with it, only mapped addresses and those domains."""
        domains = {d.strip().lower() for d in current_settings().mail_domains if d.strip()}
        if not domains:
            return True
        base = base_address(address)
        if base.rpartition("@")[2] in domains:
            return True
        return await mail_repository.address_by_value(session, base) is not None

    # --- mailboxes ----------------------------------------------------------------------
    async def create_mailbox(
        self, session: AsyncSession, principal: Principal, data: MailboxCreate
    ) -> Mailbox:
        require(principal, Perm.SETTINGS_MANAGE)
        if data.group_id is not None:
            await team_service.get(session, data.group_id)
        try:  # the IMAP host is an outgoing target: no internal address unless allowed
            policy = outbound.Policy(current_settings().effective_outbound_allow())
            await outbound.check_host(data.host, data.port, policy)
        except outbound.OutboundRefused as exc:
            raise Unprocessable(f"IMAP host: {exc.message}", code=exc.code) from exc
        row = Mailbox(**{**data.model_dump(), "address": base_address(str(data.address))})
        session.add(row)
        await session.flush()
        audit_service.record(
            session, "mail.mailbox_created", actor=principal, target_type="mailbox", target_id=row.id
        )
        return row

    async def list_mailboxes(self, session: AsyncSession, principal: Principal) -> Sequence[Mailbox]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await mail_repository.mailboxes(session)

    async def delete_mailbox(self, session: AsyncSession, principal: Principal, mailbox_id: int) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        row = await mail_repository.mailbox(session, mailbox_id)
        if row is None:
            raise NotFound("邮箱不存在 / mailbox not found")
        await session.delete(row)
        audit_service.record(
            session, "mail.mailbox_deleted", actor=principal, target_type="mailbox", target_id=mailbox_id
        )

    async def poll_now(self, session: AsyncSession, principal: Principal, mailbox_id: int) -> None:
        require(principal, Perm.SETTINGS_MANAGE)
        if await mail_repository.mailbox(session, mailbox_id) is None:
            raise NotFound("邮箱不存在 / mailbox not found")
        await jobs.enqueue(session, FETCH_JOB, {"mailbox_id": mailbox_id})

    async def schedule_fetches(self, session: AsyncSession, slot: int) -> int:
        boxes = await mail_repository.mailboxes(session, active_only=True)
        for box in boxes:
            await jobs.enqueue(
                session, FETCH_JOB, {"mailbox_id": box.id}, unique_key=f"{FETCH_JOB}:{box.id}:{slot}"
            )
        return len(boxes)

    # --- inbound mail and quarantine ----------------------------------------------------
    async def list_inbound(
        self, session: AsyncSession, principal: Principal, statuses: Sequence[str], limit: int = 100
    ) -> Sequence[InboundMail]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await mail_repository.list_inbound(session, statuses, limit)

    async def counts(self, session: AsyncSession, principal: Principal) -> dict[str, int]:
        require(principal, Perm.SETTINGS_MANAGE)
        return await mail_repository.count_by_status(session)

    async def inbound(self, session: AsyncSession, principal: Principal, inbound_id: int) -> InboundMail:
        require(principal, Perm.SETTINGS_MANAGE)
        row = await mail_repository.inbound(session, inbound_id)
        if row is None:
            raise NotFound("邮件不存在 / mail not found")
        return row

    async def raw(self, session: AsyncSession, principal: Principal, inbound_id: int) -> bytes:
        """The message as received (personal data: audited)."""
        require(principal, Perm.SETTINGS_MANAGE)
        row = await mail_repository.inbound(session, inbound_id, raw=True)
        if row is None:
            raise NotFound("邮件不存在 / mail not found")
        audit_service.record(
            session, "mail.raw_downloaded", actor=principal, target_type="inbound_mail", target_id=inbound_id
        )
        return row.raw

    async def retry(self, session: AsyncSession, principal: Principal, inbound_id: int) -> InboundMail:
        """Process a quarantined or held mail again (held mail skips the loop breaker)."""
        row = await self.inbound(session, principal, inbound_id)
        if row.status not in RETRYABLE:
            raise Conflict(
                f"只能重试隔离或暂扣的邮件 / only quarantined or held mail can be retried (is {row.status})",
                code="not_retryable",
            )
        row.status = InboundStatus.RECEIVED
        row.reason = None
        await jobs.enqueue(session, PROCESS_JOB, {"inbound_id": row.id, "force": True})
        audit_service.record(
            session, "mail.retried", actor=principal, target_type="inbound_mail", target_id=inbound_id
        )
        return row


mail_channel_service = MailChannelService()
