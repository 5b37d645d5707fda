"""training: learning paths (KB articles, video links) with per-agent progress, exams with
question banks, attempts, certificates that grant routing skills, mentorships with sign-off,
and the case library of the monthly case review with discussion notes

Revision ID: f7a3c9e1b5d2
Revises: e5b1d7c3a9f4
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7a3c9e1b5d2"
down_revision: str | None = "e5b1d7c3a9f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "training_paths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("product_line", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_paths")),
    )
    op.create_table(
        "training_exams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grants_skill", sa.String(length=60), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_training_exams_group_id_groups"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_exams")),
    )
    with op.batch_alter_table("training_exams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_exams_grants_skill"), ["grants_skill"], unique=False)

    op.create_table(
        "training_mentorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["users.id"],
            name=op.f("fk_training_mentorships_mentee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["users.id"],
            name=op.f("fk_training_mentorships_mentor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["training_paths.id"],
            name=op.f("fk_training_mentorships_path_id_training_paths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by"],
            ["users.id"],
            name=op.f("fk_training_mentorships_signed_off_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_mentorships")),
        sa.UniqueConstraint("mentee_id", "path_id", name=op.f("uq_training_mentorships_mentee_id_path_id")),
    )
    with op.batch_alter_table("training_mentorships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_mentorships_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_mentorships_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("graded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["training_exams.id"],
            name=op.f("fk_training_attempts_exam_id_training_exams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["graded_by"],
            ["users.id"],
            name=op.f("fk_training_attempts_graded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attempts")),
        sa.UniqueConstraint(
            "exam_id", "user_id", "number", name=op.f("uq_training_attempts_exam_id_user_id_number")
        ),
    )
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_attempts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_attempts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "training_path_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_training_path_items_article_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["training_paths.id"],
            name=op.f("fk_training_path_items_path_id_training_paths"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_path_items")),
    )
    with op.batch_alter_table("training_path_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_path_items_path_id"), ["path_id"], unique=False)

    op.create_table(
        "training_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("correct", sa.JSON(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["training_exams.id"],
            name=op.f("fk_training_questions_exam_id_training_exams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_questions")),
    )
    with op.batch_alter_table("training_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_questions_exam_id"), ["exam_id"], unique=False)

    op.create_table(
        "training_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=60), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["training_attempts.id"],
            name=op.f("fk_training_certificates_attempt_id_training_attempts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["training_exams.id"],
            name=op.f("fk_training_certificates_exam_id_training_exams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_training_certificates_revoked_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_certificates_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_certificates")),
        sa.UniqueConstraint("user_id", "exam_id", name=op.f("uq_training_certificates_user_id_exam_id")),
    )
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_certificates_user_id"), ["user_id"], unique=False)

    op.create_table(
        "training_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["training_path_items.id"],
            name=op.f("fk_training_progress_item_id_training_path_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_progress_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_progress")),
        sa.UniqueConstraint("item_id", "user_id", name=op.f("uq_training_progress_item_id_user_id")),
    )
    with op.batch_alter_table("training_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_progress_user_id"), ["user_id"], unique=False)

    op.create_table(
        "training_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("qa_review_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_cases_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["qa_review_id"],
            ["qa_reviews.id"],
            name=op.f("fk_training_cases_qa_review_id_qa_reviews"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_training_cases_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_cases")),
    )
    with op.batch_alter_table("training_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_cases_month"), ["month"], unique=False)

    op.create_table(
        "training_case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_training_case_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["training_cases.id"],
            name=op.f("fk_training_case_notes_case_id_training_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_case_notes")),
    )
    with op.batch_alter_table("training_case_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_case_notes_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("training_case_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_case_notes_case_id"))

    op.drop_table("training_case_notes")
    with op.batch_alter_table("training_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_cases_month"))

    op.drop_table("training_cases")
    with op.batch_alter_table("training_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_progress_user_id"))

    op.drop_table("training_progress")
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_certificates_user_id"))

    op.drop_table("training_certificates")
    with op.batch_alter_table("training_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_questions_exam_id"))

    op.drop_table("training_questions")
    with op.batch_alter_table("training_path_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_path_items_path_id"))

    op.drop_table("training_path_items")
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_attempts_user_id"))
        batch_op.drop_index(batch_op.f("ix_training_attempts_status"))

    op.drop_table("training_attempts")
    with op.batch_alter_table("training_mentorships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_mentorships_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_training_mentorships_mentee_id"))

    op.drop_table("training_mentorships")
    with op.batch_alter_table("training_exams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_exams_grants_skill"))

    op.drop_table("training_exams")
    op.drop_table("training_paths")
