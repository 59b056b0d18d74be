"""FHIR R4 / mCODE bundles -> PatientProfile, including the broken MITRE examples."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from trialscout.patient import ProfileError, load_profile
from trialscout.patient.fhir import profile_from_bundle


@pytest.fixture
def fhir_dir(fixtures: Path) -> Path:
    return fixtures / "patient" / "fhir"


def test_npc_bundle_converts_every_resource_kind(fhir_dir: Path) -> None:
    loaded = load_profile(fhir_dir / "npc_bundle.json")
    p = loaded.profile
    assert loaded.format == "fhir"
    assert p.as_of == dt.date(2026, 6, 1)  # bundle timestamp
    assert p.birth_date == dt.date(1975, 3, 2) and p.sex == "male"
    dx = p.diagnoses[0]
    assert (dx.name, dx.primary, dx.codes) == ("nasopharyngeal carcinoma", True, ["ICD-10:C11.9"])
    assert dx.histology == "Non-keratinizing undifferentiated carcinoma"
    assert p.stage is not None
    assert (p.stage.edition, p.stage.group, p.stage.T, p.stage.N, p.stage.M) == (
        "AJCC9",
        "III",
        "T3",
        "N1",
        "M0",
    )
    assert [m.site for m in p.metastases] == ["lung"]
    assert [(x.scale, x.value) for x in p.performance] == [("ECOG", 1)]
    i, hb = p.find_labs("hemoglobin")[0]
    assert (hb.value, hb.unit, hb.uln, hb.lln) == (118, "g/L", 175, 130)
    assert p.source_of(f"labs[{i}]").resource == "Observation/hb-1"
    assert p.find_labs("AST")[0][1].uln == 40
    assert p.find_labs("platelets")[0][1].canonical_unit == "10^9/L"
    assert p.find_labs("HBsAg")[0][1].result == "negative"
    assert any(b.name == "EBV DNA" and b.value == 1500 for b in p.biomarkers)
    kinds = {(t.kind, t.name) for t in p.treatments}
    assert ("drug", "cisplatin") in kinds and ("surgery", "Radical neck dissection") in kinds
    rt = next(t for t in p.treatments if t.kind == "radiotherapy")
    assert rt.end == dt.date(2021, 8, 5)
    assert p.medications == ["amlodipine"]
    # the creatinine with an unknown unit is left out and reported by resource and field
    assert not p.find_labs("creatinine")
    assert any("Observation/odd-1" in w and "labs.unit" in w for w in loaded.warnings)


def test_as_of_argument_wins(fhir_dir: Path) -> None:
    p = load_profile(fhir_dir / "npc_bundle.json", as_of=dt.date(2030, 1, 1)).profile
    assert p.as_of == dt.date(2030, 1, 1)


@pytest.mark.parametrize(
    ("name", "birth", "primary", "ecog", "as_of"),
    [
        (
            "TrialMatching_Patient01.json",
            dt.date(1959, 1, 1),
            "breast cancer",
            1,
            dt.date(2019, 6, 1),
        ),
        (
            "TrialMatching_Patient02.json",
            dt.date(1973, 1, 1),
            "breast cancer",
            1,
            dt.date(2020, 2, 1),
        ),
        ("eom_patient_1.json", dt.date(1987, 1, 1), "breast cancer", 3, dt.date(2024, 1, 1)),
        ("patient_data.json", dt.date(1966, 8, 3), "breast cancer", 3, dt.date(2019, 4, 1)),
    ],
)
def test_mitre_bundles(
    fhir_dir: Path, name: str, birth: dt.date, primary: str, ecog: int, as_of: dt.date
) -> None:
    p = load_profile(fhir_dir / name).profile
    assert p.birth_date == birth
    assert p.primary_diagnosis is not None and p.primary_diagnosis.name == primary
    latest = p.latest_performance("ECOG")
    assert latest is not None and latest[1].value == ecog
    assert p.as_of == as_of


def test_trialmatching01_details(fhir_dir: Path) -> None:
    p = load_profile(fhir_dir / "TrialMatching_Patient01.json").profile
    assert p.stage is not None and (p.stage.group, p.stage.edition) == ("IV", "AJCC8")
    assert sorted(m.site for m in p.metastases) == ["bone", "liver", "lymph node"]
    assert {(b.name, b.result) for b in p.biomarkers if b.name} >= {
        ("ER", "positive"),
        ("HER2", "negative"),
    }
    assert "ribociclib" in p.medications


def test_eom_tnm_categories(fhir_dir: Path) -> None:
    p = load_profile(fhir_dir / "eom_patient_1.json").profile
    assert p.stage is not None and (p.stage.T, p.stage.N, p.stage.M) == ("T3", "N3", "M0")
    assert any(t.name == "alpelisib" for t in p.treatments)


def test_patient_data_duplicates_and_invalid_fhir_are_reported(fhir_dir: Path) -> None:
    loaded = load_profile(fhir_dir / "patient_data.json")
    p = loaded.profile
    assert p.stage is not None and p.stage.group == "IIIA"
    assert [t.name for t in p.treatments].count("paclitaxel") == 3  # duplicates skipped
    assert any(
        "appears twice" in w and "MedicationStatement/6cb316ef" in w for w in loaded.warnings
    )
    assert any("not valid FHIR R4" in w and "95d74cb0" in w for w in loaded.warnings)
    assert p.diagnoses[0].histology is None  # 'Malignant Neoplasm' says nothing more
    with pytest.raises(ProfileError, match="95d74cb0"):
        load_profile(fhir_dir / "patient_data.json", strict_fhir=True)


def test_missing_birthdate_and_invalid_performance(fhir_dir: Path) -> None:
    loaded = load_profile(fhir_dir / "patient_data_missing_birthdate_invalid_ecog_karnofsky.json")
    p = loaded.profile
    assert p.birth_date is None and p.age_at() is None
    assert p.performance == []
    assert p.primary_diagnosis is not None and p.primary_diagnosis.name == "breast cancer"
    joined = "\n".join(loaded.warnings)
    assert "Patient/1e208b6b-77f1-4808-a32b-9f9caf1ec334 field 'birthDate'" in joined
    assert "Observation/mCODEECOGPerformanceStatusExample" in joined and "found -1" in joined
    assert "Observation/mCODEKarnofskyPerformanceStatusExample" in joined


def test_missing_histology(fhir_dir: Path) -> None:
    loaded = load_profile(fhir_dir / "patient_data_missing_histology_morph.json")
    assert loaded.profile.diagnoses[0].histology is None
    assert any(
        "Condition/4dee068c-5ffe-4977-8677-4ff9b518e763 field 'extension'" in w
        for w in loaded.warnings
    )


def test_empty_bundle(fhir_dir: Path) -> None:
    loaded = load_profile(fhir_dir / "patient_data_empty-cgv.json")
    p = loaded.profile
    assert p.as_of == dt.date(2019, 4, 1) and p.sex is None and p.biomarkers == []
    assert any("entry[0]" in w and "no resource" in w for w in loaded.warnings)
    assert any("no Patient resource" in w for w in loaded.warnings)
    assert any("without a gene component" in w for w in loaded.warnings)


def test_bundle_without_any_date_needs_as_of() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"resource": {"resourceType": "Patient", "id": "p", "gender": "female"}}],
    }
    with pytest.raises(ProfileError) as info:
        profile_from_bundle(bundle, source="b.json")
    assert info.value.field == "as_of" and "--as-of" in str(info.value)
    p, _ = profile_from_bundle(bundle, source="b.json", as_of=dt.date(2025, 1, 1))
    assert p.sex == "female"
    with pytest.raises(ProfileError, match="no entries"):
        profile_from_bundle({"resourceType": "Bundle", "entry": []}, source="b.json")


def test_all_shared_bundles_convert(shared_data: Path) -> None:
    for path in sorted((shared_data / "fhir").glob("*.json")):
        loaded = load_profile(path)
        assert loaded.profile.as_of is not None
        json.loads(loaded.profile.model_dump_json())
