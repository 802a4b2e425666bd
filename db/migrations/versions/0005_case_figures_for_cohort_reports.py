"""case figures for cohort reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:05:00.000000

The rows are filled when the database is next opened (pathways/figure_index.py rebuilds them whenever they
were made for other pathway definitions, or never made), not here: working them out needs the pathway
definitions, which the migration does not load.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_figures",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=80), nullable=False),
        sa.Column("case_version", sa.Integer(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_figures_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_figures")),
    )


def downgrade() -> None:
    op.drop_table("case_figures")
    # pathways/figure_index.py notes which definitions the rows were made for; without the rows it means nothing.
    op.execute(sa.text("DELETE FROM settings WHERE key = 'case_figures_index'"))
