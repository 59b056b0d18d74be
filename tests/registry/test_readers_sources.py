"""iter_records: every input layout the registry ships, streamed in a fixed order."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from trialscout.registry.errors import RecordError
from trialscout.registry.readers import parse_record
from trialscout.registry.sources import RawRecord, iter_records


def _records(paths: object) -> list[RawRecord | RecordError]:
    return list(iter_records(paths))  # type: ignore[arg-type]


def test_single_json_study_is_one_verbatim_record(fixtures: Path) -> None:
    path = fixtures / "ctgov" / "api-v2" / "NCT00973089.json"
    [rec] = _records([path])
    assert isinstance(rec, RawRecord)
    assert rec.format == "ctgov-json-v2"
    assert rec.source == str(path)
    assert rec.payload == path.read_bytes()
    assert parse_record(rec).nct_id == "NCT00973089"


def test_single_path_may_be_given_without_a_list(fixtures: Path) -> None:
    [rec] = _records(fixtures / "ctgov" / "xml" / "raw_study.xml")
    assert isinstance(rec, RawRecord)
    assert rec.format == "ctgov-xml"
    assert parse_record(rec).nct_id == "NCT00002475"


def test_page_file_splits_into_one_record_per_study(fixtures: Path, tmp_path: Path) -> None:
    studies = [
        json.loads((fixtures / "ctgov" / "api-v2" / f"{n}.json").read_text("utf-8"))
        for n in ("NCT00973089", "NCT03418623", "NCT03475563")
    ]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": studies, "nextPageToken": "abc"}), "utf-8")
    recs = _records([page])
    assert [r.source for r in recs] == [f"{page}#studies[{i}]" for i in range(3)]
    assert all(isinstance(r, RawRecord) and r.format == "ctgov-json-v2" for r in recs)
    # each payload is that study's JSON alone
    assert json.loads(recs[1].payload) == studies[1]  # type: ignore[union-attr]
    ids = [parse_record(r).nct_id for r in recs if isinstance(r, RawRecord)]
    assert ids == ["NCT00973089", "NCT03418623", "NCT03475563"]


def test_page_with_a_non_study_entry_reports_that_entry(tmp_path: Path, fixtures: Path) -> None:
    study = json.loads((fixtures / "ctgov" / "api-v2" / "NCT03453554.json").read_text("utf-8"))
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": [study, {"foo": 1}]}), "utf-8")
    ok, bad = _records([page])
    assert isinstance(ok, RawRecord)
    assert isinstance(bad, RecordError)
    assert bad.source == f"{page}#studies[1]"
    assert "protocolSection" in str(bad)


def test_top_level_list_of_studies(tmp_path: Path, fixtures: Path) -> None:
    study = json.loads((fixtures / "ctgov" / "api-v2" / "NCT03453554.json").read_text("utf-8"))
    path = tmp_path / "list.json"
    path.write_text(json.dumps([study, study]), "utf-8")
    recs = _records([path])
    assert [r.source for r in recs] == [f"{path}#[0]", f"{path}#[1]"]


def test_folder_is_walked_recursively_in_sorted_order(fixtures: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "b").mkdir(parents=True)
    (root / "a" / "deep").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "__MACOSX").mkdir()
    src = fixtures / "ctgov"
    shutil.copy(src / "xml" / "raw_study.xml", root / "b" / "raw_study.xml")
    shutil.copy(src / "api-v2" / "NCT03453554.json", root / "a" / "deep" / "NCT03453554.json")
    shutil.copy(src / "xml" / "NCT03182660.xml", root / "NCT03182660.xml")
    shutil.copy(src / "xml" / "raw_study.xml", root / ".hidden" / "x.xml")
    shutil.copy(src / "xml" / "raw_study.xml", root / "__MACOSX" / "._x.xml")
    (root / ".DS_Store").write_bytes(b"\0junk")
    (root / "notes.txt").write_text("not a record", "utf-8")
    recs = _records([root])
    sources = [r.source for r in recs]
    assert sources == [
        str(root / "NCT03182660.xml"),
        str(root / "notes.txt"),
        str(root / "a" / "deep" / "NCT03453554.json"),
        str(root / "b" / "raw_study.xml"),
    ]
    assert isinstance(recs[1], RecordError)
    assert "not a registry record" in str(recs[1])
    assert "notes.txt" in str(recs[1])
    # the same walk twice gives the same order
    assert [r.source for r in _records([root])] == sources


def test_zip_of_per_study_json_is_streamed_member_by_member(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ctg-studies.json.zip"
    names = ["NCT03475563.json", "NCT00973089.json", "NCT03418623.json"]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in names:
            zf.write(fixtures / "ctgov" / "api-v2" / n, n)
        zf.writestr("__MACOSX/._NCT00973089.json", b"junk")
        zf.writestr(".DS_Store", b"junk")
        zf.writestr("sub/", b"")
    it = iter_records([archive])
    first = next(it)
    assert isinstance(first, RawRecord)
    assert first.source == f"{archive}:NCT00973089.json"
    rest = list(it)
    assert [r.source for r in rest] == [
        f"{archive}:NCT03418623.json",
        f"{archive}:NCT03475563.json",
    ]
    trials = [parse_record(r) for r in [first, *rest] if isinstance(r, RawRecord)]
    assert [t.nct_id for t in trials] == ["NCT00973089", "NCT03418623", "NCT03475563"]


def test_allpublicxml_layout_zip(fixtures: Path, tmp_path: Path) -> None:
    archive = tmp_path / "AllPublicXML.zip"
    xml = fixtures / "ctgov" / "xml"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("NCT0282xxxx/", b"")
        zf.write(xml / "NCT02830269.xml", "NCT0283xxxx/NCT02830269.xml")
        zf.write(xml / "NCT01339988.xml", "NCT0133xxxx/NCT01339988.xml")
        zf.write(xml / "NCT03182660.xml", "NCT0318xxxx/NCT03182660.xml")
        zf.write(xml / "NCT00980226-id-mismatch.xml", "NCT0098xxxx/NCT00980226.xml")
        zf.writestr("Contents.txt", "a listing, not a record")
    recs = _records([archive])
    assert [r.source.split(":", 1)[1] for r in recs] == [
        "Contents.txt",
        "NCT0098xxxx/NCT00980226.xml",
        "NCT0133xxxx/NCT01339988.xml",
        "NCT0283xxxx/NCT02830269.xml",
        "NCT0318xxxx/NCT03182660.xml",
    ]
    assert isinstance(recs[0], RecordError)
    parsed = []
    errors = []
    for r in recs[1:]:
        assert isinstance(r, RawRecord)
        try:
            parsed.append(parse_record(r).nct_id)
        except RecordError as exc:
            errors.append(exc)
    assert parsed == ["NCT01339988", "NCT02830269", "NCT03182660"]
    [mismatch] = errors
    assert "does not match file name" in str(mismatch)
    assert mismatch.source == f"{archive}:NCT0098xxxx/NCT00980226.xml"


def test_files_that_are_not_records_give_errors_not_exceptions(
    fixtures: Path, tmp_path: Path
) -> None:
    html = fixtures / "ctgov" / "xml" / "Invalid-nct-id.html"
    not_study = tmp_path / "config.json"
    not_study.write_text('{"name": "x", "version": 2}', "utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"studies": [', "utf-8")
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"this is not a zip")
    missing = tmp_path / "missing.xml"
    recs = _records([html, not_study, broken, bad_zip, missing])
    assert all(isinstance(r, RecordError) for r in recs)
    lines = [str(r) for r in recs]
    assert "Invalid-nct-id.html" in lines[0] and "not a registry record" in lines[0]
    assert "config.json" in lines[1] and "not a ClinicalTrials.gov API v2 study" in lines[1]
    assert "broken.json" in lines[2] and "malformed JSON" in lines[2]
    assert "bad.zip" in lines[3] and "zip" in lines[3]
    assert "missing.xml" in lines[4] and "no such file" in lines[4]
    assert all("\n" not in line for line in lines)


def test_malformed_single_study_json_fails_at_parse(tmp_path: Path) -> None:
    path = tmp_path / "NCT00000001.json"
    path.write_bytes(b'{"protocolSection": {"identificationModule": ')
    [rec] = _records([path])
    assert isinstance(rec, RawRecord)
    with pytest.raises(RecordError, match="malformed JSON"):
        parse_record(rec)


def test_paths_keep_the_given_order(fixtures: Path) -> None:
    a = fixtures / "ctgov" / "xml" / "raw_study.xml"
    b = fixtures / "ctgov" / "api-v2" / "NCT03453554.json"
    assert [r.source for r in _records([a, b])] == [str(a), str(b)]
    assert [r.source for r in _records([b, a])] == [str(b), str(a)]
