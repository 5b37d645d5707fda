"""Training events: attempts submitted and graded, certificates granted and revoked, a
mentor's sign-off (audit trail, webhooks)."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


class _AttemptEvent(DomainEvent):
    aggregate: ClassVar[str] = "training_attempt"
    attempt_id: int
    exam_id: int
    user_id: int

    def aggregate_id(self) -> int | None:
        return self.attempt_id


@register
class AttemptSubmitted(_AttemptEvent):
    name: ClassVar[str] = "training.attempt_submitted"
    pending: bool  # short answers wait for a supervisor


@register
class AttemptGraded(_AttemptEvent):
    name: ClassVar[str] = "training.attempt_graded"
    percent: float
    passed: bool


class _CertificateEvent(DomainEvent):
    aggregate: ClassVar[str] = "training_certificate"
    certificate_id: int
    user_id: int
    exam_id: int
    skill: str

    def aggregate_id(self) -> int | None:
        return self.certificate_id


@register
class CertificateGranted(_CertificateEvent):
    name: ClassVar[str] = "training.certificate_granted"


@register
class CertificateRevoked(_CertificateEvent):
    name: ClassVar[str] = "training.certificate_revoked"
    reason: str


@register
class PathSignedOff(DomainEvent):
    name: ClassVar[str] = "training.path_signed_off"
    aggregate: ClassVar[str] = "training_mentorship"
    mentorship_id: int
    mentee_id: int
    mentor_id: int
    path_id: int

    def aggregate_id(self) -> int | None:
        return self.mentorship_id
