"""Parsed criteria cached in the store, keyed by PARSER_VERSION."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import ValidationError

from trialscout.criteria.atoms import ParsedCriteria
from trialscout.criteria.parser import PARSER_VERSION, parse_criteria


class CriteriaStore(Protocol):
    def put_criteria(self, nct_id: str, parser_version: str, payload_json: str) -> None: ...

    def get_criteria(self, nct_id: str) -> tuple[str, str] | None: ...


def get_or_parse(store: CriteriaStore, trial: Any) -> ParsedCriteria:
    """The cached parse when its version matches PARSER_VERSION; else parse and store it."""
    nct_id: str = trial.nct_id
    cached = store.get_criteria(nct_id)
    if cached is not None:
        version, payload = cached
        if version == PARSER_VERSION:
            try:
                return ParsedCriteria.model_validate_json(payload)
            except ValidationError:
                pass  # a corrupt or older-schema payload: parse again below
    text = trial.eligibility.criteria if getattr(trial, "eligibility", None) else None
    parsed = parse_criteria(text, nct_id)
    store.put_criteria(nct_id, PARSER_VERSION, parsed.model_dump_json(exclude_none=True))
    return parsed
