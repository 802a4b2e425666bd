"""tamper-evident audit log: each entry sealed with a keyed hash of itself and the entry before it

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:00:00.000000

Entries already in the log are chained in the order they were written (by id), with the key from the audit key
file (made now if there is none: on a shared PostgreSQL database set PATHWAYS_AUDIT_KEY_FILE to the force's key
before upgrading). The chain vouches for these older entries only from now on: what happened to them before this
upgrade cannot be known.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_mac", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))

    _backfill()

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_mac", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("mac", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_audit_log_seq"), ["seq"], unique=True)


def _backfill() -> None:
    from pathways.audit_chain import HEAD_SETTING, Backfill  # the app's own sealing, as it is today
    from pathways.audit_key import key_for_new_chain

    connection = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", db.types.UTCDateTime()),
        *(sa.column(name) for name in ("actor", "role", "workstation", "action", "outcome", "record_type")),
        sa.column("record_id", sa.Integer()),
        sa.column("detail"),
        sa.column("seq", sa.Integer()),
        sa.column("prev_mac"),
        sa.column("mac"),
    )
    settings = sa.table("settings", sa.column("key"), sa.column("value"))
    update = (
        log.update()
        .where(log.c.id == sa.bindparam("entry_id"))
        .values(seq=sa.bindparam("seq"), prev_mac=sa.bindparam("prev_mac"), mac=sa.bindparam("mac"))
    )
    backfill: Backfill | None = None
    last_id = None
    while True:  # a page at a time, in the order the entries were written
        page = sa.select(log).order_by(log.c.id).limit(BATCH)
        if last_id is not None:
            page = page.where(log.c.id > last_id)
        rows = [dict(row._mapping) for row in connection.execute(page)]
        if not rows:
            break
        backfill = backfill or Backfill(key_for_new_chain())
        connection.execute(update, [backfill.seal(row) for row in rows])
        last_id = rows[-1]["id"]
    if backfill is None:
        return  # a new log: its first entry starts the chain (and makes the key if need be)
    connection.execute(settings.delete().where(settings.c.key == HEAD_SETTING))
    connection.execute(settings.insert().values(key=HEAD_SETTING, value=backfill.head().to_json()))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_seq"))
        batch_op.drop_column("mac")
        batch_op.drop_column("prev_mac")
        batch_op.drop_column("seq")
    settings = sa.table("settings", sa.column("key"), sa.column("value"))
    op.get_bind().execute(settings.delete().where(settings.c.key == "audit_chain_head"))
