"""consent to share: each person's answer to sharing their record with a recipient for a purpose

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("withdrawn_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_consents_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_consents_recipient_purpose", ["recipient", "purpose"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_recipient_purpose")
        batch_op.drop_index(batch_op.f("ix_consents_person_id"))
    op.drop_table("consents")
