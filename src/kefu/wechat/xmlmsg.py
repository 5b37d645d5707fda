"""WeChat message XML (pure): parse callbacks safely (defusedxml: no entities, no DTD
tricks) and build passive replies."""

from __future__ import annotations

from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from kefu.errors import KefuError

MAX_FIELD = 20_000


class BadXml(KefuError):
    status_code = 400
    code = "bad_xml"


@dataclass(frozen=True)
class Inbound:
    to_user: str
    from_user: str  # the follower's openid
    create_time: int
    msg_type: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def msg_id(self) -> str:
        return self.get("MsgId")

    @property
    def event(self) -> str:
        return self.get("Event").lower()

    def dedupe_key(self) -> str:
        """MsgId for messages; sender + time + event for events (the platform's advice)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        # A template message's receipt names its message (MsgID): two receipts in one second
        # for one follower are two events, not a retry.
        key = self.get("EventKey") or self.get("MsgID")
        return f"evt:{self.from_user}:{self.create_time}:{self.event}:{key}"[:160]


def parse(body: bytes | str) -> dict[str, str]:
    """The flat <xml><Name>text</Name>...</xml> document as a dict."""
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(f"XML 无法解析 / unparseable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise BadXml("根元素必须是 <xml> / the root element must be <xml>")
    out: dict[str, str] = {}
    for child in root:
        if len(child):
            continue  # nested structures (e.g. ScanCodeInfo) are not needed
        out[child.tag] = (child.text or "")[:MAX_FIELD]
    return out


def inbound(values: dict[str, str]) -> Inbound:
    for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not values.get(name, "").strip():
            raise BadXml(f"缺少 {name} / missing {name}")
    try:
        created = int(values["CreateTime"])
    except ValueError as exc:
        raise BadXml("CreateTime 不是整数 / CreateTime is not an integer") from exc
    return Inbound(
        to_user=values["ToUserName"].strip()[:64],
        from_user=values["FromUserName"].strip()[:64],
        create_time=created,
        msg_type=values["MsgType"].strip().lower(),
        fields=values,
    )


def cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA: split it across two sections.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, now: int, content: str) -> str:
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
