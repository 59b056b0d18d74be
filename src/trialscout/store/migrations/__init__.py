"""Alembic migrations, run programmatically by `Store.open` (no alembic.ini at run time).

`HEAD` must name the newest revision: `Store.open` compares it with the stored version and
imports alembic (slow to import) only when they differ. A test checks it against the scripts.
"""

from __future__ import annotations

from pathlib import Path

HEAD = "0002_location_geo_source"
SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
