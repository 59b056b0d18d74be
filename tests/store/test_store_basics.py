"""What only the SQLite file store does: its schema, WAL, folders, compressed sources.

The behaviour both backends share (upsert rules, atomic batches, meta, criteria, search) is
tested once, over both, in test_store_pg_backends.py.
"""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from trialscout.registry.model import DatedEvent, Location, Trial
from trialscout.registry.sources import RawRecord
from trialscout.store import Store
from trialscout.store.migrate import script_head
from trialscout.store.migrations import HEAD


def trial(nct: str, updated: str | None, title: str = "A trial", **kw: object) -> Trial:
    return Trial(
        nct_id=nct,
        brief_title=title,
        last_update_posted_date=DatedEvent(date=updated) if updated else None,
        **kw,  # type: ignore[arg-type]
    )


def raw(t: Trial, body: str = "") -> RawRecord:
    return RawRecord(
        source=f"{t.nct_id}.json",
        format="ctgov-json-v2",
        payload=body.encode() or t.model_dump_json().encode(),
    )


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


def test_sources_are_stored_compressed_and_read_back_verbatim(db_path: Path) -> None:
    t = trial("NCT00000001", "2024-01-05", locations=[Location(facility="X", country="China")])
    with Store.open(db_path) as store:
        store.upsert_batch([(t, raw(t, "<verbatim/>"))])
        got = store.get_raw("NCT00000001")
        assert got is not None and got.payload == b"<verbatim/>" and got.format == "ctgov-json-v2"
    payload = sqlite3.connect(db_path).execute("SELECT payload FROM sources").fetchone()[0]
    assert payload != b"<verbatim/>" and zlib.decompress(payload) == b"<verbatim/>"
