"""The profile model, its JSON Schema, and loading JSON/YAML with errors that name the field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from trialscout.cli.main import app
from trialscout.patient import ProfileError, load_profile
from trialscout.patient.profile import Lab, PatientProfile, Performance


@pytest.fixture
def example(fixtures: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures / "patient" / "example_profile.json").read_text())
    return data


def _write(tmp_path: Path, data: Any, name: str = "p.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def test_schema_cli_prints_valid_json_schema(example: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["schema", "patient"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["as_of"]
    assert schema["properties"]["as_of"]["description"].startswith("the date the profile")
    assert schema["additionalProperties"] is False
    jsonschema.validate(example, schema)  # the documented example is valid
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example, "labz": []}, schema)


def test_documented_example_loads(fixtures: Path) -> None:
    loaded = load_profile(fixtures / "patient" / "example_profile.json", extract_note=False)
    p = loaded.profile
    assert loaded.format == "json"
    assert p.as_of == dt.date(2026, 6, 1)
    assert p.age_at() == 51 and p.age_exact
    assert p.age_at(dt.date(2026, 3, 1)) == 50  # the day before the 51st birthday
    assert p.stage is not None and p.stage.T == "T3" and p.stage.edition == "AJCC8"
    assert p.recurrence is not None and p.recurrence.T == "rT2"
    assert p.treatments[2].best_response == "PR"
    assert p.find_labs("LOINC:718-7") == [(0, p.labs[0])]
    assert p.labs[1].canonical_unit == "10^9/L"
    assert p.source_of("labs[0]").origin == "structured"


def test_yaml_profile_normalises_aliases(fixtures: Path) -> None:
    p = load_profile(fixtures / "patient" / "example_profile.yaml").profile
    assert p.performance[0].scale == "KPS"
    assert p.stage is not None and p.stage.edition == "AJCC8" and p.stage.group == "III"
    assert p.labs[0].analyte == "hemoglobin"
    assert p.labs[1].canonical_unit == "/uL"
    assert p.labs[2].result == "negative"
    assert p.treatments[0].setting == "curative"
    assert p.negatives == ["HIV"]


def test_age_without_birth_date_is_year_exact() -> None:
    p = PatientProfile(as_of=dt.date(2026, 6, 1), age=51)
    assert p.age_at() == 51 and not p.age_exact
    assert p.age_at(dt.date(2028, 6, 1)) == 53
    assert PatientProfile(as_of=dt.date(2026, 6, 1)).age_at() is None


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.update(birthdate="1975-03-02"), "birthdate", "unknown field"),
        (lambda d: d.update(labz=[]), "labz", "unknown field"),
        (lambda d: d["labs"][1].update(value="lots"), "labs[1].value", "valid number"),
        (lambda d: d.update(birth_date="1975-02-30"), "birth_date", "date"),
        (lambda d: d["performance"][0].update(value=7), "performance[0]", "ECOG must be"),
        (lambda d: d["labs"][0].update(value=-3), "labs[0]", "value must be >= 0"),
        (lambda d: d["labs"][0].update(unit="g/bucket"), "labs[0].unit", "unknown unit"),
        (lambda d: d.update(sex="yes"), "sex", "'male', 'female', 'other' or 'unknown'"),
        (lambda d: d.pop("as_of"), "as_of", "required field is missing"),
        (lambda d: d["treatments"][0].update(kind="magic"), "treatments[0].kind", "'drug'"),
        (lambda d: d.update(age=12), "(document)", "disagrees with birth_date"),
    ],
)
def test_broken_profile_names_file_and_field(
    tmp_path: Path, example: dict[str, Any], mutate: Any, field: str, words: str
) -> None:
    mutate(example)
    path = _write(tmp_path, example)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    err = info.value
    assert err.field == field
    assert str(path) in str(err)
    assert words in str(err)


def test_several_problems_are_all_listed(tmp_path: Path, example: dict[str, Any]) -> None:
    example["labz"] = 1
    example["vitals"]["lvef_pct"] = 140
    with pytest.raises(ProfileError) as info:
        load_profile(_write(tmp_path, example))
    fields = {f for f, _ in info.value.problems}
    assert fields == {"labz", "vitals.lvef_pct"}
    assert "2 problems" in str(info.value)


def test_unparseable_files(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"as_of": "2026-01-01",')
    with pytest.raises(ProfileError, match=r"bad.json: not valid JSON: .* line 1"):
        load_profile(bad_json)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("as_of: [2026\n  - x: : y")
    with pytest.raises(ProfileError, match=r"not valid YAML at line"):
        load_profile(bad_yaml)
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "missing.json")
    patient_only = _write(tmp_path, {"resourceType": "Patient", "id": "x"})
    with pytest.raises(ProfileError, match="expected a FHIR Bundle"):
        load_profile(patient_only)


def test_lab_and_performance_rules() -> None:
    assert Performance(scale="karnofsky", value=70).scale == "KPS"
    with pytest.raises(ValueError, match="steps of 10"):
        Performance(scale="KPS", value=75)
    with pytest.raises(ValueError, match="needs 'value'"):
        Lab(test="hemoglobin")
    assert Lab(test="INR", value=1.1).unit is None
    assert Lab(test="ANC", value=1.5, unit="x10^9/L").canonical_unit == "10^9/L"


def test_as_of_override_and_check_cli(tmp_path: Path, example: dict[str, Any]) -> None:
    path = _write(tmp_path, example)
    p = load_profile(path, as_of=dt.date(2027, 1, 1), extract_note=False).profile
    assert p.as_of == dt.date(2027, 1, 1)
    example["labs"][0]["unit"] = "g/bucket"
    bad = _write(tmp_path, example, "bad.json")
    result = CliRunner().invoke(app, ["schema", "patient", "--check", str(bad)])
    assert result.exit_code == 1
    assert "labs[0].unit" in result.stderr
