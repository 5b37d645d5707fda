"""The outbox: mail is written in the caller's transaction and sent by an I/O job, with
retries and backoff; without an SMTP server it is kept as "held", never lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.kit import jobs, outbound
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.mail.compose import build, new_message_id
from kefu.models.mail import OutboundMail, OutboxStatus
from kefu.outbox.repository import outbox_repository

SEND_JOB = "mail.send"
REPLY_KIND = "reply"  # an agent's answer: written by a person, so not marked auto-submitted
AUTO_REPLY_KIND = "auto_reply"  # kefu's own acknowledgement: marked, so auto-responders stay quiet
RETRY_DELAYS = (30, 120, 600, 1800, 7200, 21600)


class MailService:
    async def queue(
        self,
        session: AsyncSession,
        *,
        to: str,
        subject: str,
        text: str,
        kind: str = "notification",
        ticket_id: int | None = None,
        in_reply_to: str | None = None,
        references: str | None = None,
        mail_from: str | None = None,
        from_name: str | None = None,
        html: str | None = None,
    ) -> OutboundMail:
        settings = current_settings()
        sender = mail_from or settings.mail_from
        domain = sender.rpartition("@")[2] or "localhost"
        message_id = new_message_id(domain)
        build(
            mail_from=sender,
            to=to,
            subject=subject,
            text=text,
            message_id=message_id,
            in_reply_to=in_reply_to,
            references=references,
            from_name=from_name or "",
            html=html,
        )  # refuse bad headers now, not in the job
        mail = OutboundMail(
            to_addr=to,
            subject=subject,
            body_text=text,
            message_id=message_id,
            kind=kind,
            in_reply_to=in_reply_to,
            references=references,
            ticket_id=ticket_id,
            status=OutboxStatus.QUEUED if settings.smtp_host else OutboxStatus.HELD,
            from_addr=mail_from,
            from_name=from_name,
            body_html=html,
        )
        session.add(mail)
        await session.flush()
        if settings.smtp_host:
            await jobs.enqueue(session, SEND_JOB, {"mail_id": mail.id})
        return mail

    async def send(self, db: Database, mail_id: int) -> None:
        settings = current_settings()
        async with db.read() as session:
            mail = await outbox_repository.get(session, mail_id)
        if mail is None or mail.status != OutboxStatus.QUEUED or not settings.smtp_host:
            return
        message = build(
            mail_from=mail.from_addr or settings.mail_from,
            to=mail.to_addr,
            subject=mail.subject,
            text=mail.body_text,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            from_name=mail.from_name or "星辰电子客服",
            auto_submitted=mail.kind != REPLY_KIND,
            html=mail.body_html,
        )
        error: str | None = None
        try:
            # The relay in KEFU_SMTP_HOST is the operator's own choice (often on the LAN): it
            # is allowed as written, and the connection still goes to the address checked.
            policy = outbound.Policy([*settings.effective_outbound_allow(), settings.smtp_host])
            sock = await outbound.connect(settings.smtp_host, settings.smtp_port, 20, policy)
            await aiosmtplib.send(
                message,
                sock=sock,
                hostname=settings.smtp_host,  # for TLS: the certificate names the relay
                username=settings.smtp_user,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=20,
            )
        except outbound.OutboundRefused as exc:
            error = exc.message[:1000]
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
        async with db.transaction() as session:
            mail = await outbox_repository.get(session, mail_id)
            if mail is None or mail.status != OutboxStatus.QUEUED:
                return
            mail.attempts += 1
            mail.last_error = error
            if error is None:
                mail.status, mail.sent_at = OutboxStatus.SENT, utcnow()
            elif mail.attempts <= len(RETRY_DELAYS):
                await jobs.enqueue(
                    session,
                    SEND_JOB,
                    {"mail_id": mail.id},
                    run_at=utcnow() + timedelta(seconds=RETRY_DELAYS[mail.attempts - 1]),
                )
            else:
                mail.status = OutboxStatus.FAILED

    async def recent(
        self, session: AsyncSession, principal: Principal, limit: int = 100
    ) -> Sequence[OutboundMail]:
        require(principal, Perm.JOBS_MANAGE)
        return await outbox_repository.recent(session, limit)


mail_service = MailService()
