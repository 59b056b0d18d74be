"""The store's behaviour on both backends: SQLite files and a real PostgreSQL server.

PostgreSQL tests (`@pytest.mark.postgres`) use `$TRIALSCOUT_TEST_PG_URL` (`.ci/run` starts a
server and sets it); each test gets its own schema, dropped afterwards. Without the URL they
skip locally and fail in CI (`$CI` set).
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import DatedEvent, Eligibility, Location, OverallStatus, Trial
from trialscout.registry.sources import RawRecord
from trialscout.search import SearchQuery
from trialscout.store import Store
from trialscout.store.migrations import HEAD

PG_ENV = "TRIALSCOUT_TEST_PG_URL"
SEEDS = Path(__file__).resolve().parents[2] / "src" / "trialscout" / "demo" / "seeds"


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"${PG_ENV} is not set: CI must run the PostgreSQL store tests")
        pytest.skip(f"${PG_ENV} not set (no PostgreSQL server for this run)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, so tests never see each other's rows."""
    base = make_url(_pg_base_url())
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    schema = f"ts_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("pg_url"))


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


def _table_count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def test_open_migrates_to_head_and_reopens(store_url: str) -> None:
    with Store.open(store_url) as store:
        assert store.count() == 0
        assert store._schema_version() == HEAD
        kind = store.engine.dialect.name
    assert kind == ("sqlite" if "://" not in store_url else "postgresql")
    with Store.open(store_url) as store:  # second open: already at HEAD
        assert store._schema_version() == HEAD
        assert _table_count(store, "trials_fts") == 0


@pytest.mark.postgres
def test_plain_postgresql_url_uses_psycopg(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with Store.open(plain) as store:
        assert store.engine.dialect.driver == "psycopg"
        assert store.index.name == "postgresql-tsvector"


@pytest.mark.postgres
def test_url_mangled_by_pathlib_is_repaired(pg_url: str) -> None:
    mangled = str(Path(pg_url))  # what `TRIALSCOUT_DB` becomes after Path(): one slash lost
    assert "://" not in mangled
    with Store.open(mangled) as store:
        assert store.engine.dialect.name == "postgresql"


def test_upsert_rules_roundtrip_and_order(store_url: str) -> None:
    t = trial(
        "NCT00000001",
        "2024-01-05",
        eligibility=Eligibility(criteria="Inclusion: adults", minimum_age_years=18),
        locations=[Location(facility="X", country="China")],
    )
    with Store.open(store_url) as store:
        res = store.upsert_batch([(t, raw(t, "<verbatim/>"))])
        assert (res.inserted, res.updated, res.unchanged) == (1, 0, 0)
        assert store.get_trial("NCT00000001") == t
        got = store.get_raw("NCT00000001")
        assert got is not None and got.payload == b"<verbatim/>"
        assert store.get_trial("NCT09999999") is None and store.get_raw("NCT09999999") is None

        v1 = trial("NCT00000002", "2024-01-05", title="v1")
        store.upsert_batch([(v1, raw(v1))])
        newer = trial("NCT00000002", "2024-03-01", title="newer")
        assert store.upsert_batch([(newer, raw(newer))]).updated == 1
        older = trial("NCT00000002", "2023-12-31", title="older")
        assert store.upsert_batch([(older, raw(older))]).unchanged == 1
        undated = trial("NCT00000002", None, title="undated")
        assert store.upsert_batch([(undated, raw(undated))]).unchanged == 1
        assert store.get_trial("NCT00000002").brief_title == "newer"  # type: ignore[union-attr]

        tie = trial("NCT00000002", "2024-03-01", title="tie")  # same date: first one kept
        assert store.upsert_batch([(tie, raw(tie))]).unchanged == 1
        assert store.get_trial("NCT00000002").brief_title == "newer"  # type: ignore[union-attr]

        u = trial("NCT00000003", None, title="undated")
        store.upsert_batch([(u, raw(u))])
        d = trial("NCT00000003", "2020-01", title="dated")
        assert store.upsert_batch([(d, raw(d))]).updated == 1
        assert store.get_trial("NCT00000003").brief_title == "dated"  # type: ignore[union-attr]

        a = trial("NCT00000004", "2020-01-01", title="old")
        b = trial("NCT00000004", "2021-01-01", title="new")
        c = trial("NCT00000004", "2021-01-01", title="tie")
        res = store.upsert_batch([(a, raw(a)), (b, raw(b)), (c, raw(c))])
        assert (res.inserted, res.updated, res.unchanged) == (1, 0, 2)
        assert store.get_trial("NCT00000004").brief_title == "new"  # type: ignore[union-attr]
        assert [x.nct_id for x in store.iter_trials()] == [
            "NCT00000001",
            "NCT00000002",
            "NCT00000003",
            "NCT00000004",
        ]
        assert store.count() == 4


def test_update_replaces_sites_and_index_rows(store_url: str) -> None:
    with Store.open(store_url) as store:
        a = trial(
            "NCT00000005", "2020-01-01", title="zebrafish", locations=[Location(country="France")]
        )
        store.upsert_batch([(a, raw(a))])
        assert [r.nct_id for r in store.search(SearchQuery(text="zebrafish")).results] == [
            "NCT00000005"
        ]
        b = trial(
            "NCT00000005", "2021-01-01", title="renamed", locations=[Location(country="Spain")]
        )
        store.upsert_batch([(b, raw(b))])
        assert store.search(SearchQuery(text="zebrafish")).total == 0
        assert store.search(SearchQuery(text="renamed")).total == 1
        assert store.search(SearchQuery(countries=["spain"])).total == 1
        assert store.search(SearchQuery(countries=["france"])).total == 0
        assert _table_count(store, "trials_fts") == 1
        assert _table_count(store, "locations") == 1


def test_batch_is_atomic_on_failure(store_url: str) -> None:
    with Store.open(store_url) as store:
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
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.upsert_batch(
                [(good, raw(good)), (newer, raw(newer)), (bad, BadRaw())],  # type: ignore[list-item]
                meta={"checkpoint": "3"},
            )
        assert store.count() == 1
        assert store.get_trial("NCT00000006").brief_title == "A trial"  # type: ignore[union-attr]
        assert store.get_meta("checkpoint") is None
        assert _table_count(store, "trials_fts") == 1
        assert _table_count(store, "sources") == 1


def test_meta_and_criteria(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.set_meta("sync:a", "1")
        store.set_meta("sync:a", "2")
        store.set_meta("sync_b", "x")  # `_` must not act as a LIKE wildcard
        assert store.get_meta("sync:a") == "2"
        assert store.meta_items("sync:") == {"sync:a": "2"}
        store.delete_meta("sync:a")
        assert store.get_meta("sync:a") is None
        t = trial("NCT00000009", "2020-01-01")
        store.upsert_batch([(t, raw(t))], meta={"sync:last_run": "{}"})
        assert store.get_meta("sync:last_run") == "{}"
        store.put_criteria("NCT00000009", "p1", '{"a": 1}')
        store.put_criteria("NCT00000009", "p2", '{"a": 2}')
        assert store.get_criteria("NCT00000009") == ("p2", '{"a": 2}')
        newer = trial("NCT00000009", "2021-01-01")
        store.upsert_batch([(newer, raw(newer))])
        assert store.get_criteria("NCT00000009") is None


def test_sources_are_stored_compressed_and_read_back_verbatim(db_path: Path) -> None:
    t = trial("NCT00000001", "2024-01-05", locations=[Location(facility="X", country="China")])
    with Store.open(db_path) as store:
        store.upsert_batch([(t, raw(t, "<verbatim/>"))])
        got = store.get_raw("NCT00000001")
        assert got is not None and got.payload == b"<verbatim/>" and got.format == "ctgov-json-v2"
    payload = sqlite3.connect(db_path).execute("SELECT payload FROM sources").fetchone()[0]
    assert payload != b"<verbatim/>" and zlib.decompress(payload) == b"<verbatim/>"


# -- search: the same questions give the same trials on both backends ---------------------


def _corpus() -> list[tuple[Trial, RawRecord]]:
    items = []
    for p in sorted(SEEDS.glob("*.json")):
        body = p.read_bytes()
        t = trial_from_api_v2(json.loads(body), p.name)
        items.append((t, RawRecord(source=p.name, format="ctgov-json-v2", payload=body)))
    extra = [
        trial(
            "NCT00000101",
            "2023-05-01",
            title="Café-au-lait spots and PD-1 blockade",
            conditions=["Neurofibromatosis"],
            overall_status=OverallStatus.COMPLETED,
            locations=[Location(country="Brazil", city="São Paulo")],
        ),
        trial(
            "NCT00000102",
            "2022-05-01",
            title="Breast cancer AND OR NOT trial",
            conditions=["Breast Cancer"],
            keywords=["carcinomas"],
            overall_status=OverallStatus.RECRUITING,
        ),
    ]
    items.extend((t, raw(t)) for t in extra)
    return items


QUERIES = [
    SearchQuery(text="nasopharyngeal carcinoma"),
    SearchQuery(text="PD-1"),
    SearchQuery(text='"PD-1 blockade"'),
    SearchQuery(text="cafe"),  # accents folded on both sides
    SearchQuery(text="carcinoma"),  # stemming: keyword "carcinomas"
    SearchQuery(text="AND OR NOT"),  # operators are plain text (and dropped as function words)
    SearchQuery(text='breast "cancer AND'),
    SearchQuery(text="radiotherapy chemotherapy zebrafish", match="any"),
    SearchQuery(text="cancer", statuses=[OverallStatus.RECRUITING]),
    SearchQuery(conditions=["nasopharyngeal carcinoma"]),
    SearchQuery(text="cancer", conditions=["breast cancer", "neurofibromatosis"]),
    SearchQuery(countries=["china"]),
    SearchQuery(text="zebrafish"),
]


@pytest.mark.postgres
@pytest.mark.parametrize("q", QUERIES, ids=lambda q: repr(q.text or q.conditions or q.countries))
def test_search_same_trials_on_both_backends(q: SearchQuery, pg_url: str, tmp_path: Path) -> None:
    found: dict[str, tuple[int, set[str]]] = {}
    for name, url in (("sqlite", str(tmp_path / "s.db")), ("postgres", pg_url)):
        with Store.open(url) as store:
            store.upsert_batch(_corpus())
            page = store.search(q)
            found[name] = (page.total, {r.nct_id for r in page.results})
    assert found["sqlite"] == found["postgres"]


def test_search_finds_expected_trials(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.upsert_batch(_corpus())
        assert {r.nct_id for r in store.search(SearchQuery(text="cafe")).results} == {"NCT00000101"}
        assert {r.nct_id for r in store.search(SearchQuery(text="carcinoma")).results} >= {
            "NCT00000102"
        }
        title_hit = store.search(SearchQuery(text="blockade pd-1"))
        assert [r.nct_id for r in title_hit.results] == ["NCT00000101"]
        ranked = store.search(SearchQuery(text="nasopharyngeal"))
        assert ranked.total >= 2
        assert all(r.score is not None for r in ranked.results)
        scores = [r.score or 0.0 for r in ranked.results]
        assert scores == sorted(scores, reverse=True)
