"""whether an open deadline was given a time, or a day alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 15:30:00.000000

An appointment imported as a date alone (the interchange format allows it) was shown on the worklists as due at
00:00, and marking it attended recorded 00:00 as a known time. The open-deadlines index now says whether the
event that set each deadline gave its time. Existing rows take it from that event: by its id when the index
names it, else (the rows an import wrote) the case's event that set the same due moment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("open_deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_time_known", sa.Boolean(), nullable=False, server_default=sa.true()))
    # Two statements, each led by an index of events (its id; its case), not one with an OR that may scan them all
    op.execute(
        "UPDATE open_deadlines SET due_time_known = false WHERE event_id IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM events WHERE events.id = open_deadlines.event_id AND events.due_time_known = false)"
    )
    op.execute(
        "UPDATE open_deadlines SET due_time_known = false WHERE event_id IS NULL AND EXISTS ("
        " SELECT 1 FROM events WHERE events.case_id = open_deadlines.case_id"
        " AND events.due_at = open_deadlines.due_at AND events.due_time_known = false)"
    )


def downgrade() -> None:
    with op.batch_alter_table("open_deadlines", schema=None) as batch_op:
        batch_op.drop_column("due_time_known")
