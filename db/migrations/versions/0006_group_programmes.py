"""group programmes: the programmes a service runs (their sessions are computed from the schedule, not stored)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("first_session_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("every", sa.String(length=12), nullable=False),
        sa.Column("session_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        sa.UniqueConstraint("code", name=op.f("uq_programmes_code")),
    )


def downgrade() -> None:
    op.drop_table("programmes")
