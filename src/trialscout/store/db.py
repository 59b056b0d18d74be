"""The store: one SQLite file by default, or PostgreSQL by URL; versioned by alembic."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from trialscout.registry.model import Location, Trial
from trialscout.store import schema
from trialscout.store.migrations import HEAD
from trialscout.store.search_index import IndexDoc, SearchIndex, index_for

if TYPE_CHECKING:
    from trialscout.registry.sources import RawRecord
    from trialscout.search import SearchPage, SearchQuery

# Level 1: a fraction of level 6's CPU time, the file only ~15% larger (see bench/bench_ingest.py).
ZLIB_LEVEL = 1


@dataclass
class BatchResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # NCT IDs written by this batch (inserted or replaced), in input order: what to re-parse.
    changed_ids: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.inserted + self.updated


def doc_id(nct_id: str) -> int:
    """NCT01234567 -> 1234567: unique, stable across VACUUM, and needs no lookup."""
    return int(nct_id[3:])


def _is_newer(incoming: str | None, stored: str | None) -> bool:
    """Newer last-update date wins; a tie keeps the stored one; no date never beats a date."""
    if incoming is None:
        return False
    if stored is None:
        return True
    return incoming > stored  # ISO dates, possibly partial ("2015-08"), compare as text


def _join(parts: Sequence[str | None]) -> str:
    return "\n".join(p for p in parts if p)


def index_doc(t: Trial) -> IndexDoc:
    """The text the full-text index sees for one trial."""
    interventions: list[str] = []
    for iv in t.interventions:
        interventions.append(iv.name)
        interventions.extend(iv.other_names)
    interventions.extend(m.term for m in t.intervention_mesh)
    return IndexDoc(
        doc_id=doc_id(t.nct_id),
        title=_join([t.brief_title, t.official_title, t.acronym]),
        conditions=_join(t.conditions + [m.term for m in t.condition_mesh]),
        interventions=_join(interventions),
        keywords=_join(t.keywords),
        summary=t.brief_summary or "",
        criteria=(t.eligibility.criteria if t.eligibility else None) or "",
    )


_LOCATION_COLS = ("nct_id", "status", "country", "lat", "lon", "geo_source")
_TRIAL_COLS = (
    "nct_id",
    "doc_id",
    "title",
    "overall_status",
    "phases",
    "study_type",
    "min_age_years",
    "max_age_years",
    "sex",
    "last_update",
    "data",
)
_SOURCE_COLS = ("nct_id", "format", "source", "payload")
_COUNTRY_COLS = ("nct_id", "country", "country_key")


def _location_row(nct_id: str, loc: Location) -> tuple[Any, ...]:
    """A site's row (`_LOCATION_COLS`). Without a registry geoPoint, its city's GeoNames
    centroid (approximate), marked geo_source='city'; the Trial JSON keeps only what the
    registry said."""
    lat = lon = None
    source = None
    geo = loc.geo
    if geo is not None:
        lat, lon, source = geo.lat, geo.lon, "registry"
    elif loc.city and loc.country:
        point = _geocode_site()(loc.city, loc.state, loc.country)
        if point is not None:
            (lat, lon), source = point, "city"
    status = loc.status
    return (nct_id, status.value if status else None, loc.country, lat, lon, source)


_GEOCODE: list[Callable[[str | None, str | None, str | None], tuple[float, float] | None]] = []


def _geocode_site() -> Callable[[str | None, str | None, str | None], tuple[float, float] | None]:
    """`search.geocode.geocode_site`, imported on first use (75k sites: one import, not 75k)."""
    if not _GEOCODE:
        from trialscout.search.geocode import geocode_site

        _GEOCODE.append(geocode_site)
    return _GEOCODE[0]


def _trial_row(t: Trial) -> tuple[Any, ...]:
    el = t.eligibility
    return (
        t.nct_id,
        doc_id(t.nct_id),
        t.title,
        t.overall_status.value if t.overall_status else None,
        "|" + "|".join(p.value for p in t.phases) + "|" if t.phases else "",
        t.study_type.value if t.study_type else None,
        el.minimum_age_years if el else None,
        el.maximum_age_years if el else None,
        el.sex.value if el and el.sex else None,
        t.last_update,
        t.model_dump_json(exclude_defaults=True),
    )


class Store:
    """Trials, their verbatim records, filters, full-text index, meta and criteria cache."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.index: SearchIndex = index_for(engine.dialect.name)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, db: str | Path) -> Store:
        """`db`: a SQLite file path or a SQLAlchemy URL (`postgresql+psycopg://user@host/db`).
        Creates folders; migrates to HEAD."""
        db = _repair_url(str(db))
        if "://" in db:
            url = make_url(db)
            if url.drivername in ("postgresql", "postgres"):
                url = url.set(drivername="postgresql+psycopg")  # the driver we ship
        else:
            path = Path(db).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            url = make_url(f"sqlite:///{path}")
        engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        store = cls(engine)
        store._migrate()
        return store

    def _schema_version(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except (OperationalError, ProgrammingError):
            return None  # no alembic_version table yet

    def _migrate(self) -> None:
        if self._schema_version() == HEAD:
            return  # the common case: no alembic import (it costs ~0.4 s at start)
        from trialscout.store.migrate import upgrade

        with self.engine.begin() as conn:
            upgrade(conn)

    # -- writing ---------------------------------------------------------------------------
    def upsert_batch(
        self,
        items: Sequence[tuple[Trial, RawRecord]],
        *,
        meta: Mapping[str, str | None] | None = None,
    ) -> BatchResult:
        """Store a batch in one transaction; `meta` (None deletes a key) commits with it."""
        result = BatchResult()
        # The same NCT ID twice in one batch: the newer wins, the first seen on a tie.
        chosen: dict[str, tuple[Trial, RawRecord]] = {}
        ids = list(dict.fromkeys(t.nct_id for t, _ in items))
        with self.engine.begin() as conn:
            stored: dict[str, str | None] = {}
            if ids:
                for nct_id, last in conn.execute(
                    select(schema.trials.c.nct_id, schema.trials.c.last_update).where(
                        schema.trials.c.nct_id.in_(ids)
                    )
                ):
                    stored[nct_id] = last
            replaced: set[str] = set()
            for trial, raw in items:
                nid = trial.nct_id
                if nid in chosen:
                    # One of the two is dropped either way: count it unchanged.
                    if _is_newer(trial.last_update, chosen[nid][0].last_update):
                        chosen[nid] = (trial, raw)
                    result.unchanged += 1
                    continue
                if nid in stored:
                    if _is_newer(trial.last_update, stored[nid]):
                        chosen[nid] = (trial, raw)
                        replaced.add(nid)
                    else:
                        result.unchanged += 1
                else:
                    chosen[nid] = (trial, raw)
            result.updated = len(replaced)
            result.inserted = len(chosen) - len(replaced)
            result.changed_ids = list(chosen)
            if replaced:
                self._delete(conn, sorted(replaced))
            if chosen:
                self._insert(conn, list(chosen.values()))
            if meta:
                for key, value in meta.items():
                    self._set_meta(conn, key, value)
        return result

    def _delete(self, conn: Connection, ids: list[str]) -> None:
        for table in (
            schema.criteria,
            schema.countries,
            schema.locations,
            schema.sources,
            schema.trials,
        ):
            conn.execute(delete(table).where(table.c.nct_id.in_(ids)))
        self.index.replace(conn, [doc_id(i) for i in ids], [])

    def _insert(self, conn: Connection, items: list[tuple[Trial, RawRecord]]) -> None:
        trial_rows: list[tuple[Any, ...]] = []
        source_rows: list[tuple[Any, ...]] = []
        loc_rows: list[tuple[Any, ...]] = []
        country_rows: list[tuple[str, str, str]] = []
        docs: list[IndexDoc] = []
        for t, raw in items:
            nct_id = t.nct_id
            trial_rows.append(_trial_row(t))
            # A record read from a zip is already deflated: keep those bytes as they are.
            # (getattr: callers may pass any object with source, format and payload.)
            payload = getattr(raw, "zlib_payload", None) or zlib.compress(raw.payload, ZLIB_LEVEL)
            source_rows.append((nct_id, raw.format, raw.source, payload))
            names: dict[str, str] = {}
            for c in t.countries:
                c = c.strip()
                names.setdefault(c.lower(), c)
            for loc in t.locations:
                loc_rows.append(_location_row(nct_id, loc))
                if loc.country:
                    c = loc.country.strip()
                    names.setdefault(c.lower(), c)
            country_rows.extend((nct_id, name, key) for key, name in names.items() if key)
            docs.append(index_doc(t))
        _bulk_insert(conn, schema.trials, _TRIAL_COLS, trial_rows)
        _bulk_insert(conn, schema.sources, _SOURCE_COLS, source_rows)
        _bulk_insert(conn, schema.locations, _LOCATION_COLS, loc_rows)
        _bulk_insert(conn, schema.countries, _COUNTRY_COLS, country_rows)
        self.index.replace(conn, [], docs)

    # -- reading ---------------------------------------------------------------------------
    def get_trial(self, nct_id: str) -> Trial | None:
        with self.engine.connect() as conn:
            data = conn.execute(
                select(schema.trials.c.data).where(schema.trials.c.nct_id == nct_id)
            ).scalar()
        return Trial.model_validate_json(data) if data is not None else None

    def get_raw(self, nct_id: str) -> RawRecord | None:
        from trialscout.registry.sources import RawRecord

        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    schema.sources.c.source, schema.sources.c.format, schema.sources.c.payload
                ).where(schema.sources.c.nct_id == nct_id)
            ).first()
        if row is None:
            return None
        return RawRecord(source=row[0], format=row[1], payload=zlib.decompress(row[2]))

    def iter_trials(self) -> Iterator[Trial]:
        """Every trial in NCT ID order; streamed in pages so memory stays flat."""
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(schema.trials.c.nct_id, schema.trials.c.data)
                    .where(schema.trials.c.nct_id > last)
                    .order_by(schema.trials.c.nct_id)
                    .limit(500)
                ).all()
            if not rows:
                return
            for nct_id, data in rows:
                last = nct_id
                yield Trial.model_validate_json(data)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.trials)).scalar_one())

    # -- meta and criteria -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == key)
            ).scalar()
        return str(value) if value is not None else None

    def set_meta(self, key: str, value: str | None) -> None:
        """`value=None` deletes the key."""
        with self.engine.begin() as conn:
            self._set_meta(conn, key, value)

    def delete_meta(self, key: str) -> None:
        self.set_meta(key, None)

    def meta_items(self, prefix: str = "") -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.meta.c.key, schema.meta.c.value).where(
                    schema.meta.c.key.startswith(prefix, autoescape=True)
                )
            )
            return {k: v for k, v in rows}

    @staticmethod
    def _set_meta(conn: Connection, key: str, value: str | None) -> None:
        conn.execute(delete(schema.meta).where(schema.meta.c.key == key))
        if value is not None:
            conn.execute(insert(schema.meta).values(key=key, value=value))

    def put_criteria(self, nct_id: str, parser_version: str, payload_json: str) -> None:
        parsed_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            conn.execute(delete(schema.criteria).where(schema.criteria.c.nct_id == nct_id))
            conn.execute(
                insert(schema.criteria).values(
                    nct_id=nct_id,
                    parser_version=parser_version,
                    payload=payload_json,
                    parsed_at=parsed_at,
                )
            )

    def get_criteria(self, nct_id: str) -> tuple[str, str] | None:
        """(parser_version, payload_json), or None. Dropped whenever the trial is replaced."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.criteria.c.parser_version, schema.criteria.c.payload).where(
                    schema.criteria.c.nct_id == nct_id
                )
            ).first()
        return (row[0], row[1]) if row else None

    # -- search ----------------------------------------------------------------------------
    def search(self, q: SearchQuery) -> SearchPage:
        from trialscout.search.engine import run_search

        with self.engine.connect() as conn:
            return run_search(conn, self.index, q)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# A URL that went through pathlib (`Path("postgresql://u@h/db")`) has lost one slash.
_MANGLED_URL = re.compile(r"^(postgresql|postgres|mysql|mariadb)(\+\w+)?:/(?!/)")


def _repair_url(db: str) -> str:
    return _MANGLED_URL.sub(lambda m: m.group(0) + "/", db, count=1)


_INSERT_SQL: dict[tuple[str, str, tuple[str, ...]], tuple[str, list[int] | None]] = {}


def _bulk_insert(
    conn: Connection, table: Table, cols: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """executemany with a statement compiled once per dialect, rows as plain tuples in `cols`
    order: Core's per-row parameter processing was a quarter of the store's ingest time.
    Columns need no type processing."""
    if not rows:
        return
    key = (table.name, conn.dialect.name, cols)
    if key not in _INSERT_SQL:
        compiled = insert(table).values({c: None for c in cols}).compile(dialect=conn.dialect)
        if compiled.positional and compiled.positiontup:
            positions = [cols.index(c) for c in compiled.positiontup]
            in_order = positions == list(range(len(cols)))
            _INSERT_SQL[key] = (str(compiled), None if in_order else positions)
        else:
            _INSERT_SQL[key] = (str(compiled), [])  # named parameters: pass dicts
    sql, order = _INSERT_SQL[key]  # None: as given; []: by name; else: reordered
    if order is None:
        conn.exec_driver_sql(sql, rows)
    elif not order:
        conn.exec_driver_sql(sql, [dict(zip(cols, r, strict=True)) for r in rows])
    else:
        conn.exec_driver_sql(sql, [tuple(r[i] for i in order) for r in rows])


def _sqlite_setup(engine: Engine) -> None:
    """Pragmas for speed and safety, and real BEGIN/COMMIT (pysqlite's own handling is lazy)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")
