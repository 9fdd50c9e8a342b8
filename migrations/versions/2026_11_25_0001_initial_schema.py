"""Initial schema: the briefing's tables, their indexes, and the full-text index of each dialect.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 12:22:21.187853
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "barriers",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barriers")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_barriers_ordinal")),
    )
    with op.batch_alter_table("barriers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_barriers_category_ordinal_id"), ["category", "ordinal", "id"], unique=False
        )

    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_dataset_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
    )
    op.create_table(
        "documents",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False, comment="Length of text in Unicode code points."),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_documents_ordinal")),
    )
    op.create_table(
        "implications",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(length=16), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("analogues", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_implications")),
        sa.UniqueConstraint("number", name=op.f("uq_implications_number")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_implications_ordinal")),
    )
    op.create_table(
        "parties",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_parties_ordinal")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_kind"), ["kind"], unique=False)

    op.create_table(
        "rounds",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True, comment="ISO 8601 at the stated precision."),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_earliest", sa.Date(), nullable=True, comment="First day the date can mean."),
        sa.Column("date_latest", sa.Date(), nullable=True, comment="Last day the date can mean."),
        sa.Column(
            "date_sort",
            sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql"),
            nullable=False,
            comment="date (or 9999) and seed order.",
        ),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_rounds_ordinal")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rounds_date_latest_date_earliest"), ["date_latest", "date_earliest"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rounds_date_sort_id"), ["date_sort", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rounds_status_ordinal_id"), ["status", "ordinal", "id"], unique=False
        )

    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "folded",
            sa.Text(),
            nullable=False,
            comment="title and body without diacritics (PostgreSQL index).",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_entries_collection_item_id"), ["collection", "item_id"], unique=True
        )

    op.create_table(
        "sources",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_sources_ordinal")),
    )
    op.create_table(
        "topics",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_topics_ordinal")),
    )
    op.create_table(
        "briefings",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "document_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("takeaway", sa.Text(), nullable=False),
        sa.Column("photo", sa.JSON(), nullable=True, comment="The photo caption's facts."),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_briefings_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefings")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_briefings_ordinal")),
    )
    with op.batch_alter_table("briefings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_briefings_document_id"), ["document_id"], unique=False)

    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "document_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column(
            "source_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "collection IN ('briefings', 'sources', 'people', 'rounds', 'positions', 'mediators', 'barriers', 'implications', 'events')",
            name=op.f("ck_citations_collection"),
        ),
        sa.CheckConstraint('start >= 0 AND "end" > start', name=op.f("ck_citations_span")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_citations_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_citations_source_id_sources")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
    )
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citations_collection_item_id_ordinal"),
            ["collection", "item_id", "ordinal"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_citations_document_id_collection_item_id"),
            ["document_id", "collection", "item_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_citations_source_id_collection_item_id"),
            ["source_id", "collection", "item_id"],
            unique=False,
        )

    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("date_precision", sa.String(length=5), nullable=False),
        sa.Column("date_earliest", sa.Date(), nullable=False),
        sa.Column("date_latest", sa.Date(), nullable=False),
        sa.Column(
            "date_sort",
            sa.String(length=20).with_variant(sa.String(length=20, collation="C"), "postgresql"),
            nullable=False,
            comment="date and seed order.",
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "round_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_events_round_id_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_events_ordinal")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_date_latest_date_earliest"), ["date_latest", "date_earliest"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_date_sort_id"), ["date_sort", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_events_kind_date_sort_id"), ["kind", "date_sort", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_round_id"), ["round_id"], unique=False)

    op.create_table(
        "mediators",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "party_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_mediators_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediators")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_mediators_ordinal")),
    )
    with op.batch_alter_table("mediators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediators_party_id_ordinal_id"), ["party_id", "ordinal", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediators_role_ordinal_id"), ["role", "ordinal", "id"], unique=False
        )

    op.create_table(
        "party_links",
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "party_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "collection IN ('briefings', 'sources', 'people', 'rounds', 'positions', 'mediators', 'barriers', 'implications', 'events')",
            name=op.f("ck_party_links_collection"),
        ),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_party_links_party_id_parties")),
        sa.PrimaryKeyConstraint("collection", "item_id", "party_id", "role", name=op.f("pk_party_links")),
    )
    with op.batch_alter_table("party_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_party_links_party_id_collection_item_id"),
            ["party_id", "collection", "item_id"],
            unique=False,
        )

    op.create_table(
        "people",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column(
            "party_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_people_party_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_people_ordinal")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_people_party_id_ordinal_id"), ["party_id", "ordinal", "id"], unique=False
        )

    op.create_table(
        "positions",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column(
            "party_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "round_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "target_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_positions_party_id_parties")),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_positions_round_id_rounds")),
        sa.ForeignKeyConstraint(["target_id"], ["parties.id"], name=op.f("fk_positions_target_id_parties")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint("ordinal", name=op.f("uq_positions_ordinal")),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_positions_kind_ordinal_id"), ["kind", "ordinal", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_positions_party_id_ordinal_id"), ["party_id", "ordinal", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_positions_round_id_ordinal_id"), ["round_id", "ordinal", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_positions_target_id"), ["target_id"], unique=False)

    op.create_table(
        "round_links",
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "round_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "collection IN ('briefings', 'sources', 'people', 'rounds', 'positions', 'mediators', 'barriers', 'implications', 'events')",
            name=op.f("ck_round_links_collection"),
        ),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_round_links_round_id_rounds")),
        sa.PrimaryKeyConstraint("collection", "item_id", "round_id", name=op.f("pk_round_links")),
    )
    with op.batch_alter_table("round_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_round_links_round_id_collection_item_id"),
            ["round_id", "collection", "item_id"],
            unique=False,
        )

    op.create_table(
        "topic_links",
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "topic_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "collection IN ('briefings', 'sources', 'people', 'rounds', 'positions', 'mediators', 'barriers', 'implications', 'events')",
            name=op.f("ck_topic_links_collection"),
        ),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name=op.f("fk_topic_links_topic_id_topics")),
        sa.PrimaryKeyConstraint("collection", "item_id", "topic_id", name=op.f("pk_topic_links")),
    )
    with op.batch_alter_table("topic_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_topic_links_topic_id_collection_item_id"),
            ["topic_id", "collection", "item_id"],
            unique=False,
        )

    op.create_table(
        "person_links",
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column(
            "item_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "person_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "collection IN ('briefings', 'sources', 'people', 'rounds', 'positions', 'mediators', 'barriers', 'implications', 'events')",
            name=op.f("ck_person_links_collection"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_links_person_id_people")),
        sa.PrimaryKeyConstraint("collection", "item_id", "person_id", name=op.f("pk_person_links")),
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_links_person_id_collection_item_id"),
            ["person_id", "collection", "item_id"],
            unique=False,
        )

    op.create_table(
        "sections",
        sa.Column(
            "id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "briefing_id",
            sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"], ["briefings.id"], name=op.f("fk_sections_briefing_id_briefings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sections_briefing_id_ordinal"), ["briefing_id", "ordinal"], unique=True
        )

    _create_full_text_index()


def downgrade() -> None:
    _drop_full_text_index()
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_briefing_id_ordinal"))

    op.drop_table("sections")
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_links_person_id_collection_item_id"))

    op.drop_table("person_links")
    with op.batch_alter_table("topic_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_links_topic_id_collection_item_id"))

    op.drop_table("topic_links")
    with op.batch_alter_table("round_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_links_round_id_collection_item_id"))

    op.drop_table("round_links")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_positions_target_id"))
        batch_op.drop_index(batch_op.f("ix_positions_round_id_ordinal_id"))
        batch_op.drop_index(batch_op.f("ix_positions_party_id_ordinal_id"))
        batch_op.drop_index(batch_op.f("ix_positions_kind_ordinal_id"))

    op.drop_table("positions")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_party_id_ordinal_id"))

    op.drop_table("people")
    with op.batch_alter_table("party_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_links_party_id_collection_item_id"))

    op.drop_table("party_links")
    with op.batch_alter_table("mediators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediators_role_ordinal_id"))
        batch_op.drop_index(batch_op.f("ix_mediators_party_id_ordinal_id"))

    op.drop_table("mediators")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_round_id"))
        batch_op.drop_index(batch_op.f("ix_events_kind_date_sort_id"))
        batch_op.drop_index(batch_op.f("ix_events_date_sort_id"))
        batch_op.drop_index(batch_op.f("ix_events_date_latest_date_earliest"))

    op.drop_table("events")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citations_source_id_collection_item_id"))
        batch_op.drop_index(batch_op.f("ix_citations_document_id_collection_item_id"))
        batch_op.drop_index(batch_op.f("ix_citations_collection_item_id_ordinal"))

    op.drop_table("citations")
    with op.batch_alter_table("briefings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_briefings_document_id"))

    op.drop_table("briefings")
    op.drop_table("topics")
    op.drop_table("sources")
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_entries_collection_item_id"))

    op.drop_table("search_entries")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_status_ordinal_id"))
        batch_op.drop_index(batch_op.f("ix_rounds_date_sort_id"))
        batch_op.drop_index(batch_op.f("ix_rounds_date_latest_date_earliest"))

    op.drop_table("rounds")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_kind"))

    op.drop_table("parties")
    op.drop_table("implications")
    op.drop_table("documents")
    op.drop_table("dataset")
    with op.batch_alter_table("barriers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_barriers_category_ordinal_id"))

    op.drop_table("barriers")


def _create_full_text_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # External-content FTS5 over search_entries; the seed loader rebuilds it in its transaction.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_entries', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
    else:
        # A stored tsvector: matching uses the GIN index, and ranking reads it instead of re-parsing text.
        op.execute(
            "ALTER TABLE search_entries ADD COLUMN search_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, folded)) STORED"
        )
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING GIN (search_tsv)")


def _drop_full_text_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS search_tsv")
