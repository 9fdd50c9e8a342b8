"""The read model: every item's JSON as served, rendered at seed time.

A database migrated from 0003 holds rows but no representations: the data set row is cleared so that
readiness reports it unseeded and the next ``briefing seed`` (a new loader version) renders them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "representations",
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("variant", sa.String(length=8), nullable=False, comment="list or detail."),
        sa.Column("body", sa.LargeBinary(), nullable=False, comment="UTF-8 JSON, as served."),
        sa.PrimaryKeyConstraint("collection", "item_id", "variant", name=op.f("pk_representations")),
        sqlite_with_rowid=False,
    )
    op.execute("DELETE FROM dataset")


def downgrade() -> None:
    op.drop_table("representations")
