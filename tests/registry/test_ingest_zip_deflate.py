"""Zip members are stored with their own deflate bytes (no second compression), read back
verbatim, and a damaged member is reported, never stored."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from trialscout.registry.errors import RecordError
from trialscout.registry.ingest import ingest_paths
from trialscout.registry.sources import RawRecord, iter_records
from trialscout.store import Store

NAMES = ("NCT00002138.xml", "NCT00004763.xml", "NCT00005478.xml")


def _zip(fixtures: Path, target: Path, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(target, "w", method) as zf:
        for n in NAMES:
            zf.write(fixtures / "ingest" / n, f"NCT0000xxxx/{n}")
    return target


def test_deflated_member_carries_a_zlib_stream_of_the_same_bytes(
    fixtures: Path, tmp_path: Path
) -> None:
    recs = list(iter_records(_zip(fixtures, tmp_path / "a.zip")))
    assert len(recs) == len(NAMES)
    for rec, n in zip(recs, NAMES, strict=True):
        assert isinstance(rec, RawRecord)
        assert rec.payload == (fixtures / "ingest" / n).read_bytes()
        assert rec.zlib_payload is not None
        assert zlib.decompress(rec.zlib_payload) == rec.payload
        # Equality is about the record, not how it was read.
        assert rec == RawRecord(rec.source, rec.format, rec.payload)


def test_stored_member_has_no_zlib_stream(fixtures: Path, tmp_path: Path) -> None:
    recs = list(iter_records(_zip(fixtures, tmp_path / "s.zip", zipfile.ZIP_STORED)))
    assert all(isinstance(r, RawRecord) and r.zlib_payload is None for r in recs)


def test_ingested_zip_member_reads_back_verbatim(fixtures: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        summary = ingest_paths([_zip(fixtures, tmp_path / "a.zip")], store, progress=False)
        assert (summary.stored, summary.failed) == (len(NAMES), 0)
        raw = store.get_raw(NAMES[1].removesuffix(".xml"))
        assert raw is not None and raw.format == "ctgov-xml"
        assert raw.payload == (fixtures / "ingest" / NAMES[1]).read_bytes()


def test_damaged_member_is_an_error_naming_it(fixtures: Path, tmp_path: Path) -> None:
    path = _zip(fixtures, tmp_path / "a.zip")
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(f"NCT0000xxxx/{NAMES[0]}")
    data = bytearray(path.read_bytes())
    # Flip a byte inside the first member's compressed data.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    recs = list(iter_records(path))
    assert isinstance(recs[0], RecordError) and NAMES[0] in str(recs[0])
    assert all(isinstance(r, RawRecord) for r in recs[1:])
