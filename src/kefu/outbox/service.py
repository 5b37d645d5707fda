"""The outbox: mail is written in the caller's transaction and sent by an I/O job, with
retries and backoff; without an SMTP server it is kept as "held", never lost.

The relay is what an admin saved on /admin/mail (`mail.relay`, password sealed); until one
is saved, the server's KEFU_SMTP_* environment. A relay from the environment is the
operator's choice and may sit on the LAN; one typed into the page passes the same SSRF
allow-list as every other address an admin enters (IMAP mailboxes, webhooks).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.config import current_settings
from kefu.kit import jobs, outbound, secretbox
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.mail.compose import build, new_message_id
from kefu.models.mail import OutboundMail, OutboxStatus
from kefu.models.settings import read_setting, write_setting
from kefu.outbox.repository import outbox_repository
from kefu.outbox.schemas import RelaySecurity, RelaySettings

SEND_JOB = "mail.send"
REPLY_KIND = "reply"  # an agent's answer: written by a person, so not marked auto-submitted
AUTO_REPLY_KIND = "auto_reply"  # kefu's own acknowledgement: marked, so auto-responders stay quiet
RETRY_DELAYS = (30, 120, 600, 1800, 7200, 21600)
RELAY_KEY = "mail.relay"
RELEASE_LIMIT = 5000  # held mails queued per click; the rest wait for the next one


@dataclass(frozen=True)
class Relay:
    settings: RelaySettings
    from_env: bool  # nothing saved on the page: the KEFU_SMTP_* environment

    @property
    def host(self) -> str | None:
        return self.settings.host

    @property
    def mail_from(self) -> str:
        return self.settings.mail_from or current_settings().mail_from


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
        relay = await self.relay(session)
        sender = mail_from or relay.mail_from
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
            status=OutboxStatus.QUEUED if relay.host else OutboxStatus.HELD,
            from_addr=mail_from,
            from_name=from_name,
            body_html=html,
        )
        session.add(mail)
        await session.flush()
        if relay.host:
            await jobs.enqueue(session, SEND_JOB, {"mail_id": mail.id})
        return mail

    async def send(self, db: Database, mail_id: int) -> None:
        async with db.read() as session:
            mail = await outbox_repository.get(session, mail_id)
            relay = await self.relay(session)
        if mail is None or mail.status != OutboxStatus.QUEUED or not relay.host:
            return
        message = build(
            mail_from=mail.from_addr or relay.mail_from,
            to=mail.to_addr,
            subject=mail.subject,
            text=mail.body_text,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            from_name=mail.from_name or relay.settings.from_name or "",
            auto_submitted=mail.kind != REPLY_KIND,
            html=mail.body_html,
        )
        failure = await deliver(relay, message)
        error = None if failure is None else failure.detail
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

    # --- the relay (admin settings) ---------------------------------------------------------
    async def relay(self, session: AsyncSession) -> Relay:
        stored = await read_setting(session, RELAY_KEY)
        if stored is None:
            env = current_settings()
            return Relay(
                RelaySettings.model_construct(
                    host=env.smtp_host,
                    port=env.smtp_port,
                    security=RelaySecurity.STARTTLS if env.smtp_starttls else RelaySecurity.NONE,
                    username=env.smtp_user,
                    password=env.smtp_password,
                    mail_from=None,
                    from_name=None,
                ),
                from_env=True,
            )
        sealed = stored.get("password")
        data = {**stored, "password": secretbox.open_(sealed) if sealed else None}
        return Relay(RelaySettings.model_validate(data), from_env=False)

    async def save_relay(
        self, session: AsyncSession, principal: Principal, data: RelaySettings, *, keep_password: bool
    ) -> None:
        """Save the page's relay; an empty password field keeps the saved one (a password
        is never shown again) unless the user name was cleared."""
        require(principal, Perm.SETTINGS_MANAGE)
        password = data.password
        if password is None and keep_password and data.username:
            stored = await read_setting(session, RELAY_KEY)
            password = secretbox.open_(stored["password"]) if stored and stored.get("password") else None
        document = data.model_dump(mode="json") | {
            "password": secretbox.seal(password) if password and data.username else None
        }
        await write_setting(session, RELAY_KEY, document)
        audit_service.record(
            session,
            "mail.relay_configured",
            actor=principal,
            target_type="setting",
            target_id=RELAY_KEY,
            detail=data.model_dump(mode="json", exclude={"password"}),
        )

    async def held_count(self, session: AsyncSession, principal: Principal) -> int:
        require(principal, Perm.SETTINGS_MANAGE)
        return await outbox_repository.count(session, OutboxStatus.HELD)

    async def release_held(self, session: AsyncSession, principal: Principal) -> int:
        """Queue mail kept while no relay was set (oldest first); returns how many."""
        require(principal, Perm.SETTINGS_MANAGE)
        if not (await self.relay(session)).host:
            return 0
        ids = await outbox_repository.ids(session, OutboxStatus.HELD, RELEASE_LIMIT)
        if ids:
            await session.execute(
                sa.update(OutboundMail).where(OutboundMail.id.in_(ids)).values(status=OutboxStatus.QUEUED)
            )
            for mail_id in ids:
                await jobs.enqueue(session, SEND_JOB, {"mail_id": mail_id})
        return len(ids)

    async def test_message(
        self, session: AsyncSession, principal: Principal, to: str
    ) -> tuple[Relay, EmailMessage]:
        """The relay and a test mail to `to` (sent by `deliver` outside the transaction)."""
        require(principal, Perm.SETTINGS_MANAGE)
        relay = await self.relay(session)
        message = build(
            mail_from=relay.mail_from,
            to=to,
            subject="kefu 测试邮件 / test mail",
            text=(
                "这是一封测试邮件：收到它，说明发信服务器设置正确。\n"
                "This test mail shows the outgoing mail server works."
            ),
            message_id=new_message_id(relay.mail_from.rpartition("@")[2] or "localhost"),
            from_name=relay.settings.from_name or "",
            auto_submitted=True,
        )
        return relay, message


@dataclass(frozen=True)
class DeliveryError:
    kind: str  # blocked | connect | timeout | tls | auth | rejected | other: what a person can act on
    detail: str  # what the network or the server said

    def __str__(self) -> str:
        return self.detail


async def deliver(relay: Relay, message: EmailMessage) -> DeliveryError | None:
    """One SMTP conversation through the SSRF guard; None when the relay took the mail."""
    conf = relay.settings
    if not conf.host:
        return DeliveryError("connect", "no outgoing mail server")
    allow = current_settings().effective_outbound_allow()
    if relay.from_env:
        allow = [*allow, conf.host]
    try:
        sock = await outbound.connect(conf.host, conf.port, 20, outbound.Policy(allow))
        await aiosmtplib.send(
            message,
            sock=sock,
            hostname=conf.host,  # for TLS: the certificate names the relay
            username=conf.username,
            password=conf.password if conf.username else None,
            start_tls=conf.security == RelaySecurity.STARTTLS,
            use_tls=conf.security == RelaySecurity.TLS,
            timeout=20,
        )
    except outbound.OutboundRefused as exc:
        return DeliveryError("blocked", exc.message[:1000])
    except aiosmtplib.SMTPAuthenticationError as exc:
        return DeliveryError("auth", _detail(exc))
    except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as exc:
        return DeliveryError("rejected", _detail(exc))
    except (aiosmtplib.SMTPTimeoutError, TimeoutError) as exc:
        return DeliveryError("timeout", _detail(exc))
    except (ssl.SSLError, aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected) as exc:
        return DeliveryError("tls" if _is_tls(exc, conf.security) else "connect", _detail(exc))
    except OSError as exc:
        return DeliveryError("connect", _detail(exc))
    except aiosmtplib.SMTPException as exc:
        return DeliveryError("tls" if _is_tls(exc, conf.security) else "other", _detail(exc))
    return None


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _is_tls(exc: BaseException, security: RelaySecurity) -> bool:
    """A TLS failure shows as an SSL error, or as a dropped or garbled conversation when one
    side speaks TLS and the other does not."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "tls" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return security != RelaySecurity.NONE and isinstance(exc, aiosmtplib.SMTPServerDisconnected)


mail_service = MailService()
