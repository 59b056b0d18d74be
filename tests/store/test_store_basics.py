"""Store on a real SQLite file: schema, migrations, upsert rules, atomicity, meta, criteria."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from trialscout.registry.model import DatedEvent, Eligibility, Location, Trial
from trialscout.store import Store
from trialscout.store.migrate import script_head
from trialscout.store.migrations import HEAD

try:
    from trialscout.registry.sources import RawRecord
except ImportError:  # the readers helper has not landed RawRecord yet

    @dataclass(frozen=True)
    class RawRecord:  # type: ignore[no-redef]
        source: str
        format: str
        payload: bytes


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


def test_upsert_insert_then_roundtrip(db_path: Path) -> None:
    t = trial(
        "NCT00000001",
        "2024-01-05",
        eligibility=Eligibility(criteria="Inclusion: adults", minimum_age_years=18),
        locations=[Location(facility="X", country="China")],
    )
    with Store.open(db_path) as store:
        res = store.upsert_batch([(t, raw(t, "<verbatim/>"))])
        assert (res.inserted, res.updated, res.unchanged) == (1, 0, 0)
        assert store.get_trial("NCT00000001") == t
        got = store.get_raw("NCT00000001")
        assert got is not None and got.payload == b"<verbatim/>" and got.format == "ctgov-json-v2"
        assert store.get_trial("NCT09999999") is None and store.get_raw("NCT09999999") is None
        assert [x.nct_id for x in store.iter_trials()] == ["NCT00000001"]
    payload = sqlite3.connect(db_path).execute("SELECT payload FROM sources").fetchone()[0]
    assert zlib.decompress(payload) == b"<verbatim/>"


def test_upsert_newer_older_tie_and_undated(db_path: Path) -> None:
    with Store.open(db_path) as store:
        v1 = trial("NCT00000002", "2024-01-05", title="v1")
        store.upsert_batch([(v1, raw(v1))])
        newer = trial("NCT00000002", "2024-03-01", title="newer")
        assert store.upsert_batch([(newer, raw(newer))]).updated == 1
        older = trial("NCT00000002", "2023-12-31", title="older")
        assert store.upsert_batch([(older, raw(older))]).unchanged == 1
        tie = trial("NCT00000002", "2024-03-01", title="tie")
        res = store.upsert_batch([(tie, raw(tie))])
        assert (res.inserted, res.updated, res.unchanged) == (0, 0, 1)
        undated = trial("NCT00000002", None, title="undated")
        assert store.upsert_batch([(undated, raw(undated))]).unchanged == 1
        got = store.get_trial("NCT00000002")
        assert got is not None and got.brief_title == "newer"
        assert store.count() == 1


def test_undated_stored_is_replaced_by_dated(db_path: Path) -> None:
    with Store.open(db_path) as store:
        a = trial("NCT00000003", None, title="undated")
        store.upsert_batch([(a, raw(a))])
        b = trial("NCT00000003", "2020-01", title="dated")
        assert store.upsert_batch([(b, raw(b))]).updated == 1
        assert store.get_trial("NCT00000003").brief_title == "dated"  # type: ignore[union-attr]


def test_duplicates_inside_one_batch_keep_newest(db_path: Path) -> None:
    with Store.open(db_path) as store:
        a = trial("NCT00000004", "2020-01-01", title="old")
        b = trial("NCT00000004", "2021-01-01", title="new")
        c = trial("NCT00000004", "2021-01-01", title="tie")
        res = store.upsert_batch([(a, raw(a)), (b, raw(b)), (c, raw(c))])
        assert (res.inserted, res.updated, res.unchanged) == (1, 0, 2)
        assert store.get_trial("NCT00000004").brief_title == "new"  # type: ignore[union-attr]
        assert store.count() == 1


def test_update_replaces_sites_and_index_rows(db_path: Path) -> None:
    with Store.open(db_path) as store:
        a = trial("NCT00000005", "2020-01-01", locations=[Location(country="France")] * 3)
        store.upsert_batch([(a, raw(a))])
        b = trial(
            "NCT00000005", "2021-01-01", title="renamed", locations=[Location(country="Spain")]
        )
        store.upsert_batch([(b, raw(b))])
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT country FROM locations").fetchall() == [("Spain",)]
    assert con.execute("SELECT country FROM countries").fetchall() == [("Spain",)]
    assert con.execute("SELECT count(*) FROM trials_fts").fetchone()[0] == 1


def test_batch_is_atomic_on_failure(db_path: Path) -> None:
    with Store.open(db_path) as store:
        keep = trial("NCT00000006", "2020-01-01")
        store.upsert_batch([(keep, raw(keep))])

        class BadRaw:
            source = "broken.xml"
            format = "ctgov-xml"

            @property
            def payload(self) -> bytes:
                raise RuntimeError("disk on fire")

        good = trial("NCT00000007", "2020-01-01")
        newer = trial("NCT00000006", "2022-01-01", title="should not land")
        bad = trial("NCT00000008", "2020-01-01")
        bad_raw = BadRaw()
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.upsert_batch(
                [(good, raw(good)), (newer, raw(newer)), (bad, bad_raw)],
                meta={"checkpoint": "3"},
            )
        assert store.count() == 1
        assert store.get_trial("NCT00000006").brief_title == "A trial"  # type: ignore[union-attr]
        assert store.get_meta("checkpoint") is None
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM trials_fts").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_meta_and_criteria(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.get_meta("k") is None
        store.set_meta("k", "1")
        store.set_meta("k", "2")
        assert store.get_meta("k") == "2"
        store.set_meta("k", None)
        assert store.get_meta("k") is None
        t = trial("NCT00000009", "2020-01-01")
        store.upsert_batch([(t, raw(t))])
        assert store.get_criteria("NCT00000009") is None
        store.put_criteria("NCT00000009", "p1", '{"a": 1}')
        store.put_criteria("NCT00000009", "p2", '{"a": 2}')
        assert store.get_criteria("NCT00000009") == ("p2", '{"a": 2}')
        newer = trial("NCT00000009", "2021-01-01")
        store.upsert_batch([(newer, raw(newer))])
        assert store.get_criteria("NCT00000009") is None  # stale parse dropped with the old text
