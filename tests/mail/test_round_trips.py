"""Statement budgets of the inbound mail hot path: one stored mail processed by its job
(parsed, loop-checked, threaded, attached to a customer, turned into a ticket or a comment).

Each statement is a round trip (on SQLite inside the writer's critical section). The budget
fails when a change adds one; lower it when a change saves one. The job's own bookkeeping
(claim, done) and the listener jobs the events queue are not counted here.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.mail.service.inbound import inbound_mail_service
from kefu.models import InboundMail, TicketAttachment, TicketComment
from tests.conftest import Configure
from tests.factories import make_group
from tests.mail.conftest import mail
from tests.statements import Counter, count_statements

# the mail row with its raw bytes (1), the loop breaker's count (1), the sender's identity
# (1), a new customer with identity and event (3), the recipient-address mapping (1), the
# settings token for the default group and the SLA policies (1, one read per ticket create),
# ticket, event, one listener job, first comment (4), the mail row's outcome (1). The first
# comment comes back from the create, not read back; the customer's tier from the unit's
# identity map.
BUDGET_NEW_CUSTOMER = 13
# A returning sender: no inserts, their customer comes with the identity lookup.
BUDGET_RETURNING_CUSTOMER = 10
# the mail row (1), the loop breaker (1), the customer by their identity (1), the thread: the ticket
# of the referenced Message-ID with its merge/status/customer in one statement (1), the
# comment's locked load of the ticket (1), comment, event, listener job, the ticket's stamp
# (4), the ticket's SLA clocks (1: a next-reply clock may start) and the settings token of
# its policies (1), the mail row's outcome (1).
BUDGET_REPLY = 12


async def _process(db: Database, m: EmailMessage) -> Counter:
    async with db.transaction() as s:
        stored = await inbound_mail_service.store(s, m.as_bytes(), source="smtp")
    with count_statements(db) as counter:
        async with db.transaction() as s:
            assert await inbound_mail_service.process(s, stored.id) is not None
    return counter


class TestInboundMailBudget:
    async def test_new_mails_and_replies_stay_within_budget(
        self, db: Database, tmp_path: Path, configure: Configure
    ) -> None:
        configure(data_dir=tmp_path)
        async with db.transaction() as s:
            await make_group(s, name="售后", is_default=True)
        await _process(db, mail(message_id="<warm@example.cn>"))  # settings read once per process

        first = mail(sender="李雷 <lilei@example.cn>", message_id="<first@example.cn>")
        first.add_attachment(b"%PDF-1.4 x", maintype="application", subtype="pdf", filename="发票.pdf")
        new = await _process(db, first)
        lilei = "李雷 <lilei@example.cn>"
        returning = await _process(db, mail(sender=lilei, message_id="<second@example.cn>"))
        reply = await _process(
            db,
            mail(
                sender=lilei,
                subject="Re: 手机充不进电",
                body="还是不行。",
                message_id="<re-first@example.cn>",
                in_reply_to="<first@example.cn>",
            ),
        )

        async with db.session() as s:
            rows = (await s.execute(sa.select(InboundMail).order_by(InboundMail.id))).scalars().all()
            assert [r.status for r in rows] == ["ticket", "ticket", "ticket", "comment"]
            assert rows[3].ticket_id == rows[1].ticket_id  # the reply joined the first thread
            comment = await s.get(TicketComment, rows[3].comment_id)
            assert comment is not None and comment.body == "还是不行。"
            [att] = (await s.execute(sa.select(TicketAttachment))).scalars().all()
            assert (att.comment_id, att.filename) == (rows[1].comment_id, "发票.pdf")

        # + the attachment's row
        assert new.count <= BUDGET_NEW_CUSTOMER + 1, new.report()
        assert returning.count <= BUDGET_RETURNING_CUSTOMER, returning.report()
        assert reply.count <= BUDGET_REPLY, reply.report()
