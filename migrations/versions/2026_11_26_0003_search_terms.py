"""Search on terms made by the application (the same on both dialects), ordered ids, search aliases.

The full-text index no longer tokenises anything itself: the seed loader writes the terms of
``app.domain.search_terms`` into a contentless FTS5 table (SQLite) or a tsvector table with a GIN index
(PostgreSQL). ``search_entries.id`` becomes 64-bit (collection rank in the high bits). The index is filled
by the next ``briefing seed`` (the loader version changed, so the seed is not a no-op).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS search_tsv")
    op.execute("DELETE FROM search_entries")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_column("folded")
        batch_op.alter_column(
            "id",
            existing_type=sa.Integer(),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
        )
    op.create_table(
        "search_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_search_aliases")),
    )
    if sqlite:
        # Contentless: the four columns hold space-separated terms (stems and words of title and body);
        # unicode61 only splits on the spaces, the terms are already folded.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(t, b, tw, bw, content='', columnsize=0, "
            "tokenize='unicode61 remove_diacritics 0')"
        )
    else:
        op.execute("CREATE TABLE search_tsv (id BIGINT PRIMARY KEY, tsv tsvector NOT NULL)")
        op.execute("CREATE INDEX search_tsv_gin ON search_tsv USING GIN (tsv)")
    op.execute("DELETE FROM dataset")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TABLE IF EXISTS search_tsv")
    op.drop_table("search_aliases")
    op.execute("DELETE FROM search_entries")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            type_=sa.Integer(),
            existing_nullable=False,
        )
        batch_op.add_column(
            sa.Column(
                "folded",
                sa.Text(),
                nullable=False,
                comment="title and body without diacritics (PostgreSQL index).",
            )
        )
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_entries', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
    else:
        op.execute(
            "ALTER TABLE search_entries ADD COLUMN search_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, folded)) STORED"
        )
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING GIN (search_tsv)")
    op.execute("DELETE FROM dataset")
