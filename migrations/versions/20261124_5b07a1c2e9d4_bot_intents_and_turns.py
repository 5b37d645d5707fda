"""bot intents, models and turns; message emotion; conversation bot state

Revision ID: 5b07a1c2e9d4
Revises: d273d915060d
Create Date: 2026-11-24 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b07a1c2e9d4"
down_revision: str | None = "d273d915060d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answer_en", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("human_only", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_intents")),
        sa.UniqueConstraint("name", name=op.f("uq_bot_intents_name")),
    )
    op.create_table(
        "bot_intent_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intent_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["intent_id"],
            ["bot_intents.id"],
            name=op.f("fk_bot_intent_examples_intent_id_bot_intents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_intent_examples")),
        sa.UniqueConstraint("intent_id", "text", name=op.f("uq_bot_intent_examples_intent_id_text")),
    )
    op.create_index(
        op.f("ix_bot_intent_examples_intent_id"), "bot_intent_examples", ["intent_id"], unique=False
    )
    op.create_table(
        "bot_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("arrays", sa.LargeBinary(), nullable=False),
        sa.Column("n_intents", sa.Integer(), nullable=False),
        sa.Column("n_examples", sa.Integer(), nullable=False),
        sa.Column("train_seconds", sa.Double(), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_models")),
    )
    op.create_index(op.f("ix_bot_models_fingerprint"), "bot_models", ["fingerprint"], unique=False)
    op.create_table(
        "bot_turns",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Double(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("emotion", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_turns_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_turns")),
    )
    op.create_index(op.f("ix_bot_turns_conversation_id"), "bot_turns", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_bot_turns_created_at"), "bot_turns", ["created_at"], unique=False)
    op.create_index("ix_bot_turns_outcome_created", "bot_turns", ["outcome", "created_at"], unique=False)
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("bot_state", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("emotion", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("anger", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("anger")
        batch_op.drop_column("emotion")
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("bot_state")
    op.drop_index("ix_bot_turns_outcome_created", table_name="bot_turns")
    op.drop_index(op.f("ix_bot_turns_created_at"), table_name="bot_turns")
    op.drop_index(op.f("ix_bot_turns_conversation_id"), table_name="bot_turns")
    op.drop_table("bot_turns")
    op.drop_index(op.f("ix_bot_models_fingerprint"), table_name="bot_models")
    op.drop_table("bot_models")
    op.drop_index(op.f("ix_bot_intent_examples_intent_id"), table_name="bot_intent_examples")
    op.drop_table("bot_intent_examples")
    op.drop_table("bot_intents")
