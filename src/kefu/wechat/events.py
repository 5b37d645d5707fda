"""WeChat events: what the official-account platform reports about messages we sent."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class TemplateSendFinished(DomainEvent):
    """The platform's TEMPLATESENDJOBFINISH push for a template message: `status` is its own
    text ("success", "failed:user block", "failed: system failed"); `msgid` is the id the
    send API returned, which the sender matches to its message."""

    name: ClassVar[str] = "wechat.template_send_finished"
    aggregate: ClassVar[str] = "wechat_account"
    account_id: int
    openid: str
    msgid: str
    status: str

    def aggregate_id(self) -> int | None:
        return self.account_id
