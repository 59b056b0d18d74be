"""Against the full reference data (skipped on a bare clone)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from trialscout.registry.errors import RecordError
from trialscout.registry.readers import parse_record
from trialscout.registry.sources import RawRecord, iter_records

pytestmark = pytest.mark.shared

EXPECTED_EDGE_CASE_ERRORS = {
    "Invalid-nct-id.html": "not a registry record",
    "NCT00980226-id-mismatch.xml": "does not match file name",
    "NCT00980226.xml": "does not match file name",  # holds NCT00081588 too
    "covid_search.xml": "root element <rss>",
    "empty_search.xml": "root element <rss>",
}


def _outcomes(paths: list[Path]) -> tuple[list[str], dict[str, str]]:
    ok: list[str] = []
    errors: dict[str, str] = {}
    for rec in iter_records(paths):
        if isinstance(rec, RecordError):
            errors[Path(rec.source).name] = str(rec)
            continue
        try:
            ok.append(parse_record(rec).nct_id)
        except RecordError as exc:
            errors[Path(rec.source).name] = str(exc)
    return ok, errors


def test_every_xml_edge_case_parses_or_gives_a_one_line_error(shared_data: Path) -> None:
    folder = shared_data / "ctgov" / "xml-edge-cases"
    ok, errors = _outcomes([folder])
    assert set(errors) == set(EXPECTED_EDGE_CASE_ERRORS)
    for name, expected in EXPECTED_EDGE_CASE_ERRORS.items():
        assert expected in errors[name]
        assert "\n" not in errors[name]
    assert len(ok) == len(list(folder.iterdir())) - len(EXPECTED_EDGE_CASE_ERRORS)


def test_api_v2_studies_parse(shared_data: Path) -> None:
    ok, errors = _outcomes([shared_data / "ctgov" / "api-v2"])
    # NCT02278341.json is a copy of NCT02552212's record in the reference data
    assert list(errors) == ["NCT02278341.json"]
    assert "NCT02552212 does not match file name" in errors["NCT02278341.json"]
    assert len(ok) == 13


def test_allpublicxml_sample_first_thousand_parse(shared_data: Path) -> None:
    archive = shared_data / "ctgov" / "AllPublicXML-sample.zip"
    recs = list(itertools.islice(iter_records([archive]), 1000))
    assert all(isinstance(r, RawRecord) for r in recs)
    trials = [parse_record(r) for r in recs if isinstance(r, RawRecord)]
    assert len(trials) == 1000
    assert all(r.source.startswith(f"{archive}:") for r in recs)
    assert sum(1 for t in trials if t.eligibility and t.eligibility.criteria) > 900
