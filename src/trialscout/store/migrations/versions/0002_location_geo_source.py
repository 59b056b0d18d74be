"""locations.geo_source: 'registry' or 'city' (a GeoNames city centroid derived at ingest).

Existing points came from the registry. Sites stored without a point are geocoded from their
city here, so an upgraded store answers `--near` for classic XML records without a re-ingest.

Revision ID: 0002_location_geo_source
Revises: 0001_initial
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_location_geo_source"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("geo_source", sa.String(8), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE locations SET geo_source = 'registry' WHERE lat IS NOT NULL"))
    _backfill_city_points(bind)


def _backfill_city_points(bind: sa.Connection) -> None:
    """Location rows were written in the order of the trial's `locations` list (ids ascend)."""
    from trialscout.search.geocode import geocode_site

    ids = [
        r[0]
        for r in bind.execute(
            sa.text("SELECT DISTINCT nct_id FROM locations WHERE lat IS NULL ORDER BY nct_id")
        )
    ]
    updates: list[dict[str, object]] = []
    for nct_id in ids:
        data = bind.execute(
            sa.text("SELECT data FROM trials WHERE nct_id = :n"), {"n": nct_id}
        ).scalar()
        rows = bind.execute(
            sa.text("SELECT id, lat FROM locations WHERE nct_id = :n ORDER BY id"), {"n": nct_id}
        ).all()
        sites = json.loads(data).get("locations", []) if data else []
        if len(sites) != len(rows):
            continue  # not the rows this trial wrote: leave them without a point
        for (row_id, lat), site in zip(rows, sites, strict=True):
            if lat is not None:
                continue
            point = geocode_site(site.get("city"), site.get("state"), site.get("country"))
            if point is not None:
                updates.append({"id": row_id, "lat": point[0], "lon": point[1]})
    if updates:
        bind.execute(
            sa.text(
                "UPDATE locations SET lat = :lat, lon = :lon, geo_source = 'city' WHERE id = :id"
            ),
            updates,
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE locations SET lat = NULL, lon = NULL WHERE geo_source = 'city'"))
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("geo_source")
