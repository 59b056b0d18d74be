"""Distance search for records without coordinates: sites geocoded from their city at ingest.

Real SQLite stores, the real classic XML reader and ingest, the real GeoNames gazetteer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.registry.ingest import ingest_paths
from trialscout.registry.model import GeoPoint, Location, OverallStatus, Trial
from trialscout.search import NearPoint, SearchQuery
from trialscout.store import Store

GUANGZHOU = (23.13, 113.26)
BEIJING = (39.90, 116.41)


def site_xml(facility: str, city: str, state: str | None, country: str, status: str) -> str:
    state_el = f"<state>{state}</state>" if state else ""
    return (
        f"<location><facility><name>{facility}</name><address><city>{city}</city>{state_el}"
        f"<country>{country}</country></address></facility><status>{status}</status></location>"
    )


def study_xml(nct_id: str, title: str, sites: list[str], updated: str = "March 1, 2024") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info><nct_id>{nct_id}</nct_id></id_info>
  <brief_title>{title}</brief_title>
  <overall_status>Recruiting</overall_status>
  <study_type>Interventional</study_type>
  <condition>Nasopharyngeal Carcinoma</condition>
  {"".join(sites)}
  <last_update_posted type="Actual">{updated}</last_update_posted>
</clinical_study>
""".encode()


@pytest.fixture
def xml_store(tmp_path: Path) -> Path:
    """Classic XML records (no coordinates anywhere), ingested through the real pipeline."""
    folder = tmp_path / "xml"
    folder.mkdir()
    records = {
        # recruiting in Guangzhou, closed in Beijing
        "NCT90000001": [
            site_xml(
                "Sun Yat-sen University Cancer Center",
                "Guangzhou",
                "Guangdong",
                "China",
                "Recruiting",
            ),
            site_xml(
                "Peking Union Medical College Hospital", "Beijing", None, "China", "Completed"
            ),
        ],
        # its only site near Guangzhou is closed; recruiting only in Beijing
        "NCT90000002": [
            site_xml("Guangzhou closed site", "Guangzhou", "Guangdong", "China", "Withdrawn"),
            site_xml("Beijing open site", "Beijing", None, "China", "Recruiting"),
        ],
        # a city the gazetteer does not know: no point, never within any radius
        "NCT90000003": [
            site_xml("Nowhere clinic", "Xyzzyville", None, "China", "Recruiting"),
        ],
        # the registry's country spelling and an alternate name ('Canton' is Guangzhou)
        "NCT90000004": [
            site_xml("Old-style address", "Canton", None, "China", "Recruiting"),
        ],
    }
    for nct_id, sites in records.items():
        (folder / f"{nct_id}.xml").write_bytes(study_xml(nct_id, f"NPC study {nct_id}", sites))
    db = tmp_path / "geo.db"
    with Store.open(db) as store:
        summary = ingest_paths([folder], store, progress=False)
        assert summary.failed == 0, summary
    return db


def near(lat: float, lon: float, radius: float | None = None) -> SearchQuery:
    return SearchQuery(near=NearPoint(lat=lat, lon=lon), radius_km=radius)


def test_xml_sites_get_city_points_and_trial_json_stays_verbatim(xml_store: Path) -> None:
    con = sqlite3.connect(xml_store)
    rows = con.execute(
        "SELECT nct_id, status, lat, lon, geo_source FROM locations ORDER BY id"
    ).fetchall()
    by_trial = {r[0]: r for r in rows if r[0] == "NCT90000001" and r[1] == "RECRUITING"}
    _, _, lat, lon, source = by_trial["NCT90000001"]
    assert source == "city"
    assert abs(lat - GUANGZHOU[0]) < 0.2 and abs(lon - GUANGZHOU[1]) < 0.2
    unknown = [r for r in rows if r[0] == "NCT90000003"]
    assert unknown == [("NCT90000003", "RECRUITING", None, None, None)]
    with Store.open(xml_store) as store:
        trial = store.get_trial("NCT90000001")
    assert trial is not None
    assert all(loc.geo is None for loc in trial.locations)  # derived points stay out of the model


def test_near_coordinates_finds_recruiting_guangzhou_site(xml_store: Path) -> None:
    with Store.open(xml_store) as store:
        page = store.search(near(*GUANGZHOU, radius=100))
    found = {r.nct_id: r for r in page.results}
    assert set(found) == {"NCT90000001", "NCT90000004"}
    assert found["NCT90000001"].geo_source == "city"
    assert found["NCT90000001"].distance_km is not None
    assert found["NCT90000001"].distance_km < 10


def test_closed_site_alone_never_counts(xml_store: Path) -> None:
    with Store.open(xml_store) as store:
        page = store.search(near(*GUANGZHOU, radius=100))
        wide = store.search(near(*GUANGZHOU, radius=2500))
    assert "NCT90000002" not in {r.nct_id for r in page.results}
    far = {r.nct_id: r for r in wide.results}["NCT90000002"]
    assert far.distance_km is not None and far.distance_km > 1500  # its Beijing site


def test_unknown_city_is_never_within_a_radius(xml_store: Path) -> None:
    with Store.open(xml_store) as store:
        for lat, lon in (GUANGZHOU, BEIJING, (0.0, 0.0), (35.0, 105.0)):
            ids = {r.nct_id for r in store.search(near(lat, lon, radius=20000)).results}
            assert "NCT90000003" not in ids
        unbounded = {r.nct_id: r for r in store.search(near(*GUANGZHOU)).results}
    assert unbounded["NCT90000003"].distance_km is None
    assert unbounded["NCT90000003"].geo_source is None


def test_near_place_name_in_query_model(xml_store: Path) -> None:
    with Store.open(xml_store) as store:
        for text in ("Guangzhou", "Guangzhou, China", "Canton, China"):
            q = SearchQuery(near=text, radius_km=100)  # type: ignore[arg-type]
            assert q.near is not None and q.near.place == "Guangzhou, China"
            assert {r.nct_id for r in store.search(q).results} == {"NCT90000001", "NCT90000004"}


def test_registry_geopoint_wins_over_city_centroid(tmp_path: Path) -> None:
    """A site in 'Guangzhou' whose registry point is in Beijing: the registry is believed."""
    r = OverallStatus.RECRUITING
    trial = Trial(
        nct_id="NCT90000010",
        brief_title="Registry point",
        overall_status=r,
        locations=[
            Location(
                facility="Mislabelled",
                status=r,
                city="Guangzhou",
                country="China",
                geo=GeoPoint(lat=BEIJING[0], lon=BEIJING[1]),
            )
        ],
    )

    class Raw:
        source = "test"
        format = "ctgov-json-v2"
        payload = b"{}"

    with Store.open(tmp_path / "r.db") as store:
        store.upsert_batch([(trial, Raw())])  # type: ignore[list-item]
        assert store.search(near(*GUANGZHOU, radius=100)).results == []
        hit = store.search(near(*BEIJING, radius=10)).results
    assert [x.nct_id for x in hit] == ["NCT90000010"]
    assert hit[0].geo_source == "registry"
    con = sqlite3.connect(tmp_path / "r.db")
    assert con.execute("SELECT lat, lon, geo_source FROM locations").fetchall() == [
        (BEIJING[0], BEIJING[1], "registry")
    ]


def run(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv))
    return result.exit_code, result.output


def test_cli_near_place_json_shows_geo_source(xml_store: Path) -> None:
    import json

    code, out = run(
        "search",
        "nasopharyngeal",
        "--near",
        "Guangzhou",
        "--radius",
        "100km",
        "--db",
        str(xml_store),
        "--json",
    )
    assert code == 0, out
    doc = json.loads(out)
    assert doc["query"]["near"]["place"] == "Guangzhou, China"
    assert {r["nct_id"] for r in doc["results"]} == {"NCT90000001", "NCT90000004"}
    assert {r["geo_source"] for r in doc["results"]} == {"city"}
    code, out = run(
        "search", "--near", "23.13,113.26", "--radius", "100km", "--db", str(xml_store), "--json"
    )
    assert code == 0, out
    assert {r["nct_id"] for r in json.loads(out)["results"]} == {"NCT90000001", "NCT90000004"}


@pytest.mark.parametrize(
    ("place", "needle"),
    [
        ("Xyzzyville", "unknown place 'Xyzzyville'"),
        ("Xyzzyville, China", "no city 'Xyzzyville' in China"),
        ("Guangzhou, Narnia", "'Narnia'"),
        ("China", "names a country"),
        ("95,10", "out of range"),
    ],
)
def test_cli_near_errors_name_the_place(xml_store: Path, place: str, needle: str) -> None:
    code, out = run("search", "--near", place, "--radius", "50", "--db", str(xml_store))
    assert code == 2
    assert needle in " ".join(out.split())


def test_demo_seed_found_near_guangzhou(tmp_path: Path) -> None:
    """The transcribed seed NCT07332247 (Sun Yat-sen University Cancer Center, Guangzhou)."""
    db = str(tmp_path / "demo.db")
    code, out = run("ingest", "--demo", "--db", db)
    assert code == 0, out
    code, out = run(
        "search",
        "nasopharyngeal",
        "--near",
        "Guangzhou, China",
        "--radius",
        "300km",
        "--db",
        db,
        "--json",
    )
    assert code == 0, out
    import json

    results = {r["nct_id"]: r for r in json.loads(out)["results"]}
    assert "NCT07332247" in results
    assert results["NCT07332247"]["geo_source"] == "city"
    assert results["NCT07332247"]["distance_km"] < 50
