"""screenings: the answers to a screening instrument behind a case's screening event

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=60), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_screenings_case_id_cases")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_screenings_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
        sa.UniqueConstraint("event_id", name=op.f("uq_screenings_event_id")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_case_id"))

    op.drop_table("screenings")
