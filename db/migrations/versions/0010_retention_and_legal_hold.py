"""retention and legal hold: legal holds on people's records, and the tombstones of erased records

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 14:00:00.000000

The retention periods themselves are reference data (reference_items, list "retention"), seeded when the
database is opened (pathways/reference.py), so they need no table of their own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("placed_by", sa.String(length=120), nullable=False),
        sa.Column("lifted_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_legal_holds_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_holds_person_id"), ["person_id"], unique=False)

    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("erased_by", sa.String(length=120), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasures_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasures_person_id"))
    op.drop_table("erasures")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_person_id"))
    op.drop_table("legal_holds")
