"""referrals: a referral is registered first and rewarded when the referred customer's first
order is recorded; referrals rewarded under the old rule (coupons issued at registration)
are carried over as rewarded, so nobody is referred twice

Revision ID: c4e7a2f9d1b6
Revises: d9f1b3c5e7a2
Create Date: 2026-12-03 08:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e7a2f9d1b6"
down_revision: str | None = "d9f1b3c5e7a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CODE = re.compile(r"^RF(\d+)-([AB])$")


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("referred_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("referrer_coupon_id", sa.Integer(), nullable=True),
        sa.Column("referred_coupon_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rewarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["customers.id"],
            name=op.f("fk_referrals_referrer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referred_id"],
            ["customers.id"],
            name=op.f("fk_referrals_referred_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("referred_id", name=op.f("uq_referrals_referred_id")),
    )
    with op.batch_alter_table("referrals") as batch:
        batch.create_index(batch.f("ix_referrals_referrer_id"), ["referrer_id"], unique=False)

    # Old referrals: coupon "RF<referred>-A" went to the referrer, "RF<referred>-B" to the
    # referred customer, both at registration.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, customer_id, code, created_at FROM coupons WHERE reason = 'referral'")
    ).all()
    found: dict[int, dict[str, object]] = {}
    for coupon_id, customer_id, code, created_at in rows:
        match = OLD_CODE.match(code or "")
        if match is None:
            continue
        referred = int(match.group(1))
        entry = found.setdefault(referred, {"referred_id": referred, "created_at": created_at})
        if match.group(2) == "A":
            entry["referrer_id"], entry["referrer_coupon_id"] = customer_id, coupon_id
        else:
            entry["referred_coupon_id"] = coupon_id
    existing = (
        {int(r[0]) for r in bind.execute(sa.text("SELECT id FROM customers")).all()} if found else set()
    )
    carried = [
        {
            "referrer_id": e["referrer_id"],
            "referred_id": e["referred_id"],
            "status": "rewarded",
            "order_id": None,
            "referrer_coupon_id": e.get("referrer_coupon_id"),
            "referred_coupon_id": e.get("referred_coupon_id"),
            "created_at": e["created_at"],
            "rewarded_at": e["created_at"],
        }
        for e in found.values()
        if "referrer_id" in e and e["referred_id"] in existing
    ]
    if carried:
        # Raw values read raw are written back unchanged (timestamps keep their stored form).
        bind.execute(
            sa.text(
                "INSERT INTO referrals (referrer_id, referred_id, status, order_id, referrer_coupon_id,"
                " referred_coupon_id, created_at, rewarded_at) VALUES (:referrer_id, :referred_id,"
                " :status, :order_id, :referrer_coupon_id, :referred_coupon_id, :created_at, :rewarded_at)"
            ),
            carried,
        )


def downgrade() -> None:
    op.drop_table("referrals")
