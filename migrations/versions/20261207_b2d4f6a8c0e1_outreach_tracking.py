"""outreach, second part: delivery/open/click tracking on the send log, per-channel opt-outs,
multi-step journeys (a step follows another after some days), journey content (KB collection,
product line, holiday, logistics milestone), the customer-facing 服务升级报告 and an HTML
alternative for outbox mail (links and the open pixel)

Revision ID: b2d4f6a8c0e1
Revises: f7a3c9e1b5d2
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d4f6a8c0e1"
down_revision: str | None = "f7a3c9e1b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outreach_journeys") as batch:
        batch.add_column(sa.Column("follows_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delay_days", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("kb_category", sa.String(120), server_default="", nullable=False))
        batch.add_column(sa.Column("product_line", sa.String(40), server_default="", nullable=False))
        batch.add_column(sa.Column("holiday", sa.String(40), server_default="", nullable=False))
        batch.add_column(sa.Column("milestone", sa.String(20), server_default="", nullable=False))
        batch.create_foreign_key(
            "fk_outreach_journeys_follows_id_outreach_journeys",
            "outreach_journeys",
            ["follows_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_outreach_journeys_follows_id", ["follows_id"])
    with op.batch_alter_table("outreach_sends") as batch:
        batch.add_column(sa.Column("provider_ref", sa.String(120), server_default="", nullable=False))
        batch.add_column(sa.Column("delivery", sa.String(20), server_default="", nullable=False))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("opens", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("clicks", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_outreach_sends_provider_ref", ["provider_ref"])
    with op.batch_alter_table("outreach_unsubscribes") as batch:
        batch.add_column(sa.Column("send_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("outbound_mail") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=True))
    op.create_table(
        "outreach_optouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("send_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_outreach_optouts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_optouts")),
        sa.UniqueConstraint("customer_id", "channel", name=op.f("uq_outreach_optouts_customer_id_channel")),
    )
    op.create_table(
        "service_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_service_reports_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_reports")),
        sa.UniqueConstraint("period", name=op.f("uq_service_reports_period")),
    )


def downgrade() -> None:
    op.drop_table("service_reports")
    op.drop_table("outreach_optouts")
    with op.batch_alter_table("outbound_mail") as batch:
        batch.drop_column("body_html")
    with op.batch_alter_table("outreach_unsubscribes") as batch:
        batch.drop_column("send_id")
    with op.batch_alter_table("outreach_sends") as batch:
        batch.drop_index("ix_outreach_sends_provider_ref")
        for name in (
            "clicks",
            "opens",
            "clicked_at",
            "opened_at",
            "delivered_at",
            "delivery",
            "provider_ref",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("outreach_journeys") as batch:
        batch.drop_index("ix_outreach_journeys_follows_id")
        batch.drop_constraint("fk_outreach_journeys_follows_id_outreach_journeys", type_="foreignkey")
        for name in ("milestone", "holiday", "product_line", "kb_category", "delay_days", "follows_id"):
            batch.drop_column(name)
