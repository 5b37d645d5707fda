"""The frames the chat sockets send (pure): every server→client frame of `/ws/chat` and the
chat frames of `/ws/agent`, as TypedDicts told apart by `type` (discriminated unions
`CustomerFrame` and `AgentFrame`). They are plain dicts at run time — the bus and the
sockets carry them as they are — so the wire is exactly what docs/chat-protocol.md and
CONTRACT.md describe: optional keys are absent (never null) unless said otherwise.

A stored message becomes a frame in one place, `message()`; the customer's socket shows it
through `customer_view()` (no staff-only keys)."""

# No `from __future__ import annotations`: TypedDict reads NotRequired[...] at class creation
# (Python 3.11), so the optional keys stay optional at run time too (tests check frames).
from collections.abc import Mapping
from typing import Any, Literal, NotRequired, TypedDict

# --- both sockets ---------------------------------------------------------------------------


class Pong(TypedDict):
    type: Literal["pong"]


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    message: str
    client_id: NotRequired[str]  # the refused message's, when the refused frame was a message


class MessageFrame(TypedDict):
    """A chat message as the bus carries it and the agent's socket shows it."""

    type: Literal["message"]
    conversation_id: int
    seq: int
    sender: str  # customer | bot | agent | system
    text: str
    created_at: str  # ISO 8601
    user_id: NotRequired[int]  # the writing agent
    internal: NotRequired[Literal[True]]  # internal notes only
    attachment: NotRequired[dict[str, Any]]
    buttons: NotRequired[list[str]]  # the bot's quick replies
    articles: NotRequired[list[dict[str, Any]]]  # the bot's help-center links
    emotion: NotRequired[str]  # customer messages, for staff
    anger: NotRequired[float | None]


# --- the customer's socket (/ws/chat) -------------------------------------------------------


class ChatHello(TypedDict):
    type: Literal["hello"]
    conversation_id: int
    status: str  # bot | queued | assigned | closed
    last_seq: int


class ChatAck(TypedDict):
    type: Literal["ack"]
    client_id: str
    seq: int


class ChatMessage(TypedDict):
    """A message as the customer sees it."""

    type: Literal["message"]
    seq: int
    sender: str
    text: str
    created_at: str
    attachment: NotRequired[dict[str, Any]]
    buttons: NotRequired[list[str]]
    articles: NotRequired[list[dict[str, Any]]]


class ChatResumed(TypedDict):
    type: Literal["resumed"]
    last_seq: int


class ChatQueue(TypedDict):
    type: Literal["queue"]
    position: int
    eta_seconds: int
    # False while no agent of the group is online (nights, weekends, everyone away): there is
    # no wait to estimate then, so the widget says an agent will answer when one is back.
    staffed: bool


class ChatAssigned(TypedDict):
    type: Literal["assigned"]
    agent_name: str


class ChatClosed(TypedDict):
    type: Literal["closed"]


class ChatTyping(TypedDict):
    type: Literal["typing"]
    sender: Literal["agent"]


class ChatRead(TypedDict):
    type: Literal["read"]
    sender: Literal["agent"]
    seq: int


class SessionsRevoked(TypedDict):
    """A hint on the conversation's channel, never sent to the customer: some of its widget
    sessions were revoked, so each open socket re-checks its own token now."""

    type: Literal["sessions_revoked"]


CustomerFrame = (
    ChatHello
    | ChatAck
    | ChatMessage
    | ChatResumed
    | ChatQueue
    | ChatAssigned
    | ChatClosed
    | ChatTyping
    | ChatRead
    | Pong
    | ErrorFrame
)

# --- the agent's socket (/ws/agent): its chat frames ----------------------------------------


class AgentHello(TypedDict):
    type: Literal["hello"]
    user_id: int
    name: str
    status: str  # the agent's stored presence ("" when it could not be read)


class AgentAck(TypedDict):
    type: Literal["ack"]
    client_id: str
    seq: int
    conversation_id: int


class AgentAssigned(TypedDict):
    type: Literal["assigned"]
    conversation_id: int
    ticket_id: int | None
    customer_name: str
    reason: dict[str, Any]  # why this agent (rule, skills, load, ...)


class AgentUnassigned(TypedDict):
    type: Literal["unassigned"]
    conversation_id: int
    why: str  # transferred | taken_over | agent_offline | channel


class AgentClosed(TypedDict):
    type: Literal["closed"]
    conversation_id: int


class AgentTyping(TypedDict):
    type: Literal["typing"]
    conversation_id: int


class AgentRead(TypedDict):
    type: Literal["read"]
    conversation_id: int
    seq: int


class AgentPresence(TypedDict):
    type: Literal["presence"]
    status: str  # online | away | offline
    automatic: NotRequired[bool]  # on the bus; absent in the echo of the agent's own choice


class QueueChanged(TypedDict):
    """Supervisor views refresh their queue figures."""

    type: Literal["queue_changed"]


class Resync(TypedDict):
    """A hint was lost: reload the lists (open conversations refill by seq by themselves)."""

    type: Literal["resync"]


AgentFrame = (
    AgentHello
    | AgentAck
    | MessageFrame
    | AgentAssigned
    | AgentUnassigned
    | AgentClosed
    | AgentTyping
    | AgentRead
    | AgentPresence
    | QueueChanged
    | Resync
    | Pong
    | ErrorFrame
)


def message(
    conversation_id: int,
    seq: int,
    sender: str,
    text: str,
    created_at: str,
    *,
    user_id: int | None = None,
    internal: bool = False,
    extra: Mapping[str, Any] | None = None,
    emotion: str | None = None,
    anger: float | None = None,
) -> MessageFrame:
    """The frame of a message, as it was just written (the event) or read back (a refill)."""
    frame = MessageFrame(
        type="message",
        conversation_id=conversation_id,
        seq=seq,
        sender=sender,
        text=text,
        created_at=created_at,
    )
    if user_id is not None:
        frame["user_id"] = user_id
    if internal:
        frame["internal"] = True
    if extra:
        if "attachment" in extra:
            frame["attachment"] = extra["attachment"]
        if "buttons" in extra:
            frame["buttons"] = extra["buttons"]
        if "articles" in extra:
            frame["articles"] = extra["articles"]
    if emotion is not None:  # for staff; the customer's socket drops them
        frame["emotion"], frame["anger"] = emotion, anger
    return frame


def customer_view(frame: Mapping[str, Any]) -> ChatMessage:
    """A message frame without what only staff see (conversation id, internal flag, the
    agent's id, emotion)."""
    shown = ChatMessage(
        type="message",
        seq=frame["seq"],
        sender=frame["sender"],
        text=frame["text"],
        created_at=frame["created_at"],
    )
    if "attachment" in frame:
        shown["attachment"] = frame["attachment"]
    if "buttons" in frame:
        shown["buttons"] = frame["buttons"]
    if "articles" in frame:
        shown["articles"] = frame["articles"]
    return shown
