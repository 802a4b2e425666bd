"""a password set by an administrator is temporary: users.must_change_password

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:00:00.000000

A password an administrator gives (a reset, or a new account) must be replaced by the user's own at their next
sign-in, before they can do anything else (pathways/services/accounts.py). Existing accounts are not flagged: their
users keep signing in as before. On PostgreSQL with a database role per user, run `main.py postgres-roles setup`
afterwards, as after every migration: it lets each user's own role clear the flag on their own account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
