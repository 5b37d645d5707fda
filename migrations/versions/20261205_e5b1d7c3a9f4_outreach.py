"""outreach: journeys (trigger, segment, channel, templates), the send log with one row per
journey step x customer x occurrence, one-click unsubscribes and channel providers (SMS
gateway, key encrypted at rest)

Revision ID: e5b1d7c3a9f4
Revises: a3f8c1d5e9b2
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5b1d7c3a9f4"
down_revision: str | None = "a3f8c1d5e9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach_journeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("segment", sa.JSON(), nullable=False),
        sa.Column("subject_zh", sa.String(length=200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("subject_en", sa.String(length=200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("wechat_template_id", sa.String(length=120), nullable=False),
        sa.Column("coupon_amount", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("coupon_validity_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_journeys")),
    )
    op.create_index(op.f("ix_outreach_journeys_trigger"), "outreach_journeys", ["trigger"])
    op.create_table(
        "outreach_sends",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idem_key", sa.String(length=200), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("occurrence", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_outreach_sends_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["outreach_journeys.id"],
            name=op.f("fk_outreach_sends_journey_id_outreach_journeys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sends")),
        sa.UniqueConstraint("idem_key", name=op.f("uq_outreach_sends_idem_key")),
    )
    op.create_index(op.f("ix_outreach_sends_journey_id"), "outreach_sends", ["journey_id"])
    op.create_index(
        "ix_outreach_sends_customer_channel", "outreach_sends", ["customer_id", "channel", "decided_at"]
    )
    op.create_table(
        "outreach_unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_outreach_unsubscribes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_unsubscribes")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_outreach_unsubscribes_customer_id")),
    )
    op.create_table(
        "outreach_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("api_key", sa.Text(), nullable=False),
        sa.Column("sign_name", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_providers")),
        sa.UniqueConstraint("channel", name=op.f("uq_outreach_providers_channel")),
    )


def downgrade() -> None:
    op.drop_table("outreach_providers")
    op.drop_table("outreach_unsubscribes")
    op.drop_index("ix_outreach_sends_customer_channel", table_name="outreach_sends")
    op.drop_index(op.f("ix_outreach_sends_journey_id"), table_name="outreach_sends")
    op.drop_table("outreach_sends")
    op.drop_index(op.f("ix_outreach_journeys_trigger"), table_name="outreach_journeys")
    op.drop_table("outreach_journeys")
