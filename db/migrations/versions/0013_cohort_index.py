"""the cohort counted from one index

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 17:00:00.000000

Each case-figures row also carries what the cohort report's breakdowns and data version read (the pathway,
the person, the first site, the age at the first event, sex, ethnicity, the kind of part and the case's
fingerprint), with a covering index, so that a year of a whole force is counted from that index alone; the
kinds of part are kept once in `figure_kinds`. The cases' cohort index also covers the site and the version,
so the report can check the case-figures rows against the cases without reading them. And `cohort_counts`
keeps those rows added up per month and kind of part, overall and by site, age band, sex and ethnicity, so
that a cohort of whole months is counted from some tens of thousands of rows rather than one a case.

The existing rows are removed, and with them the note of what they were made for, so they are made again
with the new columns when the database is next opened (pathways/figure_index.py), as after migration 0005.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COHORT_COLUMNS = [
    "pathway",
    "first_day",
    "first_site",
    "basis",
    "case_version",
    "case_id",
    "person_id",
    "kind",
    "age",
    "sex",
    "ethnicity",
    "fingerprint",
]


def _forget_rows() -> None:
    op.execute(sa.text("DELETE FROM case_figures"))
    op.execute(sa.text("DELETE FROM settings WHERE key = 'case_figures_index'"))


def upgrade() -> None:
    _forget_rows()
    op.create_table(
        "figure_kinds",
        sa.Column("kind", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_figure_kinds")),
    )
    op.create_table(
        "cohort_counts",
        sa.Column("pathway", sa.String(length=40), nullable=False),
        sa.Column("basis", sa.String(length=80), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("case_ids", sa.BigInteger(), nullable=False),
        sa.Column("versions", sa.BigInteger(), nullable=False),
        sa.Column("fingerprints", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "pathway", "basis", "month", "dimension", "value", "kind", name=op.f("pk_cohort_counts")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("case_figures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pathway", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_site", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("age", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("ethnicity", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_case_figures_cohort", COHORT_COLUMNS, unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_pathway_first_event_at")
        batch_op.create_index(
            "ix_cases_cohort", ["pathway", "first_event_at", "first_site", "version", "id"], unique=False
        )


def downgrade() -> None:
    _forget_rows()
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_cohort")
        batch_op.create_index("ix_cases_pathway_first_event_at", ["pathway", "first_event_at"], unique=False)
    with op.batch_alter_table("case_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_case_figures_cohort")
        for column in ("fingerprint", "kind", "ethnicity", "sex", "age", "first_site", "person_id", "pathway"):
            batch_op.drop_column(column)
    op.drop_table("cohort_counts")
    op.drop_table("figure_kinds")
