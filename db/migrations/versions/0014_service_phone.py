"""a treatment service's telephone number

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:00:00.000000

Each entry of the reference lists may carry a telephone number; only the treatment services ("services") use
it, and the written notice of a required assessment prints it where the person is told to ring the service.
Existing entries are left without a number (nobody has given one yet), so their notices keep the blank line
to write the number on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.drop_column("phone")
