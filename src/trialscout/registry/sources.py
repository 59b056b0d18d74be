"""Where raw records come from: files, folders, zip archives, API pages. Streamed, constant memory.

CONTRACT (other modules code against this):

    @dataclass(frozen=True)
    class RawRecord:
        source: str   # "d/NCT01.xml", "All.zip:NCT0000xxxx/NCT00000102.xml", "p.json#studies[3]"
        format: Literal["ctgov-json-v2", "ctgov-xml"]
        payload: bytes # the verbatim record: one study's JSON, or one XML document

    def iter_records(paths: Sequence[str | Path]) -> Iterator[RawRecord | RecordError]

Files are yielded one at a time and zip members are read one at a time, so memory stays
flat however big the archive (only the zip's directory listing is held, to sort it).
Anything that is not a record (an .html page, a README, JSON that is not a study) is
yielded as a RecordError naming the file; nothing here raises for bad input.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from trialscout.registry.errors import RecordError

RecordFormat = Literal["ctgov-json-v2", "ctgov-xml"]

_JUNK_NAMES = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})
_FIRST_KEY = re.compile(rb'^\s*\{\s*"([^"\\]{1,40})"')
_NOT_RECORD = "not a registry record (expected a .json or .xml study, or a .zip of them)"


@dataclass(frozen=True)
class RawRecord:
    """One verbatim registry record and where it came from."""

    source: str
    format: RecordFormat
    payload: bytes
    # The same bytes as a zlib stream, when the input already held them deflated (a zip
    # member): the store keeps that instead of compressing the record again. Optional and
    # outside equality, so `RawRecord(source, format, payload)` is unchanged.
    zlib_payload: bytes | None = field(default=None, compare=False, repr=False)


def iter_records(paths: Sequence[str | Path] | str | Path) -> Iterator[RawRecord | RecordError]:
    """Stream records from files, folders (recursive, sorted), zips and API v2 pages."""
    if isinstance(paths, str | Path):
        paths = [paths]
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from _iter_dir(path)
        elif path.is_file():
            yield from _iter_file(path)
        else:
            yield RecordError(str(path), "no such file or directory")


def _is_junk(name: str) -> bool:
    return name.startswith(".") or name in _JUNK_NAMES


def _iter_dir(root: Path) -> Iterator[RawRecord | RecordError]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _is_junk(d))
        for name in sorted(filenames):
            if not _is_junk(name):
                yield from _iter_file(Path(dirpath) / name)


def _iter_file(path: Path) -> Iterator[RawRecord | RecordError]:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        yield from _iter_zip(path)
        return
    if suffix not in (".xml", ".json"):
        yield RecordError(source, _NOT_RECORD)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield RecordError(source, f"cannot read file: {exc.strerror or exc}")
        return
    yield from _records_from_bytes(source, suffix, data)


def _iter_zip(path: Path) -> Iterator[RawRecord | RecordError]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield RecordError(str(path), f"not a readable zip archive: {exc}")
        return
    with archive:
        members = sorted(
            (
                info
                for info in archive.infolist()
                if not info.is_dir()
                and not any(_is_junk(part) for part in info.filename.split("/"))
            ),
            key=lambda info: info.filename,
        )
        with path.open("rb") as fh:
            for info in members:
                source = f"{path}:{info.filename}"
                suffix = os.path.splitext(info.filename)[1].lower()
                if suffix not in (".xml", ".json"):
                    yield RecordError(source, _NOT_RECORD)
                    continue
                deflated: bytes | None = None
                try:
                    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 1:
                        data, deflated = _read_deflated(fh, info)
                    else:
                        data = archive.read(info)
                except (zipfile.BadZipFile, OSError, zlib.error, EOFError, RuntimeError) as exc:
                    yield RecordError(source, f"cannot read archive member: {exc}")
                    continue
                for rec in _records_from_bytes(source, suffix, data):
                    if deflated is not None and isinstance(rec, RawRecord) and rec.payload is data:
                        rec = RawRecord(rec.source, rec.format, data, _zlib_stream(data, deflated))
                    yield rec


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra length


def _read_deflated(fh: BinaryIO, info: zipfile.ZipInfo) -> tuple[bytes, bytes]:
    """A deflated member's (content, raw deflate bytes), read past zipfile: the raw bytes let
    the store skip a second compression. Checked against the archive's size and CRC."""
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("truncated local file header")
    signature, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad magic number for file header")
    fh.seek(name_len + extra_len, os.SEEK_CUR)
    raw = fh.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise EOFError("truncated member data")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    data = inflater.decompress(raw)
    if not inflater.eof or len(data) != info.file_size:
        raise zipfile.BadZipFile("member data does not inflate to its recorded size")
    if zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 for file {info.filename!r}")
    return data, raw


def _zlib_stream(data: bytes, deflated: bytes) -> bytes:
    """Wrap raw deflate bytes as a zlib stream (RFC 1950: 2-byte header, Adler-32 trailer)
    that `zlib.decompress` reads back as `data`."""
    return b"\x78\x01" + deflated + struct.pack(">I", zlib.adler32(data))


def _records_from_bytes(source: str, suffix: str, data: bytes) -> Iterator[RawRecord | RecordError]:
    if suffix == ".xml":
        yield RawRecord(source, "ctgov-xml", data)
        return
    m = _FIRST_KEY.match(data[:200])
    if m and m.group(1) == b"protocolSection":
        # One study per file (the registry's bulk download): the reader parses it once, later.
        yield RawRecord(source, "ctgov-json-v2", data)
        return
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        yield RecordError(source, f"malformed JSON: {exc}")
        return
    yield from _split_json(source, data, doc)


def _split_json(source: str, data: bytes, doc: Any) -> Iterator[RawRecord | RecordError]:
    if isinstance(doc, dict) and "protocolSection" in doc:
        yield RawRecord(source, "ctgov-json-v2", data)
        return
    if isinstance(doc, dict) and isinstance(doc.get("studies"), list):
        studies, label = doc["studies"], "studies"
    elif isinstance(doc, list):
        studies, label = doc, ""
    else:
        yield RecordError(
            source,
            "not a ClinicalTrials.gov API v2 study (no 'protocolSection') "
            "nor a page of studies (no 'studies' list)",
        )
        return
    for i, study in enumerate(studies):
        item = f"{source}#{label}[{i}]"
        if isinstance(study, dict) and "protocolSection" in study:
            payload = json.dumps(study, ensure_ascii=False, separators=(",", ":")).encode()
            yield RawRecord(item, "ctgov-json-v2", payload)
        else:
            yield RecordError(item, "not an API v2 study: no 'protocolSection'")
