"""Initial schema: trials, sources, locations, countries, meta, criteria, full-text index.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trialscout.store.search_index import index_for

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("nct_id", sa.String(11), primary_key=True),
        sa.Column("doc_id", sa.Integer, nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("overall_status", sa.String(32), nullable=True),
        sa.Column("phases", sa.String(80), nullable=False),
        sa.Column("study_type", sa.String(32), nullable=True),
        sa.Column("min_age_years", sa.Float, nullable=True),
        sa.Column("max_age_years", sa.Float, nullable=True),
        sa.Column("sex", sa.String(8), nullable=True),
        sa.Column("last_update", sa.String(10), nullable=True),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_trials_status", "trials", ["overall_status"])
    op.create_index("ix_trials_last_update", "trials", ["last_update"])
    fk = sa.ForeignKey("trials.nct_id", ondelete="CASCADE")
    op.create_table(
        "sources",
        sa.Column("nct_id", sa.String(11), fk, primary_key=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "nct_id",
            sa.String(11),
            sa.ForeignKey("trials.nct_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("country", sa.String(80), nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
    )
    op.create_index("ix_locations_nct", "locations", ["nct_id"])
    op.create_index("ix_locations_geo", "locations", ["lat", "lon"])
    op.create_table(
        "countries",
        sa.Column(
            "nct_id",
            sa.String(11),
            sa.ForeignKey("trials.nct_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("country", sa.String(80), primary_key=True),
        sa.Column("country_key", sa.String(80), nullable=False),
    )
    op.create_index("ix_countries_key", "countries", ["country_key"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "criteria",
        sa.Column(
            "nct_id",
            sa.String(11),
            sa.ForeignKey("trials.nct_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("parser_version", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("parsed_at", sa.String(32), nullable=False),
    )
    bind = op.get_bind()
    index_for(bind.dialect.name).create(bind)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS trials_fts")
    for table in ("criteria", "meta", "countries", "locations", "sources", "trials"):
        op.drop_table(table)
