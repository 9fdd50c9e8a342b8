"""Curation fields: a barrier's category basis, a position's holder, the words an outcome or result rests on.

Only ``briefing seed`` can fill these columns, so the upgrade forgets the loaded data set's version: the
data counts as not seeded (``/readyz`` answers 503) until the next ``briefing seed``, which then reloads
everything instead of reporting "nothing changed".

Plain ``ADD COLUMN`` / ``DROP COLUMN`` (SQLite 3.35+), not batch mode: a batch rebuilds the table, and
SQLite refuses to drop ``rounds`` while positions and events reference it. A NOT NULL column added to
rows that exist needs a default; PostgreSQL drops it at once, SQLite keeps it (removing it would mean
that rebuild), which is harmless because the loader always writes the column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REQUIRED = (
    ("barriers", "category_basis", sa.Text(), "", "Why the barrier is in its category (ours)."),
    ("positions", "holder", sa.String(length=20), "government", "government, leaders or public."),
)
OPTIONAL = (
    ("rounds", "outcome_quote", "The article's words the outcome rests on."),
    ("mediators", "result_quote", "The article's words the result rests on."),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, type_, default, comment in REQUIRED:
        op.add_column(
            table, sa.Column(column, type_, nullable=False, server_default=default, comment=comment)
        )
        if postgres:
            op.alter_column(table, column, server_default=None)
    for table, column, comment in OPTIONAL:
        op.add_column(table, sa.Column(column, sa.Text(), nullable=True, comment=comment))
    op.execute(sa.text("DELETE FROM dataset"))


def downgrade() -> None:
    for table, column, *_ in (*OPTIONAL, *REQUIRED):
        op.drop_column(table, column)
