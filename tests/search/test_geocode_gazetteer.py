"""The offline gazetteer: country spellings, tie-breaks, alternate names, no guessed points."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from trialscout.search.geocode import gazetteer, geocode_site, normalize, resolve_place
from trialscout.store import Store
from trialscout.store.migrations import HEAD


@pytest.mark.parametrize(
    ("country", "iso"),
    [
        ("China", "CN"),
        ("CN", "CN"),
        ("United States", "US"),
        ("Korea, Republic of", "KR"),
        ("Taiwan", "TW"),
        ("Hong Kong", "HK"),
        ("Netherlands", "NL"),
        ("Iran, Islamic Republic of", "IR"),
        ("Russian Federation", "RU"),
        ("Narnia", None),
    ],
)
def test_country_spellings(country: str, iso: str | None) -> None:
    assert gazetteer().country_code(country) == iso


def test_normalize_folds_case_accents_and_punctuation() -> None:
    assert normalize("São  Paulo") == normalize("sao paulo") == "sao paulo"
    assert normalize("St. Louis") == "st louis"


def test_state_breaks_ties_then_population() -> None:
    oregon = geocode_site("Portland", "Oregon", "United States")
    maine = geocode_site("Portland", "Maine", "United States")
    assert oregon is not None and maine is not None
    assert oregon[1] < -120 and maine[1] > -75
    assert geocode_site("Portland", None, "United States") == oregon  # the larger one


def test_alternate_and_accented_names() -> None:
    guangzhou = geocode_site("Guangzhou", "Guangdong", "China")
    assert guangzhou is not None
    assert geocode_site("Canton", None, "China") == guangzhou
    assert geocode_site("Zurich", None, "Switzerland") == geocode_site(
        "Zürich", None, "Switzerland"
    )
    assert geocode_site("Brussels (Bruxelles)", None, "Belgium") is not None


def test_unresolvable_gives_none_never_a_guess() -> None:
    assert geocode_site("Xyzzyville", None, "China") is None
    assert geocode_site("Guangzhou", None, "Narnia") is None
    assert geocode_site("Guangzhou", None, "France") is None  # wrong country: no other match
    assert geocode_site(None, None, "China") is None
    assert geocode_site("Guangzhou", None, None) is None  # a site needs its country


def test_resolve_place_forms() -> None:
    assert resolve_place("Chengdu").label == "Chengdu, China"
    assert resolve_place("Chengdu, Sichuan, China").label == "Chengdu, China"
    assert resolve_place("Portland, OR").label == "Portland, OR, United States"
    assert resolve_place("Atlanta, Georgia").label == "Atlanta, GA, United States"
    with pytest.raises(ValueError, match="Xyzzyville"):
        resolve_place("Xyzzyville")
    with pytest.raises(ValueError, match="names a country"):
        resolve_place("China")


def test_migration_backfills_city_points(tmp_path: Path) -> None:
    """A store written before geo_source existed: registry points marked, cities geocoded."""
    db = tmp_path / "old.db"
    with Store.open(db):
        pass
    con = sqlite3.connect(db)
    con.execute("DROP TABLE locations")
    con.execute(
        "CREATE TABLE locations (id INTEGER PRIMARY KEY AUTOINCREMENT, nct_id VARCHAR(11) "
        "NOT NULL, status VARCHAR(32), country VARCHAR(80), lat FLOAT, lon FLOAT)"
    )
    data = (
        '{"nct_id":"NCT90000020","locations":[{"city":"Guangzhou","country":"China"},'
        '{"city":"Xyzzyville","country":"China"},'
        '{"city":"Paris","country":"France","geo":{"lat":48.85,"lon":2.35}}]}'
    )
    con.execute(
        "INSERT INTO trials (nct_id, doc_id, phases, data) VALUES ('NCT90000020', 90000020, '', ?)",
        (data,),
    )
    con.executemany(
        "INSERT INTO locations (nct_id, status, country, lat, lon) VALUES (?, ?, ?, ?, ?)",
        [
            ("NCT90000020", "RECRUITING", "China", None, None),
            ("NCT90000020", "RECRUITING", "China", None, None),
            ("NCT90000020", "RECRUITING", "France", 48.85, 2.35),
        ],
    )
    con.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    con.commit()
    con.close()
    with Store.open(db):
        pass
    con = sqlite3.connect(db)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    rows = con.execute("SELECT lat IS NOT NULL, geo_source FROM locations ORDER BY id").fetchall()
    assert rows == [(1, "city"), (0, None), (1, "registry")]
