"""Turn the rows of one time window into `Stats` per slice (pure: no I/O).

The repository reads plain rows (`TicketRow`, `ConversationRow`, ...); `Builder` attributes
each row to the slices it belongs to ("all" plus one per dimension value) and counts it.
The same builder fills the stored daily rollups and the live part of a summary, so both
follow the same definitions (docs/metrics.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.analytics.metrics import DIMENSIONS, Stats, is_complaint, nps_class, top_category

SECOND_CONTACT_DAYS = 7
Slice = tuple[str, str]  # (dimension, key); ("all", "") is everything
ALL: Slice = ("all", "")


@dataclass(frozen=True)
class Dims:
    channel: str = "none"
    group: str = "none"
    agent: str = "none"
    category: str = "none"
    tier: str = "none"

    @classmethod
    def of(
        cls,
        *,
        channel: str | None,
        group_id: int | None,
        agent_id: int | None,
        category: str | None,
        tier: str | None,
    ) -> Dims:
        return cls(
            channel=channel or "none",
            group=str(group_id) if group_id is not None else "none",
            agent=str(agent_id) if agent_id is not None else "none",
            category=top_category(category),
            tier=tier or "none",
        )

    def get(self, dim: str) -> str:
        return str(getattr(self, dim))


@dataclass(frozen=True)
class TicketRow:
    id: int
    created_at: datetime
    customer_id: int | None
    dims: Dims
    category: str = ""
    tags: tuple[str, ...] = ()
    first_replied_at: datetime | None = None
    solved_at: datetime | None = None
    reopen_count: int = 0
    subject: str = ""


@dataclass(frozen=True)
class ConversationRow:
    id: int
    created_at: datetime
    customer_id: int | None
    ticket_id: int | None
    status: str
    dims: Dims
    reached_bot: bool = False
    first_queued_at: datetime | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    # Did the bot resolve it (decided at close); None for conversations closed before that.
    bot_resolved: bool | None = None
    capacity: int = 0


@dataclass(frozen=True)
class MessageRow:
    conversation_id: int
    sender: str
    created_at: datetime


@dataclass(frozen=True)
class MessageTally:
    """A conversation's message counts (customer messages scored / negative, agent messages)."""

    scored: int
    negative: int
    agent: int


@dataclass(frozen=True)
class CommentRow:
    ticket_id: int
    created_at: datetime
    by_agent: bool


@dataclass(frozen=True)
class ClockRow:
    ticket_id: int
    metric: str
    met: bool  # False: breached
    dims: Dims
    at: datetime  # breached, or fulfilled when met: the instant that places it in a window


@dataclass(frozen=True)
class SurveyRow:
    kind: str
    answered: bool
    score: int | None
    score_100: int | None
    dims: Dims
    at: datetime  # sent or answered: the column the window was read by


@dataclass(frozen=True)
class Contact:
    """A ticket or conversation opened by a customer (for repeat contacts and FCR)."""

    customer_id: int
    at: datetime
    ticket_id: int | None  # the ticket itself, or the conversation's ticket
    conversation_id: int | None = None


@dataclass
class Window:
    """Everything read for one window [start, end)."""

    start: datetime
    end: datetime
    created: list[TicketRow] = field(default_factory=list)
    first_replied: list[TicketRow] = field(default_factory=list)
    solved: list[TicketRow] = field(default_factory=list)
    business: Mapping[tuple[int, str], float] = field(default_factory=dict)  # (ticket, metric) -> s
    conversations: list[ConversationRow] = field(default_factory=list)  # created in window
    closed: list[ConversationRow] = field(default_factory=list)  # closed in window
    # Of `conversations`: counts for each; customer and agent messages in order only where
    # an agent wrote (reply times), so a window of bot chats reads no message rows.
    tallies: Mapping[int, MessageTally] = field(default_factory=dict)
    messages: list[MessageRow] = field(default_factory=list)
    comments: Mapping[int, list[CommentRow]] = field(default_factory=dict)  # ticket -> ordered
    comment_dims: Mapping[int, tuple[Dims, datetime | None]] = field(default_factory=dict)
    clocks: list[ClockRow] = field(default_factory=list)
    answered: list[SurveyRow] = field(default_factory=list)
    sent: list[SurveyRow] = field(default_factory=list)
    transfers: list[tuple[datetime, Dims]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)  # customers' contacts around the window
    # `contacts` grouped by customer, made once and shared by the window's parts (a day's 24
    # hour parts built it twice each: ~48 passes over every contact of the day).
    _by_customer: dict[int, list[Contact]] | None = field(default=None, repr=False, compare=False)

    def contacts_by_customer(self) -> dict[int, list[Contact]]:
        if self._by_customer is None:
            self._by_customer = contacts_by_customer(self.contacts)
        return self._by_customer

    def part(self, start: datetime, end: datetime) -> Window:
        """The rows of [start, end) inside this window: each row is placed by the instant it
        was read by, so the parts of a window build to the same Stats as the whole."""

        def inside(at: datetime | None) -> bool:
            return at is not None and start <= at < end

        convs = [c for c in self.conversations if inside(c.created_at)]
        ids = {c.id for c in convs}
        return Window(
            start=start,
            end=end,
            created=[t for t in self.created if inside(t.created_at)],
            first_replied=[t for t in self.first_replied if inside(t.first_replied_at)],
            solved=[t for t in self.solved if inside(t.solved_at)],
            business=self.business,
            conversations=convs,
            closed=[c for c in self.closed if inside(c.closed_at)],
            tallies={i: t for i, t in self.tallies.items() if i in ids},
            messages=[m for m in self.messages if m.conversation_id in ids],
            comments=self.comments,  # the builder counts only replies inside [start, end)
            comment_dims=self.comment_dims,
            clocks=[k for k in self.clocks if inside(k.at)],
            answered=[s for s in self.answered if inside(s.at)],
            sent=[s for s in self.sent if inside(s.at)],
            transfers=[t for t in self.transfers if inside(t[0])],
            contacts=self.contacts,
            _by_customer=self.contacts_by_customer(),
        )


class Builder:
    """Accumulates a window's rows into Stats per slice; `only` keeps just matching rows."""

    def __init__(self, only: Mapping[str, str] | None = None, *, slices: bool = True) -> None:
        self.only = dict(only or {})
        self.slices = slices and not self.only
        self.out: dict[Slice, Stats] = defaultdict(Stats)

    def _targets(self, dims: Dims) -> list[Stats]:
        if any(dims.get(k) != v for k, v in self.only.items()):
            return []
        targets = [self.out[ALL]]
        if self.slices:
            targets.extend(self.out[(d, dims.get(d))] for d in DIMENSIONS)
        return targets

    def each(self, dims: Dims, fn: Callable[[Stats], None]) -> None:
        for st in self._targets(dims):
            fn(st)

    def inc(self, dims: Dims, *names: str, n: int = 1) -> None:
        for st in self._targets(dims):
            for name in names:
                st.inc(name, n)

    def add(self, dims: Dims, name: str, value: float) -> None:
        for st in self._targets(dims):
            st.add(name, value)

    def observe(self, dims: Dims, **values: float) -> None:
        for st in self._targets(dims):
            for name, value in values.items():
                st.observe(name, value)

    def build(self, w: Window, tz: ZoneInfo) -> dict[Slice, Stats]:
        self.out[ALL]  # an empty window still has its "all" row
        self._tickets(w)
        self._conversations(w, tz)
        self._next_replies(w)
        for clock in w.clocks:
            name = f"sla_{clock.metric}_{'met' if clock.met else 'breached'}"
            self.inc(clock.dims, name)
        self._surveys(w)
        for _at, dims in w.transfers:
            self.inc(dims, "transfers")
        return dict(self.out)

    # --- tickets ----------------------------------------------------------------------
    def _tickets(self, w: Window) -> None:
        later = w.contacts_by_customer()
        for t in w.created:
            complaint = is_complaint(t.category, t.tags)

            def created(st: Stats, complaint: bool = complaint) -> None:
                st.inc("created")
                st.inc("contacts")
                if complaint:
                    st.inc("complaints")

            self.each(t.dims, created)
            if has_contact(
                later,
                t.customer_id,
                t.created_at - timedelta(days=SECOND_CONTACT_DAYS),
                t.created_at,
                exclude_ticket=t.id,
                exclude_before=False,
            ):
                self.inc(t.dims, "repeat_contacts")
        for t in w.first_replied:
            assert t.first_replied_at is not None
            frt = (t.first_replied_at - t.created_at).total_seconds()
            frt_bh = w.business.get((t.id, "first_reply"), frt)
            self.observe(t.dims, frt=frt, frt_bh=frt_bh)
        for t in w.solved:
            assert t.solved_at is not None
            res = (t.solved_at - t.created_at).total_seconds()
            res_bh = w.business.get((t.id, "resolution"), res)
            again = has_contact(
                later,
                t.customer_id,
                t.solved_at,
                t.solved_at + timedelta(days=SECOND_CONTACT_DAYS),
                exclude_ticket=t.id,
                exclude_before=True,
            )
            fcr = t.reopen_count == 0 and not again

            def solved(
                st: Stats, t: TicketRow = t, res: float = res, res_bh: float = res_bh, fcr: bool = fcr
            ) -> None:
                st.inc("solved")
                st.observe("res", res)
                st.observe("res_bh", res_bh)
                if t.reopen_count > 0:
                    st.inc("reopened")
                if fcr:
                    st.inc("fcr")

            self.each(t.dims, solved)

    # --- conversations ----------------------------------------------------------------
    def _conversations(self, w: Window, tz: ZoneInfo) -> None:
        later = w.contacts_by_customer()
        for c in w.conversations:
            repeat = has_contact(
                later,
                c.customer_id,
                c.created_at - timedelta(days=SECOND_CONTACT_DAYS),
                c.created_at,
                exclude_ticket=c.ticket_id,
                exclude_before=False,
                exclude_conversation=c.id,
            )

            def started(st: Stats, c: ConversationRow = c, repeat: bool = repeat) -> None:
                st.inc("conversations")
                st.inc("contacts")
                if repeat:
                    st.inc("repeat_contacts")
                if c.reached_bot:
                    st.inc("bot")
                    if c.first_queued_at is not None:
                        st.inc("bot_handoff")
                if c.first_queued_at is not None and c.assigned_at is not None:
                    st.observe("wait", (c.assigned_at - c.first_queued_at).total_seconds())

            self.each(c.dims, started)
        # Occupancy: chat-seconds held / (capacity x the agent's working span that day); the
        # spans stay open in Stats so that parts of one day merge to the day's span.
        for c in w.closed:
            assert c.closed_at is not None

            def closed(st: Stats, c: ConversationRow = c) -> None:
                if c.reached_bot:
                    st.inc("bot_closed")
                    # Resolved by the bot: no hand-off, and not a decline, a repeated
                    # question or a customer left without an answer.
                    if c.first_queued_at is None and c.bot_resolved is not False:
                        st.inc("bot_contained")
                if c.assigned_at is not None:
                    st.inc("aht_n")
                    st.add("aht_sum", max(0.0, (c.closed_at - c.assigned_at).total_seconds()))  # type: ignore[operator]

            self.each(c.dims, closed)
            if c.assigned_at is not None and c.dims.agent != "none":
                key = f"{c.dims.agent}|{c.closed_at.astimezone(tz).date().isoformat()}"
                lo, hi = c.assigned_at.timestamp(), c.closed_at.timestamp()
                self.add(c.dims, "occ_busy", max(0.0, hi - lo))
                for st in self._targets(c.dims):
                    st.span(key, lo, hi, max(1, c.capacity))

    def _next_replies(self, w: Window) -> None:
        by_conv: dict[int, list[MessageRow]] = defaultdict(list)
        for m in w.messages:
            by_conv[m.conversation_id].append(m)
        for c in w.conversations:
            tally = w.tallies.get(c.id)
            if tally is not None and tally.scored:
                self.inc(c.dims, "msg_scored", n=tally.scored)
                if tally.negative:
                    self.inc(c.dims, "msg_negative", n=tally.negative)
            pending: datetime | None = None
            first_agent = True
            for m in by_conv.get(c.id, []):
                if m.sender == "customer":
                    if pending is None:
                        pending = m.created_at
                elif m.sender == "agent":
                    if pending is not None and not first_agent:
                        gap = (m.created_at - pending).total_seconds()
                        self.observe(c.dims, nrt=gap)
                    first_agent = False
                    pending = None
        for ticket_id, rows in w.comments.items():
            dims, first_reply = w.comment_dims.get(ticket_id, (Dims(), None))
            pending = None
            for row in rows:
                if not row.by_agent:
                    if pending is None:
                        pending = row.created_at
                    continue
                if (
                    pending is not None
                    and first_reply is not None
                    and row.created_at > first_reply
                    and w.start <= row.created_at < w.end
                ):
                    gap = (row.created_at - pending).total_seconds()
                    self.observe(dims, nrt=gap)
                pending = None

    def _surveys(self, w: Window) -> None:
        for s in w.answered:
            if s.kind == "csat" and s.score_100 is not None:
                self.inc(s.dims, "csat_n")
                self.add(s.dims, "csat_sum", s.score_100)
            elif s.kind == "nps" and s.score is not None:
                klass = nps_class(s.score)
                self.inc(s.dims, "nps_n")
                if klass != "passive":
                    self.inc(s.dims, f"nps_{klass}s")
        for s in w.sent:
            if s.kind in ("csat", "nps"):
                self.inc(s.dims, f"{s.kind}_sent")
                if s.answered:
                    self.inc(s.dims, f"{s.kind}_sent_answered")


def contacts_by_customer(contacts: Iterable[Contact]) -> dict[int, list[Contact]]:
    out: dict[int, list[Contact]] = defaultdict(list)
    for c in contacts:
        out[c.customer_id].append(c)
    return out


def has_contact(
    by_customer: Mapping[int, list[Contact]],
    customer_id: int | None,
    lo: datetime,
    hi: datetime,
    *,
    exclude_ticket: int | None,
    exclude_before: bool,
    exclude_conversation: int | None = None,
) -> bool:
    """Another contact of the customer in (lo, hi] (exclude_before) or [lo, hi) (looking back).
    A conversation that belongs to the ticket itself, or the ticket a conversation opened,
    is the same contact, not a second one."""
    if customer_id is None:
        return False
    for c in by_customer.get(customer_id, ()):
        if exclude_conversation is not None and c.conversation_id == exclude_conversation:
            continue
        if c.conversation_id is None and c.ticket_id == exclude_ticket:
            continue  # the ticket itself
        if not exclude_before and c.ticket_id is not None and c.ticket_id == exclude_ticket:
            continue  # looking back: the chat that opened this ticket is the same contact
        inside = lo < c.at <= hi if exclude_before else lo <= c.at < hi
        if inside:
            return True
    return False
