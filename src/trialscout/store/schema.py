"""Table definitions (SQLAlchemy Core), shared by the store and its migrations.

Portable SQL only: the full-text index is dialect-specific and lives in `search_index`.
Filter columns are copied out of the Trial JSON so filters run in SQL, not in Python.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

trials = Table(
    "trials",
    metadata,
    Column("nct_id", String(11), primary_key=True),
    # Stable integer twin of the NCT ID (NCT01234567 -> 1234567): the full-text row id.
    Column("doc_id", Integer, nullable=False, unique=True),
    Column("title", Text, nullable=True),
    Column("overall_status", String(32), nullable=True),
    # "|PHASE1|PHASE2|": a LIKE '%|PHASE2|%' test works on every dialect.
    Column("phases", String(80), nullable=False, default=""),
    Column("study_type", String(32), nullable=True),
    Column("min_age_years", Float, nullable=True),
    Column("max_age_years", Float, nullable=True),
    Column("sex", String(8), nullable=True),
    Column("last_update", String(10), nullable=True),
    Column("data", Text, nullable=False),
    Index("ix_trials_status", "overall_status"),
    Index("ix_trials_last_update", "last_update"),
)

sources = Table(
    "sources",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
    Column("format", String(16), nullable=False),
    Column("source", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),  # zlib-compressed verbatim record
)

locations = Table(
    "locations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nct_id", String(11), ForeignKey("trials.nct_id", ondelete="CASCADE"), nullable=False),
    Column("status", String(32), nullable=True),
    Column("country", String(80), nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    # Where lat/lon came from: 'registry' (the record's own geoPoint) or 'city' (the GeoNames
    # centroid of the site's city, derived at ingest; approximate). NULL when there is no point.
    Column("geo_source", String(8), nullable=True),
    Index("ix_locations_nct", "nct_id"),
    Index("ix_locations_geo", "lat", "lon"),
)

countries = Table(
    "countries",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
    Column("country", String(80), primary_key=True),  # as written by the registry
    Column("country_key", String(80), nullable=False),  # lower-cased, for filters
    Index("ix_countries_key", "country_key"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

criteria = Table(
    "criteria",
    metadata,
    Column("nct_id", String(11), ForeignKey("trials.nct_id", ondelete="CASCADE"), primary_key=True),
    Column("parser_version", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("parsed_at", String(32), nullable=False),
)
