"""What only the SQLite file store does: its schema, WAL, migrations, folders.

The behaviour both backends share (upsert rules, atomic batches, meta, criteria, search) is
tested once, over both, in test_store_pg_backends.py (with the one SQLite-only check that
needs its trial builders: sources compressed at rest).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trialscout.store import Store
from trialscout.store.migrate import script_head
from trialscout.store.migrations import HEAD


def test_open_creates_schema_and_reopen_is_noop(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.count() == 0
    con = sqlite3.connect(db_path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert {
        "trials",
        "sources",
        "locations",
        "countries",
        "meta",
        "criteria",
        "trials_fts",
    } <= names
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute("INSERT INTO meta(key, value) VALUES ('probe', 'kept')")
    con.commit()
    con.close()
    with Store.open(db_path) as store:  # re-open: no migration, data kept
        assert store.get_meta("probe") == "kept"


def test_head_constant_matches_migration_scripts() -> None:
    assert script_head() == HEAD


def test_open_creates_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    with Store.open(str(path)) as store:
        assert store.count() == 0
    assert path.is_file()
