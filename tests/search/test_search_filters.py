"""Search over a real SQLite store built from trials made in code (known sites, known text)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from trialscout.registry.model import (
    DatedEvent,
    Eligibility,
    GeoPoint,
    Intervention,
    Location,
    OverallStatus,
    Phase,
    Sex,
    StudyType,
    Trial,
)
from trialscout.search import NearPoint, SearchQuery
from trialscout.store import Store

HONG_KONG = (22.3193, 114.1694)
GUANGZHOU = (23.1291, 113.2644)  # ~120 km from Hong Kong
BEIJING = (39.9042, 116.4074)  # ~1,970 km from Hong Kong
PARIS = (48.8566, 2.3522)


@dataclass(frozen=True)
class Raw:
    source: str
    format: str
    payload: bytes


def site(status: OverallStatus | None, country: str, geo: tuple[float, float] | None) -> Location:
    return Location(
        facility=f"{country} site",
        status=status,
        country=country,
        geo=GeoPoint(lat=geo[0], lon=geo[1]) if geo else None,
    )


R = OverallStatus.RECRUITING

TRIALS = [
    Trial(
        nct_id="NCT00000101",
        brief_title="Toripalimab plus chemoradiotherapy in nasopharyngeal carcinoma",
        overall_status=R,
        phases=[Phase.PHASE3],
        study_type=StudyType.INTERVENTIONAL,
        conditions=["Nasopharyngeal Carcinoma"],
        interventions=[Intervention(name="Toripalimab", other_names=["JS001", "anti-PD-1"])],
        eligibility=Eligibility(sex=Sex.ALL, minimum_age_years=18, maximum_age_years=70),
        locations=[site(R, "China", GUANGZHOU)],
        countries=["China"],
        last_update_posted_date=DatedEvent(date="2024-05-01"),
    ),
    Trial(  # recruiting overall, but its only near site is closed; its open site is far away
        nct_id="NCT00000102",
        brief_title="Camrelizumab for recurrent nasopharyngeal carcinoma",
        overall_status=R,
        phases=[Phase.PHASE1, Phase.PHASE2],
        conditions=["Nasopharyngeal Carcinoma", "Recurrent Cancer"],
        eligibility=Eligibility(sex=Sex.FEMALE, minimum_age_years=18),
        locations=[
            site(OverallStatus.COMPLETED, "Hong Kong", HONG_KONG),
            site(R, "China", BEIJING),
            site(R, "China", None),  # no geo point: never counts for distance
        ],
        last_update_posted_date=DatedEvent(date="2024-06-01"),
    ),
    Trial(
        nct_id="NCT00000103",
        brief_title="Observational registry of head and neck cancer in France",
        overall_status=OverallStatus.NOT_YET_RECRUITING,
        phases=[],
        study_type=StudyType.OBSERVATIONAL,
        conditions=["Head and Neck Cancer"],
        eligibility=Eligibility(sex=Sex.MALE, maximum_age_years=17),
        locations=[site(OverallStatus.NOT_YET_RECRUITING, "France", PARIS)],
        last_update_posted_date=DatedEvent(date="2023-01-01"),
    ),
    Trial(
        nct_id="NCT00000104",
        brief_title="PD-1 blockade (pembrolizumab) in breast cancer",
        overall_status=OverallStatus.COMPLETED,
        phases=[Phase.PHASE2],
        conditions=["Breast Cancer"],
        keywords=["PD-1", "immunotherapy"],
        locations=[site(R, "Hong Kong", HONG_KONG)],
        countries=["Hong Kong"],
        last_update_posted_date=DatedEvent(date="2022-01-01"),
    ),
]


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as s:
        s.upsert_batch([(t, Raw(t.nct_id, "ctgov-json-v2", b"{}")) for t in TRIALS])
        yield s


def ids(store: Store, **kw: object) -> list[str]:
    return [r.nct_id for r in store.search(SearchQuery(**kw)).results]  # type: ignore[arg-type]


def test_empty_query_lists_all_newest_first(store: Store) -> None:
    page = store.search(SearchQuery())
    assert page.total == 4
    assert [r.nct_id for r in page.results] == [
        "NCT00000102",
        "NCT00000101",
        "NCT00000103",
        "NCT00000104",
    ]


@pytest.mark.parametrize("value", ["recruiting", "RECRUITING", "Recruiting"])
def test_status_spellings(store: Store, value: str) -> None:
    assert ids(store, statuses=[value]) == ["NCT00000102", "NCT00000101"]


def test_status_not_yet_recruiting_and_bad_value(store: Store) -> None:
    assert ids(store, statuses=["not yet recruiting"]) == ["NCT00000103"]
    with pytest.raises(ValidationError, match="unknown status 'enrolling soon'"):
        SearchQuery(statuses=["enrolling soon"])


@pytest.mark.parametrize("value", ["2", "phase 2", "PHASE2", "II"])
def test_phase_2_matches_phase1_phase2_trials(store: Store, value: str) -> None:
    assert ids(store, phases=[value]) == ["NCT00000102", "NCT00000104"]


def test_phase_3_and_bad_phase(store: Store) -> None:
    assert ids(store, phases=["3"]) == ["NCT00000101"]
    with pytest.raises(ValidationError, match="unknown phase"):
        SearchQuery(phases=["7"])


def test_country_case_insensitive_on_trial_or_site_countries(store: Store) -> None:
    page = store.search(SearchQuery(countries=["hong kong"]))
    # NCT...102 lists Hong Kong only as a (closed) site country; 104 in both lists.
    assert [r.nct_id for r in page.results] == ["NCT00000102", "NCT00000104"]
    assert page.results[0].matched_countries == ["Hong Kong"]
    assert ids(store, countries=["FRANCE"]) == ["NCT00000103"]


def test_age_bounds_open_when_missing(store: Store) -> None:
    assert ids(store, age=10) == ["NCT00000103", "NCT00000104"]
    assert ids(store, age=75) == ["NCT00000102", "NCT00000104"]
    assert ids(store, age=40) == ["NCT00000102", "NCT00000101", "NCT00000104"]


def test_sex(store: Store) -> None:
    # missing sex (104) counts as open
    assert ids(store, sex="female") == ["NCT00000102", "NCT00000101", "NCT00000104"]
    assert ids(store, sex="MALE") == ["NCT00000101", "NCT00000103", "NCT00000104"]


def test_study_type(store: Store) -> None:
    assert ids(store, study_type="observational") == ["NCT00000103"]


def test_near_counts_only_recruiting_sites_with_geo(store: Store) -> None:
    near = NearPoint(lat=HONG_KONG[0], lon=HONG_KONG[1])
    page = store.search(SearchQuery(near=near, radius_km=500))
    # 102's Hong Kong site is COMPLETED: excluded; 104 is completed overall but its site recruits
    assert [r.nct_id for r in page.results] == ["NCT00000104", "NCT00000101"]
    assert page.results[0].distance_km == 0.0
    assert page.results[1].distance_km is not None and 100 < page.results[1].distance_km < 150
    wide = store.search(SearchQuery(near=near, radius_km=2500, statuses=["recruiting"]))
    assert [r.nct_id for r in wide.results] == ["NCT00000101", "NCT00000102"]
    assert wide.results[1].distance_km is not None and 1900 < wide.results[1].distance_km < 2100


def test_near_without_radius_sorts_by_distance_unknown_last(store: Store) -> None:
    near = NearPoint(lat=PARIS[0], lon=PARIS[1])
    page = store.search(SearchQuery(near=near))
    assert page.total == 4
    assert page.results[-1].nct_id == "NCT00000103"  # its only site is not recruiting
    assert page.results[-1].distance_km is None


def test_text_search_and_ranking(store: Store) -> None:
    page = store.search(SearchQuery(text="nasopharyngeal carcinoma"))
    assert {r.nct_id for r in page.results} == {"NCT00000101", "NCT00000102"}
    assert all(r.score is not None for r in page.results)
    assert ids(store, text="toripalimab") == ["NCT00000101"]
    assert ids(store, text="JS001") == ["NCT00000101"]  # intervention other name
    assert ids(store, text="carcinomas") == ids(store, text="carcinoma")  # stemming


@pytest.mark.parametrize(
    "text",
    [
        "PD-1",
        '"',
        "AND",
        "OR NOT",
        'pd-1 AND "breast',
        "NEAR(a b)",
        "col:val",
        "*",
        "(",
        "a'b",
        "^x",
    ],
)
def test_punctuation_never_breaks_the_engine(store: Store, text: str) -> None:
    store.search(SearchQuery(text=text))  # no exception


def test_hyphenated_word_is_a_phrase(store: Store) -> None:
    assert ids(store, text="PD-1") == ["NCT00000104", "NCT00000101"]  # title+keyword first
    assert ids(store, text='"PD-1" breast') == ["NCT00000104"]


def test_match_any_for_long_queries(store: Store) -> None:
    long = "woman 45 nasopharyngeal carcinoma recurrent after chemoradiotherapy " + " ".join(
        f"filler{i}" for i in range(30)
    )
    assert ids(store, text=long) == []  # all words: nothing has the fillers
    got = ids(store, text=long, match="any")
    assert got[0] == "NCT00000102"  # recurrent + nasopharyngeal + carcinoma
    assert set(got) == {"NCT00000101", "NCT00000102"}


def test_text_with_filters(store: Store) -> None:
    assert ids(store, text="nasopharyngeal", phases=["3"]) == ["NCT00000101"]
    assert ids(store, text="cancer", statuses=["completed"]) == ["NCT00000104"]


def test_conditions_filter(store: Store) -> None:
    assert ids(store, conditions=["nasopharyngeal carcinoma"]) == ["NCT00000102", "NCT00000101"]
    assert ids(store, conditions=["breast cancer", "head and neck cancer"]) == [
        "NCT00000103",
        "NCT00000104",
    ]


def test_limit_offset_and_total(store: Store) -> None:
    page = store.search(SearchQuery(limit=2, offset=1))
    assert page.total == 4
    assert [r.nct_id for r in page.results] == ["NCT00000101", "NCT00000103"]
    assert page.results[0].phases == [Phase.PHASE3]
    assert page.results[0].conditions == ["Nasopharyngeal Carcinoma"]
