"""improvement loop: responsible departments and suppliers, improvement items with their
timeline, external R&D integrations (encrypted callback secret); training cases may come
from a conversation (emotion-recognition material)

Revision ID: b8d2e4f6a1c3
Revises: b2d4f6a8c0e1
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d2e4f6a1c3"
down_revision: str | None = "b2d4f6a8c0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_departments")),
        sa.UniqueConstraint("name", name=op.f("uq_improvement_departments_name")),
    )
    op.create_table(
        "improvement_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("action_plan", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("external_url", sa.String(length=500), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("ticket_ids", sa.JSON(), nullable=False),
        sa.Column("verify_ratio", sa.Integer(), nullable=False),
        sa.Column("verify_weeks", sa.Integer(), nullable=False),
        sa.Column("survey_threshold", sa.Double(), nullable=False),
        sa.Column("baseline_weekly", sa.Double(), nullable=True),
        sa.Column("baseline_complaint_rate", sa.Double(), nullable=True),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["improvement_departments.id"],
            name=op.f("fk_improvement_items_department_id_improvement_departments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_improvement_items_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_improvement_items_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_items")),
    )
    with op.batch_alter_table("improvement_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_items_source"), ["source"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_improvement_items_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_improvement_items_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_improvement_items_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_improvement_items_status"), ["status"], unique=False)

    op.create_table(
        "improvement_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=False),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["improvement_items.id"],
            name=op.f("fk_improvement_logs_item_id_improvement_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_improvement_logs_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_logs")),
    )
    with op.batch_alter_table("improvement_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvement_logs_item_id"), ["item_id"], unique=False)

    op.create_table(
        "improvement_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_improvement_integrations_subscription_id_webhook_subscriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_integrations")),
    )

    with op.batch_alter_table("training_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_training_cases_conversation_id_conversations"),
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("training_cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_training_cases_conversation_id_conversations"), type_="foreignkey"
        )
        batch_op.drop_column("conversation_id")
    op.drop_table("improvement_integrations")
    op.drop_table("improvement_logs")
    op.drop_table("improvement_items")
    op.drop_table("improvement_departments")
