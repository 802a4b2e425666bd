"""whether an open deadline was given a time, or a day alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 15:30:00.000000

An appointment imported as a date alone (the interchange format allows it) was shown on the worklists as due at
00:00, and marking it attended recorded 00:00 as a known time. The open-deadlines index now says whether each
deadline's time is known: a deadline an event sets, when that event (as it now stands, corrections included) gave
its due moment with a time; a scheduled one (a court order's review hearings), when its setter gave its own time.
The index is derived from the timelines, so it is emptied here and rebuilt by the app (pathways.deadline_index,
with the same rules) the next time the database is opened, with its progress shown.
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
    op.execute(sa.text("DELETE FROM open_deadlines"))
    op.execute(sa.text("DELETE FROM settings WHERE key = 'open_deadlines_index'"))


def downgrade() -> None:
    with op.batch_alter_table("open_deadlines", schema=None) as batch_op:
        batch_op.drop_column("due_time_known")
