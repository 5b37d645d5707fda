"""Inbound mail, raw first: `store` keeps the bytes (deduplicated by Message-ID, by the raw's
sha256 when there is none, and by mailbox UID for IMAP) and enqueues processing in the same
transaction, so an acknowledged mail is never lost. `process` parses, breaks loops, threads
(In-Reply-To/References against our and their Message-IDs, the [#123] subject token, the
support+123@ plus address), attaches the sender to a customer and opens or continues a
ticket. Machine mail is kept and marked, never answered; what fails goes to quarantine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Principal
from kefu.config import current_settings
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import KefuError, NotFound
from kefu.kit import jobs
from kefu.kit.time import utcnow
from kefu.mail.parse import MailParseError, ParsedMail, base_address, message_id_of, parse
from kefu.mail.repository import TicketRef, mail_repository
from kefu.mail.service.channels import PROCESS_JOB
from kefu.models.mail import InboundMail, InboundStatus
from kefu.models.ticket import Channel, TicketAttachment, TicketComment, TicketStatus
from kefu.ticket import attachments as ticket_files
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service

log = structlog.get_logger(__name__)

MAX_BODY = 100_000
NO_SUBJECT = "（无主题）"
NO_TEXT = "（邮件无正文 / no text）"


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


@dataclass
class Outcome:
    status: str
    reason: str | None = None
    from_addr: str | None = None
    subject: str = ""
    ticket_id: int | None = None
    comment_id: int | None = None
    customer_id: int | None = None


@dataclass(frozen=True)
class _File:
    filename: str
    content_type: str
    data: bytes


class InboundMailService:
    # --- raw first ----------------------------------------------------------------------
    async def store(
        self,
        session: AsyncSession,
        raw: bytes,
        *,
        source: str,
        envelope_from: str = "",
        recipients: tuple[str, ...] | list[str] = (),
        mailbox_id: int | None = None,
        imap_uid: str | None = None,
    ) -> Stored:
        """Keep the message and queue its processing; the same message again is a no-op."""
        sha = hashlib.sha256(raw).hexdigest()
        key = message_id_of(raw) or f"sha256:{sha}"
        existing = await mail_repository.inbound_id_by_key(session, key)
        if existing is None and mailbox_id is not None and imap_uid is not None:
            existing = await mail_repository.inbound_id_by_uid(session, mailbox_id, imap_uid)
        if existing is not None:
            return Stored(existing, True)
        row = InboundMail(
            message_key=key,
            source=source,
            mailbox_id=mailbox_id,
            imap_uid=imap_uid,
            envelope_from=envelope_from[:254],
            recipients=[r.lower()[:254] for r in recipients][:100],
            raw=raw,
            size=len(raw),
            sha256=sha,
            status=InboundStatus.RECEIVED,
            subject="",
            attempts=0,
            received_at=utcnow(),
        )
        try:
            async with session.begin_nested():  # a concurrent delivery of the same message
                session.add(row)
                await session.flush()
        except IntegrityError:
            found = await mail_repository.inbound_id_by_key(session, key)
            if found is None and mailbox_id is not None and imap_uid is not None:
                found = await mail_repository.inbound_id_by_uid(session, mailbox_id, imap_uid)
            if found is None:
                raise
            return Stored(found, True)
        await jobs.enqueue(session, PROCESS_JOB, {"inbound_id": row.id})
        return Stored(row.id, False)

    # --- processing ---------------------------------------------------------------------
    async def process(self, session: AsyncSession, inbound_id: int, *, force: bool = False) -> str | None:
        """Handle one stored mail (idempotent: only mail still "received" is touched).
        Anything that goes wrong for this message quarantines it; the queue goes on."""
        row = await mail_repository.inbound(session, inbound_id, raw=True)
        if row is None or row.status != InboundStatus.RECEIVED:
            return None
        hooks = list(session.info.get("after_commit", []))
        try:
            async with session.begin_nested():
                outcome = await self._handle(session, row, force=force)
        except MailParseError as exc:
            outcome = Outcome(InboundStatus.QUARANTINED, str(exc)[:500])
        except Exception as exc:  # one bad message must never stop the others
            log.warning("mail.process_failed", inbound_id=inbound_id, error=repr(exc)[:300])
            outcome = Outcome(
                InboundStatus.QUARANTINED, f"processing failed: {type(exc).__name__}: {exc}"[:500]
            )
            session.info["after_commit"] = hooks  # drop hints about the rolled-back ticket
        # Counted with the outcome (same transaction): one UPDATE of the row instead of two.
        row.attempts += 1
        row.status = outcome.status
        row.reason = outcome.reason
        row.from_addr = outcome.from_addr or row.from_addr
        row.subject = (outcome.subject or row.subject)[:500]
        row.ticket_id = outcome.ticket_id
        row.comment_id = outcome.comment_id
        row.customer_id = outcome.customer_id
        row.processed_at = utcnow()
        return outcome.status

    async def _handle(self, session: AsyncSession, row: InboundMail, *, force: bool) -> Outcome:
        mail = parse(row.raw)
        out = Outcome(InboundStatus.QUARANTINED, from_addr=mail.from_addr, subject=mail.subject)
        if mail.automated:
            out.status, out.reason = InboundStatus.AUTOMATED, mail.automated[:500]
            return out
        if mail.from_addr is None:
            out.reason = "no sender address"
            return out
        settings = current_settings()
        if not force:
            since = utcnow() - timedelta(minutes=settings.mail_loop_minutes)
            recent = await mail_repository.count_from_since(session, mail.from_addr, since, row.id)
            if recent >= settings.mail_loop_max:
                out.status = InboundStatus.HELD
                window = settings.mail_loop_minutes
                out.reason = f"loop breaker: {recent + 1} mails from {mail.from_addr} in {window} min"
                return out
        customer = await customer_service.find_or_create(
            session,
            # The address was checked by the parser (one @, no spaces); model_construct keeps
            # senders at reserved domains (.test, .local) that EmailStr would refuse.
            CustomerCreate.model_construct(name=mail.from_name[:120], email=mail.from_addr),
        )
        out.customer_id = customer.id
        files, skipped = self._files(mail)
        body = self._body(mail, files, skipped)
        comment: TicketComment | None
        ticket_id = await self._thread(session, mail, customer.id)
        if ticket_id is not None:
            comment = await ticket_service.add_comment(
                session, None, ticket_id, body, public=True, author_customer_id=customer.id, via=Channel.EMAIL
            )
            out.status = InboundStatus.COMMENT
        else:
            group_id = await self._group(session, row, mail)
            # The first comment comes back from the create: nothing is read back.
            ticket, first = await ticket_service.create_with_comment(
                session,
                TicketCreate(
                    subject=(mail.subject.strip() or NO_SUBJECT)[:250],
                    description=body,
                    channel=Channel.EMAIL,
                    customer_id=customer.id,
                    group_id=group_id,
                ),
                actor=None,
            )
            ticket_id, comment = ticket.id, first
            out.status = InboundStatus.TICKET
        await session.flush()  # the comment's id, for its attachments and the mail's row
        out.ticket_id, out.comment_id = ticket_id, comment.id if comment is not None else None
        root = settings.data_dir / "attachments"
        for f in files:
            self._save(session, root, ticket_id, out.comment_id, f)
        out.reason = None
        return out

    def _files(self, mail: ParsedMail) -> tuple[list[_File], list[str]]:
        """Attachments the ticket domain accepts (same limits as uploads); the rest are named."""
        kept: list[_File] = []
        skipped: list[str] = []
        for att in mail.attachments:
            if att.content is None:
                skipped.append(f"{att.filename} ({att.size} bytes: too large)")
                continue
            try:
                ticket_files.check(att.filename, att.content_type, len(att.content))
            except KefuError as exc:
                skipped.append(f"{att.filename} ({exc.message})")
                continue
            kept.append(_File(att.filename, att.content_type, att.content))
        return kept, skipped

    def _body(self, mail: ParsedMail, files: list[_File], skipped: list[str]) -> str:
        text = mail.reply_text.strip() or mail.text.strip()
        if not text:
            text = " ".join(f"📎 {f.filename}" for f in files) or NO_TEXT
        if skipped:
            text += "\n\n附件未保存 / attachments not kept: " + "; ".join(skipped)[:2000]
        return text[:MAX_BODY]

    def _save(
        self, session: AsyncSession, root: Path, ticket_id: int, comment_id: int | None, f: _File
    ) -> None:
        key = ticket_files.store(root, f.data)
        session.add(
            TicketAttachment(
                ticket_id=ticket_id,
                comment_id=comment_id,
                filename=f.filename[:255] or "file",
                content_type=f.content_type.split(";")[0].strip().lower(),
                size=len(f.data),
                storage_key=key,
            )
        )

    async def _thread(self, session: AsyncSession, mail: ParsedMail, customer_id: int) -> int | None:
        """The open ticket this mail continues, or None for a new ticket."""
        refs = list(dict.fromkeys(r for r in (mail.in_reply_to, *reversed(mail.references)) if r))[:50]
        ref = await mail_repository.ticket_for_message_ids(session, refs)
        by_reference = ref is not None
        if ref is None and mail.ticket_token is not None:
            ref = await mail_repository.ticket_ref(session, mail.ticket_token)
        if ref is None:
            return None
        live = await self._live(session, ref)
        if live is None:
            return None
        # A token is guessable: it only threads mail from the ticket's own customer.
        if not by_reference and live.customer_id != customer_id:
            return None
        return live.id

    async def _live(self, session: AsyncSession, ref: TicketRef) -> TicketRef | None:
        for _ in range(5):  # follow merges to the ticket that stayed
            if not ref.found:
                return None
            if ref.merged_into_id is None:
                return None if ref.status == TicketStatus.CLOSED else ref
            ref = await mail_repository.ticket_ref(session, ref.merged_into_id)
        return None

    async def _group(self, session: AsyncSession, row: InboundMail, mail: ParsedMail) -> int | None:
        if row.mailbox_id is not None:
            box = await mail_repository.mailbox(session, row.mailbox_id)
            if box is not None and box.group_id is not None:
                return box.group_id
        candidates = [base_address(a) for a in (*row.recipients, *mail.to, *mail.cc)]
        by_value = {a.address: a for a in await mail_repository.addresses_in(session, candidates)}
        for value in candidates:
            mapped = by_value.get(value)
            if mapped is not None and mapped.group_id is not None:
                return mapped.group_id
        return None  # the ticket service puts it in the default group

    # --- display ------------------------------------------------------------------------
    async def full_text_of_comment(
        self, session: AsyncSession, principal: Principal, comment_id: int
    ) -> str | None:
        """The whole text of the mail behind an email comment (quoted history included), for
        whoever may see its ticket."""
        row = await mail_repository.inbound_for_comment(session, comment_id)
        if row is None or row.ticket_id is None:
            raise NotFound("此回复不是来自邮件 / no mail behind this comment")
        await ticket_service.get(session, principal, row.ticket_id)  # 404 unless visible
        try:
            return parse(row.raw).text
        except MailParseError:
            return None


inbound_mail_service = InboundMailService()
