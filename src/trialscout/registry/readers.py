"""One entry point from a raw record to a Trial, whatever the registry format."""

from __future__ import annotations

import json

from trialscout.registry.errors import RecordError
from trialscout.registry.json_reader import trial_from_api_v2
from trialscout.registry.model import Trial
from trialscout.registry.sources import RawRecord
from trialscout.registry.xml_reader import trial_from_xml


def parse_record(raw: RawRecord) -> Trial:
    """Parse one raw record; every failure (even a reader bug) is a RecordError naming it."""
    try:
        if raw.format == "ctgov-xml":
            return trial_from_xml(raw.payload, raw.source)
        if raw.format == "ctgov-json-v2":
            try:
                study = json.loads(raw.payload)
            except (ValueError, UnicodeDecodeError) as exc:
                raise RecordError(raw.source, f"malformed JSON: {exc}") from None
            if not isinstance(study, dict) or "protocolSection" not in study:
                raise RecordError(raw.source, "not an API v2 study: no 'protocolSection'")
            return trial_from_api_v2(study, raw.source)
        raise RecordError(raw.source, f"unknown record format {raw.format!r}")
    except RecordError:
        raise
    except Exception as exc:  # one odd record must never stop a batch
        raise RecordError(
            raw.source, f"could not read record ({type(exc).__name__}: {exc})"
        ) from exc
