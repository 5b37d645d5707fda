"""inbound mail, mail addresses, IMAP mailboxes; per-mailbox sender on the outbox

Revision ID: 5e3a1c9b7d20
Revises: d273d915060d
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e3a1c9b7d20"
down_revision: str | None = "d273d915060d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("ssl", sa.Boolean(), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=False),
        sa.Column("password", sa.String(length=500), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("move_to", sa.String(length=200), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("from_name", sa.String(length=120), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_mailboxes_group_id_groups"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
    )
    op.create_table(
        "mail_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("from_name", sa.String(length=120), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_mail_addresses_group_id_groups"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_mail_addresses_address")),
    )
    op.create_table(
        "inbound_mail",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_key", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("imap_uid", sa.String(length=40), nullable=True),
        sa.Column("envelope_from", sa.String(length=254), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("from_addr", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["mailboxes.id"],
            name=op.f("fk_inbound_mail_mailbox_id_mailboxes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_mail_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["ticket_comments.id"],
            name=op.f("fk_inbound_mail_comment_id_ticket_comments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_inbound_mail_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mail")),
        sa.UniqueConstraint("message_key", name=op.f("uq_inbound_mail_message_key")),
        sa.UniqueConstraint("mailbox_id", "imap_uid", name=op.f("uq_inbound_mail_mailbox_id_imap_uid")),
    )
    op.create_index(op.f("ix_inbound_mail_ticket_id"), "inbound_mail", ["ticket_id"])
    op.create_index(op.f("ix_inbound_mail_comment_id"), "inbound_mail", ["comment_id"])
    op.create_index("ix_inbound_mail_status_id", "inbound_mail", ["status", "id"])
    op.create_index("ix_inbound_mail_from_received", "inbound_mail", ["from_addr", "received_at"])
    with op.batch_alter_table("outbound_mail") as batch:
        batch.add_column(sa.Column("from_addr", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("from_name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_mail") as batch:
        batch.drop_column("from_name")
        batch.drop_column("from_addr")
    op.drop_index("ix_inbound_mail_from_received", table_name="inbound_mail")
    op.drop_index("ix_inbound_mail_status_id", table_name="inbound_mail")
    op.drop_index(op.f("ix_inbound_mail_comment_id"), table_name="inbound_mail")
    op.drop_index(op.f("ix_inbound_mail_ticket_id"), table_name="inbound_mail")
    op.drop_table("inbound_mail")
    op.drop_table("mail_addresses")
    op.drop_table("mailboxes")
