"""Rank the store's trials for one patient (the patient page and `POST /api/match`).

For now: candidates from the store's full-text search on the patient's diagnosis words
(`match="any"`, top `candidates`), each matched, then ranked eligible > possibly
eligible (by score) > ineligible. A registry-wide `find` can replace this function.
"""

from __future__ import annotations

from typing import Any

from trialscout.match import MatchPolicy, TrialMatch, match_trial
from trialscout.patient.profile import PatientProfile
from trialscout.search import SearchQuery


def query_text(profile: PatientProfile) -> str | None:
    """The diagnosis words: names, histology and body site of every diagnosis."""
    words: list[str] = []
    for d in profile.diagnoses:
        words += [w for w in (d.name, d.histology, d.body_site) if w]
    text = " ".join(words).strip()
    return text or None


def rank_trials(
    store: Any,
    profile: PatientProfile,
    limit: int = 20,
    *,
    candidates: int = 50,
    policy: MatchPolicy | None = None,
) -> list[TrialMatch]:
    """The best `limit` matches among the search candidates, best first."""
    from trialscout.criteria.cache import get_or_parse

    page = store.search(SearchQuery(text=query_text(profile), match="any", limit=candidates))
    results: list[TrialMatch] = []
    for hit in page.results:
        trial = store.get_trial(hit.nct_id)
        if trial is None:
            continue
        parsed = get_or_parse(store, trial)
        results.append(match_trial(profile, trial, parsed, policy=policy))
    results.sort(key=lambda r: r.nct_id)
    results.sort(key=lambda r: r.rank_key(), reverse=True)
    return results[:limit]
