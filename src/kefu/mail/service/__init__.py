"""Mail services. The package exports the outbox (imported by many domains); the inbound
pipeline, channel settings and replies live in their own modules, imported by path, so that
importing the outbox never pulls in the ticket domain."""

from kefu.mail.service.outbox import REPLY_KIND, RETRY_DELAYS, SEND_JOB, MailService, mail_service

__all__ = ["REPLY_KIND", "RETRY_DELAYS", "SEND_JOB", "MailService", "mail_service"]
