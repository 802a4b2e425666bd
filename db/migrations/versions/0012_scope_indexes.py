"""indexes for what each role may see

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 15:00:00.000000

pathways/scope.py asks, for each case a search or a list finds, whether any of its events is at the
navigator's site or names the worker's service. With these the answer is read from the index alone.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_case_id_site", ["case_id", "site"], unique=False)
        batch_op.create_index("ix_events_case_id_service", ["case_id", "service"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_case_id_service")
        batch_op.drop_index("ix_events_case_id_site")
